"""SHAP explanations of the classical models, with planted answers."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.features.families import FAMILIES, feature_family
from strokescreen.models.calibration import CalibratedModel
from strokescreen.models.classical import make_gbm, make_logreg, make_rf
from strokescreen.models.columns import model_inputs
from strokescreen.models.explain import (
    can_explain,
    explain,
    explanation_table,
    family_values,
    global_summary,
)


def _table(n: int = 80, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    df = pd.DataFrame({
        "case_id": [f"c{i}" for i in range(n)],
        "subject_id": [f"s{i}" for i in range(n)],
        "label": y,
        "face_mouth_corner_height_lr_mm": rng.normal(2.0 * y, 1.0) * 3 + 10,  # off-centre
        "face_eye_opening_lr_mm": rng.normal(0.8 * y, 1.0),
        "speech_rate": rng.normal(4 - y, 0.5),
        "speech_f0_range_st": rng.normal(size=n),
    })
    df.loc[3, "speech_rate"] = np.nan  # a missing value is imputed with the training median
    return df, y


def test_linear_shap_is_coefficient_times_standardised_value():
    df, y = _table()
    model = make_logreg().fit(df, y)
    ex = explain(model, df)
    assert ex is not None and ex.method == "shap-linear" and ex.unit == "log-odds"
    pipe = model.pipeline_
    # the model reads signed left-right comparisons as magnitudes (models/columns.py)
    x = model_inputs(pipe, df[ex.features].to_numpy(float))
    np.testing.assert_allclose(x[:, ex.features.index("face_eye_opening_lr_mm")],
                               df["face_eye_opening_lr_mm"].abs())
    z = pipe["scale"].transform(pipe["impute"].transform(x))
    expected = pipe["clf"].coef_[0] * z  # training mean of z is 0
    np.testing.assert_allclose(ex.values, expected, rtol=1e-9, atol=1e-12)
    # values + base add up to the log-odds of the model's probability
    p = model.predict_proba(df)[:, 1]
    np.testing.assert_allclose(ex.output(), np.log(p / (1 - p)), rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(ex.base_values, pipe["clf"].intercept_[0])
    # the case with a missing value: its SHAP value is coef x the median's standardised value
    assert np.isnan(ex.data[3, ex.features.index("speech_rate")])
    # the closed form is shap's exact linear explainer (interventional, standardised data)
    import shap

    p_ = len(ex.features)
    reference = shap.LinearExplainer(pipe["clf"], (np.zeros(p_), np.eye(p_)))
    np.testing.assert_allclose(ex.values, reference.shap_values(z), atol=1e-10)
    np.testing.assert_allclose(ex.base_values[0], float(np.ravel(reference.expected_value)[0]))


@pytest.mark.parametrize("factory,unit", [(make_rf, "probability"), (make_gbm, "log-odds")])
def test_tree_shap_sums_to_output_minus_expected_value(factory, unit):
    df, y = _table()
    model = factory(random_state=0, n_estimators=40).fit(df, y)
    ex = explain(model, df)
    assert ex is not None and ex.method == "shap-tree" and ex.unit == unit
    p = model.predict_proba(df)[:, 1]
    target = p if unit == "probability" else np.log(p / (1 - p))
    np.testing.assert_allclose(ex.values.sum(axis=1), target - ex.base_values, atol=1e-6)
    # the planted signal is the largest contributor on average
    assert ex.features[int(np.abs(ex.values).mean(0).argmax())] == "face_mouth_corner_height_lr_mm"


def test_sigmoid_recalibration_scales_the_linear_split():
    df, y = _table(n=120)
    model = CalibratedModel(make_logreg(), method="sigmoid", folds=3).fit(df, y)
    ex = explain(model, df)
    assert ex is not None and "slope" in ex.note
    q = model.predict_proba(df)[:, 1]
    np.testing.assert_allclose(ex.output(), np.log(q / (1 - q)), atol=1e-6)


def test_models_without_a_plain_pipeline_are_not_explained():
    from strokescreen.models.baselines import make_dummy

    df, y = _table()
    dummy = make_dummy().fit(df, y)
    assert not can_explain(dummy) and explain(dummy, df) is None


def test_long_table_families_and_global_summary():
    df, y = _table()
    model = make_logreg().fit(df, y)
    ex = explain(model, df)
    table = explanation_table(ex, df, fold="f1")
    assert len(table) == len(df) * 4
    assert set(table["family"]) == {"mouth", "eye", "speech timing", "voice"}
    fam = family_values(table)
    one = fam[fam.case_id == "c0"].set_index("family")["shap"]
    np.testing.assert_allclose(one.sum(), ex.values[0].sum())  # families add up per case
    feat, fams = global_summary(table)
    assert feat["feature"].iloc[0] == "face_mouth_corner_height_lr_mm"
    assert fams["family"].iloc[0] == "mouth"


@pytest.mark.parametrize("name,family", [
    ("face_mouth_corner_height_lr_mm", "mouth"), ("face_mouth_corner_midline_l_ipu", "mouth"),
    ("face_dyn_corner_ldlj_lr", "mouth"), ("face_eye_score", "eye"),
    ("face_upper_lid_pupil_r_mm", "eye"), ("face_blink_amplitude_lr_ipu", "eye"),
    ("face_brow_excursion_lr_mm", "brow"), ("face_nose_tip_deviation_mm", "midline"),
    ("face_midline_score", "midline"), ("face_asymmetry_index", "overall"),
    ("face_roll_deg", "head & scale"), ("speech_pause_mean", "speech timing"),
    ("speech_ddk_rate", "speech timing"), ("speech_voiced_share", "voice"),
    ("speech_hnr", "voice"), ("scene_light_lr", "background"), ("age", "other"),
])
def test_feature_family_mapping(name, family):
    assert feature_family(name) == family
    assert family in FAMILIES
