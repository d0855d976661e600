"""Cross-group fairness runs (the DeepStroke paper's Tables 7 and 9): train on one
demographic group, test on another.

Attributes: ``sex`` (the groups found in the column) and ``age`` split at
:data:`AGE_SPLIT_YEARS` (65, as in the paper: ``<65`` and ``65+``). For every ordered pair
of groups (A, B) a fresh model is fitted on all cases of group A and scores all cases of
group B; the training set never holds a case of B nor a subject that has a case in B.
A subject whose recordings fall in different groups (a missing value, or ages on both
sides of 65) is left out of the runs of that attribute and counted in the row's note.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import InputError, StrokeScreenError

AGE_SPLIT_YEARS = 65.0
CROSS_ATTRIBUTES = ("sex", "age")


def age_group_65(age: pd.Series) -> pd.Series:
    """Age in years -> ``"<65"`` / ``"65+"`` (None where missing or not a number)."""
    years = pd.to_numeric(age, errors="coerce")
    out = pd.Series(np.where(years >= AGE_SPLIT_YEARS, "65+", "<65"), index=age.index,
                    dtype=object)
    out[years.isna()] = None
    return out


def _groups(cases: pd.DataFrame, attribute: str) -> pd.Series:
    if attribute == "age":
        return age_group_65(cases["age"])
    vals = cases[attribute]
    out = vals.map(lambda v: None if pd.isna(v) or not str(v).strip() else str(v).strip())
    return out.astype(object)


@dataclass(frozen=True)
class CrossSplit:
    """One run: train on ``train_group``, test on ``test_group`` (row positions)."""

    attribute: str
    train_group: str
    test_group: str
    train: np.ndarray
    test: np.ndarray
    n_subjects_left_out: int


def cross_group_splits(cases: pd.DataFrame, attribute: str) -> Iterator[CrossSplit]:
    """Every ordered pair of the attribute's groups, as row positions of ``cases``.

    cases : columns ``subject_id`` and the attribute's (``sex``; ``age`` in years).
    Raises InputError when the column is missing or holds fewer than two groups.
    """
    if attribute not in CROSS_ATTRIBUTES:
        raise InputError(f"cross-group attribute {attribute!r} is unknown; use one of "
                         f"{', '.join(CROSS_ATTRIBUTES)}")
    if attribute not in cases.columns or "subject_id" not in cases.columns:
        raise InputError(f"cross-group runs by {attribute} need the columns 'subject_id' "
                         f"and {attribute!r} in the cases table")
    g = _groups(cases.reset_index(drop=True), attribute).to_numpy(dtype=object)
    subj = cases["subject_id"].astype(str).to_numpy()
    # a subject belongs to one group when all its recordings agree (and none is missing)
    per_subject = pd.DataFrame({"s": subj, "g": g}).groupby("s")["g"].agg(
        lambda v: v.iloc[0] if v.notna().all() and v.nunique() == 1 else None)
    clean = per_subject.dropna()
    n_out = int(len(per_subject) - len(clean))
    names = sorted(set(clean.to_numpy()))
    if len(names) < 2:
        raise InputError(f"cross-group runs by {attribute} need two groups; found "
                         f"{names or 'none'}")
    subject_group = np.array([clean.get(s) for s in subj], dtype=object)
    for a in names:
        for b in names:
            if a == b:
                continue
            yield CrossSplit(attribute, a, b, np.flatnonzero(subject_group == a),
                             np.flatnonzero(subject_group == b), n_out)


def cross_group_table(
    cases: pd.DataFrame,
    make_model: Callable[[], Any],
    *,
    attributes: tuple[str, ...] = CROSS_ATTRIBUTES,
    reference_specificity: float = TRIAGE_SPECIFICITY,
    specificity_match: str = "at_least",
    n_bootstrap: int = 1000,
    seed: int = 0,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Fit on one group, score the other, for every attribute present.

    cases : ``case_id, subject_id, label`` + what the model reads + ``sex`` / ``age``.
    make_model : builds a fresh, unfitted model (scikit-learn contract).
    Returns (table, predictions): one table row per run (attribute, train_group,
    test_group, n_train, n_test, n_evaluated, auc + CI, accuracy / sensitivity /
    specificity at 0.5 and at the reference specificity, note) and the test
    predictions (attribute, train_group, test_group, case_id, subject_id, label,
    probability). An attribute absent from ``cases`` is skipped; a run that cannot be
    fitted (a single class in training) gets its reason in the note.
    """
    from strokescreen.evaluation.summary import prediction_summary

    cases = cases.reset_index(drop=True)
    y = cases["label"].to_numpy(dtype=int)
    rows, preds = [], []
    for attribute in attributes:
        if attribute not in cases.columns or not cases[attribute].notna().any():
            continue
        for split in cross_group_splits(cases, attribute):
            train_subj = set(cases["subject_id"].astype(str).to_numpy()[split.train])
            test_subj = set(cases["subject_id"].astype(str).to_numpy()[split.test])
            assert not train_subj & test_subj, "a subject on both sides of a cross-group run"
            note = (f"{split.n_subjects_left_out} subject(s) with mixed or missing "
                    f"{attribute} left out" if split.n_subjects_left_out else "")
            train = cases.iloc[split.train].reset_index(drop=True)
            test = cases.iloc[split.test].reset_index(drop=True)
            p = np.full(len(test), np.nan)
            if len(np.unique(y[split.train])) < 2:
                note = "; ".join(filter(None, [note, "not run: training group holds a "
                                                     "single class"]))
            else:
                try:
                    model = make_model().fit(train, y[split.train])
                    p = np.asarray(model.predict_proba(test)[:, 1], dtype=float)
                except StrokeScreenError as exc:
                    note = "; ".join(filter(None, [note, f"failed: {exc}"]))
            pred = pd.DataFrame({
                "attribute": attribute, "train_group": split.train_group,
                "test_group": split.test_group, "case_id": test["case_id"].astype(str),
                "subject_id": test["subject_id"].astype(str), "label": y[split.test],
                "probability": p})
            preds.append(pred)
            ok = pred[np.isfinite(pred["probability"])]
            summ: dict = {}
            if len(ok) and ok["label"].nunique() == 2:
                summ = prediction_summary(ok, reference_specificity=reference_specificity,
                                          n_bootstrap=n_bootstrap,
                                          rng=np.random.default_rng(seed),
                                          specificity_match=specificity_match)
            elif not note.startswith("not run"):
                note = "; ".join(filter(None, [note, "metrics undefined: the test group "
                                                     "holds a single class"]))
            at05 = summ.get("at_0.5") or {}
            ref = summ.get("at_reference_specificity") or {}
            ci = summ.get("auc_ci") or [None, None]
            rows.append({
                "attribute": attribute, "train_group": split.train_group,
                "test_group": split.test_group, "n_train": int(len(train)),
                "n_test": int(len(test)), "n_evaluated": int(len(ok)),
                "auc": summ.get("auc"), "auc_ci_low": ci[0], "auc_ci_high": ci[1],
                "accuracy_0.5": at05.get("accuracy"),
                "sensitivity_0.5": at05.get("sensitivity"),
                "specificity_0.5": at05.get("specificity"),
                "accuracy_ref": ref.get("accuracy"), "sensitivity_ref": ref.get("sensitivity"),
                "specificity_ref": ref.get("specificity"), "note": note})
    table = pd.DataFrame(rows)
    return table, (pd.concat(preds, ignore_index=True) if preds else pd.DataFrame())
