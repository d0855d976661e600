"""`strokescreen ablate --rows`: only the named rows are fitted and tabled."""

from __future__ import annotations

import pandas as pd
import pytest
from typer.testing import CliRunner

pytest.importorskip("torch")

from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.cli import app  # noqa: E402


def test_rows_option_runs_only_those_rows(tmp_path):
    cases = fake_cohort(tmp_path, n_subjects=4, n_recordings=1, seed=2, n_video_frames=10,
                        audio_seconds=1.0)
    man = cases[["case_id", "subject_id", "label"]].assign(
        video=[f"videos/{c}.mp4" for c in cases["case_id"]], synthetic=True)
    man.to_csv(tmp_path / "manifest.csv", index=False)
    out = tmp_path / "out"
    res = CliRunner().invoke(app, [
        "ablate", str(tmp_path / "manifest.csv"), "--work", str(tmp_path), "--out", str(out),
        "--preset", "tiny", "--epochs", "1", "--folds", "2", "--adv-stages", "",
        "--bootstrap", "20", "--rows", "dummy"])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(out / "ablation.csv")
    assert table["model"].tolist() == ["dummy"]
    assert table.set_index("model").loc["dummy", "auc"] == 0.5
