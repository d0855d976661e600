"""Mostly-missing feature columns are left out at fit (models/columns.py: observed_columns).

Planted answers: in 80 training cases the label / grade follows a left-right difference
observed in every case, with noise; a second column, observed in only 4 of the 80 cases
(as an eye-closure index is, only in recordings with an eye-closure task), separates the
classes perfectly where it is observed. Every classical registry model leaves it out: its
output does not move when that column is redrawn (or observed in every case, or absent).
A column observed in most cases stays an input; a model saved before the rule keeps
every column.
"""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.special import logit

from strokescreen.errors import ConfigError, InputError
from strokescreen.models.columns import MAX_MISSING, observed_columns
from strokescreen.models.explain import explain
from strokescreen.models.persist import load_model, save_model
from strokescreen.models.registry import get_model

CLASSIFIERS = ("logreg", "rf", "gbm")
GRADED = ("ordinal-logit", "rf-regressor", "ridge", "dummy-grade")
SPARSE = "face_eye_closure_asymmetry_index"


def _cases(n: int = 80, observed: int = 4, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray,
                                                                    np.ndarray]:
    """Grades 0..3 (label = grade > 0) from a noisy difference; SPARSE observed in the
    first ``observed`` cases only, where it equals 5 x label (a perfect separator)."""
    rng = np.random.default_rng(seed)
    grade = np.tile(np.arange(4), n // 4).astype(float)
    label = (grade > 0).astype(int)
    sparse = np.full(n, np.nan)
    sparse[:observed] = 5.0 * label[:observed]
    df = pd.DataFrame({
        "case_id": [f"c{i}" for i in range(n)], "subject_id": [f"s{i}" for i in range(n)],
        "label": label,
        "face_mouth_tilt_index": 0.3 * grade + rng.normal(0, 0.4, n),
        "speech_rate": rng.normal(4, 0.5, n),
        SPARSE: sparse,
    })
    return df, grade, label


def _redrawn(df: pd.DataFrame, how: str, seed: int = 7) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    out = df.copy()
    if how == "everywhere":  # observed in every case, values unrelated to the label
        out[SPARSE] = rng.normal(0, 10, len(df))
    elif how == "flipped":  # where observed, the opposite answer
        out[SPARSE] = np.where(df[SPARSE].notna(), 5.0 - df[SPARSE], np.nan)
    else:  # the column is not in the table at all
        out = out.drop(columns=SPARSE)
    return out


def _fit(name: str, max_missing: float = MAX_MISSING, observed: int = 4):
    df, grade, label = _cases(observed=observed)
    params = {} if name == "ridge" else {"random_state": 0}
    model = get_model(name, max_missing=max_missing, **params)
    model.fit(df, grade if name in GRADED else label)
    out = model.predict if name in GRADED else model.predict_proba
    return df, model, out


def test_the_rule_counts_missing_training_rows():
    x = np.array([[1.0, np.nan, np.nan], [2.0, 1.0, np.nan], [3.0, np.nan, np.nan],
                  [4.0, 2.0, 1.0]])
    # missing shares 0, 1/2, 3/4: half missing is kept, more is left out
    assert observed_columns(x, ["a", "b", "c"]) == (["a", "b"], ["c"])
    assert observed_columns(x, ["a", "b", "c"], 0.0) == (["a"], ["b", "c"])
    assert observed_columns(x, ["a", "b", "c"], 1.0) == (["a", "b", "c"], [])


@pytest.mark.parametrize("name", CLASSIFIERS + GRADED)
def test_a_column_observed_in_4_of_80_cases_is_not_used(name):
    df, model, out = _fit(name)
    assert SPARSE not in model.feature_names_in_
    assert model.sparse_columns_ == (SPARSE,)
    assert list(model.feature_names_in_) == ["face_mouth_tilt_index", "speech_rate"]
    for how in ("everywhere", "flipped", "absent"):
        np.testing.assert_array_equal(out(_redrawn(df, how)), out(df), err_msg=how)


@pytest.mark.parametrize("name", ("logreg", "ridge", "ordinal-logit"))
def test_without_the_rule_the_sparse_column_moves_the_output(name):
    df, model, out = _fit(name, max_missing=1.0)
    assert SPARSE in model.feature_names_in_ and model.sparse_columns_ == ()
    assert not np.allclose(out(_redrawn(df, "flipped")), out(df))


@pytest.mark.parametrize("name", ("logreg", "ordinal-logit"))
def test_a_column_observed_in_most_cases_is_still_used(name):
    df, model, out = _fit(name, observed=60)  # 25% missing
    assert SPARSE in model.feature_names_in_ and model.sparse_columns_ == ()
    assert not np.allclose(out(_redrawn(df, "flipped")), out(df))


def test_explanations_stay_exact_over_the_kept_columns():
    df, model, _ = _fit("logreg")
    ex = explain(model, df)
    assert ex is not None and ex.features == ["face_mouth_tilt_index", "speech_rate"]
    np.testing.assert_allclose(ex.output(), logit(model.predict_proba(df)[:, 1]), atol=1e-10)
    tree_df, tree, _ = _fit("rf")
    ex = explain(tree, tree_df)
    assert ex is not None and SPARSE not in ex.features
    np.testing.assert_allclose(ex.output(), tree.predict_proba(tree_df)[:, 1], atol=1e-6)


def test_a_saved_model_keeps_its_left_out_columns(tmp_path):
    df, model, _ = _fit("logreg")
    save_model(model, tmp_path / "m", name="logreg", params={"max_missing": MAX_MISSING},
               threshold=0.5, operating_point={"synthetic": True},
               training_cohort={"n_cases": len(df)})
    loaded, _ = load_model(tmp_path / "m")
    assert loaded.sparse_columns_ == (SPARSE,) and loaded.max_missing == MAX_MISSING
    assert list(loaded.feature_names_in_) == list(model.feature_names_in_)
    np.testing.assert_allclose(loaded.predict_proba(_redrawn(df, "absent")),
                               model.predict_proba(df))
    graded_df, graded, _ = _fit("ordinal-logit")
    save_model(graded, tmp_path / "g", name="ordinal-logit", params={}, threshold=0.5,
               operating_point={"synthetic": True}, training_cohort={"n_cases": len(df)})
    again, _ = load_model(tmp_path / "g")
    assert again.sparse_columns_ == (SPARSE,)
    np.testing.assert_allclose(again.predict(graded_df), graded.predict(graded_df))


def test_a_model_saved_before_the_rule_keeps_every_column():
    df, old, _ = _fit("logreg", max_missing=1.0)
    del old.max_missing, old.sparse_columns_  # as pickled by a version without the rule
    loaded = pickle.loads(pickle.dumps(old))
    assert loaded.max_missing == 1.0 and loaded.sparse_columns_ == ()
    assert loaded.get_params()["max_missing"] == 1.0
    np.testing.assert_allclose(loaded.predict_proba(df), old.predict_proba(df))
    assert SPARSE in loaded.fit(df, df["label"].to_numpy()).feature_names_in_


def test_bad_shares_and_an_all_sparse_table_are_one_clear_error():
    with pytest.raises(ConfigError, match="max_missing=1.5 is not a share"):
        get_model("logreg", max_missing=1.5)
    with pytest.raises(ConfigError, match="max_missing='half'"):
        get_model("ridge", max_missing="half")
    df, _, label = _cases()
    only = df[["case_id", "subject_id", "label", SPARSE]]
    with pytest.raises(InputError, match="every one of the 1 feature columns is missing in "
                                         "more than 50% of the 80 training cases"):
        get_model("logreg").fit(only, label)
