"""train_model: the threshold comes from out-of-fold predictions at the reference spec."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.evaluation.metrics import operating_point, threshold_for_specificity
from strokescreen.evaluation.training import cohort_summary, train_model


def test_threshold_is_chosen_out_of_fold(make_cases):
    cases = make_cases(60, cases_per_subject=2, seed=1, d=1.5)
    trained = train_model(
        cases,
        "logreg",
        folds=5,
        reference_specificity=0.4571,
        seed=0,
        cohort_name="planted",
        synthetic=True,
    )
    oof = trained.oof
    assert sorted(oof["case_id"]) == sorted(cases["case_id"])
    y, p = oof["label"].to_numpy(), oof["probability"].to_numpy()
    assert trained.threshold == pytest.approx(threshold_for_specificity(y, p, 0.4571))
    op = trained.operating_point
    assert op["specificity"] >= 0.4571
    assert op["specificity"] == pytest.approx(
        operating_point(y, p, trained.threshold)["specificity"]
    )
    assert (op["n_cases"], op["n_subjects"], op["cohort"], op["synthetic"]) == (
        120,
        60,
        "planted",
        True,
    )
    # the out-of-fold predictions differ from the final model's in-sample ones
    aligned = cases.set_index("case_id").loc[oof["case_id"]].reset_index()
    in_sample = trained.model.predict_proba(aligned)[:, 1]
    assert not np.allclose(in_sample, p)


def test_final_model_is_fitted_on_all_cases(make_cases):
    cases = make_cases(30, seed=2)
    trained = train_model(cases, "logreg", folds=3)
    assert trained.model.pipeline_.named_steps["scale"].n_samples_seen_ == len(cases)
    assert trained.params["random_state"] == 0


def test_cohort_summary_counts(make_cases):
    cases = make_cases(20, cases_per_subject=2, seed=3)
    s = cohort_summary(cases, name="c", synthetic=False)
    assert (s["n_cases"], s["n_subjects"], s["n_pos"] + s["n_neg"]) == (40, 20, 40)
    assert sum(s["sex_counts"].values()) == 40 and sum(s["age_band_counts"].values()) == 40
    assert s["recorded_from"] <= s["recorded_to"]
