"""The evaluation engine: pooled AUC, per-fold reporting, hold-out spread, no leakage."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.linear_model import LogisticRegression

from strokescreen.errors import InputError
from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.models.base import CaseModel
from strokescreen.models.classical import SklearnModel
from strokescreen.models.registry import model_factory

SPECS = [
    SplitSpec("group-kfold", folds=4, seed=1),
    SplitSpec("loso"),
    SplitSpec("holdout", holdout_first=40, folds=3),
]
IDS = ["group-kfold", "loso", "holdout"]


class RowRecorder(BaseEstimator, TransformerMixin):
    """Pipeline step that remembers the first column (a row id) of what it was fitted on."""

    def fit(self, X, y=None):
        self.fitted_ids_ = np.asarray(X)[:, 0].astype(int).copy()
        return self

    def transform(self, X):
        return X


class CaseRecorder(CaseModel):
    """A model that remembers the case ids it was fitted on and asked about."""

    def fit(self, cases, y):
        self.fitted_ = set(cases["case_id"])
        self.asked_ = set()
        self.classes_ = np.array([0, 1])
        return self

    def predict_proba(self, cases):
        self._check_fitted()
        self.asked_ |= set(cases["case_id"])
        p = cases["face_signal"].to_numpy() / 10 + 0.5
        return np.column_stack([1 - p, p])


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_nothing_is_fitted_on_test_cases(make_cases, spec):
    cases = make_cases(30, cases_per_subject=2, seed=4)
    cases["face_rowid"] = np.arange(len(cases), dtype=float)
    cases = cases[["face_rowid"] + [c for c in cases.columns if c != "face_rowid"]]

    def factory():
        return SklearnModel(
            LogisticRegression(), impute=None, scale=False, extra_steps=[("rec", RowRecorder())]
        )

    result = cross_validate(cases, None, factory, spec, n_bootstrap=0, importance="none")
    for run in result.runs:
        fitted = set(run.model.pipeline_.named_steps["rec"].fitted_ids_.tolist())
        assert fitted == set(run.fold.train.tolist())  # exactly the training part
        assert not fitted & set(run.fold.test.tolist())
        assert not fitted & set(run.extra_test.tolist())  # the hold-out too


@pytest.mark.parametrize("spec", SPECS, ids=IDS)
def test_case_level_model_never_predicts_its_own_training_cases(make_cases, spec):
    cases = make_cases(30, cases_per_subject=2, seed=5)
    result = cross_validate(cases, None, CaseRecorder, spec, n_bootstrap=0, importance="none")
    subj = dict(zip(cases["case_id"], cases["subject_id"], strict=True))
    for run in result.runs:
        m = run.model
        assert not (m.fitted_ & m.asked_)
        assert not ({subj[c] for c in m.fitted_} & {subj[c] for c in m.asked_})


def test_imputation_and_scaling_are_learned_inside_each_fold(make_cases):
    cases = make_cases(40, seed=6)
    rng = np.random.default_rng(0)
    cases.loc[rng.random(len(cases)) < 0.25, "face_signal"] = np.nan
    result = cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("group-kfold", folds=4),
        n_bootstrap=0,
        importance="none",
    )
    for run in result.runs:
        train = cases.iloc[run.fold.train]
        imputer = run.model.pipeline_.named_steps["impute"]
        scaler = run.model.pipeline_.named_steps["scale"]
        col = list(run.model.feature_names_in_).index("face_signal")
        median = np.nanmedian(train["face_signal"])
        assert imputer.statistics_[col] == pytest.approx(median)
        filled = train["face_signal"].fillna(median)
        assert scaler.mean_[col] == pytest.approx(filled.mean())


def test_planted_auc_is_recovered_with_ci(make_cases, auc_for_d):
    d = 1.2
    cases = make_cases(400, seed=7, d=d)
    result = cross_validate(
        cases,
        None,
        model_factory("logreg", random_state=0),
        SplitSpec("group-kfold", folds=5),
        n_bootstrap=500,
        importance="none",
    )
    m = result.metrics
    truth = auc_for_d(d)  # 0.802
    assert m["auc_ci"][0] < truth < m["auc_ci"][1]
    assert abs(m["auc"] - truth) < 0.05
    assert m["at_reference_specificity"]["specificity"] >= 0.4571
    assert len(m["folds"]) == 5 and m["fold_auc"]["n_defined"] == 5
    assert set(result.predictions.columns) >= {
        "case_id",
        "subject_id",
        "fold",
        "label",
        "probability",
    }
    assert sorted(result.predictions["case_id"]) == sorted(cases["case_id"])


def test_loso_pooled_auc_and_single_class_folds_reported(make_cases):
    cases = make_cases(12, cases_per_subject=2, seed=8, d=3.0)
    result = cross_validate(
        cases, None, model_factory("logreg"), SplitSpec("loso"), n_bootstrap=100, importance="none"
    )
    m = result.metrics
    assert len(m["folds"]) == 12  # one per subject
    assert all(f["auc"] is None and "single class" in f["note"] for f in m["folds"])
    assert m["fold_auc"]["n_undefined"] == 12 and m["fold_auc"]["mean"] is None
    assert any("12 of 12 folds hold a single class" in n for n in m["notes"])
    assert m["auc"] > 0.9  # the pooled AUC is defined


def test_single_class_fold_is_not_averaged(make_cases):
    # 3 stroke subjects among 12, 5 folds: at least two test folds hold no stroke case
    cases = make_cases(12, pos_fraction=0.25, seed=9, d=2.0)
    result = cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("group-kfold", folds=5),
        n_bootstrap=0,
        importance="none",
    )
    folds = result.metrics["folds"]
    undefined = [f for f in folds if f["auc"] is None]
    defined = [f["auc"] for f in folds if f["auc"] is not None]
    assert len(undefined) >= 2
    assert all(f["n_pos"] == 0 or f["n_neg"] == 0 for f in undefined)
    assert all("not averaged" in f["note"] for f in undefined)
    fa = result.metrics["fold_auc"]
    assert fa["n_undefined"] == len(undefined)
    assert fa["mean"] == pytest.approx(np.mean(defined))


def test_holdout_reports_spread_over_fold_models(make_cases):
    cases = make_cases(60, seed=10, d=1.5)
    result = cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("holdout", holdout_after="2023-04-30", folds=4),
        n_bootstrap=200,
        importance="none",
    )
    m = result.metrics
    h = m["holdout"]
    when = pd.to_datetime(cases["recorded_at"])
    n_test = int((when > pd.Timestamp("2023-04-30")).sum())
    assert h["n_test_cases"] == n_test == m["n_cases"]
    auc_fm = h["fold_model_auc"]
    assert auc_fm["n_defined"] == 4
    assert auc_fm["min"] <= auc_fm["mean"] <= auc_fm["max"]
    per_model = result.fold_predictions.groupby("case_id")["probability"].mean()
    mean_p = result.predictions.set_index("case_id")["probability"]
    assert np.allclose(per_model.loc[mean_p.index], mean_p)
    assert (result.predictions["fold"] == "holdout").all()
    assert h["at_prespecified_threshold"]["chosen_on"].startswith("out-of-fold")
    assert result.training_oof is not None and len(result.training_oof) == h["n_train_cases"]


def test_same_seed_same_metrics(make_cases):
    cases = make_cases(40, seed=11)

    def run():
        return cross_validate(
            cases,
            None,
            model_factory("rf", n_estimators=20, random_state=0),
            SplitSpec("group-kfold", folds=4, seed=3),
            n_bootstrap=200,
            seed=5,
        )

    a, b = run(), run()
    assert a.metrics["auc_ci"] == b.metrics["auc_ci"]
    assert np.array_equal(a.predictions["probability"], b.predictions["probability"])
    assert a.importance.equals(b.importance)


def test_permutation_importance_finds_the_planted_feature(make_cases):
    cases = make_cases(80, seed=12, d=2.0, n_noise=3)
    result = cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("group-kfold", folds=4),
        n_bootstrap=0,
        importance="permutation",
        importance_repeats=3,
    )
    imp = result.importance
    assert imp.iloc[0]["feature"] == "face_signal"
    assert imp.iloc[0]["importance_mean"] > 0.2
    assert (imp.iloc[1:]["importance_mean"].abs() < 0.05).all()
    assert "native_mean" in imp.columns


def test_progress_is_reported(make_cases):
    calls = []
    cross_validate(
        make_cases(20),
        None,
        model_factory("logreg"),
        SplitSpec("group-kfold", folds=4),
        n_bootstrap=0,
        progress=lambda done, total=None, note=None: calls.append(done),
    )
    assert calls[-1] == 5 and calls == sorted(calls)


def test_training_part_with_one_class_is_refused(make_cases):
    cases = make_cases(6, pos_fraction=1 / 6, seed=13)  # one stroke subject
    with pytest.raises(InputError, match="training part .* holds only label 0"):
        cross_validate(cases, None, model_factory("logreg"), SplitSpec("loso"), n_bootstrap=0)


def test_unscored_cases_are_left_out_and_named(make_cases):
    class SometimesNaN(CaseRecorder):
        def predict_proba(self, cases):
            p = super().predict_proba(cases)
            p[cases["case_id"].isin(["s000c0", "s031c0"]).to_numpy()] = np.nan
            return p

    cases = make_cases(40, seed=14)
    result = cross_validate(
        cases,
        None,
        SometimesNaN,
        SplitSpec("group-kfold", folds=4),
        n_bootstrap=50,
        importance="none",
    )
    m = result.metrics
    assert m["n_unscored"] == 2 and sorted(m["unscored_cases"]) == ["s000c0", "s031c0"]
    assert m["n_cases"] == 38 and m["auc"] is not None
