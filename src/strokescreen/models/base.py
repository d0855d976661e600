"""The one model interface that the evaluation engine, training and the app rely on.

Every model follows scikit-learn's contract:

- ``__init__`` stores parameters only (so ``sklearn.base.clone`` and ``get_params`` work);
- ``fit(cases, y) -> self`` where ``cases`` is a DataFrame with one row per case
  (``case_id, subject_id, label, case_dir`` plus numeric ``face_*`` / ``speech_*`` feature
  columns) and ``y`` an int array of 0/1 (1 = stroke), shape (n_cases,);
- ``predict_proba(cases) -> ndarray, shape (n_cases, 2)``, column 1 = P(stroke);
- learned state ends in ``_``; predicting before ``fit`` raises
  :class:`strokescreen.errors.NotFittedError`.

A classical model reads the feature columns (``uses_features = True``); a deep model reads
``case_dir`` (``uses_features = False``). Saving: models whose ``weights_format`` is
``"joblib"`` are written whole with joblib by :mod:`strokescreen.models.persist`; other
formats (e.g. ``"torch"``) implement :meth:`CaseModel.save_weights` /
:meth:`CaseModel.load_weights` and are rebuilt from the registry before loading weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator

from strokescreen.errors import InputError, NotFittedError

#: Prefixes of feature columns in a case feature table (``meta_*``: encoded clinical
#: metadata, added only by a feature set that asks for it; see features/metadata.py).
FEATURE_PREFIXES: tuple[str, ...] = ("face_", "speech_", "meta_")
#: Speech and face measures that count or add up over the clip, so grow with its length
#: and script (a 3 s sentence has fewer syllables, less speech time and fewer pauses than a
#: scripted 5 s task from the same healthy speaker). Rates and ratios (syllables per
#: second, speech share, mean pause) describe the speaker and stay features.
LENGTH_COLUMNS: tuple[str, ...] = (
    "speech_total_duration", "speech_utterance_duration", "speech_time", "speech_pause_time",
    "speech_pause_count", "speech_syllable_count", "speech_ddk_syllable_count",
    "face_dyn_n_repetitions",
)
#: Columns with a feature prefix that are bookkeeping, not features: frame counts grow with
#: the clip's length and with how much of the task script is rest, so they describe the
#: recording protocol rather than the face (a 3 s speech clip has a third of the rest
#: frames of a scripted 5 s one), and so do the :data:`LENGTH_COLUMNS`; a model must not
#: learn from them. They stay in the feature table (reports show them).
BOOKKEEPING_COLUMNS: tuple[str, ...] = ("face_n_frames_used", "face_n_rest_frames",
                                        *LENGTH_COLUMNS)
#: Identifying columns every case table carries.
ID_COLUMNS: tuple[str, ...] = ("case_id", "subject_id", "label", "case_dir")


def feature_columns(
    cases: pd.DataFrame, *, prefixes: tuple[str, ...] = FEATURE_PREFIXES
) -> list[str]:
    """Names of the feature columns of ``cases`` (prefix match, less
    :data:`BOOKKEEPING_COLUMNS`), in table order.

    Raises InputError naming any feature column that is not numeric (or boolean).
    """
    cols = [c for c in cases.columns if isinstance(c, str) and c.startswith(prefixes)
            and c not in BOOKKEEPING_COLUMNS]
    bad = [
        c
        for c in cols
        if not (pd.api.types.is_numeric_dtype(cases[c]) or pd.api.types.is_bool_dtype(cases[c]))
    ]
    if bad:
        raise InputError(
            f"feature column(s) {', '.join(bad[:10])} are not numeric; feature columns "
            f"({'/'.join(prefixes)}*) must hold numbers (NaN for missing)"
        )
    return cols


def check_labels(y: np.ndarray | pd.Series, n_cases: int) -> np.ndarray:
    """``y`` as an int array of 0/1, shape (n_cases,); InputError when it is not."""
    arr = np.asarray(y)
    if arr.shape != (n_cases,):
        raise InputError(f"labels have shape {arr.shape}; expected ({n_cases},), one per case")
    try:
        as_float = arr.astype(float)
    except (TypeError, ValueError) as exc:
        raise InputError("labels must be 0 (not stroke) or 1 (stroke)") from exc
    if np.isnan(as_float).any() or not np.isin(as_float, (0.0, 1.0)).all():
        raise InputError(
            f"labels must be 0 (not stroke) or 1 (stroke); saw {sorted(set(arr.tolist()))[:5]}"
        )
    return as_float.astype(int)


class CaseModel(BaseEstimator):
    """Base class of strokescreen models (see the module docstring for the contract)."""

    #: True when the model reads the ``face_*`` / ``speech_*`` columns.
    uses_features: ClassVar[bool] = True
    #: How :mod:`strokescreen.models.persist` stores the weights: "joblib" or e.g. "torch".
    weights_format: ClassVar[str] = "joblib"
    #: What the model predicts: "label" (a classifier, ``predict_proba``) or "graded" (a
    #: regression or ordinal model of a graded target, ``predict``; models/graded.py).
    target_kind: ClassVar[str] = "label"

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> CaseModel:  # pragma: no cover
        raise NotImplementedError

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:  # pragma: no cover
        raise NotImplementedError

    def predict(self, cases: pd.DataFrame, *, threshold: float = 0.5) -> np.ndarray:
        """0/1 decisions ``P(stroke) >= threshold``, shape (n_cases,)."""
        return (self.predict_proba(cases)[:, 1] >= threshold).astype(int)

    def _check_fitted(self, attribute: str = "classes_") -> None:
        if not hasattr(self, attribute):
            raise NotFittedError(
                f"{type(self).__name__} is not fitted yet; call fit(cases, y) before predicting"
            )

    @property
    def feature_schema(self) -> list[str]:
        """Ordered feature columns the fitted model reads ([] for models that read case_dir)."""
        self._check_fitted()
        names = getattr(self, "feature_names_in_", None)
        return [] if names is None else [str(n) for n in names]

    def feature_importance(self) -> pd.Series | None:
        """Model-native global importance per feature (coefficients, impurity), or None."""
        return None

    def save_weights(self, folder: Path) -> list[str]:  # pragma: no cover - non-joblib only
        """Write weights into ``folder``; return the file names written (plain names)."""
        raise NotImplementedError(f"{type(self).__name__} is saved whole with joblib")

    def load_weights(self, folder: Path, files: list[str]) -> CaseModel:  # pragma: no cover
        """Load weights written by :meth:`save_weights` (never unpickling arbitrary code)."""
        raise NotImplementedError(f"{type(self).__name__} is loaded whole with joblib")
