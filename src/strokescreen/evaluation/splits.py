"""Subject-grouped splits. A subject is never on both sides of any split.

Three kinds:

- ``group-kfold``: stratified group k-fold (scikit-learn's ``StratifiedGroupKFold``,
  shuffled with a recorded seed): every subject's cases fall in one fold, and folds keep
  the class balance as far as whole subjects allow.
- ``loso``: leave one subject out; one fold per subject.
- ``holdout``: a time cut-off. The first N cases in recorded order (``recorded_at`` when the
  column exists, else manifest order), or every case recorded on or before a date, form
  the training part; the rest is the hold-out. Cases recorded after the cut-off whose
  subject already has a case in the training part are **excluded** from the hold-out (they
  are neither trained nor tested on), so the training part is exactly what was recorded
  first and no subject is on both sides.

Indices are positions (``np.ndarray`` of int) into the cases table.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from strokescreen.errors import ConfigError, InputError

SPLIT_KINDS = ("group-kfold", "loso", "holdout")


@dataclass(frozen=True)
class SplitSpec:
    """How to split cases. ``folds`` is also the inner k of a hold-out's fold models."""

    kind: str = "group-kfold"
    folds: int = 5
    holdout_first: int | None = None
    holdout_after: str | None = None
    seed: int = 0

    def validate(self) -> None:
        if self.kind not in SPLIT_KINDS:
            raise ConfigError(
                f"split '{self.kind}' is unknown; use one of {', '.join(SPLIT_KINDS)}"
            )
        if self.kind in ("group-kfold", "holdout") and self.folds < 2:
            raise ConfigError(f"folds={self.folds}; use 2 or more")
        if self.kind == "holdout":
            if (self.holdout_first is None) == (self.holdout_after is None):
                raise ConfigError(
                    "a hold-out split needs exactly one of --holdout-first N or "
                    "--holdout-after DATE"
                )
            if self.holdout_first is not None and self.holdout_first < 1:
                raise ConfigError(f"--holdout-first {self.holdout_first}; use a positive count")
        elif self.holdout_first is not None or self.holdout_after is not None:
            raise ConfigError(
                f"--holdout-first/--holdout-after only apply to --split holdout, not '{self.kind}'"
            )

    def describe(self) -> str:
        if self.kind == "group-kfold":
            return f"stratified group {self.folds}-fold by subject (seed {self.seed})"
        if self.kind == "loso":
            return "leave one subject out"
        cut = (
            f"first {self.holdout_first} cases in recorded order"
            if self.holdout_first is not None
            else f"cases recorded on or before {self.holdout_after}"
        )
        return (
            f"time-cutoff hold-out: {cut} train {self.folds} fold models "
            f"(stratified group {self.folds}-fold, seed {self.seed}); the rest is tested"
        )


@dataclass(frozen=True)
class Fold:
    """One train/test split. ``name`` is the fold number, or the subject for LOSO."""

    name: str
    train: np.ndarray
    test: np.ndarray
    note: str = ""


@dataclass(frozen=True)
class HoldoutSplit:
    """A time cut-off: ``train`` and ``test`` positions; ``excluded`` left out (see module)."""

    train: np.ndarray
    test: np.ndarray
    excluded: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    note: str = ""


def _groups(groups: np.ndarray | pd.Series) -> np.ndarray:
    return np.asarray(pd.Series(groups).astype(str))


def stratified_group_kfold(
    y: np.ndarray, groups: np.ndarray, *, n_folds: int = 5, seed: int = 0
) -> list[Fold]:
    """Stratified group k-fold over subjects ``groups``; raises InputError when impossible."""
    from sklearn.model_selection import StratifiedGroupKFold

    y = np.asarray(y).astype(int)
    g = _groups(groups)
    n_subjects = len(np.unique(g))
    if n_subjects < n_folds:
        raise InputError(
            f"{n_subjects} subjects cannot fill {n_folds} subject-grouped folds; "
            f"use --folds {max(2, n_subjects)} or fewer, or --split loso"
        )
    splitter = StratifiedGroupKFold(n_splits=n_folds, shuffle=True, random_state=seed)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = list(splitter.split(np.zeros(len(y)), y, g))
    note = "; ".join(str(w.message) for w in caught)
    return [Fold(str(i), np.sort(tr), np.sort(te), note) for i, (tr, te) in enumerate(parts)]


def leave_one_subject_out(groups: np.ndarray) -> list[Fold]:
    """One fold per subject (in sorted subject order), testing that subject's cases."""
    g = _groups(groups)
    idx = np.arange(g.size)
    return [Fold(s, idx[g != s], idx[g == s]) for s in np.unique(g)]


def recorded_order(cases: pd.DataFrame) -> np.ndarray:
    """Positions of cases in recorded order: by ``recorded_at`` when present, else as listed.

    Raises InputError naming the rows whose ``recorded_at`` is missing or unreadable.
    """
    if "recorded_at" not in cases.columns:
        return np.arange(len(cases))
    when = parse_recorded_at(cases)
    return np.argsort(when.to_numpy(dtype="datetime64[ns]"), kind="stable")


def parse_recorded_at(cases: pd.DataFrame) -> pd.Series:
    """``recorded_at`` as datetimes; InputError naming the case ids that do not parse."""
    raw = cases["recorded_at"]
    when = pd.to_datetime(raw, errors="coerce", utc=False, format="mixed")
    bad = when.isna()
    if bad.any():
        ids = _case_ids(cases, bad)
        raise InputError(
            f"recorded_at is missing or unreadable for {int(bad.sum())} case(s): {ids}; "
            "write dates as YYYY-MM-DD or YYYY-MM-DDTHH:MM"
        )
    if getattr(when.dt, "tz", None) is not None:
        when = when.dt.tz_convert("UTC").dt.tz_localize(None)
    return when


def _case_ids(cases: pd.DataFrame, mask: pd.Series | np.ndarray, limit: int = 10) -> str:
    col = cases["case_id"] if "case_id" in cases.columns else pd.Series(cases.index)
    ids = [str(v) for v in np.asarray(col)[np.asarray(mask)]]
    more = f" and {len(ids) - limit} more" if len(ids) > limit else ""
    return ", ".join(ids[:limit]) + more


def _finish_holdout(
    cases: pd.DataFrame, train: np.ndarray, rest: np.ndarray, cut: str
) -> HoldoutSplit:
    g = _groups(cases["subject_id"])
    seen = set(g[train])
    crossing = np.array([g[i] in seen for i in rest], dtype=bool)
    test, excluded = np.sort(rest[~crossing]), np.sort(rest[crossing])
    note = ""
    if excluded.size:
        note = (
            f"{excluded.size} case(s) recorded after the cut-off belong to "
            f"{len(set(g[excluded]))} subject(s) already in the training part and were "
            f"excluded from the hold-out: {_case_ids(cases, np.isin(np.arange(len(g)), excluded))}"
        )
    if train.size == 0 or test.size == 0:
        raise InputError(
            f"the hold-out cut-off ({cut}) leaves {train.size} training and {test.size} "
            f"test case(s) of {len(cases)}; move the cut-off so both parts have cases"
        )
    return HoldoutSplit(np.sort(train), test, excluded, note)


def holdout_first_n(cases: pd.DataFrame, n: int) -> HoldoutSplit:
    """The first ``n`` cases in recorded order train; later cases of new subjects test."""
    order = recorded_order(cases)
    if not 0 < n < len(cases):
        raise InputError(
            f"--holdout-first {n}: the cohort has {len(cases)} cases; use 1..{len(cases) - 1}"
        )
    return _finish_holdout(cases, order[:n], order[n:], f"first {n} cases")


def holdout_after_date(cases: pd.DataFrame, date: str) -> HoldoutSplit:
    """Cases recorded on or before ``date`` train; later cases of new subjects test.

    A date without a time of day means the end of that day.
    """
    if "recorded_at" not in cases.columns:
        raise InputError("--holdout-after needs a recorded_at column in the manifest; it has none")
    try:
        cut = pd.Timestamp(date)
    except (ValueError, TypeError) as exc:
        raise InputError(f"--holdout-after '{date}' is not a date; write YYYY-MM-DD") from exc
    if cut.tzinfo is not None:
        cut = cut.tz_convert("UTC").tz_localize(None)
    if cut == cut.normalize() and len(str(date).strip()) <= 10:
        cut = cut + pd.Timedelta(days=1) - pd.Timedelta(1, "ns")
    when = parse_recorded_at(cases).to_numpy(dtype="datetime64[ns]")
    idx = np.arange(len(cases))
    return _finish_holdout(
        cases, idx[when <= cut.to_datetime64()], idx[when > cut.to_datetime64()], f"after {date}"
    )


def make_holdout(cases: pd.DataFrame, spec: SplitSpec) -> HoldoutSplit:
    if spec.holdout_first is not None:
        return holdout_first_n(cases, spec.holdout_first)
    assert spec.holdout_after is not None
    return holdout_after_date(cases, spec.holdout_after)


def make_folds(cases: pd.DataFrame, y: np.ndarray, spec: SplitSpec) -> list[Fold]:
    """Cross-validation folds for ``group-kfold`` or ``loso``."""
    spec.validate()
    if spec.kind == "group-kfold":
        return stratified_group_kfold(y, cases["subject_id"], n_folds=spec.folds, seed=spec.seed)
    if spec.kind == "loso":
        return leave_one_subject_out(cases["subject_id"])
    raise ValueError("make_folds does not build hold-out splits; use make_holdout")


def check_subject_disjoint(train: np.ndarray, test: np.ndarray, groups: np.ndarray) -> None:
    """Raise AssertionError when any subject is on both sides (a bug, never user input)."""
    g = _groups(groups)
    both = set(g[train]) & set(g[test])
    if both:
        raise AssertionError(f"subjects on both sides of a split: {sorted(both)[:10]}")
