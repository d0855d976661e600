"""Reference baselines of the DeepStroke paper's tables: a dummy classifier and an
MMDL-style late-fusion network.

``dummy``: every case gets the same probability (the training prevalence of stroke, or a
constant). It reads nothing of the case, so its AUC is exactly 0.5 (every score tied):
the floor any model must clear.

``mmdl-late-fusion``: a video network and an audio network trained *separately* (the
DeepStroke ``video-only`` and ``audio-only`` variants, each with its own loss and, with
the adversarial switch, its own discriminator), fused at the decision: the case
probability is the mean of the two networks' case probabilities (the one available when
a case lacks a branch). It stands for the multimodal baselines the paper compares with
(decision-level fusion of modality-specific networks), not a reimplementation of any one
published code base: no feature is shared between the modalities before the decision,
which is exactly what DeepStroke's lateral connections add.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pandas as pd

from strokescreen.errors import ConfigError, InputError
from strokescreen.models.base import CaseModel, check_labels


class DummyClassifier(CaseModel):
    """A model that reads nothing of a case: the same P(stroke) for every case.

    strategy : ``"prior"`` (default, scikit-learn's): the training stroke prevalence;
        ``"constant"``: ``constant`` whatever the training labels. Out-of-fold predictions
        of a ``prior`` dummy pooled over folds are *not* all tied when the folds'
        prevalences differ (the pooled AUC then strays from 0.5 by the folds'
        composition alone); the ablation table uses ``constant`` so that its pooled AUC
        is exactly 0.5.
    constant : P(stroke) of the ``constant`` strategy, in [0, 1].

    Attributes after fit: ``prior_`` (the P(stroke) given), ``classes_``,
    ``n_train_cases_``.
    """

    uses_features: ClassVar[bool] = False

    def __init__(self, strategy: str = "prior", constant: float = 0.5,
                 random_state: int | None = None) -> None:
        self.strategy = strategy
        self.constant = constant
        self.random_state = random_state  # accepted for a uniform interface; unused

    def fit(self, cases: pd.DataFrame, y: np.ndarray | None = None) -> DummyClassifier:
        """Learn the stroke prevalence of ``y`` (default: ``cases.label``)."""
        if self.strategy not in ("prior", "constant"):
            raise ConfigError(f"dummy strategy {self.strategy!r} is unknown; use 'prior' "
                              "or 'constant'")
        if not 0.0 <= float(self.constant) <= 1.0:
            raise ConfigError(f"dummy constant {self.constant} is not a probability in [0, 1]")
        if not isinstance(cases, pd.DataFrame):
            raise InputError(f"cases must be a pandas DataFrame, got {type(cases).__name__}")
        if y is None:
            if "label" not in cases.columns:
                raise InputError("no labels: pass y or a 'label' column (1 stroke, 0 not stroke)")
            y = cases["label"].to_numpy()
        labels = check_labels(y, len(cases))
        if labels.size == 0:
            raise InputError("no training cases: the dummy classifier needs at least one")
        self.prior_ = float(labels.mean()) if self.strategy == "prior" else float(self.constant)
        self.classes_ = np.array([0, 1])
        self.n_train_cases_ = int(labels.size)
        return self

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """(n, 2) [1 - prior, prior] for every case."""
        self._check_fitted("prior_")
        n = len(cases)
        return np.column_stack([np.full(n, 1.0 - self.prior_), np.full(n, self.prior_)])

    @property
    def feature_schema(self) -> list[str]:
        self._check_fitted("prior_")
        return []


def make_dummy(*, strategy: str = "prior", constant: float = 0.5,
               random_state: int | None = None) -> DummyClassifier:
    """A fresh, unfitted :class:`DummyClassifier`."""
    return DummyClassifier(strategy=strategy, constant=constant, random_state=random_state)


class LateFusionClassifier(CaseModel):
    """Separately trained video and audio networks, fused by the mean of probabilities.

    Parameters are those of :class:`strokescreen.models.deep.DeepStrokeClassifier` that
    make sense for both branches (``preset``, ``epochs``, ``seed``, weight files, batch
    size, ...); each branch is a full classifier of that class. ``checkpoint_dir`` gets one
    subfolder per branch. ``progress`` receives both fits' steps.

    Attributes after fit: ``video_``, ``audio_`` (fitted branch classifiers),
    ``classes_``, ``predict_notes_`` after predict_proba.
    """

    uses_features: ClassVar[bool] = False
    weights_format: ClassVar[str] = "torch"

    def __init__(
        self,
        preset: str = "tiny",
        epochs: int | None = None,
        seed: int = 0,
        video_weights: str | None = None,
        audio_weights: str | None = None,
        adversarial: bool = True,
        lambda_adv: float = 10.0,
        checkpoint_dir: str | None = None,
        progress: Callable[..., None] | None = None,
        batch_size: int | None = None,
        max_pairs: int | None = None,
        lr: float | None = None,
        device: str = "cpu",
        num_threads: int | None = None,
        video_backbone: str | None = None,
    ) -> None:
        self.preset = preset
        self.epochs = epochs
        self.seed = seed
        self.video_weights = video_weights
        self.audio_weights = audio_weights
        self.adversarial = adversarial
        self.lambda_adv = lambda_adv
        self.checkpoint_dir = checkpoint_dir
        self.progress = progress
        self.batch_size = batch_size
        self.max_pairs = max_pairs
        self.lr = lr
        self.device = device
        self.num_threads = num_threads
        self.video_backbone = video_backbone

    def _branch(self, variant: str) -> Any:
        from strokescreen.models.deep import DeepStrokeClassifier

        ckpt = str(Path(self.checkpoint_dir) / variant) if self.checkpoint_dir else None
        return DeepStrokeClassifier(
            variant=variant, preset=self.preset, epochs=self.epochs, seed=self.seed,
            video_weights=self.video_weights, audio_weights=self.audio_weights,
            lambda_adv=float(self.lambda_adv) if self.adversarial else 0.0,
            checkpoint_dir=ckpt, progress=self.progress, batch_size=self.batch_size,
            max_pairs=self.max_pairs, lr=self.lr, device=self.device,
            num_threads=self.num_threads, video_backbone=self.video_backbone)

    def fit(self, cases: pd.DataFrame, y: np.ndarray | None = None) -> LateFusionClassifier:
        """Fit the video network and the audio network, each on its own."""
        self.video_ = self._branch("video-only").fit(cases, y)
        self.audio_ = self._branch("audio-only").fit(cases, y)
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """(n, 2): the mean of both networks' P(stroke) where both exist, else the one
        that exists, else NaN (reasons in ``predict_notes_``)."""
        self._check_fitted("video_")
        pv = self.video_.predict_proba(cases)[:, 1]
        pa = self.audio_.predict_proba(cases)[:, 1]
        both = np.vstack([pv, pa])
        n_ok = np.isfinite(both).sum(axis=0)
        p = np.where(n_ok > 0, np.nansum(both, axis=0) / np.maximum(n_ok, 1), np.nan)
        notes: dict[str, str] = {}
        for src, name in ((self.video_, "video"), (self.audio_, "audio")):
            for cid, why in getattr(src, "predict_notes_", {}).items():
                notes[cid] = "; ".join(filter(None, [notes.get(cid), f"{name}: {why}"]))
        self.predict_notes_ = notes
        return np.column_stack([1.0 - p, p])

    def save_weights(self, folder: Path) -> list[str]:
        """Both networks' files, in subfolders ``video/`` and ``audio/``."""
        self._check_fitted("video_")
        files = []
        for name, model in (("video", self.video_), ("audio", self.audio_)):
            sub = Path(folder) / name
            sub.mkdir(parents=True, exist_ok=True)
            files += [f"{name}/{f}" for f in model.save_weights(sub)]
        return files

    def load_weights(self, folder: Path, files: list[str]) -> LateFusionClassifier:
        """Restore both networks written by :meth:`save_weights`."""
        for name, variant in (("video", "video-only"), ("audio", "audio-only")):
            sub = Path(folder) / name
            if not sub.is_dir():
                raise InputError(f"{folder} lacks the {name}/ folder of a late-fusion model")
            branch = self._branch(variant).load_weights(
                sub, [f.split("/", 1)[1] for f in files if f.startswith(f"{name}/")])
            setattr(self, f"{name}_", branch)
        self.classes_ = np.array([0, 1])
        return self


def make_mmdl_late_fusion(*, random_state: int | None = None,
                          **params: Any) -> LateFusionClassifier:
    """A fresh, unfitted :class:`LateFusionClassifier` (``random_state`` -> ``seed``)."""
    if random_state is not None and "seed" not in params:
        params["seed"] = random_state
    return LateFusionClassifier(**params)
