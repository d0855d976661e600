"""Shape-free face inputs and length bookkeeping (models/columns.py, models/base.py).

Planted answers:
- the grade / label depends only on the size of a left-right difference, on a random side;
  the per-side heights and the face's size vary freely between people. A registry model's
  output must not move when the per-side or size columns change, and the magnitude lets a
  linear model find a weakness on either side (a signed difference cannot);
- a per-side shape column or a length-dependent count that separates the classes perfectly
  never reaches a model.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from strokescreen.errors import ConfigError
from strokescreen.models.base import BOOKKEEPING_COLUMNS, LENGTH_COLUMNS, feature_columns
from strokescreen.models.columns import (
    SIZE_COLUMNS,
    is_shape_free,
    model_columns,
    select_columns,
    signed_comparisons,
)
from strokescreen.models.persist import load_model, save_model
from strokescreen.models.registry import get_model

CLASSIFIERS = ("logreg", "rf", "gbm")
GRADED = ("ordinal-logit", "rf-regressor", "ridge")
SHAPE = ("face_mouth_corner_height_l_mm", "face_mouth_corner_height_r_mm",
         "face_mouth_corner_height_l_ipu", "face_mouth_corner_height_r_ipu",
         "face_ipd_mm", "face_mouth_width_mm", "face_brow_height_l_ipu",
         "face_dyn_corner_rom_mm_l", "face_dyn_corner_rom_mm_r")


def _faces(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Grade 0..3 planted as the size of the corner-height difference, side at random."""
    rng = np.random.default_rng(seed)
    grade = np.repeat(np.arange(4), n // 4)
    side = rng.choice([-1.0, 1.0], size=n)
    dh = side * (0.02 * grade + np.abs(rng.normal(0, 0.006, n)))  # IPD units
    ipd = rng.normal(60, 3, n)  # face size, unrelated to the grade
    lower = rng.normal(1.12, 0.06, n)  # corner height below the eyes, IPD units
    df = pd.DataFrame({
        "case_id": [f"c{i}" for i in range(n)], "subject_id": [f"s{i}" for i in range(n)],
        "label": (grade > 0).astype(int),
        "face_mouth_corner_height_l_ipu": lower + dh / 2,
        "face_mouth_corner_height_r_ipu": lower - dh / 2,
        "face_mouth_corner_height_lr_ipu": dh,
        "face_mouth_corner_height_l_mm": (lower + dh / 2) * ipd,
        "face_mouth_corner_height_r_mm": (lower - dh / 2) * ipd,
        "face_mouth_corner_height_lr_mm": dh * ipd,
        "face_ipd_mm": ipd,
        "face_mouth_width_mm": rng.normal(45, 4, n),
        "face_brow_height_l_ipu": rng.normal(0.4, 0.03, n),
        "face_dyn_corner_rom_mm_l": rng.normal(4, 1, n),
        "face_dyn_corner_rom_mm_r": rng.normal(4, 1, n),
        "face_eye_score": rng.normal(0.5, 0.2, n),
        "speech_rate": rng.normal(4, 0.5, n),
    })
    return df, grade.astype(float), df["label"].to_numpy()


def _reshaped(df: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """The same people's asymmetries on other faces: every shape column redrawn."""
    rng = np.random.default_rng(seed)
    out = df.copy()
    for c in SHAPE:
        out[c] = df[c].to_numpy() * rng.uniform(0.7, 1.4, len(df)) + rng.normal(0, 5, len(df))
    return out


def test_the_shape_free_inputs_are_comparisons_and_scores():
    df, _, _ = _faces()
    cols = model_columns(df)
    assert cols == ["face_mouth_corner_height_lr_ipu", "face_eye_score", "speech_rate"]
    # the mm difference is left out only when its ipu twin is there
    assert "face_mouth_corner_height_lr_mm" in select_columns(["face_mouth_corner_height_lr_mm"])
    assert not is_shape_free("face_mouth_corner_height_lr_mm",
                             ["face_mouth_corner_height_lr_mm", "face_mouth_corner_height_lr_ipu"])
    for name in ("face_smile_excursion_r_mm", "face_dyn_lip_peak_velocity_mm_s_l",
                 "face_dyn_corner_ldlj_r", "face_smile_corner_movement_l_ipu",
                 "face_fpp_share_left", *SIZE_COLUMNS):
        assert not is_shape_free(name), name
    for name in ("face_dyn_corner_ldlj_lr", "face_dyn_lip_rom_mm_nd", "face_mouth_tilt_deg",
                 "face_nose_tip_deviation_ipu", "face_asymmetry_index", "face_mouth_score",
                 "face_speech_corner_movement_lr_nd", "speech_jitter_local", "meta_age"):
        assert is_shape_free(name), name
    signed = [cols[i] for i in signed_comparisons(cols)]
    assert signed == ["face_mouth_corner_height_lr_ipu"]
    # the per-side measures stay in the table (reports use them); "all" reads them
    assert set(SHAPE) <= set(feature_columns(df))
    assert select_columns(feature_columns(df), "all") == feature_columns(df)


@pytest.mark.parametrize("name", CLASSIFIERS + GRADED)
def test_changing_a_face_shape_does_not_move_the_output(name):
    df, grade, label = _faces()
    model = get_model(name, random_state=0) if name != "ridge" else get_model(name)
    model.fit(df, grade if name in GRADED else label)
    assert not set(SHAPE) & set(model.feature_names_in_)
    out = (model.predict if name in GRADED else model.predict_proba)
    np.testing.assert_array_equal(out(df), out(_reshaped(df)))


def test_the_old_inputs_are_moved_by_the_shape():
    df, _, label = _faces()
    model = get_model("logreg", face_inputs="all").fit(df, label)
    assert set(SHAPE) <= set(model.feature_names_in_)
    assert not np.allclose(model.predict_proba(df), model.predict_proba(_reshaped(df)))


def test_a_weakness_on_either_side_is_found_by_a_linear_model():
    train, grade, label = _faces(seed=0)
    test, grade_t, label_t = _faces(seed=5)
    free = get_model("logreg").fit(train, label)
    assert roc_auc_score(label_t, free.predict_proba(test)[:, 1]) > 0.95
    # the same model on the signed difference alone cannot tell the side from the grade
    signed = get_model("logreg", face_inputs="all").fit(
        train[["case_id", "subject_id", "label", "face_mouth_corner_height_lr_ipu"]], label)
    assert roc_auc_score(label_t, signed.predict_proba(test)[:, 1]) < 0.75
    ordinal = get_model("ordinal-logit").fit(train, grade)
    err = np.abs(ordinal.predict(test) - grade_t)
    assert err.mean() < 0.35  # grades 0..3 recovered from |difference| (mean grade MAE ~1)
    imp = ordinal.feature_importance()
    assert imp is not None and imp.abs().idxmax() == "face_mouth_corner_height_lr_ipu"
    assert get_model("logreg").fit(train, label).feature_importance() is not None


def test_a_shape_shortcut_is_not_learned():
    df, _, label = _faces()
    df["face_mouth_corner_height_l_mm"] = np.where(label == 1, 80.0, 60.0)  # separates
    df["face_mouth_corner_height_lr_ipu"] = np.random.default_rng(3).normal(0, 0.01, len(df))
    model = get_model("logreg").fit(df, label)
    assert "face_mouth_corner_height_l_mm" not in model.feature_names_in_
    assert roc_auc_score(label, model.predict_proba(df)[:, 1]) < 0.8


@pytest.mark.parametrize("column", LENGTH_COLUMNS)
def test_a_length_dependent_count_never_reaches_a_model(column):
    df, grade, label = _faces(n=40)
    df[column] = np.where(label == 1, 6.0, 14.0)  # a short clip: fewer syllables, pauses...
    assert column in BOOKKEEPING_COLUMNS and column not in feature_columns(df)
    for name, y in (("logreg", label), ("ordinal-logit", grade)):
        for inputs in ("shape-free", "all"):
            model = get_model(name, face_inputs=inputs).fit(df, y)
            assert column not in model.feature_names_in_
    # the rates and ratios stay features
    df["speech_articulation_rate"] = 4.0
    assert "speech_articulation_rate" in feature_columns(df)


def test_saved_model_keeps_its_magnitudes(tmp_path):
    df, _, label = _faces()
    model = get_model("logreg").fit(df, label)
    save_model(model, tmp_path / "m", name="logreg", params={}, threshold=0.5,
               operating_point={"synthetic": True}, training_cohort={"n_cases": len(df)})
    loaded, _ = load_model(tmp_path / "m")
    flipped = df.copy()
    flipped["face_mouth_corner_height_lr_ipu"] *= -1  # the mirror image: same weakness
    np.testing.assert_allclose(loaded.predict_proba(flipped), model.predict_proba(df))


def test_an_unknown_face_input_set_is_one_config_error():
    with pytest.raises(ConfigError, match="face_inputs='shape'.*shape-free, all"):
        get_model("logreg", face_inputs="shape")
    with pytest.raises(ConfigError, match="shape-free"):
        get_model("ordinal-logit", face_inputs="none")


def test_a_model_saved_before_face_inputs_reads_every_face_column():
    df, _, label = _faces()
    old = get_model("logreg", face_inputs="all").fit(df, label)
    del old.face_inputs  # as pickled by a version without the parameter
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.face_inputs == "all" and loaded.get_params()["face_inputs"] == "all"
    np.testing.assert_allclose(loaded.predict_proba(df), old.predict_proba(df))
    assert set(SHAPE) <= set(loaded.fit(df, label).feature_names_in_)
