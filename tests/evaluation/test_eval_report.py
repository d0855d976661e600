"""write_evaluation: every file, strict JSON, a self-contained report that says what it is."""

from __future__ import annotations

import base64
import json
import re

import pandas as pd
import pytest

from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.writer import write_evaluation
from strokescreen.models.registry import model_factory


def _strict_json(path):
    def bad(x):
        raise ValueError(f"non-standard JSON constant {x}")

    return json.loads(path.read_text(), parse_constant=bad)


@pytest.fixture
def loso_result(make_cases):
    cases = make_cases(14, cases_per_subject=2, seed=3, d=2.0)
    return cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("loso"),
        n_bootstrap=100,
        synthetic=True,
        cohort_name="tiny",
    )


def test_files_and_metrics_keys(tmp_path, loso_result):
    paths = write_evaluation(loso_result, tmp_path / "ev")
    for name in (
        "predictions.csv",
        "metrics.json",
        "roc.png",
        "calibration.png",
        "decision_curve.png",
        "fairness.csv",
        "feature_importance.csv",
        "report.html",
    ):
        assert (tmp_path / "ev" / name).is_file(), name
    m = _strict_json(paths["metrics"])  # single-class folds: no NaN anywhere
    assert {"auc", "auc_ci", "at_0.5", "at_reference_specificity", "folds", "fold_auc"} <= set(m)
    assert m["auc_ci"][0] <= m["auc"] <= m["auc_ci"][1]
    for key in ("accuracy", "sensitivity", "specificity"):
        assert key in m["at_0.5"] and key in m["at_reference_specificity"]
    assert m["at_reference_specificity"]["specificity"] >= 0.4571
    assert all(f["auc"] is None and f["note"] for f in m["folds"])
    preds = pd.read_csv(paths["predictions"])
    assert list(preds.columns) == ["case_id", "subject_id", "fold", "label", "probability"]
    assert len(preds) == 28
    assert paths["roc"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    fair = pd.read_csv(paths["fairness"])
    assert (fair.groupby("attribute")["n"].sum() == 28).all()
    assert {"brier", "calibration_intercept", "calibration_slope"} <= set(fair.columns)
    cal = m["calibration"]
    assert cal["brier_ci"][0] <= cal["brier"] <= cal["brier_ci"][1]
    assert {"slope", "slope_ci", "intercept", "intercept_ci", "scaled_brier", "ece", "bins",
            "smoothed"} <= set(cal)
    assert all("brier" in f and "calibration_slope" in f for f in m["folds"])
    assert paths["calibration"].read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_report_is_self_contained_and_says_what_it_is(tmp_path, loso_result):
    paths = write_evaluation(loso_result, tmp_path)
    html = paths["report"].read_text()
    assert "screening aid, not a diagnosis" in html
    assert "SYNTHETIC data" in html
    m = re.search(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert m and base64.b64decode(m.group(1)) == paths["roc"].read_bytes()
    assert not re.search(r'(src|href)="(https?:)?//', html)  # nothing fetched from elsewhere
    assert "Triage team" in html and "ER clinical impression" in html
    assert "face_signal" in html  # importance table
    assert "Calibration" in html and "calibration slope" in html
    imgs = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', html)
    assert base64.b64decode(imgs[1]) == paths["calibration"].read_bytes()
    assert base64.b64decode(imgs[2]) == paths["decision_curve"].read_bytes()
    assert "Decision curve" in html and "treat all" in html


def test_real_cohort_report_has_no_synthetic_banner(tmp_path, make_cases):
    result = cross_validate(
        make_cases(20, seed=1),
        None,
        model_factory("logreg"),
        SplitSpec("group-kfold", folds=4),
        n_bootstrap=50,
        synthetic=False,
    )
    html = write_evaluation(result, tmp_path)["report"].read_text()
    assert "SYNTHETIC" not in html


def test_holdout_writes_fold_model_predictions(tmp_path, make_cases):
    cases = make_cases(40, seed=2)
    result = cross_validate(
        cases,
        None,
        model_factory("logreg"),
        SplitSpec("holdout", holdout_first=25, folds=3),
        n_bootstrap=50,
    )
    paths = write_evaluation(result, tmp_path)
    long = pd.read_csv(paths["holdout_fold_predictions"])
    assert len(long) == 3 * len(pd.read_csv(paths["predictions"]))
    m = _strict_json(paths["metrics"])
    assert set(m["holdout"]["fold_model_auc"]) >= {"mean", "sd", "min", "max"}
    assert "spread over fold models" in paths["report"].read_text()


def test_report_ends_with_a_filled_tripod_checklist(tmp_path, loso_result):
    from strokescreen.evaluation.tripod import tripod_checklist

    rows = tripod_checklist(loso_result)
    by_item = {r["item"]: r for r in rows}
    assert by_item["Data source"]["filled"] and "SYNTHETIC" in by_item["Data source"]["text"]
    assert "events per candidate predictor" in by_item["Sample size and events per predictor"][
        "text"]
    assert by_item["Type of validation"]["text"].startswith("internal: leave one subject out")
    assert "calibration slope" in by_item["Calibration"]["text"]
    assert not by_item["Ethics approval and consent"]["filled"]
    assert by_item["Dates of recordings"]["filled"]  # the planted cases carry recorded_at
    html = write_evaluation(loso_result, tmp_path)["report"].read_text()
    tail = html[html.index("Reporting checklist (TRIPOD+AI)"):]
    assert "Not filled here:" in tail and "Ethics approval and consent" in tail
    assert "not a diagnosis" in tail
