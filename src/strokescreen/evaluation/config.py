"""Settings of an evaluation run (frozen, validated; written into ``metrics.json``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import ConfigError
from strokescreen.evaluation.splits import SplitSpec

IMPORTANCE_KINDS = ("permutation", "native", "none")


@dataclass(frozen=True)
class EvaluationConfig:
    """How to evaluate a model.

    split, folds, holdout_first, holdout_after, seed : see :class:`SplitSpec` (``seed`` also
        seeds the bootstrap, the permutations and the models).
    reference_specificity : specificity to match (default: the DeepStroke paper's triage
        team, 45.71 %), as a fraction.
    reference_sensitivity : optional sensitivity to match, as a fraction.
    n_bootstrap : resamples of the subject-cluster bootstrap for the AUC CI (0: no CI).
    importance : "permutation" (pooled permutation AUC drop + native), "native" or "none".
    importance_repeats : permutations per feature.
    """

    split: str = "group-kfold"
    folds: int = 5
    holdout_first: int | None = None
    holdout_after: str | None = None
    seed: int = 0
    reference_specificity: float = TRIAGE_SPECIFICITY
    reference_sensitivity: float | None = None
    n_bootstrap: int = 1000
    importance: str = "permutation"
    importance_repeats: int = 3

    def split_spec(self) -> SplitSpec:
        return SplitSpec(
            kind=self.split,
            folds=self.folds,
            holdout_first=self.holdout_first,
            holdout_after=self.holdout_after,
            seed=self.seed,
        )

    def validate(self) -> None:
        self.split_spec().validate()
        for name in ("reference_specificity", "reference_sensitivity"):
            v = getattr(self, name)
            if v is not None and not 0.0 <= v <= 1.0:
                raise ConfigError(f"{name}={v} is not a fraction in [0, 1] ({TRIAGE_SPECIFICITY} means "
                                  f"{100 * TRIAGE_SPECIFICITY:.2f} %)")
        if self.n_bootstrap < 0:
            raise ConfigError(f"n_bootstrap={self.n_bootstrap}; use 0 (no CI) or more")
        if self.importance not in IMPORTANCE_KINDS:
            raise ConfigError(
                f"importance '{self.importance}' is unknown; use {', '.join(IMPORTANCE_KINDS)}"
            )
        if self.importance_repeats < 1:
            raise ConfigError(f"importance_repeats={self.importance_repeats}; use 1 or more")

    def engine_kwargs(self) -> dict[str, Any]:
        """Keyword arguments of :func:`strokescreen.evaluation.engine.cross_validate`."""
        return {
            "reference_specificity": self.reference_specificity,
            "reference_sensitivity": self.reference_sensitivity,
            "n_bootstrap": self.n_bootstrap,
            "seed": self.seed,
            "importance": self.importance,
            "importance_repeats": self.importance_repeats,
        }
