"""region-cnn, I3D and SlowFast as registered models and as rows of `strokescreen ablate`."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from tools.deep_fake import fake_cohort, write_fake_manifest  # noqa: E402

from strokescreen.cli import app  # noqa: E402
from strokescreen.errors import ConfigError, NotFittedError  # noqa: E402
from strokescreen.models.registry import available_models, get_model, model_spec  # noqa: E402
from strokescreen.models.video_data import clip_starts  # noqa: E402
from strokescreen.workflows.ablation import ablation_rows  # noqa: E402

NAMES = ("region-cnn", "i3d", "slowfast")


@pytest.fixture(scope="module")
def cohort(tmp_path_factory):
    work = tmp_path_factory.mktemp("video_baselines")
    cases = fake_cohort(work, n_subjects=4, n_recordings=2, seed=4, n_video_frames=24,
                        audio_seconds=0.5)
    return work, cases


def test_registry_has_the_three_baselines_next_to_video_only():
    names = available_models(kind="deep")
    assert {"video-only", *NAMES} <= set(names)
    for n in NAMES:
        assert model_spec(n).kind == "deep"
    with pytest.raises(ConfigError, match="valid parameters are"):
        get_model("i3d", no_such_option=1)


def test_ablation_rows_include_the_baselines_after_late_fusion():
    labels = [r.label for r in ablation_rows(adv_stages=())]
    at = labels.index("mmdl-late-fusion")
    assert labels[at + 1:at + 4] == ["region-cnn", "I3D", "SlowFast"]
    i3d = next(r for r in ablation_rows() if r.label == "I3D")
    assert "from scratch" in i3d.note
    assert "inflated" in next(r for r in ablation_rows(weights_given=True)
                              if r.label == "I3D").note


def test_clip_starts_prefer_runs_of_adjacent_frames():
    index = np.array([0, 1, 2, 3, 10, 11, 12, 13, 14, 15, 16, 17, 30])
    starts, note = clip_starts(index, clip_frames=8, max_clips=4)
    assert starts.tolist() == [4] and note is None  # only 10..17 is 8 adjacent frames
    starts, note = clip_starts(np.arange(0, 40, 2), clip_frames=8, max_clips=3)
    assert len(starts) == 3 and "cross gaps" in note
    assert len(clip_starts(np.arange(5), clip_frames=8, max_clips=3)[0]) == 0


def test_fit_predict_save_and_load_give_the_same_probabilities(cohort, tmp_path):
    _, cases = cohort
    model = get_model("slowfast", random_state=0, epochs=2)
    with pytest.raises(NotFittedError):
        model.predict_proba(cases)
    model.fit(cases, cases["label"].to_numpy())
    p = model.predict_proba(cases)
    assert p.shape == (len(cases), 2) and np.allclose(p.sum(1), 1.0)
    assert len(model.history_) == 2 and model.n_train_cases_ == len(cases)
    from strokescreen.models.persist import load_model, save_model

    save_model(model, tmp_path / "m", name="slowfast", params={"epochs": 2}, kind="deep",
               threshold=0.5, operating_point={}, training_cohort={})
    again, _ = load_model(tmp_path / "m")
    assert np.allclose(again.predict_proba(cases), p, atol=1e-6)


def test_a_case_without_enough_frames_gets_nan_with_a_reason(cohort):
    _, cases = cohort
    model = get_model("i3d", random_state=0, epochs=1).fit(cases, cases["label"].to_numpy())
    bad = pd.DataFrame({"case_id": ["gone"], "case_dir": ["/nonexistent/case"]})
    assert np.isnan(model.predict_proba(bad)[0, 1])
    assert "not found" in model.predict_notes_["gone"]


@pytest.mark.slow
def test_ablate_runs_the_baseline_rows(cohort, monkeypatch):
    work, cases = cohort
    write_fake_manifest(work, cases)
    monkeypatch.setattr("strokescreen.workflows.cases.load_cases",
                        lambda m, w, f, **_: (cases, "cohort", True))
    out = work / "out"
    res = CliRunner().invoke(app, [
        "ablate", str(work / "manifest.csv"), "--work", str(work), "--out", str(out),
        "--epochs", "1", "--folds", "2", "--bootstrap", "20",
        "--rows", "region-cnn,I3D,slowfast"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ablation.csv")
    assert table["model"].tolist() == ["region-cnn", "I3D", "SlowFast"]
    assert (table["n_evaluated"] == len(cases)).all()
    assert table["auc"].between(0, 1).all() and table["sensitivity_ref"].notna().all()
    preds = pd.read_csv(out / "ablation_predictions.csv")
    assert (preds.groupby("case_id")["fold"].nunique() == 1).all()


def test_ablate_rejects_an_unknown_row_in_one_line(cohort, tmp_path):
    work, _ = cohort
    (tmp_path / "m.csv").write_text("case_id,subject_id,label,video\n")
    res = CliRunner().invoke(app, [
        "ablate", str(tmp_path / "m.csv"), "--work", str(work), "--out",
        str(tmp_path / "out"), "--rows", "region-cnn,i3dd"])
    assert res.exit_code != 0
    assert "i3dd" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "out").exists()
