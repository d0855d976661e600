"""`strokescreen measure` on bad input: one clear line, exit 3 (unusable file) or 4 (no face)."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from strokescreen.cli import app

runner = CliRunner()


def test_missing_file_exits_3(tmp_path):
    result = runner.invoke(app, ["measure", str(tmp_path / "nope.jpg")])
    assert result.exit_code == 3
    assert "file not found" in result.stderr and "Traceback" not in result.output


def test_text_file_named_jpg_exits_3(tmp_path):
    p = tmp_path / "fake.jpg"
    p.write_text("not an image")
    result = runner.invoke(app, ["measure", str(p)])
    assert result.exit_code == 3
    assert "not a readable image" in result.stderr


def test_unknown_bytes_exit_3(tmp_path):
    p = tmp_path / "blob.bin"
    p.write_bytes(np.random.default_rng(0).integers(0, 255, 4096, dtype=np.uint8).tobytes())
    result = runner.invoke(app, ["measure", str(p)])
    assert result.exit_code == 3
    assert "neither a readable image" in result.stderr


def test_directory_exits_3(tmp_path):
    result = runner.invoke(app, ["measure", str(tmp_path)])
    assert result.exit_code == 3


def test_photo_without_face_exits_4_and_json_says_so(tmp_path):
    p = tmp_path / "wall.png"
    Image.fromarray(np.full((240, 320, 3), 128, np.uint8)).save(p)
    result = runner.invoke(app, ["measure", str(p)])
    assert result.exit_code == 4
    assert "no face found" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    result = runner.invoke(app, ["measure", str(p), "--json"])
    assert result.exit_code == 4
    doc = json.loads(result.stdout)
    assert doc["face_found"] is False and doc["measures"] == {}


@pytest.mark.slow
def test_exit_codes_as_a_real_process(tmp_path):
    p = tmp_path / "wall.png"
    Image.fromarray(np.zeros((64, 64, 3), np.uint8)).save(p)
    cmd = [sys.executable, "-m", "strokescreen.cli", "measure"]
    missing = subprocess.run([*cmd, str(tmp_path / "x.png")], capture_output=True, text=True)
    assert missing.returncode == 3 and "Traceback" not in missing.stderr
    noface = subprocess.run([*cmd, str(p), "--json"], capture_output=True, text=True)
    assert noface.returncode == 4, noface.stderr
    assert json.loads(noface.stdout.strip().splitlines()[-1])["face_found"] is False
