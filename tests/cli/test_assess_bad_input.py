"""`strokescreen assess` with bad inputs: exit codes 3 and 4, as a subprocess and in-process."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.errors import InputError, QualityError
from strokescreen.workflows.assess import assess_video
from tests.helpers import real_file

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "strokescreen.cli", "assess", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def error_lines(stderr: str) -> list[str]:
    return [line for line in stderr.splitlines() if line.startswith("error:")]


@pytest.mark.slow
def test_missing_file_exits_3(tmp_path):
    secret = tmp_path / "john_smith_mrn987.mp4"
    proc = run_cli(str(secret), "--out", str(tmp_path / "out"))
    assert proc.returncode == 3, proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "not found" in lines[0]
    assert "john_smith" not in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "out").exists()


def test_not_a_video_exits_3(tmp_path):
    bad = tmp_path / "notes.mp4"
    bad.write_bytes(b"this is not a video" * 100)
    res = runner.invoke(app, ["assess", str(bad), "--out", str(tmp_path / "out")])
    assert res.exit_code == 3, res.output
    assert "notes.mp4" not in res.output
    with pytest.raises(InputError):
        assess_video(bad, tmp_path / "out2")
    # an unreadable recording leaves no output folder behind; one the user made stays
    assert not (tmp_path / "out").exists() and not (tmp_path / "out2").exists()
    mine = tmp_path / "mine"
    mine.mkdir()
    with pytest.raises(InputError):
        assess_video(bad, mine)
    assert mine.is_dir()


def test_non_empty_out_is_refused(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / "other.txt").write_text("keep me")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 64)
    res = runner.invoke(app, ["assess", str(video), "--out", str(out)])
    assert res.exit_code == 3 and "--overwrite" in res.output
    assert [p.name for p in out.iterdir()] == ["other.txt"]


def test_bad_model_folder_exits_3_before_any_work(tmp_path):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 64)
    res = runner.invoke(app, ["assess", str(video), "--out", str(tmp_path / "out"),
                              "--model", str(tmp_path / "no_model_here")])
    assert res.exit_code == 3 and "model folder" in res.output
    (tmp_path / "empty_model").mkdir()
    res = runner.invoke(app, ["assess", str(video), "--out", str(tmp_path / "out"),
                              "--model", str(tmp_path / "empty_model")])
    assert res.exit_code == 3 and "model.json" in res.output
    assert not (tmp_path / "out" / "case").exists()


@pytest.mark.slow
def test_unusable_recording_exits_4_with_result_and_report(tmp_path):
    video = real_file("video", "no_face.mp4")
    out = tmp_path / "out"
    proc = run_cli(str(video), "--out", str(out), "--no-pdf")
    assert proc.returncode == 4, proc.stderr
    lines = error_lines(proc.stderr)
    assert len(lines) == 1 and "not usable" in lines[0] and "face found in 0%" in lines[0]
    assert "Traceback" not in proc.stderr
    result = json.loads((out / "result.json").read_text())
    # no model: the norm-based screen cannot tell on an unusable recording
    assert result["decision"] == "cannot tell" and result["probability"] is None
    assert result["screen"]["decision"] == "cannot tell" and result["screen"]["drivers"] == []
    assert result["quality"]["verdict"] == "unusable" and result["measures"] == {}
    for words in ("centred", "frontal", "lit from the front", "quiet room"):
        assert words in result["decision_text"]
    html = (out / "report.html").read_text()
    assert "badge q-unusable" in html and "No probability: the recording is not usable." in html
    assert "screening aid, not a diagnosis" in html
    assert "no_face" not in html


def test_unusable_recording_raises_quality_error_in_the_library(tmp_path):
    video = real_file("video", "no_face.mp4")
    with pytest.raises(QualityError, match="not usable"):
        assess_video(video, tmp_path / "out", pdf=False)
    assert json.loads((tmp_path / "out" / "result.json").read_text())["decision"] == "cannot tell"
