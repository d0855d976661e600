"""`strokescreen ablate`: every variant and the classical model on the same folds."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from tools.deep_fake import fake_cohort, write_fake_manifest  # noqa: E402

from strokescreen.cli import app  # noqa: E402


@pytest.fixture(scope="module")
def cohort_dir(tmp_path_factory):
    work = tmp_path_factory.mktemp("ablate")
    cases = fake_cohort(work, n_subjects=6, n_recordings=2, seed=4, n_video_frames=24)
    write_fake_manifest(work, cases)
    return work, cases


@pytest.mark.slow
def test_ablation_table_on_a_small_cohort(cohort_dir, monkeypatch):
    work, cases = cohort_dir
    rng = np.random.default_rng(0)
    planted = cases[["case_id"]].assign(
        face_planted=cases["label"] * 2.0 + rng.normal(0, 0.1, len(cases)),
        speech_noise=rng.normal(0, 1, len(cases)))
    monkeypatch.setattr("strokescreen.workflows.cases.load_cases",
                        lambda m, w, f, **_: (planted, "cohort", True))
    out = work / "out"
    res = CliRunner().invoke(app, [
        "ablate", str(work / "manifest.csv"), "--work", str(work), "--out", str(out),
        "--preset", "tiny", "--epochs", "1", "--folds", "2", "--seed", "0",
        "--adv-stages", "2", "--bootstrap", "50"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ablation.csv")
    assert table["model"].tolist() == [
        "deepstroke", "deepstroke (discriminator at stage 2)", "deepstroke-no-lateral",
        "deepstroke-no-adversarial", "deepstroke-no-transfer", "deepstroke-featdiff",
        "video-only", "audio-only", "deepstroke-meta", "mmdl-late-fusion", "region-cnn", "I3D",
        "SlowFast", "logreg", "dummy"]
    by = table.set_index("model")
    # the planted feature separates the classes on every fold (pooled AUC mixes 2 folds)
    assert by.loc["logreg", "auc"] > 0.9 and by.loc["logreg", "accuracy_0.5"] > 0.8
    assert by.loc["deepstroke-no-transfer", "note"].startswith("not run")
    assert np.isnan(by.loc["deepstroke-no-transfer", "auc"])
    for name in ("deepstroke", "deepstroke-no-adversarial"):
        assert by.loc[name, "n_evaluated"] == 12
        assert 0.0 <= by.loc[name, "identity_probe_accuracy"] <= 1.0
        assert by.loc[name, "identity_probe_chance"] == pytest.approx(1 / 3)  # 3 per fold
        assert 0.0 <= by.loc[name, "identity_probe_new_accuracy"] <= 1.0
        assert by.loc[name, "specificity_ref"] >= 0.4571
    assert np.isnan(by.loc["logreg", "identity_probe_accuracy"])
    # the dummy scores every case alike: AUC exactly 0.5; the late fusion scores them all
    assert by.loc["dummy", "auc"] == 0.5 and by.loc["dummy", "n_evaluated"] == 12
    assert by.loc["mmdl-late-fusion", "n_evaluated"] == 12
    assert np.isnan(by.loc["mmdl-late-fusion", "identity_probe_accuracy"])
    md = (out / "ablation.md").read_text()
    assert "Synthetic cohort" in md and "screening aid, not a diagnosis" in md
    assert "| deepstroke-no-adversarial |" in md
    preds = pd.read_csv(out / "ablation_predictions.csv")
    # same subject-grouped folds for every model: each case in the same fold everywhere
    assert (preds.groupby("case_id")["fold"].nunique() == 1).all()
    # a re-run reuses the finished fold runs (no refit) and writes the same table
    res2 = CliRunner().invoke(app, [
        "ablate", str(work / "manifest.csv"), "--work", str(work), "--out", str(out),
        "--epochs", "1", "--folds", "2", "--adv-stages", "2", "--bootstrap", "50"])
    assert res2.exit_code == 0, res2.output
    again = pd.read_csv(out / "ablation.csv")
    pd.testing.assert_series_equal(again["auc"], table["auc"])
