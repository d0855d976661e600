"""What a model is asked to predict: the stroke ``label`` or a graded column.

``label`` (0/1) is the screening target of every classifier. A graded target is any other
manifest column:

- ``severity`` as the ordinal words ``none`` / ``subtle`` / ``mild`` / ``moderate``
  (0..3; ``severe`` is 4), or as numbers;
- any numeric column: a NIHSS facial-palsy item (0-3), a House-Brackmann grade given as
  1..6, a change since the last visit (negative and fractional values allowed).

A target is *integer-graded* when every value is a whole number (grade agreement and
kappa are reported then); otherwise it is *continuous* (MAE, RMSE, Spearman and
Bland-Altman only). Cases with no value are left out, and the count is noted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from strokescreen.errors import InputError

#: Ordinal words of the ``severity`` column and their grades.
SEVERITY_GRADES: dict[str, int] = {"none": 0, "subtle": 1, "mild": 2, "moderate": 3,
                                   "severe": 4}


@dataclass(frozen=True)
class Target:
    """A parsed target column.

    name : the column; kind : ``"label"``, ``"ordinal"`` (integer grades) or
    ``"continuous"``; values : float (n_kept,); keep : bool (n_cases,) rows with a value;
    grades : the sorted distinct grades (ordinal only); note : why rows were left out.
    """

    name: str
    kind: str
    values: np.ndarray
    keep: np.ndarray
    grades: tuple[float, ...] = ()
    note: str = ""

    @property
    def graded(self) -> bool:
        return self.kind != "label"

    @property
    def integer(self) -> bool:
        return self.kind == "ordinal"

    def describe(self) -> dict:
        out: dict = {"name": self.name, "kind": self.kind, "n_cases": int(self.keep.sum())}
        if self.grades:
            out["grades"] = list(self.grades)
        if self.note:
            out["note"] = self.note
        return out


def _as_numbers(col: pd.Series, name: str) -> pd.Series:
    words = col.astype(object).map(
        lambda v: None if v is None or (isinstance(v, float) and np.isnan(v))
        else str(v).strip().lower())
    empty = words.isna() | words.isin(["", "nan", "na", "n/a"])
    num = pd.to_numeric(col, errors="coerce")
    mapped = words.map(lambda w: SEVERITY_GRADES.get(w) if w is not None else None)
    out = num.where(num.notna(), pd.to_numeric(mapped, errors="coerce"))
    bad = ~empty & out.isna()
    if bool(bad.any()):
        seen = sorted({str(v) for v in col[bad]})[:5]
        raise InputError(
            f"target column {name!r} holds {', '.join(seen)}; use numbers or the grades "
            f"{' / '.join(SEVERITY_GRADES)} (empty cells are left out)")
    return out.where(~empty, np.nan).astype(float)


def parse_target(cases: pd.DataFrame, name: str = "label") -> Target:
    """The target ``name`` of ``cases``; InputError for an absent or unusable column."""
    if name == "label":
        y = pd.to_numeric(cases["label"], errors="coerce").to_numpy(dtype=float)
        return Target("label", "label", y, np.ones(len(cases), bool))
    if name not in cases.columns:
        graded = [c for c in cases.columns if isinstance(c, str) and not
                  c.startswith(("face_", "speech_", "meta_")) and c not in
                  ("case_id", "subject_id", "video", "case_dir")]
        raise InputError(f"--target {name!r} is not a column of the case table; its columns "
                         f"are {', '.join(graded[:20])}")
    values = _as_numbers(cases[name], name)
    keep = values.notna().to_numpy()
    n_drop = int((~keep).sum())
    kept = values.to_numpy(dtype=float)[keep]
    if kept.size < 4 or np.unique(kept).size < 2:
        raise InputError(f"--target {name}: {kept.size} case(s) have a value and they hold "
                         f"{np.unique(kept).size} distinct value(s); a graded target needs "
                         "at least 4 cases and 2 values")
    note = (f"{n_drop} of {len(cases)} case(s) have no {name} and are left out"
            if n_drop else "")
    integer = bool(np.all(np.isclose(kept, np.round(kept))))
    grades = tuple(float(g) for g in np.unique(np.round(kept))) if integer else ()
    return Target(name, "ordinal" if integer else "continuous", kept, keep, grades, note)


def strata(values: np.ndarray, *, n_bins: int = 4) -> np.ndarray:
    """Discrete strata of a graded target for stratified folds: the grades themselves, or
    quantile bins of a continuous target (int array, shape (n,))."""
    v = np.asarray(values, float)
    uniq = np.unique(v)
    if uniq.size <= 2 * n_bins and np.allclose(v, np.round(v)):
        return np.unique(v, return_inverse=True)[1]
    edges = np.quantile(v, np.linspace(0, 1, n_bins + 1)[1:-1])
    return np.searchsorted(edges, v, side="right")


__all__ = ["SEVERITY_GRADES", "Target", "parse_target", "strata"]
