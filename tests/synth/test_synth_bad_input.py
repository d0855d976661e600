"""`strokescreen synth` with bad inputs: one clear line, exit code 3, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.errors import InputError
from strokescreen.synth.config import SynthConfig

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "strokescreen.cli", "synth", *args],
                          capture_output=True, text=True, env=env, timeout=300)


def _error_lines(text: str) -> list[str]:
    return [line for line in text.splitlines() if line.startswith("error:")]


def test_zero_subjects_exits_3_as_a_subprocess(tmp_path):
    proc = run_cli("--out", str(tmp_path / "c"), "--subjects", "0")
    assert proc.returncode == 3, proc.stderr
    lines = _error_lines(proc.stderr)
    assert len(lines) == 1 and "--subjects 0" in lines[0]
    assert "Traceback" not in proc.stderr
    assert not (tmp_path / "c").exists()


def test_unknown_difficulty_names_the_valid_ones(tmp_path):
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "c"), "--subjects", "2",
                              "--difficulty", "extreme"])
    assert res.exit_code == 3
    assert "extreme" in res.output and "easy, realistic, hard" in res.output
    assert "Traceback" not in res.output


def test_missing_portraits_folder(tmp_path):
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "c"), "--subjects", "1",
                              "--portraits", str(tmp_path / "nope")])
    assert res.exit_code == 3 and "not a folder" in res.output


def test_portraits_folder_without_images(tmp_path):
    (tmp_path / "p").mkdir()
    (tmp_path / "p" / "notes.txt").write_text("hello")
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "c"), "--subjects", "1",
                              "--portraits", str(tmp_path / "p")])
    assert res.exit_code == 3 and "no .jpg/.jpeg/.png" in res.output


def test_portrait_without_a_face_is_named(tmp_path):
    folder = tmp_path / "p"
    folder.mkdir()
    rng = np.random.default_rng(0)
    cv2.imwrite(str(folder / "wall.png"), rng.integers(90, 110, (240, 320, 3), dtype=np.uint8))
    res = runner.invoke(app, ["synth", "--out", str(tmp_path / "c"), "--subjects", "1",
                              "--seconds", "2", "--portraits", str(folder)])
    assert res.exit_code == 3, res.output
    assert "wall.png" in res.output and "no face found" in res.output
    assert len(_error_lines(res.output)) == 1


@pytest.mark.parametrize("changes, needle", [
    (dict(seconds=0.5), "--seconds"), (dict(recordings_per_subject=0), "--recordings"),
    (dict(width_px=321), "frame size"), (dict(seed=-1), "--seed"),
])
def test_config_validation(changes, needle):
    with pytest.raises(InputError, match=needle):
        SynthConfig(n_subjects=2, **changes).validate()
