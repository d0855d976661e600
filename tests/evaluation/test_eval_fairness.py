"""Subgroup table: group sizes add up, age bands, single-class groups reported."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.evaluation.fairness import age_band, subgroup_table


def test_age_band_boundaries():
    ages = pd.Series([18, 49.9, 50, 64.9, 65, 79.99, 80, 101, None, "n/a"])
    assert age_band(ages).tolist() == [
        "<50",
        "<50",
        "50-64",
        "50-64",
        "65-79",
        "65-79",
        "80+",
        "80+",
        "unknown",
        "unknown",
    ]


def _predictions(cases: pd.DataFrame, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame(
        {
            "case_id": cases["case_id"],
            "subject_id": cases["subject_id"],
            "label": cases["label"],
            "probability": np.clip(
                0.5 + 0.3 * (cases["label"] - 0.5) + rng.normal(0, 0.2, len(cases)), 0, 1
            ),
        }
    )


def test_group_sizes_sum_to_cohort_for_every_attribute(make_cases):
    cases = make_cases(50, cases_per_subject=2, seed=1)
    cases.loc[[3, 7, 11], "sex"] = None  # unknown sex
    cases.loc[[5], "age"] = np.nan
    cases["ethnicity"] = np.where(np.arange(len(cases)) % 4 == 0, "Hispanic", "Not Hispanic")
    table = subgroup_table(_predictions(cases), cases, threshold=0.5)
    assert set(table["attribute"]) == {"sex", "age_band", "ethnicity", "site"}  # no race column
    for attr, part in table.groupby("attribute"):
        assert part["n"].sum() == len(cases), attr
        assert (part["n_pos"] + part["n_neg"] == part["n"]).all()
    sex = table[table["attribute"] == "sex"].set_index("group")
    assert sex.loc["unknown", "n"] == 3
    assert list(table[table["attribute"] == "sex"]["group"])[-1] == "unknown"


def test_subgroup_metrics_match_a_direct_computation(make_cases):
    cases = make_cases(40, seed=2)
    preds = _predictions(cases, seed=3)
    table = subgroup_table(preds, cases, threshold=0.6).set_index(["attribute", "group"])
    m = (cases["site"] == "B").to_numpy()
    y, p = preds["label"].to_numpy()[m], preds["probability"].to_numpy()[m]
    row = table.loc[("site", "B")]
    assert row["n"] == m.sum()
    assert row["sensitivity_at_op"] == pytest.approx(((p >= 0.6) & (y == 1)).sum() / (y == 1).sum())
    assert row["specificity_at_0.5"] == pytest.approx(((p < 0.5) & (y == 0)).sum() / (y == 0).sum())


def test_single_class_group_has_undefined_auc_with_note():
    cases = pd.DataFrame(
        {
            "case_id": list("abcdef"),
            "subject_id": list("abcdef"),
            "label": [1, 1, 0, 1, 0, 0],
            "site": ["X", "X", "Y", "Y", "Y", "Y"],
        }
    )
    preds = cases[["case_id", "subject_id", "label"]].assign(
        probability=[0.9, 0.8, 0.1, 0.7, 0.2, 0.3]
    )
    table = subgroup_table(preds, cases).set_index("group")
    assert np.isnan(table.loc["X", "auc"]) and "single class" in table.loc["X", "note"]
    assert table.loc["Y", "auc"] == 1.0


def test_no_attributes_gives_empty_table():
    cases = pd.DataFrame({"case_id": ["a", "b"], "subject_id": ["a", "b"], "label": [0, 1]})
    preds = cases.assign(probability=[0.2, 0.8])
    table = subgroup_table(preds, cases)
    assert table.empty and "n" in table.columns
