"""`evaluate --target`, `--feature-set`, `--compare-feature-sets` and `train --target`."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from tests.graded_helpers import graded_table

runner = CliRunner()


def _run(args):
    try:
        return CliRunner(mix_stderr=False).invoke(app, args)
    except TypeError:  # newer click: stderr is always separate
        return CliRunner().invoke(app, args)


@pytest.fixture
def table_csv(tmp_path):
    path = tmp_path / "grades.csv"
    graded_table(24).assign(synthetic=True).to_csv(path, index=False)
    return path


def test_evaluate_severity_writes_graded_metrics_and_report(tmp_path, table_csv):
    out = tmp_path / "ev"
    res = _run(["evaluate", "--features", str(table_csv), "--out", str(out), "--target",
                "severity", "--model", "ridge", "--bootstrap", "50", "--split", "loso"])
    assert res.exit_code == 0, res.output
    m = json.loads((out / "metrics.json").read_text())
    assert m["target"]["kind"] == "ordinal" and m["split"]["kind"] == "loso"
    assert m["spearman"] > 0.8 and m["kappa_quadratic"] > 0.7
    assert {"bias", "loa_low", "loa_high"} <= set(m["bland_altman"])
    html = (out / "report.html").read_text()
    assert "Bland-Altman" in html and "SYNTHETIC" in html and "not a diagnosis" in html
    assert (out / "bland_altman.png").read_bytes()[:4] == b"\x89PNG"
    pred = pd.read_csv(out / "predictions.csv")
    assert len(pred) == 48 and {"target", "prediction"} <= set(pred.columns)
    assert "Spearman rho" in res.stdout and "SYNTHETIC" in res.stdout


def test_compare_feature_sets_in_one_command(tmp_path, table_csv):
    out = tmp_path / "cmp"
    res = _run(["evaluate", "--features", str(table_csv), "--out", str(out), "--target",
                "severity", "--model", "ridge", "--bootstrap", "20", "--compare-feature-sets"])
    assert res.exit_code == 0, res.output
    cmp = pd.read_csv(out / "feature_sets.csv")
    assert cmp["feature_set"].tolist() == ["face", "speech", "metadata", "fused"]
    by = cmp.set_index("feature_set")
    assert by.loc["face", "spearman"] > 0.8 and by.loc["metadata", "spearman"] < 0.6
    assert "Feature sets side by side" in (out / "report.html").read_text()
    for name in ("face", "speech", "metadata", "fused"):
        assert (out / "by_feature_set" / name / "metrics.json").is_file()
    m = json.loads((out / "metrics.json").read_text())
    assert m["feature_set"]["name"] == "fused" and len(m["feature_sets"]) == 4


def test_compare_feature_sets_for_the_label(tmp_path, table_csv):
    out = tmp_path / "cmpl"
    res = _run(["evaluate", "--features", str(table_csv), "--out", str(out), "--bootstrap",
                "20", "--importance", "none", "--calibration", "none",
                "--compare-feature-sets"])
    assert res.exit_code == 0, res.output
    cmp = pd.read_csv(out / "feature_sets.csv").set_index("feature_set")
    assert cmp.loc["face", "auc"] > 0.9
    assert "Feature sets side by side" in (out / "report.html").read_text()


@pytest.mark.parametrize("extra, text", [
    (["--target", "severity"], "classifier of the 0/1 label"),
    (["--model", "ridge"], "predicts a graded target"),
    (["--feature-set", "fused", "--metadata", "age,severity"], "may not be used"),
    (["--feature-set", "everything"], "unknown"),
    (["--target", "severity", "--model", "ridge", "--split", "holdout", "--holdout-first",
      "10"], "not offered"),
    (["--target", "nihss_face", "--model", "ridge"], "not a column"),
])
def test_bad_target_and_feature_options_are_one_line(tmp_path, table_csv, extra, text):
    out = tmp_path / "bad"
    res = _run(["evaluate", "--features", str(table_csv), "--out", str(out), *extra])
    assert res.exit_code in (2, 3) and text in res.stderr
    assert "Traceback" not in res.stderr and len(res.stderr.strip().splitlines()) <= 3


def test_train_graded_model_records_target_and_features(tmp_path, table_csv):
    out = tmp_path / "model"
    res = _run(["train", "--features", str(table_csv), "--out", str(out), "--target",
                "severity_change", "--model", "ridge", "--feature-set", "fused"])
    assert res.exit_code == 0, res.output
    side = json.loads((out / "model.json").read_text())
    assert side["extra"]["target"]["kind"] == "continuous"
    assert side["extra"]["feature_set"]["name"] == "fused"
    assert "meta_age" in side["feature_schema"]["columns"]
    assert side["operating_point"]["spearman"] > 0.7


@pytest.mark.parametrize("command", ["evaluate", "train"])
def test_deep_model_refuses_feature_set_options(tmp_path, table_csv, command):
    res = _run([command, "--features", str(table_csv), "--out", str(tmp_path / "o"), "--model",
                "deepstroke", "--feature-set", "fused"])
    assert res.exit_code == 2 and "reads the case folders" in res.stderr
    assert not (tmp_path / "o").exists()


def test_a_patients_only_cohort_is_fine_for_a_graded_target(tmp_path):
    path = tmp_path / "patients.csv"
    t = graded_table(24)
    t[t["label"] == 1].to_csv(path, index=False)  # a recovery cohort: stroke patients only
    out = tmp_path / "rec"
    res = _run(["evaluate", "--features", str(path), "--out", str(out), "--target",
                "severity_change", "--model", "ridge", "--bootstrap", "20"])
    assert res.exit_code == 0, res.output
    assert json.loads((out / "metrics.json").read_text())["target"]["kind"] == "continuous"
    res = _run(["evaluate", "--features", str(path), "--out", str(tmp_path / "lab")])
    assert res.exit_code == 3 and "have label 1" in res.stderr
