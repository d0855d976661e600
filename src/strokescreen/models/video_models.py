"""Region-crop and 3-D video baselines behind the scikit-learn contract.

``VideoBaselineClassifier(arch=...)`` with ``arch`` one of

- ``"region-cnn"``: the Siamese left-vs-right region network
  (:class:`strokescreen.models.nets.region.RegionSiameseNet`) on the eye, nose and mouth
  crops of every sampled kept frame;
- ``"i3d"``: the I3D-style inflated 3-D ResNet
  (:class:`strokescreen.models.nets.video3d.I3DResNet`) on clips of kept frames; with
  ``video_weights`` (a torchvision-format 2-D ResNet file of the preset's depth, at
  width 1.0) the 2-D weights are inflated, otherwise it is trained from scratch;
- ``"slowfast"``: the SlowFast-style two-pathway network on the same clips.

They read each case's artifact folder (``case_dir``) like the DeepStroke models, train
with the same weighted binary cross-entropy (:func:`strokescreen.models.deep_train.
classification_loss`) and Adam, per-epoch shuffles from ``np.random.default_rng([seed,
epoch])``, and give case probabilities as the mean over the case's samples (frames or
clips). A per-epoch checkpoint in ``checkpoint_dir`` is resumed when it matches.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from strokescreen.errors import ConfigError, InputError, NotFittedError
from strokescreen.models.base import CaseModel, check_labels
from strokescreen.models.video_data import (
    ARCHS,
    VideoPreset,
    get_video_preset,
    load_video_samples_cached,
)

WEIGHTS = "weights.pt"
SIDECAR = "video.json"
_NOT_PARAMS = ("progress", "checkpoint_dir")


def build_net(arch: str, preset: VideoPreset, *, generator: Any = None,
              video_weights: str | None = None) -> Any:
    """The torch network of ``arch`` at ``preset``'s sizes, initialised from ``generator``
    (I3D: inflated from a 2-D ResNet, loaded from ``video_weights`` when given)."""
    from strokescreen.models.nets.resnet import ResNet, init_resnet, load_weights_file

    if arch == "region-cnn":
        from strokescreen.models.nets.region import RegionSiameseNet

        region = RegionSiameseNet(preset.region_channels)
        if generator is not None:
            init_resnet(region, generator)
        return region
    if arch == "i3d":
        from strokescreen.models.nets.video3d import I3DResNet

        flat = ResNet(preset.i3d_depth, width=preset.i3d_width, num_classes=None)
        if generator is not None:
            init_resnet(flat, generator)
        if video_weights:
            load_weights_file(flat, video_weights)
        i3d = I3DResNet(flat)
        if generator is not None:
            init_resnet(i3d.fc, generator)
        return i3d
    if arch == "slowfast":
        from strokescreen.models.nets.video3d import SlowFastNet

        slowfast = SlowFastNet(alpha=preset.sf_alpha, beta=preset.sf_beta,
                               channels=preset.sf_channels, blocks=preset.sf_blocks)
        if generator is not None:
            _init_3d(slowfast, generator)
        return slowfast
    raise InputError(f"unknown video baseline {arch!r}; valid: {', '.join(ARCHS)}")


def _init_3d(net: Any, generator: Any) -> None:
    """Kaiming-normal 3-D convolutions, unit batch norms, uniform linear layers."""
    from torch import nn

    from strokescreen.models.nets.resnet import init_resnet

    init_resnet(net, generator)  # batch norms and linear layers
    for m in net.modules():
        if isinstance(m, nn.Conv3d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu",
                                    generator=generator)


def to_tensor(x_u8: np.ndarray, arch: str) -> Any:
    """uint8 samples -> float tensor, ImageNet-normalised: region pairs (B, 3, 2, P, P, 3)
    -> (B, 3, 2, 3, P, P); clips (B, T, H, W, 3) -> (B, 3, T, H, W)."""
    import torch

    from strokescreen.models.deep_data import IMAGENET_MEAN, IMAGENET_STD

    x = (x_u8.astype(np.float32) / 255.0 - IMAGENET_MEAN) / IMAGENET_STD
    order = (0, 1, 2, 5, 3, 4) if arch == "region-cnn" else (0, 4, 1, 2, 3)
    return torch.from_numpy(np.ascontiguousarray(x.transpose(order)))


class VideoBaselineClassifier(CaseModel):
    """A region-crop or 3-D video network as a case classifier (see the module docstring).

    Parameters
    ----------
    arch : ``"region-cnn"``, ``"i3d"`` or ``"slowfast"``.
    preset : ``"tiny"``, ``"default"`` or ``"paper"`` (:data:`strokescreen.models.
        video_data.PRESETS`); epochs, batch_size, lr override it when given.
    seed : weight initialisation (torch.Generator) and per-epoch shuffles.
    video_weights : torchvision-format 2-D ResNet state_dict inflated into I3D (other
        archs ignore it); audio_weights : accepted for the ablation's common parameters,
        unused (these baselines see no audio).
    checkpoint_dir : per-epoch checkpoint folder (resumed when it matches this fit).
    progress : ``progress(done, total=None, note=None)`` per batch and epoch.
    device : ``"cpu"``, ``"cuda"`` or ``"auto"``; num_threads : torch CPU threads (default:
        the preset's).

    Attributes after fit: ``net_``, ``preset_``, ``history_`` (per-epoch mean loss and
    training AUC), ``skipped_`` (case_id -> reason), ``notes_``, ``classes_``,
    ``n_train_cases_``. After predict_proba: ``predict_notes_``.
    """

    uses_features: ClassVar[bool] = False
    weights_format: ClassVar[str] = "torch"

    def __init__(self, arch: str = "region-cnn", preset: str = "tiny",
                 epochs: int | None = None, seed: int = 0, video_weights: str | None = None,
                 audio_weights: str | None = None, batch_size: int | None = None,
                 lr: float | None = None, checkpoint_dir: str | None = None,
                 progress: Callable[..., None] | None = None, device: str = "cpu",
                 num_threads: int | None = None) -> None:
        self.arch = arch
        self.preset = preset
        self.epochs = epochs
        self.seed = seed
        self.video_weights = video_weights
        self.audio_weights = audio_weights
        self.batch_size = batch_size
        self.lr = lr
        self.checkpoint_dir = checkpoint_dir
        self.progress = progress
        self.device = device
        self.num_threads = num_threads

    # -- helpers --------------------------------------------------------------------------
    def _preset(self) -> VideoPreset:
        if self.arch not in ARCHS:
            raise InputError(f"unknown video baseline {self.arch!r}; valid: {', '.join(ARCHS)}")
        return get_video_preset(self.preset, epochs=self.epochs, batch_size=self.batch_size,
                                lr=self.lr)

    def _threads(self, preset: VideoPreset) -> int | None:
        return self.num_threads or preset.num_threads or None

    def _samples(self, cases: pd.DataFrame, preset: VideoPreset) -> list:
        if not isinstance(cases, pd.DataFrame):
            raise InputError(f"cases must be a pandas DataFrame, got {type(cases).__name__}")
        missing = [c for c in ("case_id", "case_dir") if c not in cases.columns]
        if missing:
            raise InputError(f"cases table lacks column(s) {missing}; a video model reads "
                             "each case's artifact folder from 'case_dir'")
        return [load_video_samples_cached(r.case_dir, case_id=str(r.case_id), arch=self.arch,
                                          preset=preset)
                for r in cases[["case_id", "case_dir"]].itertuples(index=False)]

    def _fingerprint(self, preset: VideoPreset, cases: pd.DataFrame, y: np.ndarray) -> str:
        params = {k: str(v) for k, v in self.get_params().items() if k not in _NOT_PARAMS}
        blob = json.dumps({"params": params, "preset": preset.to_dict(),
                           "cases": [str(c) for c in cases["case_id"]],
                           "y": [int(v) for v in y]}, sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    def _check_fitted(self, attribute: str = "net_") -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(f"VideoBaselineClassifier({self.arch}) is not fitted; call "
                                 "fit(cases, y) first")

    # -- sklearn contract -----------------------------------------------------------------
    def fit(self, cases: pd.DataFrame, y: np.ndarray | None = None) -> VideoBaselineClassifier:
        """Train on the cases' artifact folders; ``y`` (n,) 0/1 defaults to ``cases.label``."""
        import torch

        from strokescreen.models.deep_train import resolve_device, torch_settings
        from strokescreen.models.video_train import train_samples

        preset = self._preset()
        if self.video_weights and self.arch == "i3d" and preset.i3d_width != 1.0:
            raise ConfigError(f"2-D weights only fit a full-width ResNet; preset "
                              f"{preset.name!r} has width {preset.i3d_width}: use the "
                              "default or paper preset")
        samples = self._samples(cases, preset)
        cases = cases.reset_index(drop=True)
        if y is None and "label" not in cases.columns:
            raise InputError("no labels: pass y or a 'label' column (1 stroke, 0 not stroke)")
        y = check_labels(cases["label"] if y is None else y, len(cases))
        usable = np.array([len(s.x) > 0 for s in samples])
        self.skipped_ = {s.case_id: s.reason for s in samples if s.reason}
        self.notes_ = {s.case_id: s.note for s in samples if s.note}
        if not usable.any():
            raise InputError(f"none of the {len(cases)} training cases has usable video for "
                             f"{self.arch}: " + "; ".join(
                                 f"{k}: {v}" for k, v in list(self.skipped_.items())[:3]))
        if len(np.unique(y[usable])) < 2:
            raise InputError("training cases hold a single class; need stroke and non-stroke "
                             "cases to fit")
        x = np.concatenate([s.x for s in samples if len(s.x)])
        case_of = np.concatenate([np.full(len(s.x), c) for c, s in enumerate(samples)
                                  if len(s.x)])
        device = resolve_device(self.device)
        with torch_settings(self._threads(preset), device=self.device):
            gen = torch.Generator().manual_seed(int(self.seed))
            net = build_net(self.arch, preset, generator=gen, video_weights=self.video_weights)
            net.to(device)
            self.history_ = train_samples(
                net, x, y[case_of].astype(np.float32), case_of, arch=self.arch, preset=preset,
                seed=int(self.seed), device=device,
                fingerprint=self._fingerprint(preset, cases, y),
                checkpoint_dir=Path(self.checkpoint_dir) if self.checkpoint_dir else None,
                progress=self.progress)
        self.net_ = net.cpu().eval()
        self.preset_ = preset
        self.classes_ = np.array([0, 1])
        self.n_train_cases_ = int(usable.sum())
        self.train_summary_ = {"n_cases": int(len(cases)), "n_usable": self.n_train_cases_,
                               "n_samples": int(len(x)), "n_stroke": int(y.sum()),
                               "n_non_stroke": int((1 - y).sum())}
        return self

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """(n, 2) [P(non-stroke), P(stroke)]: the mean over the case's samples; NaN rows
        for cases without usable video (reasons in ``predict_notes_``)."""
        from strokescreen.models.deep_train import resolve_device, torch_settings
        from strokescreen.models.video_train import predict_samples

        self._check_fitted()
        preset = self.preset_
        samples = self._samples(cases, preset)
        p = np.full(len(samples), np.nan)
        with torch_settings(self._threads(preset), device=self.device):
            device = resolve_device(self.device)
            self.net_.to(device)
            for c, s in enumerate(samples):
                if len(s.x):
                    p[c] = float(predict_samples(self.net_, s.x, arch=self.arch, device=device,
                                                 batch_size=preset.batch_size).mean())
            self.net_.cpu()
        self.predict_notes_ = {s.case_id: f"{s.reason}; no usable input: probability is NaN"
                               for s in samples if s.reason}
        return np.column_stack([1.0 - p, p])

    # -- persistence ----------------------------------------------------------------------
    def save_weights(self, folder: Path) -> list[str]:
        """Write ``weights.pt`` (state_dict) and ``video.json`` (arch, preset, history)."""
        import torch

        self._check_fitted()
        folder = Path(folder)
        torch.save(self.net_.state_dict(), folder / WEIGHTS)
        info = {"arch": self.arch, "preset": self.preset_.to_dict(), "history": self.history_,
                "skipped": self.skipped_, "training_cohort": self.train_summary_,
                "torch_version": torch.__version__}
        (folder / SIDECAR).write_text(json.dumps(info, indent=2, default=str) + "\n")
        return [WEIGHTS, SIDECAR]

    def load_weights(self, folder: Path, files: list[str]) -> VideoBaselineClassifier:
        """Restore a network written by :meth:`save_weights` (``weights_only=True``)."""
        import torch

        folder = Path(folder)
        try:
            info = json.loads((folder / SIDECAR).read_text())
        except (OSError, ValueError) as exc:
            raise InputError(f"cannot read {folder / SIDECAR}: {exc}; the model folder is "
                             "incomplete") from None
        if info.get("arch") != self.arch:
            raise InputError(f"{folder} holds {info.get('arch')!r}, not {self.arch!r}")
        self.preset_ = VideoPreset.from_dict(info["preset"])
        net = build_net(self.arch, self.preset_)
        net.load_state_dict(torch.load(folder / WEIGHTS, map_location="cpu", weights_only=True))
        self.net_ = net.eval()
        self.history_ = info.get("history", [])
        self.skipped_ = info.get("skipped", {})
        self.train_summary_ = info.get("training_cohort", {})
        self.n_train_cases_ = int(self.train_summary_.get("n_usable", 0))
        self.classes_ = np.array([0, 1])
        return self


def _factory(arch: str) -> Callable[..., VideoBaselineClassifier]:
    """Registry factory of ``arch``: the classifier's keyword parameters (but ``arch``)
    plus ``random_state`` taken as ``seed``; the signature is explicit so that the
    registry names the valid parameters when one is wrong."""
    import inspect

    def make(*, random_state: int | None = None, **params: Any) -> VideoBaselineClassifier:
        if random_state is not None and "seed" not in params:
            params["seed"] = random_state
        return VideoBaselineClassifier(arch=arch, **params)

    sig = inspect.signature(VideoBaselineClassifier.__init__)
    kw = [p.replace(kind=inspect.Parameter.KEYWORD_ONLY) for n, p in sig.parameters.items()
          if n not in ("self", "arch")]
    kw.append(inspect.Parameter("random_state", inspect.Parameter.KEYWORD_ONLY, default=None))
    make.__signature__ = inspect.Signature(kw)  # type: ignore[attr-defined]
    make.__name__ = make.__qualname__ = "make_" + arch.replace("-", "_")
    make.__doc__ = f"A fresh, unfitted ``{arch}`` VideoBaselineClassifier."
    return make


make_region_cnn = _factory("region-cnn")
make_i3d = _factory("i3d")
make_slowfast = _factory("slowfast")
