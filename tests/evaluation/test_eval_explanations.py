"""Out-of-fold SHAP explanations in the evaluation engine and its files."""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.writer import write_evaluation
from strokescreen.models.registry import model_factory


def test_oof_explanations_add_up_to_each_fold_models_log_odds(make_cases, tmp_path):
    cases = make_cases(40, d=2.0, n_noise=2)
    result = cross_validate(cases, None, model_factory("logreg"), SplitSpec("group-kfold", folds=4),
                            n_bootstrap=0, importance="none")
    ex = result.explanations
    assert ex is not None and result.metrics["explanation_method"] == "shap-linear"
    assert len(ex) == len(cases) * 3 and set(ex["feature"]) == {"face_signal", "speech_noise0",
                                                                "speech_noise1"}
    per_case = ex.groupby("case_id", sort=False).agg(
        shap=("shap", "sum"), base=("base_value", "first"), fold=("fold", "first"))
    pred = result.predictions.set_index("case_id")
    # each case is explained by the fold model that predicted it (never saw its subject)
    assert (per_case["fold"] == pred.loc[per_case.index, "fold"]).all()
    p = pred.loc[per_case.index, "probability"].to_numpy()
    np.testing.assert_allclose(per_case["shap"] + per_case["base"], np.log(p / (1 - p)),
                               atol=1e-6)
    # the planted feature dominates, in the right direction for stroke cases
    sig = ex[ex.feature == "face_signal"].merge(cases[["case_id", "label"]], on="case_id")
    assert sig["shap"].abs().mean() > 3 * ex[ex.feature != "face_signal"]["shap"].abs().mean()
    assert sig[sig.label == 1]["shap"].mean() > 0 > sig[sig.label == 0]["shap"].mean()

    paths = write_evaluation(result, tmp_path / "ev")
    back = pd.read_parquet(paths["explanations"])
    assert paths["explanations"].parent == paths["predictions"].parent
    assert len(back) == len(ex) and {"family", "method", "unit"} <= set(back.columns)
    html = paths["report"].read_text()
    assert "SHAP explanations (out of fold)" in html
    assert paths["shap_summary"].read_bytes()[:4] == b"\x89PNG"
    assert "mouth" not in set(back["family"])  # face_signal is no named measure: "other"


def test_no_explanations_for_a_model_without_features(make_cases, tmp_path):
    cases = make_cases(30)
    result = cross_validate(cases, None, model_factory("dummy"), SplitSpec("group-kfold", folds=3),
                            n_bootstrap=0, importance="none")
    assert result.explanations is None and result.metrics["explanation_method"] == "none"
    paths = write_evaluation(result, tmp_path / "ev")
    assert "explanations" not in paths and not (tmp_path / "ev" / "explanations.parquet").exists()


def test_holdout_explanations_average_the_fold_models(make_cases):
    cases = make_cases(60, d=2.0)
    result = cross_validate(cases, None, model_factory("gbm", n_estimators=20, random_state=0),
                            SplitSpec("holdout", holdout_after="2023-04-30", folds=3),
                            n_bootstrap=0, importance="none")
    ex = result.explanations
    assert ex is not None and set(ex["fold"]) == {"holdout"}
    assert set(ex["case_id"]) == set(result.predictions["case_id"])
    assert not ex.duplicated(["case_id", "feature"]).any()
