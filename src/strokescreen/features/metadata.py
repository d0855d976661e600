"""Clinical metadata as model features, and the feature sets a model can be given.

A declared set of clinical metadata columns (age, sex, time since onset, vascular risk
factors) is turned into numeric ``meta_*`` columns next to the facial (``face_*``) and
speech (``speech_*``) features:

- numbers stay numbers (``age`` in years, ``days_since_onset`` in days);
- ``sex`` becomes ``meta_sex_female`` (1 female, 0 male, NaN unknown);
- yes/no risk factors (``hypertension``, ``diabetes``, ...) become 1 / 0 / NaN;
- every metadata column also gets ``meta_<name>_missing`` (1 where the value is missing).
  The indicator is a fixed function of the row, so it learns nothing; the values' own
  missing entries stay NaN and are imputed inside each fold's model (training medians).

Columns that carry the outcome can never be metadata: ``label``, ``severity``, ``side``,
``condition`` (and ``diagnosis``, ``nihss``, ``grade``, ``outcome``, ``target``,
``recovery``) and any column whose name has one of those words (``severity_last``,
``label_source``, ...), identifiers, and the evaluated target itself. :func:`check_metadata_columns`
refuses them with one line.

A metadata column whose *missingness* alone separates the two label classes (time since
onset, empty for every control) encodes the label (and so the grade "none" of a severity
target): :func:`add_metadata_features` leaves it out, whatever the target, and says so in
its notes. A cohort where it is recorded for everyone (a recovery cohort of patients)
keeps it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from strokescreen.errors import ConfigError, InputError

META_PREFIX = "meta_"
FACE_PREFIX = "face_"
SPEECH_PREFIX = "speech_"

#: Clinical metadata columns used when present (in this order), unless a set is declared.
METADATA_COLUMNS: tuple[str, ...] = (
    "age",
    "sex",
    "days_since_onset",
    "hypertension",
    "diabetes",
    "atrial_fibrillation",
    "smoking",
    "hyperlipidaemia",
)
#: Words that mark a column as the outcome or derived from it; never metadata.
FORBIDDEN_WORDS: tuple[str, ...] = ("label", "severity", "side", "condition", "diagnosis",
                                     "nihss", "grade", "outcome", "target", "recovery")
#: Columns that identify a case or point at files; never metadata either.
NOT_METADATA: tuple[str, ...] = ("case_id", "subject_id", "video", "case_dir", "recorded_at",
                                 "synthetic", "task")

#: Feature set name -> feature-column prefixes it keeps.
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "default": (FACE_PREFIX, SPEECH_PREFIX),
    "face": (FACE_PREFIX,),
    "speech": (SPEECH_PREFIX,),
    "metadata": (META_PREFIX,),
    "fused": (FACE_PREFIX, SPEECH_PREFIX, META_PREFIX),
}
#: The sets `evaluate --compare-feature-sets` runs side by side, in report order.
COMPARED_SETS: tuple[str, ...] = ("face", "speech", "metadata", "fused")

_YES = {"1", "1.0", "true", "yes", "y", "t", "present"}
_NO = {"0", "0.0", "false", "no", "n", "f", "absent"}
_FEMALE = {"f", "female", "woman", "w"}
_MALE = {"m", "male", "man"}
_EMPTY = {"", "nan", "na", "n/a", "none", "unknown"}


def _is_missing(v: object) -> bool:
    return v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA or v is pd.NaT


def _number(t: str | None) -> float:
    """A cell's text as a number: numerals, or yes/no as 1/0; NaN otherwise."""
    if t is None:
        return np.nan
    try:
        return float(t)
    except ValueError:
        return 1.0 if t in _YES else 0.0 if t in _NO else np.nan


@dataclass(frozen=True)
class FeatureSetInfo:
    """What :func:`apply_feature_set` did: the set, the metadata used, and why others not."""

    name: str
    metadata_columns: tuple[str, ...] = ()
    feature_columns: tuple[str, ...] = ()
    notes: tuple[str, ...] = field(default_factory=tuple)

    def to_dict(self) -> dict:
        return {"name": self.name, "metadata_columns": list(self.metadata_columns),
                "n_features": len(self.feature_columns), "notes": list(self.notes)}


def is_forbidden(column: str, *, target: str | None = None) -> bool:
    """True when ``column`` is the outcome, derived from it, or an identifier."""
    low = str(column).strip().lower()
    if target is not None and low == str(target).strip().lower():
        return True
    words = set(re.split(r"[^a-z0-9]+", low))
    return low in NOT_METADATA or bool(words & set(FORBIDDEN_WORDS))


def check_metadata_columns(columns: Iterable[str], *, target: str | None = None) -> tuple[str, ...]:
    """``columns`` as a tuple; ConfigError naming any that may not be metadata."""
    cols = tuple(str(c).strip() for c in columns if str(c).strip())
    bad = [c for c in cols if is_forbidden(c, target=target)]
    if bad:
        raise ConfigError(
            f"metadata column(s) {', '.join(bad)} may not be used: label, severity, side, "
            "condition, anything derived from them, identifiers and the evaluated target "
            f"carry the outcome; declare clinical covariates such as {', '.join(METADATA_COLUMNS[:4])}")
    return cols


def check_feature_set(name: str) -> str:
    if name not in FEATURE_SETS:
        raise ConfigError(f"--feature-set {name!r} is unknown; use one of "
                          f"{', '.join(FEATURE_SETS)}")
    return name


def encode_column(values: pd.Series, name: str) -> dict[str, np.ndarray]:
    """One metadata column as numeric arrays: ``{meta_<name>: values, meta_<name>_missing}``.

    Numbers stay numbers; ``sex`` gives ``meta_sex_female``; yes/no text gives 1/0.
    InputError when text that is neither a number nor yes/no (nor a sex) is found.
    """
    raw = values.astype(object).to_numpy()
    text = [None if _is_missing(v) else str(v).strip().lower() for v in raw]
    missing = np.array([t is None or t in _EMPTY for t in text], dtype=bool)
    if name.lower() == "sex":
        vals = [1.0 if t in _FEMALE else 0.0 if t in _MALE else np.nan for t in text]
        key = f"{META_PREFIX}sex_female"
    else:
        vals = [_number(t) for t in text]
        key = f"{META_PREFIX}{name}"
    val = np.asarray(vals, dtype=float)
    unknown = ~missing & np.isnan(val)
    if bool(unknown.any()):
        seen = sorted({str(v) for v in raw[unknown]})[:5]
        raise InputError(f"metadata column {name!r} holds {', '.join(seen)}; write numbers, "
                         "yes/no (or F/M for sex), or leave the cell empty for unknown")
    val[missing] = np.nan
    return {key: val, f"{META_PREFIX}{name}_missing": missing.astype(float)}


def _missing_separates_label(cases: pd.DataFrame, column: str) -> bool:
    if "label" not in cases.columns:
        return False
    miss = cases[column].isna() | (cases[column].astype(str).str.strip() == "")
    y = pd.to_numeric(cases["label"], errors="coerce")
    if not (miss.any() and (~miss).any()):
        return False
    return y[miss].nunique() == 1 and y[~miss].nunique() == 1 and set(y[miss]) != set(y[~miss])


def add_metadata_features(
    cases: pd.DataFrame,
    *,
    columns: Sequence[str] | None = None,
    target: str = "label",
) -> tuple[pd.DataFrame, tuple[str, ...], list[str]]:
    """``cases`` with ``meta_*`` columns added; (table, columns used, notes).

    columns : the declared metadata columns; None uses the present ones of
        :data:`METADATA_COLUMNS`. A declared column that the table lacks is an InputError.
    target : the evaluated target; never metadata. A column whose missingness alone
        separates the label classes is left out (noted).
    """
    declared = columns is not None
    cols = check_metadata_columns(
        METADATA_COLUMNS if columns is None else columns, target=target
    )
    if declared:
        absent = [c for c in cols if c not in cases.columns]
        if absent:
            raise InputError(f"metadata column(s) {', '.join(absent)} are not in the case table;"
                             f" it has {', '.join(map(str, cases.columns[:20]))}")
    used, notes = [], []
    out = cases.drop(columns=[c for c in cases.columns if str(c).startswith(META_PREFIX)])
    new: dict[str, np.ndarray] = {}
    for c in cols:
        if c not in cases.columns:
            continue
        if _missing_separates_label(cases, c):
            notes.append(f"metadata column {c!r} left out: it is missing for exactly one class, "
                         "so its missingness encodes the label")
            continue
        new.update(encode_column(cases[c], c))
        used.append(c)
    if not used:
        notes.append("no clinical metadata columns found (looked for "
                     f"{', '.join(cols)})")
    if new:
        out = pd.concat([out.reset_index(drop=True),
                         pd.DataFrame(new, index=range(len(out)))], axis=1)
    return out, tuple(used), notes


def apply_feature_set(
    cases: pd.DataFrame,
    name: str = "default",
    *,
    metadata_columns: Sequence[str] | None = None,
    target: str = "label",
) -> tuple[pd.DataFrame, FeatureSetInfo]:
    """``cases`` holding only the feature columns of feature set ``name`` (see
    :data:`FEATURE_SETS`), with ``meta_*`` columns added for sets that use metadata.

    InputError when the set leaves no feature column.
    """
    prefixes = FEATURE_SETS[check_feature_set(name)]
    used: tuple[str, ...] = ()
    notes: list[str] = []
    table = cases.reset_index(drop=True)
    if META_PREFIX in prefixes:
        table, used, notes = add_metadata_features(table, columns=metadata_columns,
                                                   target=target)
    elif metadata_columns is not None:
        check_metadata_columns(metadata_columns, target=target)
    all_prefixes = (FACE_PREFIX, SPEECH_PREFIX, META_PREFIX)
    drop = [c for c in table.columns if isinstance(c, str) and c.startswith(all_prefixes)
            and not c.startswith(prefixes)]
    table = table.drop(columns=drop)
    feats = tuple(c for c in table.columns if isinstance(c, str) and c.startswith(prefixes))
    if not feats:
        raise InputError(f"feature set {name!r} leaves no feature column "
                         f"({'/'.join(prefixes)}*); " + ("; ".join(notes) or
                                                          "build the table with `strokescreen features`"))
    return table, FeatureSetInfo(name, used, feats, tuple(notes))


__all__ = ["COMPARED_SETS", "FEATURE_SETS", "METADATA_COLUMNS", "FeatureSetInfo",
           "add_metadata_features", "apply_feature_set", "check_metadata_columns",
           "encode_column", "is_forbidden"]
