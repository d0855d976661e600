"""Classical models: the case-table contract, imputation, planted separation."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.metrics import roc_auc_score

from strokescreen.errors import InputError, NotFittedError
from strokescreen.models.registry import get_model


def _table(n=200, d=2.0, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "subject_id": [f"s{i}" for i in range(n)],
            "label": y,
            "case_dir": "x",
            "sex": rng.choice(["F", "M"], n),  # metadata: never a feature
            "face_signal": rng.normal(d * y, 1.0),
            "speech_noise": rng.normal(size=n),
        }
    )


@pytest.mark.parametrize("name", ["logreg", "rf", "gbm"])
def test_fit_predict_contract_and_planted_signal(name):
    train, test = _table(seed=1), _table(seed=2)
    model = get_model(name, random_state=0)
    assert model.fit(train, train["label"].to_numpy()) is model
    proba = model.predict_proba(test)
    assert proba.shape == (len(test), 2)
    assert np.allclose(proba.sum(axis=1), 1.0)
    assert roc_auc_score(test["label"], proba[:, 1]) > 0.85  # true AUC Phi(2/sqrt2) = 0.92
    assert model.feature_schema == ["face_signal", "speech_noise"]
    assert set(model.predict(test)) <= {0, 1}


def test_predict_before_fit_raises():
    with pytest.raises(NotFittedError, match="not fitted"):
        get_model("logreg").predict_proba(_table())


def test_logreg_coefficient_points_the_right_way():
    t = _table(seed=3)
    imp = get_model("logreg").fit(t, t["label"].to_numpy()).feature_importance()
    assert imp["face_signal"] > 1.0 and abs(imp["speech_noise"]) < imp["face_signal"] / 4


def test_missing_values_are_imputed_with_training_medians():
    t = _table(seed=4)
    t.loc[::5, "face_signal"] = np.nan
    t.loc[:, "speech_allnan"] = np.nan
    model = get_model("logreg").fit(t, t["label"].to_numpy())
    imputer = model.pipeline_.named_steps["impute"]
    assert imputer.statistics_[0] == pytest.approx(np.nanmedian(t["face_signal"]))
    assert np.isfinite(model.predict_proba(t)).all()
    # a column never observed in training is left out (more than half missing:
    # models/columns.py); max_missing=1 keeps it, imputed with a constant
    assert model.feature_schema == ["face_signal", "speech_noise"]
    assert model.sparse_columns_ == ("speech_allnan",)
    kept = get_model("logreg", max_missing=1.0).fit(t, t["label"].to_numpy())
    assert kept.feature_schema == ["face_signal", "speech_noise", "speech_allnan"]


def test_clone_gives_an_unfitted_copy():
    t = _table()
    m = get_model("rf", n_estimators=10, random_state=0).fit(t, t["label"].to_numpy())
    c = clone(m)
    assert c.get_params()["estimator"].n_estimators == 10
    with pytest.raises(NotFittedError):
        c.predict_proba(t)


def test_predicting_without_a_trained_column_names_it():
    t = _table()
    m = get_model("logreg").fit(t, t["label"].to_numpy())
    with pytest.raises(InputError, match="missing: speech_noise"):
        m.predict_proba(t.drop(columns="speech_noise"))


def test_column_order_at_predict_does_not_matter():
    t = _table()
    m = get_model("logreg").fit(t, t["label"].to_numpy())
    shuffled = t[["speech_noise", "case_id", "face_signal"]]
    assert np.allclose(m.predict_proba(shuffled), m.predict_proba(t))
