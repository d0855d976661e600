"""Subject-grouped splits: no subject is ever on both sides, for every split kind."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.evaluation.splits import (
    SplitSpec,
    holdout_after_date,
    holdout_first_n,
    leave_one_subject_out,
    make_folds,
    make_holdout,
    stratified_group_kfold,
)


def _subjects_disjoint(cases: pd.DataFrame, train: np.ndarray, test: np.ndarray) -> bool:
    s = cases["subject_id"].to_numpy()
    return not (set(s[train]) & set(s[test]))


@pytest.mark.parametrize(
    "spec",
    [
        SplitSpec("group-kfold", folds=5, seed=0),
        SplitSpec("group-kfold", folds=3, seed=11),
        SplitSpec("loso"),
        SplitSpec("holdout", holdout_first=70),
        SplitSpec("holdout", holdout_after="2023-03-15"),
    ],
    ids=["gkf5", "gkf3", "loso", "holdout-first", "holdout-after"],
)
def test_no_subject_on_both_sides(make_cases, spec):
    # several cases per subject, interleaved in the table and in time, so that a
    # case-level split would certainly put some subject on both sides
    cases = make_cases(40, cases_per_subject=3, seed=2).sample(frac=1.0, random_state=0)
    cases = cases.reset_index(drop=True)
    y = cases["label"].to_numpy()
    if spec.kind == "holdout":
        hs = make_holdout(cases, spec)
        assert _subjects_disjoint(cases, hs.train, hs.test)
        assert hs.train.size and hs.test.size
    else:
        folds = make_folds(cases, y, spec)
        for f in folds:
            assert _subjects_disjoint(cases, f.train, f.test)
            assert np.intersect1d(f.train, f.test).size == 0
            assert f.train.size + f.test.size == len(cases)


def test_group_kfold_covers_every_case_once_and_stratifies(make_cases):
    cases = make_cases(100, cases_per_subject=2, pos_fraction=0.3, seed=1)
    y = cases["label"].to_numpy()
    folds = stratified_group_kfold(y, cases["subject_id"], n_folds=5, seed=0)
    tested = np.concatenate([f.test for f in folds])
    assert np.array_equal(np.sort(tested), np.arange(len(cases)))
    overall = y.mean()
    for f in folds:
        assert abs(y[f.test].mean() - overall) < 0.06  # 30 % stroke in every fold


def test_group_kfold_is_reproducible_and_seed_dependent(make_cases):
    cases = make_cases(50, seed=3)
    y = cases["label"].to_numpy()
    a = stratified_group_kfold(y, cases["subject_id"], n_folds=5, seed=4)
    b = stratified_group_kfold(y, cases["subject_id"], n_folds=5, seed=4)
    c = stratified_group_kfold(y, cases["subject_id"], n_folds=5, seed=5)
    assert all(np.array_equal(x.test, z.test) for x, z in zip(a, b, strict=True))
    assert not all(np.array_equal(x.test, z.test) for x, z in zip(a, c, strict=True))


def test_loso_has_one_fold_per_subject(make_cases):
    cases = make_cases(17, cases_per_subject=3)
    folds = leave_one_subject_out(cases["subject_id"])
    assert len(folds) == 17 == cases["subject_id"].nunique()
    for f in folds:
        assert set(cases["subject_id"].to_numpy()[f.test]) == {f.name}
        assert f.test.size == 3


def test_holdout_first_n_uses_recorded_order_not_row_order(make_cases):
    cases = make_cases(30, cases_per_subject=1, seed=0)
    shuffled = cases.sample(frac=1.0, random_state=3).reset_index(drop=True)
    hs = holdout_first_n(shuffled, 10)
    when = pd.to_datetime(shuffled["recorded_at"])
    assert when.iloc[hs.train].max() < when.iloc[hs.test].min()
    assert hs.train.size == 10 and hs.test.size == 20


def test_holdout_first_n_without_dates_uses_manifest_order(make_cases):
    cases = make_cases(20).drop(columns="recorded_at")
    hs = holdout_first_n(cases, 8)
    assert np.array_equal(hs.train, np.arange(8))
    assert np.array_equal(hs.test, np.arange(8, 20))


def test_holdout_excludes_later_cases_of_training_subjects():
    cases = pd.DataFrame(
        {
            "case_id": ["a1", "b1", "a2", "c1", "d1"],
            "subject_id": ["A", "B", "A", "C", "D"],
            "label": [1, 0, 1, 0, 1],
            "recorded_at": ["2024-01-01", "2024-01-02", "2024-02-01", "2024-02-02", "2024-02-03"],
        }
    )
    hs = holdout_first_n(cases, 2)
    assert cases["case_id"].to_numpy()[hs.test].tolist() == ["c1", "d1"]
    assert cases["case_id"].to_numpy()[hs.excluded].tolist() == ["a2"]
    assert "a2" in hs.note


def test_holdout_after_date_includes_the_whole_cutoff_day():
    cases = pd.DataFrame(
        {
            "case_id": ["x", "y", "z", "w"],
            "subject_id": ["1", "2", "3", "4"],
            "label": [0, 1, 0, 1],
            "recorded_at": [
                "2024-03-01T08:00",
                "2024-03-01T23:30",
                "2024-03-02T00:10",
                "2024-04-01",
            ],
        }
    )
    hs = holdout_after_date(cases, "2024-03-01")
    assert cases["case_id"].to_numpy()[hs.train].tolist() == ["x", "y"]
    assert cases["case_id"].to_numpy()[hs.test].tolist() == ["z", "w"]
    when = pd.to_datetime(cases["recorded_at"], format="mixed")
    assert (when.iloc[hs.train] < pd.Timestamp("2024-03-02")).all()
    assert (when.iloc[hs.test] >= pd.Timestamp("2024-03-02")).all()
