"""`strokescreen ablate --rows`: only the named rows are fitted and tabled."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from tools.deep_fake import fake_cohort, write_fake_manifest  # noqa: E402

from strokescreen.cli import app  # noqa: E402


def test_rows_option_runs_only_those_rows(tmp_path):
    cases = fake_cohort(tmp_path, n_subjects=4, n_recordings=1, seed=2, n_video_frames=10,
                        audio_seconds=1.0)
    write_fake_manifest(tmp_path, cases)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, [
        "ablate", str(tmp_path / "manifest.csv"), "--work", str(tmp_path), "--out", str(out),
        "--preset", "tiny", "--epochs", "1", "--folds", "2", "--adv-stages", "",
        "--bootstrap", "20", "--rows", "dummy"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ablation.csv")
    assert table["model"].tolist() == ["dummy"]
    assert table.set_index("model").loc["dummy", "auc"] == 0.5


def test_paper_preset_matches_the_reference_specificity_by_the_closest_value(tmp_path):
    # the paper takes the operating point whose specificity is closest to 45.71 %; the
    # `paper` preset does the same unless --spec-match says otherwise
    import json

    cases = fake_cohort(tmp_path, n_subjects=4, n_recordings=1, seed=2, n_video_frames=10,
                        audio_seconds=1.0)
    write_fake_manifest(tmp_path, cases)
    for preset, flag, want in (("paper", [], "closest"), ("tiny", [], "at_least"),
                               ("paper", ["--spec-match", "at_least"], "at_least")):
        out = tmp_path / f"out-{preset}-{want}"
        res = CliRunner().invoke(app, [
            "ablate", str(tmp_path / "manifest.csv"), "--work", str(tmp_path), "--out",
            str(out), "--preset", preset, "--folds", "2", "--adv-stages", "",
            "--bootstrap", "20", "--rows", "dummy", *flag])
        assert res.exit_code == 0, res.output
        settings = json.loads((out / "ablation.json").read_text())
        assert settings["specificity_match"] == want
        md = (out / "ablation.md").read_text()
        assert ("closest value" in md) == (want == "closest")


def test_device_reaches_every_deep_row_and_a_bad_device_is_one_line(tmp_path, monkeypatch):
    import numpy as np

    from strokescreen.workflows.ablation import run_ablation

    cases = fake_cohort(tmp_path, n_subjects=4, n_recordings=1, seed=2, n_video_frames=10,
                        audio_seconds=1.0)
    seen: dict[str, dict] = {}

    class _Half:
        def fit(self, x, y):
            return self

        def predict_proba(self, x):
            return np.full((len(x), 2), 0.5)

    def fake_get_model(name, **params):
        seen[name] = params
        return _Half()

    monkeypatch.setattr("strokescreen.models.registry.get_model", fake_get_model)
    res = run_ablation(cases, work_dir=tmp_path / "w", preset="tiny", folds=2, probe=False,
                       adv_stages=(), n_bootstrap=10, device="auto",
                       only=("deepstroke", "mmdl-late-fusion", "I3D"))
    assert res.settings["device"] == "auto"
    assert {k: v["device"] for k, v in seen.items()} == {
        "deepstroke": "auto", "mmdl-late-fusion": "auto", "i3d": "auto"}
    write_fake_manifest(tmp_path, cases)
    for bad, says in (("gpu", "use cpu, cuda, cuda:N or auto"), ("cuda:99", "CUDA GPU(s)")):
        res = CliRunner().invoke(app, [
            "ablate", str(tmp_path / "manifest.csv"), "--work", str(tmp_path), "--out",
            str(tmp_path / "o"), "--rows", "dummy", "--device", bad])
        assert res.exit_code != 0 and says in res.output and "Traceback" not in res.output
        assert not (tmp_path / "o").exists()
