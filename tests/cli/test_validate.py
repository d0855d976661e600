"""`strokescreen validate`: train on one site, validate unchanged on another."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd
from typer.testing import CliRunner

from strokescreen.cli import app

from .test_modelling import feature_table

runner = CliRunner()


def test_train_on_one_cohort_validate_on_another(tmp_path):
    train, new = tmp_path / "a.parquet", tmp_path / "b.parquet"
    feature_table(40, seed=0, synthetic=True).to_parquet(train)
    feature_table(30, seed=5, synthetic=True).to_parquet(new)
    res = runner.invoke(app, ["train", "--features", str(train), "--out", str(tmp_path / "m"),
                              "--folds", "3"])
    assert res.exit_code == 0, res.output
    out = tmp_path / "v"
    res = runner.invoke(app, ["validate", str(tmp_path / "m"), "--features", str(new),
                              "--out", str(out), "--bootstrap", "50", "--folds", "3"])
    assert res.exit_code == 0, res.output
    assert "AUC" in res.output and "SYNTHETIC" in res.output and "not a diagnosis" in res.output
    for name in ("predictions.csv", "validation.json", "calibration.png",
                 "calibration_updated.png", "decision_curve.png", "report.html"):
        assert (out / name).is_file(), name
    v = json.loads((out / "validation.json").read_text())
    m = v["metrics"]
    assert m["n_cases"] == 60 and m["auc"] > 0.8
    assert {"calibration_before", "calibration_after", "update", "decision_curve"} <= set(m)
    assert v["model"]["recalibration"] == "sigmoid" and v["synthetic"] is True
    preds = pd.read_csv(out / "predictions.csv")
    assert list(preds.columns) == ["case_id", "subject_id", "label", "probability",
                                   "probability_updated"]
    html = (out / "report.html").read_text()
    assert "screening aid, not a diagnosis" in html and "SYNTHETIC" in html


def test_bad_input_is_one_line_and_non_zero(tmp_path):
    feats = tmp_path / "f.parquet"
    feature_table(10).to_parquet(feats)
    res = runner.invoke(app, ["validate", str(tmp_path / "nope"), "--features", str(feats),
                              "--out", str(tmp_path / "o")])
    assert res.exit_code != 0 and "model folder" in res.output
    res = runner.invoke(app, ["validate", str(tmp_path), "--features", str(feats),
                              "--out", str(tmp_path / "o"), "--update", "cubic"])
    assert res.exit_code == 2 and "--update 'cubic' is unknown" in res.output
    proc = subprocess.run([sys.executable, "-m", "strokescreen.cli", "validate",
                           str(tmp_path / "nope"), "--features", str(feats), "--out",
                           str(tmp_path / "o")], capture_output=True, text=True, timeout=120)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1
