"""Which feature columns a classical model reads, and in what form: the one place.

Principle. A facial weakness is one side of the face against the other; the shape of a
face differs between people. So the face inputs of the registry models are *shape-free*
(``face_inputs="shape-free"``, the default):

- **left out**: per-side absolute measures (a corner's height below the eyes, one eye's
  opening, one side's blink amplitude or path length: names ending ``_l`` / ``_r`` /
  ``_left`` / ``_right``, optionally followed by the unit ``_ipu`` / ``_mm`` / ``_deg``),
  head and face size or proportions (:data:`SIZE_COLUMNS`: interpupillary distance, mouth
  width and opening, the mouth-opening range of motion, the mm calibration flag, head roll),
  and a left-right difference in mm when the same difference in interpupillary units is in
  the table (the mm version grows with the size of the face);
- **kept**: left-right differences and normalised differences (``_lr``, ``_lr_ipu``,
  ``_nd``, ...), midline deviations, the mouth tilt, asymmetry indices and region scores,
  and any face column none of the rules above names (timings, a planted test column);
- **signed comparisons become magnitudes** (:func:`signed_comparisons`): a droop on the
  left is the same weakness as one on the right, so the model sees |left - right|, never
  which side (a signed difference carries no grade for a linear model when strokes fall on
  either side, and a side-lopsided cohort would teach the side as a shortcut). The
  absolute value is the pipeline's first step (``magnitude``), fitted and saved with it.

The per-side measures stay in the feature table and the reports; only the model inputs
change. ``face_inputs="all"`` gives the previous behaviour (every face column, signed).
Columns that are bookkeeping rather than features (frame counts, and the speech measures
that grow with the clip's length) are left out for every model by
:func:`strokescreen.models.base.feature_columns`.

**Mostly-missing columns** (:func:`observed_columns`, a fit-time rule with the same
contract for every classical model): a column missing in more than ``max_missing``
(default :data:`MAX_MISSING`, one half) of the *training* rows is left out of the model.
Principle: a column observed in fewer than half of the training cases cannot be estimated
for most of them; median imputation fills most of its rows with one constant, so what the
column then carries is mostly "this measure (this task) was not in the protocol": a
protocol indicator and a shortcut, not a sign. The kept columns are the model's feature
schema (``feature_names_in_``); the left-out ones are saved with the model
(``sparse_columns_``). A column absent at prediction time is then not needed. Models saved
before the rule load with ``max_missing=1.0`` (nothing left out), as they were fitted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin

from strokescreen.errors import ConfigError
from strokescreen.models.base import FEATURE_PREFIXES, feature_columns

#: Largest share of the training rows in which a model input may be missing (see the module).
MAX_MISSING = 0.5
#: Named face-input selections of the classical models (``face_inputs=`` of the factories).
FACE_INPUTS: tuple[str, ...] = ("shape-free", "all")
FACE_PREFIX = "face_"
#: Head / face size, proportions and pose: not a sign of weakness, left out of shape-free.
SIZE_COLUMNS: tuple[str, ...] = (
    "face_ipd_mm", "face_mm_from_iris", "face_mouth_width_ipu", "face_mouth_width_mm",
    "face_mouth_opening_ipu", "face_mouth_opening_mm", "face_dyn_opening_rom_mm",
    "face_roll_deg",
)
#: One side's absolute value: ``..._l``, ``..._r_ipu``, ``..._left``, ``..._mm_s_r``.
_PER_SIDE = re.compile(r"_(l|r|left|right)(_ipu|_mm|_deg)?$")
#: A signed comparison of the two sides (left minus right, normalised difference, offset
#: from the midline, tilt of the mouth line).
_SIGNED = re.compile(r"(_lr|_lr_ipu|_lr_mm|_lr_nd|_nd|_deviation_ipu|_deviation_mm)$"
                     r"|^face_mouth_tilt_deg$")
#: A comparison in mm whose twin in interpupillary units may be in the table.
_MM_TWIN = re.compile(r"_(lr|deviation)_mm$")


def check_face_inputs(name: str) -> str:
    """``name`` when it is one of :data:`FACE_INPUTS`; ConfigError otherwise."""
    if name not in FACE_INPUTS:
        raise ConfigError(f"face_inputs={name!r} is unknown; use one of {', '.join(FACE_INPUTS)}")
    return name


def is_shape_free(column: str, columns: Sequence[str] = ()) -> bool:
    """True when ``column`` may be a shape-free model input (non-face columns always are).

    ``columns``: the other columns of the table, to find an mm difference's ipu twin.
    """
    if not column.startswith(FACE_PREFIX):
        return True
    if column in SIZE_COLUMNS or _PER_SIDE.search(column):
        return False
    if _MM_TWIN.search(column):
        return column[: -len("_mm")] + "_ipu" not in columns
    return True


def select_columns(columns: Sequence[str], face_inputs: str = "shape-free") -> list[str]:
    """The model inputs among ``columns`` (feature columns, in order) for ``face_inputs``."""
    if check_face_inputs(face_inputs) == "all":
        return list(columns)
    return [c for c in columns if is_shape_free(c, columns)]


def model_columns(cases: pd.DataFrame, *, prefixes: tuple[str, ...] = FEATURE_PREFIXES,
                  face_inputs: str = "shape-free") -> list[str]:
    """Feature columns of ``cases`` a model with ``face_inputs`` reads (see the module)."""
    return select_columns(feature_columns(cases, prefixes=prefixes), face_inputs)


def check_max_missing(value: float) -> float:
    """``value`` as a float in [0, 1]; ConfigError otherwise."""
    try:
        share = float(value)
    except (TypeError, ValueError):
        share = float("nan")
    if not 0.0 <= share <= 1.0:
        raise ConfigError(f"max_missing={value!r} is not a share; give a number from 0 to 1 "
                          f"(default {MAX_MISSING}: leave out a column missing in more than "
                          "half of the training rows; 1 keeps every column)")
    return share


def observed_columns(X: np.ndarray, columns: Sequence[str],
                     max_missing: float = MAX_MISSING) -> tuple[list[str], list[str]]:
    """(kept, left out) among ``columns`` (the columns of the training matrix ``X``, shape
    (n_rows, len(columns))): a column is left out when its share of missing (NaN) rows is
    more than ``max_missing`` (see the module: a mostly-imputed column is a protocol
    indicator). Order is kept."""
    X = np.asarray(X, dtype=float)
    if X.ndim != 2 or X.shape[1] != len(columns):
        raise ValueError(f"X has shape {X.shape}; expected (n_rows, {len(columns)})")
    share = np.isnan(X).mean(axis=0) if len(X) else np.zeros(len(columns))
    limit = check_max_missing(max_missing)
    kept = [c for c, s in zip(columns, share, strict=True) if s <= limit]
    dropped = [c for c, s in zip(columns, share, strict=True) if s > limit]
    return kept, dropped


def signed_comparisons(columns: Sequence[str]) -> tuple[int, ...]:
    """Positions in ``columns`` of the signed left-right face comparisons."""
    return tuple(i for i, c in enumerate(columns)
                 if c.startswith(FACE_PREFIX) and _SIGNED.search(c))


class SideMagnitude(TransformerMixin, BaseEstimator):
    """Absolute value of the columns at ``positions`` (NaN stays NaN); learns nothing."""

    def __init__(self, positions: tuple[int, ...] = ()) -> None:
        self.positions = positions

    def fit(self, X: Any, y: Any = None) -> SideMagnitude:
        self.n_features_in_ = np.asarray(X).shape[1]
        return self

    def transform(self, X: Any) -> np.ndarray:
        out = np.array(X, dtype=float, copy=True)
        idx = list(self.positions)
        if idx:
            out[:, idx] = np.abs(out[:, idx])
        return out


def magnitude_step(columns: Sequence[str], face_inputs: str) -> list[tuple[str, Any]]:
    """The pipeline's first step for ``face_inputs`` over ``columns`` ([] when none)."""
    if face_inputs != "shape-free":
        return []
    pos = signed_comparisons(columns)
    return [("magnitude", SideMagnitude(pos))] if pos else []


def model_inputs(pipeline: Any, x: np.ndarray) -> np.ndarray:
    """``x`` (raw feature values in schema order) as the pipeline's imputer receives it:
    after its ``magnitude`` step when it has one."""
    step = dict(getattr(pipeline, "steps", []) or []).get("magnitude")
    return np.asarray(x, dtype=float) if step is None else step.transform(x)


__all__ = ["FACE_INPUTS", "MAX_MISSING", "SIZE_COLUMNS", "SideMagnitude", "check_face_inputs",
           "check_max_missing", "is_shape_free", "magnitude_step", "model_columns",
           "model_inputs", "observed_columns", "select_columns", "signed_comparisons"]
