"""Recalibration inside training: a squared score is corrected with its AUC unchanged, the
test fold never reaches the calibrator, and the map survives saving."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.evaluation.calibration import calibration_intercept_slope
from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.metrics import roc_auc
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.training import save_trained, train_model
from strokescreen.models.base import CaseModel
from strokescreen.models.calibration import CalibratedModel, Calibrator, calibrated_factory
from strokescreen.models.persist import load_model


class SquaredScore(CaseModel):
    """Predicts the planted true probability squared: same ranking, too low."""

    def fit(self, cases, y):
        self.classes_ = np.array([0, 1])
        self.feature_names_in_ = np.array(["face_p"], dtype=object)
        return self

    def predict_proba(self, cases):
        self._check_fitted()
        q = cases["face_p"].to_numpy(dtype=float) ** 2
        return np.column_stack([1 - q, q])


def true_probability_cases(n_subjects: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n_subjects)
    return pd.DataFrame({
        "case_id": [f"c{i:04d}" for i in range(n_subjects)],
        "subject_id": [f"s{i:04d}" for i in range(n_subjects)],
        "label": (rng.random(n_subjects) < p).astype(int),
        "face_p": p,
    })


@pytest.mark.parametrize("method", ["sigmoid", "isotonic"])
def test_squared_score_is_recalibrated_and_keeps_its_ranking(method):
    train = true_probability_cases(3000, seed=1)
    test = true_probability_cases(3000, seed=2)
    y = test["label"].to_numpy()
    raw = SquaredScore().fit(train, train["label"].to_numpy()).predict_proba(test)[:, 1]
    model = CalibratedModel(SquaredScore(), method=method).fit(train, train["label"].to_numpy())
    fixed = model.predict_proba(test)[:, 1]
    _, slope_raw = calibration_intercept_slope(y, raw)
    intercept_raw, _ = calibration_intercept_slope(y, raw)
    intercept, slope = calibration_intercept_slope(y, fixed)
    assert abs(slope_raw - 1) > 0.25 and abs(intercept_raw) > 0.3  # miscalibrated before
    assert slope == pytest.approx(1.0, abs=0.12)
    assert intercept == pytest.approx(0.0, abs=0.12)
    if method == "sigmoid":  # a monotone map: the AUC is exactly the same
        assert roc_auc(y, fixed) == pytest.approx(roc_auc(y, raw), abs=1e-12)
    else:  # isotonic ties neighbouring scores: the AUC may move a hair, never much
        assert roc_auc(y, fixed) == pytest.approx(roc_auc(y, raw), abs=0.01)


LOG: list[tuple[str, frozenset]] = []


class Spy(SquaredScore):
    """Logs the case ids of every fit and every prediction, in order."""

    def fit(self, cases, y):
        LOG.append(("fit", frozenset(cases["case_id"])))
        return super().fit(cases, y)

    def predict_proba(self, cases):
        LOG.append(("predict", frozenset(cases["case_id"])))
        return super().predict_proba(cases)


def test_recalibration_never_sees_the_test_fold():
    cases = true_probability_cases(90, seed=3)
    cases["subject_id"] = [f"s{i // 2:03d}" for i in range(90)]  # two cases per subject
    LOG.clear()

    def mark(done, total, note=""):
        LOG.append(("mark", frozenset([note])))

    factory = calibrated_factory(Spy, "sigmoid", folds=3)
    result = cross_validate(cases, None, factory, SplitSpec("group-kfold", folds=3, seed=0),
                            n_bootstrap=0, importance="none", progress=mark)
    ids = cases["case_id"].to_numpy()
    segments: list[list] = []
    for event, payload in LOG:
        if event == "mark":
            segments.append([])
        else:
            segments[-1].append((event, payload))
    for run, seg in zip(result.runs, segments, strict=False):
        train, test = frozenset(ids[run.fold.train]), frozenset(ids[run.fold.test])
        *inside, last = seg
        assert last == ("predict", test)  # the outer prediction comes after fit is done
        assert len([e for e, _ in inside if e == "fit"]) == 4  # 3 inner folds + final model
        for _, seen in inside:  # every inner fit and calibration prediction: training only
            assert seen <= train and not seen & test
        calibrated_on = frozenset(ids[run.fold.train][np.isfinite(run.model.held_out_proba_)])
        assert calibrated_on == train and set(run.model.fitted_case_ids_) == train
    assert len(segments) >= 3


def test_calibrated_model_is_saved_and_loaded_with_its_map(tmp_path):
    cases = true_probability_cases(60, seed=2)
    trained = train_model(cases, "logreg", folds=3, calibration="sigmoid")
    assert isinstance(trained.model, CalibratedModel)
    save_trained(trained, tmp_path / "m")
    sidecar = json.loads((tmp_path / "m" / "model.json").read_text())
    assert sidecar["calibration"]["method"] == "sigmoid"
    assert {"slope", "intercept", "brier", "bins"} <= set(sidecar["operating_point"]["calibration"])
    model, _ = load_model(tmp_path / "m")
    assert isinstance(model, CalibratedModel)
    np.testing.assert_allclose(model.predict_proba(cases), trained.model.predict_proba(cases))
    assert list(model.feature_names_in_) == list(trained.model.feature_names_in_)


def test_none_leaves_the_model_unwrapped():
    trained = train_model(true_probability_cases(40, seed=1), "logreg", folds=3,
                          calibration="none")
    assert not isinstance(trained.model, CalibratedModel)


def test_too_few_subjects_of_a_class_is_one_clear_error():
    cases = true_probability_cases(10, seed=0)
    cases["label"] = [1] + [0] * 9
    with pytest.raises(InputError, match="at least 2 training subjects of each class"):
        CalibratedModel(SquaredScore()).fit(cases, cases["label"].to_numpy())


def test_a_damaged_calibration_block_is_refused():
    with pytest.raises(InputError, match="calibration block"):
        Calibrator.from_dict({"method": "sigmoid", "slope": 1.0})
    q = Calibrator("sigmoid", intercept=0.0, slope=1.0).transform(np.array([0.3, np.nan]))
    assert q[0] == pytest.approx(0.3) and np.isnan(q[1])


def test_recalibration_never_inverts_the_ranking():
    # held-out predictions that rank the classes the wrong way round (a handful of
    # training subjects): a logistic fit gives a negative slope, which would turn the final
    # model's ranking upside down; the map is left out instead, with the reason recorded
    rng = np.random.default_rng(3)
    y = np.repeat([0, 1], 20)
    held_out = np.where(y == 1, 0.3, 0.7) + rng.normal(0, 0.05, y.size)
    cal = Calibrator.fit("sigmoid", held_out, y)
    assert cal.method == "none"
    assert "slope" in cal.values["skipped"]
    p = np.array([0.1, 0.4, 0.9])
    assert np.array_equal(cal.transform(p), p)
    assert Calibrator.from_dict(cal.to_dict()).method == "none"
    # a ranking in the right direction is recalibrated as before
    ok = Calibrator.fit("sigmoid", 1.0 - held_out, y)
    assert ok.method == "sigmoid" and ok.values["slope"] > 0
