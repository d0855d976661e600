"""Splits refuse impossible requests with a message that says what to do."""

from __future__ import annotations

import pandas as pd
import pytest

from strokescreen.errors import ConfigError, InputError
from strokescreen.evaluation.splits import (
    SplitSpec,
    holdout_after_date,
    holdout_first_n,
    stratified_group_kfold,
)


def test_more_folds_than_subjects(make_cases):
    cases = make_cases(4, cases_per_subject=3)
    with pytest.raises(InputError, match=r"4 subjects cannot fill 5 .*--folds 4"):
        stratified_group_kfold(cases["label"].to_numpy(), cases["subject_id"], n_folds=5)


def test_unreadable_dates_are_named(make_cases):
    cases = make_cases(6)
    cases.loc[2, "recorded_at"] = "last tuesday"
    cases.loc[4, "recorded_at"] = None
    with pytest.raises(InputError, match=r"s002c0, s004c0"):
        holdout_first_n(cases, 3)


def test_holdout_after_needs_recorded_at(make_cases):
    with pytest.raises(InputError, match="recorded_at"):
        holdout_after_date(make_cases(6).drop(columns="recorded_at"), "2023-01-05")


def test_holdout_after_bad_date(make_cases):
    with pytest.raises(InputError, match="not a date"):
        holdout_after_date(make_cases(6), "soon")


def test_cutoff_leaving_no_test_cases(make_cases):
    with pytest.raises(InputError, match="leaves .* 0 test"):
        holdout_after_date(make_cases(6), "2030-01-01")


@pytest.mark.parametrize("n", [0, 6, 100])
def test_holdout_first_out_of_range(make_cases, n):
    with pytest.raises(InputError, match="holdout-first"):
        holdout_first_n(make_cases(6), n)


@pytest.mark.parametrize(
    "spec, pattern",
    [
        (SplitSpec("kfold"), "unknown"),
        (SplitSpec("group-kfold", folds=1), "folds=1"),
        (SplitSpec("holdout"), "exactly one"),
        (SplitSpec("holdout", holdout_first=5, holdout_after="2024-01-01"), "exactly one"),
        (SplitSpec("loso", holdout_first=5), "only apply"),
    ],
)
def test_split_spec_validation(spec, pattern):
    with pytest.raises(ConfigError, match=pattern):
        spec.validate()


def test_every_subject_in_training_leaves_empty_holdout():
    cases = pd.DataFrame(
        {
            "case_id": ["a", "b", "c"],
            "subject_id": ["A", "A", "A"],
            "label": [0, 1, 0],
            "recorded_at": ["2024-01-01", "2024-01-02", "2024-01-03"],
        }
    )
    with pytest.raises(InputError, match="0 test"):
        holdout_first_n(cases, 1)
