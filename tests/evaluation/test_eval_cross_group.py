"""Cross-group fairness runs: train on one group, test on the other; matched specificity
taken as at least or as the closest value."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.evaluation.cross_group import age_group_65, cross_group_table
from strokescreen.evaluation.metrics import operating_point, threshold_for_specificity


class _Spy:
    """Scores cases by their planted feature; records what each fit saw."""

    seen: list[set[str]] = []

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> _Spy:
        _Spy.seen.append(set(cases["case_id"]))
        return self

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        p = cases["face_x"].to_numpy(float)
        return np.column_stack([1 - p, p])


def _cohort() -> pd.DataFrame:
    rows = []
    for s in range(8):  # subjects 0-3 F, 4-7 M; each 2 recordings, one stroke one not
        for r in range(2):
            age = 50 + 10 * s if s != 6 else 64 + 2 * r  # subject 6 crosses 65
            rows.append({"case_id": f"s{s}r{r}", "subject_id": f"s{s}", "label": r,
                         "face_x": 0.2 + 0.6 * r, "sex": "F" if s < 4 else "M", "age": age})
    return pd.DataFrame(rows)


def test_cross_group_training_never_sees_the_test_group():
    cases = _cohort()
    _Spy.seen = []
    table, preds = cross_group_table(cases, _Spy, n_bootstrap=20)
    assert table[["attribute", "train_group", "test_group"]].values.tolist() == [
        ["sex", "F", "M"], ["sex", "M", "F"], ["age", "65+", "<65"], ["age", "<65", "65+"]]
    sex = dict(zip(cases["case_id"], cases["sex"], strict=True))
    for (_, row), seen in zip(table.iterrows(), _Spy.seen, strict=True):
        test_ids = set(preds[(preds["attribute"] == row["attribute"])
                             & (preds["train_group"] == row["train_group"])]["case_id"])
        assert not seen & test_ids
        if row["attribute"] == "sex":
            assert {sex[c] for c in seen} == {row["train_group"]}
            assert {sex[c] for c in test_ids} == {row["test_group"]}
    assert (table["auc"] == 1.0).all()  # the planted feature separates every group
    age = table[table["attribute"] == "age"]
    assert age["note"].str.contains("1 subject").all()  # s6 (64 and 66) is left out
    assert not any("s6" in c for c in preds[preds["attribute"] == "age"]["case_id"])
    assert age_group_65(pd.Series([64.9, 65, None])).tolist() == ["<65", "65+", None]


def test_cross_group_needs_two_groups():
    cases = _cohort().assign(sex="F")
    with pytest.raises(InputError, match="need two groups"):
        cross_group_table(cases, _Spy, attributes=("sex",))


def test_matched_specificity_at_least_or_closest():
    # 7 negatives: specificities 3/7 = 42.9 % and 4/7 = 57.1 % lie either side of 45.71 %
    y = np.array([0] * 7 + [1] * 4)
    p = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.35, 0.45, 0.8, 0.9])
    at_least = operating_point(y, p, threshold_for_specificity(y, p, 0.4571))
    closest = operating_point(y, p, threshold_for_specificity(y, p, 0.4571, match="closest"))
    assert at_least["specificity"] == pytest.approx(4 / 7)
    assert closest["specificity"] == pytest.approx(3 / 7)
    assert closest["sensitivity"] >= at_least["sensitivity"]
    with pytest.raises(ValueError, match="unknown"):
        threshold_for_specificity(y, p, 0.4571, match="nearest")
