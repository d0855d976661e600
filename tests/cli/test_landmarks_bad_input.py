"""`strokescreen landmarks-eval` with bad input: one clear line, non-zero exit, no traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from PIL import Image
from typer.testing import CliRunner

from strokescreen.cli import app

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]


def one_error(res) -> str:  # type: ignore[no-untyped-def]
    lines = [ln for ln in res.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.output
    assert "Traceback" not in res.output
    return lines[0]


def folder_with(tmp_path: Path, pts_text: str | None) -> Path:
    folder = tmp_path / "ann"
    folder.mkdir()
    Image.new("RGB", (64, 64)).save(folder / "S1_a.png")
    if pts_text is not None:
        (folder / "S1_a.pts").write_text(pts_text)
    return folder


def test_missing_folder_exits_3(tmp_path):
    res = runner.invoke(app, ["landmarks-eval", str(tmp_path / "nope"), "--out", str(tmp_path)])
    assert res.exit_code == 3
    assert "not found" in one_error(res)


def test_image_without_pts_is_named(tmp_path):
    folder = folder_with(tmp_path, None)
    res = runner.invoke(app, ["landmarks-eval", str(folder), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3
    assert "S1_a.png has no annotation S1_a.pts" in one_error(res)


def test_malformed_pts_is_named(tmp_path):
    folder = folder_with(tmp_path, "version: 1\n{\n1 2\n}\n")
    res = runner.invoke(app, ["landmarks-eval", str(folder), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3
    assert "S1_a.pts" in one_error(res) and "expected 68" in one_error(res)


def test_unknown_landmarker_lists_valid_names_and_closest_as_subprocess(tmp_path):
    folder = folder_with(tmp_path, None)
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "strokescreen.cli", "landmarks-eval",
                           str(folder), "--out", str(tmp_path / "o"), "--landmarker",
                           "mediapipe-68"], capture_output=True, text=True, env=env, timeout=300)
    assert proc.returncode == 2, proc.stderr
    assert "Traceback" not in proc.stderr
    err = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1
    assert "did you mean 'mediapipe68'?" in err[0] and "mediapipe-ert68" in err[0]
