"""Operating-point wording and per-case attributions on planted tables."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.models.classical import make_logreg, make_rf
from strokescreen.report.risk import (
    RiskModel,
    attributions,
    case_table,
    operating_point_info,
    operating_point_sentence,
    predict,
)


def planted(n: int = 120, seed: int = 0) -> pd.DataFrame:
    """face_signal separates the classes; speech_noise is noise."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    return pd.DataFrame({"case_id": [f"c{i}" for i in range(n)],
                         "subject_id": [f"s{i}" for i in range(n)], "label": y,
                         "case_dir": "/nonexistent",
                         "face_signal": rng.normal(3.0 * y, 1.0),
                         "speech_noise": rng.normal(0.0, 1.0, n)})


def test_operating_point_sentence_counts_per_hundred():
    assert operating_point_sentence(0.88, 0.55) == (
        "At this threshold, 88 of 100 strokes in validation were flagged, and 55 of 100 "
        "non-strokes were cleared.")
    assert "70 of 100" in operating_point_sentence(0.7019, 0.4571)
    assert "46 of 100 non-strokes" in operating_point_sentence(0.7019, 0.4571)
    assert "not recorded" in operating_point_sentence(None, 0.5)


def test_operating_point_info_reads_the_sidecar():
    sidecar = {"threshold": 0.31,
               "operating_point": {"sensitivity": 0.9, "specificity": 0.5, "n_cases": 40,
                                   "cohort": "c1", "synthetic": True, "oof_auc": 0.8},
               "training_cohort": {"name": "c1", "synthetic": True}}
    info = operating_point_info(RiskModel(None, sidecar))
    assert info["threshold"] == 0.31 and info["sensitivity"] == 0.9
    assert info["cohort"] == "c1" and info["synthetic"] is True
    assert info["validation_auc"] == 0.8 and "90 of 100" in info["sentence"]
    assert RiskModel(None, sidecar).synthetic is True


def test_tree_shap_attribution_for_a_forest():
    df = planted()
    model = make_rf(n_estimators=60, random_state=0).fit(df, df["label"].to_numpy())
    risk = RiskModel(model, {"threshold": 0.5})
    case = case_table({"face_signal": 3.5, "speech_noise": 0.0}, "/x")
    table, method, unit = attributions(risk, case)
    assert method == "shap-tree" and unit == "probability"
    row = table.set_index("feature")
    assert row.loc["face_signal", "contribution"] > 0.2
    assert abs(row.loc["speech_noise", "contribution"]) < row.loc["face_signal", "contribution"]
    # tree SHAP: the contributions add up to P(stroke) minus the forest's expected output
    from strokescreen.models.explain import explain

    base = explain(model, case).base_values[0]
    assert table["contribution"].sum() == pytest.approx(predict(risk, case) - base, abs=1e-6)


def test_occlusion_attribution_for_a_pipeline_with_extra_steps():
    from sklearn.feature_selection import SelectKBest

    from strokescreen.models.classical import SklearnModel

    df = planted()
    model = SklearnModel(extra_steps=[("select", SelectKBest(k=2))]).fit(
        df, df["label"].to_numpy())
    risk = RiskModel(model, {"threshold": 0.5})
    medians = model.pipeline_.named_steps["impute"].statistics_
    case = case_table({"face_signal": 3.5, "speech_noise": float(medians[1])}, "/x")
    table, method, unit = attributions(risk, case)
    assert method == "occlusion" and unit == "probability"
    row = table.set_index("feature")
    assert row.loc["speech_noise", "contribution"] == pytest.approx(0.0, abs=1e-12)
    # contribution = p(case) - p(case with the feature at its median)
    base = predict(risk, case)
    swapped = case.copy()
    swapped["face_signal"] = medians[0]
    assert row.loc["face_signal", "contribution"] == pytest.approx(base - predict(risk, swapped))


def test_linear_attribution_signs_follow_the_planted_feature():
    df = planted()
    model = make_logreg().fit(df, df["label"].to_numpy())
    risk = RiskModel(model, {"threshold": 0.5})
    high = attributions(risk, case_table({"face_signal": 4.0, "speech_noise": 0.0}, "/x"))[0]
    low = attributions(risk, case_table({"face_signal": -1.0, "speech_noise": 0.0}, "/x"))[0]
    assert high.set_index("feature").loc["face_signal", "contribution"] > 1.0
    assert low.set_index("feature").loc["face_signal", "contribution"] < -1.0


def test_missing_value_is_imputed_for_the_prediction():
    df = planted()
    model = make_logreg().fit(df, df["label"].to_numpy())
    risk = RiskModel(model, {"threshold": 0.5})
    p = predict(risk, case_table({"face_signal": None, "speech_noise": None}, "/x"))
    assert p is not None and 0.2 < p < 0.8  # the medians sit between the classes


def test_models_without_feature_columns_get_no_attribution():
    class Deep:
        uses_features = False

        def predict_proba(self, cases):
            return np.array([[0.3, 0.7]])

    risk = RiskModel(Deep(), {"threshold": 0.5})
    table, method, _ = attributions(risk, case_table({}, "/x"))
    assert method == "none" and table.empty
    assert predict(risk, case_table({}, "/x")) == pytest.approx(0.7)
