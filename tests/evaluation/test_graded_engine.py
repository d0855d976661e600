"""Graded evaluation on planted tables: the ordering is found, subjects never cross folds,
metadata that the outcome ignores cannot beat chance."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import ConfigError
from strokescreen.evaluation.config import EvaluationConfig
from strokescreen.evaluation.graded_engine import cross_validate_graded, graded_folds
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.models.base import CaseModel
from strokescreen.models.graded import GradedSklearnModel, make_ridge
from strokescreen.models.registry import model_factory
from strokescreen.workflows.feature_sets import build_factory, evaluate_outcome
from tests.graded_helpers import graded_table


@pytest.mark.parametrize("model", ["ridge", "ordinal-logit", "rf-regressor"])
def test_planted_severity_ordering_is_recovered(model):
    params = {"n_estimators": 60} if model == "rf-regressor" else {}
    res = cross_validate_graded(graded_table(40), "severity", model_factory(model, **params),
                                SplitSpec("group-kfold", folds=5), n_bootstrap=100)
    m = res.metrics
    assert m["spearman"] > 0.85 and m["spearman_ci"][0] > 0.7
    assert m["mae"] < 0.6 < m["mae_of_training_mean"]
    assert m["kappa_quadratic"] > 0.8 and m["agreement"]["within_one"] > 0.9
    assert m["target"]["grades"] == [0.0, 1.0, 2.0, 3.0]


def test_the_training_mean_floor_learns_nothing():
    res = cross_validate_graded(graded_table(40), "severity", model_factory("dummy-grade"),
                                "group-kfold", n_bootstrap=0)
    assert res.metrics["mae"] == pytest.approx(res.metrics["mae_of_training_mean"])


class _Spy(GradedSklearnModel):
    """Records the subjects it was fitted on and refuses to predict any of them."""

    def fit(self, cases, y):
        self.train_subjects_ = set(cases["subject_id"])
        return super().fit(cases, y)

    def predict(self, cases, **kw):
        assert not set(cases["subject_id"]) & self.train_subjects_
        return super().predict(cases, **kw)


@pytest.mark.parametrize("split", ["group-kfold", "loso"])
@pytest.mark.parametrize("target", ["severity", "severity_change"])
def test_no_subject_crosses_folds(split, target):
    table = graded_table(16, per_subject=3)
    res = cross_validate_graded(table, target, lambda: _Spy(make_ridge().estimator),
                                SplitSpec(split, folds=4), n_bootstrap=0, model_name="spy")
    per_subject = res.predictions.groupby("subject_id")["fold"].nunique()
    assert (per_subject == 1).all() and len(res.predictions) == len(table)
    folds = graded_folds(table, np.arange(len(table)) % 4, SplitSpec(split, folds=4))
    subj = table["subject_id"].to_numpy()
    for f in folds:
        assert not set(subj[f.train]) & set(subj[f.test])


def test_continuous_negative_target_reports_no_kappa():
    res = cross_validate_graded(graded_table(40), "severity_change", model_factory("ridge"),
                                "loso", n_bootstrap=50)
    m = res.metrics
    assert m["target"]["kind"] == "continuous"
    assert "kappa_quadratic" not in m and m["spearman"] > 0.8
    assert m["bland_altman"]["loa_low"] < m["bland_altman"]["bias"] < m["bland_altman"]["loa_high"]


def test_wrong_model_for_the_target_is_one_config_error():
    with pytest.raises(ConfigError, match="classifier of the 0/1 label"):
        build_factory("logreg", {}, seed=0, target="severity")
    with pytest.raises(ConfigError, match="predicts a graded target"):
        build_factory("ridge", {}, seed=0, target="label")
    with pytest.raises(ConfigError, match="integer grades|holdout"):
        cross_validate_graded(graded_table(8), "severity", model_factory("ridge"),
                              SplitSpec("holdout", holdout_first=8))


def test_ordinal_model_refuses_a_continuous_target():
    from strokescreen.errors import InputError

    with pytest.raises(InputError, match="integer grades"):
        cross_validate_graded(graded_table(20), "severity_change",
                              model_factory("ordinal-logit"), "group-kfold", n_bootstrap=0)


def _label_table(seed: int = 0) -> pd.DataFrame:
    """Label planted in face_droop only; metadata independent of it."""
    t = graded_table(60, seed=seed)
    rng = np.random.default_rng(seed + 1)
    t["label"] = t.groupby("subject_id")["subject_id"].transform(
        lambda s: int(s.iloc[0][1:]) % 2)
    t["face_droop"] = 2.0 * t["label"] + rng.normal(0, 1, len(t))
    return t


def test_metadata_alone_cannot_beat_chance_when_the_outcome_ignores_it():
    table = _label_table()
    config = EvaluationConfig(n_bootstrap=300, importance="none")
    factory = build_factory("logreg", {}, seed=0, target="label", calibration="none")
    meta = evaluate_outcome(table, factory, config, feature_set="metadata", model_name="logreg")
    lo, hi = meta.result.metrics["auc_ci"]
    assert lo < 0.5 < hi
    assert set(meta.feature_set.metadata_columns) == {"age", "sex", "hypertension",
                                                      "days_since_onset"}
    fused = evaluate_outcome(table, factory, config, feature_set="fused", model_name="logreg")
    assert fused.result.metrics["auc"] > 0.8


class _FakeDeep(CaseModel):  # reads case folders, not features
    uses_features = False

    def fit(self, cases, y):
        self.meta_source_ = ["age", "sex"]
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, cases):
        return np.tile([0.5, 0.5], (len(cases), 1))


def test_a_deep_model_reports_the_metadata_it_read():
    out = evaluate_outcome(graded_table(12), _FakeDeep, EvaluationConfig(n_bootstrap=0,
                           importance="none", folds=3), model_name="fake", uses_features=False)
    assert out.result.metrics["feature_set"]["metadata_columns"] == ["age", "sex"]


def test_a_graded_model_has_no_probability():
    from strokescreen.errors import InputError

    m = make_ridge().fit(graded_table(8), np.arange(16) % 4)
    assert m.predict(graded_table(8)).shape == (16,)
    with pytest.raises(InputError, match="not a stroke probability"):
        m.predict_proba(graded_table(8))
