"""`strokescreen train / evaluate / models` through typer's CliRunner."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.models.persist import load_model
from strokescreen.models.registry import get_model

runner = CliRunner()


def feature_table(n_subjects=30, *, seed=0, d=2.0, synthetic=False) -> pd.DataFrame:
    """Planted table: face_signal separates the classes (true AUC Phi(d/sqrt2))."""
    rng = np.random.default_rng(seed)
    day0 = pd.Timestamp("2024-01-01")
    rows = []
    for s in range(n_subjects):
        label = s % 2
        for c in range(2):
            rows.append(
                {
                    "case_id": f"s{s:02d}c{c}",
                    "subject_id": f"s{s:02d}",
                    "label": label,
                    "case_dir": f"/work/cases/s{s:02d}c{c}",
                    "sex": "FM"[s % 3 % 2],
                    "age": 40 + (s * 7) % 50,
                    "site": "ABC"[s % 3],
                    "recorded_at": str(day0 + pd.Timedelta(days=int(rng.integers(0, 200)))),
                    "face_signal": rng.normal(d * label, 1.0),
                    "speech_noise": rng.normal(),
                }
            )
    df = pd.DataFrame(rows)
    if synthetic:
        df["synthetic"] = True
    return df


@pytest.fixture
def features_file(tmp_path):
    path = tmp_path / "features.parquet"
    feature_table().to_parquet(path)
    return path


def _metrics(out):
    return json.loads((out / "metrics.json").read_text())


def test_evaluate_group_kfold_from_feature_table(tmp_path, features_file):
    out = tmp_path / "ev"
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--features",
            str(features_file),
            "--model",
            "logreg",
            "--split",
            "group-kfold",
            "--folds",
            "4",
            "--bootstrap",
            "200",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    m = _metrics(out)
    assert m["auc"] > 0.8 and m["auc_ci"][0] < m["auc"] < m["auc_ci"][1]
    assert m["split"]["kind"] == "group-kfold" and len(m["folds"]) == 4
    assert "AUC" in res.stdout and "report:" in res.stdout and "not a diagnosis" in res.stdout
    for name in (
        "predictions.csv",
        "roc.png",
        "fairness.csv",
        "feature_importance.csv",
        "report.html",
    ):
        assert (out / name).is_file()
    assert "SYNTHETIC" not in (out / "report.html").read_text()


def test_evaluate_holdout_after_date_and_reference_points(tmp_path, features_file):
    out = tmp_path / "ho"
    res = runner.invoke(
        app,
        [
            "evaluate",
            "--features",
            str(features_file),
            "--split",
            "holdout",
            "--holdout-after",
            "2024-04-01",
            "--folds",
            "3",
            "--bootstrap",
            "50",
            "--reference-spec",
            "0.5161",
            "--reference-sens",
            "0.7019",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    m = _metrics(out)
    assert m["holdout"]["fold_model_auc"]["n_defined"] == 3
    assert m["at_reference_specificity"]["specificity"] >= 0.5161
    assert m["at_reference_sensitivity"]["sensitivity"] >= 0.7019
    preds = pd.read_csv(out / "predictions.csv")
    table = feature_table().set_index("case_id")
    assert (pd.to_datetime(table.loc[preds["case_id"], "recorded_at"]) > "2024-04-01").all()


@pytest.mark.slow
def test_evaluate_from_manifest_and_work_folder(tmp_path, monkeypatch):
    table = feature_table(synthetic=True)
    videos = tmp_path / "videos"
    videos.mkdir()
    for cid in table["case_id"]:
        (videos / f"{cid}.mp4").write_bytes(b"\x00")
    manifest = table[
        ["case_id", "subject_id", "label", "sex", "age", "site", "recorded_at", "synthetic"]
    ].assign(video=[f"videos/{c}.mp4" for c in table["case_id"]])
    manifest.to_csv(tmp_path / "manifest.csv", index=False)
    seen = {}

    def fake_build(manifest_df, work_dir, progress=None, runner=None):
        seen["n"], seen["work"] = len(manifest_df), work_dir
        return table.drop(columns="synthetic")  # the flag must come from the manifest

    monkeypatch.setattr("strokescreen.workflows.cases.build_feature_table", fake_build)
    out = tmp_path / "ev"
    res = runner.invoke(
        app,
        [
            "evaluate",
            str(tmp_path / "manifest.csv"),
            "--work",
            str(tmp_path / "work"),
            "--split",
            "loso",
            "--bootstrap",
            "50",
            "--model",
            "gbm",
            "--param",
            "n_estimators=20",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    assert seen == {"n": len(table), "work": tmp_path / "work"}
    m = _metrics(out)
    assert m["synthetic"] is True and m["cohort"] == tmp_path.name
    assert m["params"]["n_estimators"] == 20 and len(m["folds"]) == 30
    assert "SYNTHETIC data" in (out / "report.html").read_text()
    assert "SYNTHETIC" in res.stdout


def test_train_then_load_predicts_like_a_fresh_fit(tmp_path, features_file):
    out = tmp_path / "model"
    res = runner.invoke(
        app,
        [
            "train",
            "--features",
            str(features_file),
            "--model",
            "logreg",
            "--folds",
            "4",
            "--seed",
            "3",
            "--out",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    model, side = load_model(out)
    table = feature_table()
    reference = get_model("logreg", random_state=3).fit(table, table["label"].to_numpy())
    new = feature_table(seed=11)
    # the default recalibration maps the fresh fit's probability through the saved map
    assert side["calibration"]["method"] == "sigmoid"
    raw = reference.predict_proba(new)[:, 1]
    assert np.allclose(model.predict_proba_uncalibrated(new), raw)
    assert np.allclose(model.predict_proba(new)[:, 1], model.calibrator_.transform(raw))
    op = side["operating_point"]
    assert op["specificity"] >= 0.4571 and op["n_cases"] == 60
    assert op["cohort"] == tmp_path.name and op["synthetic"] is False
    assert side["threshold"] == pytest.approx(model.threshold_)
    assert side["feature_schema"]["columns"] == ["face_signal", "speech_noise"]
    assert side["training_cohort"]["n_subjects"] == 30
    assert (out / "oof_predictions.csv").is_file()
    assert "threshold" in res.stdout


def test_models_lists_the_registry():
    res = runner.invoke(app, ["models"])
    assert res.exit_code == 0
    for name in ("logreg", "rf", "gbm"):
        assert name in res.stdout
