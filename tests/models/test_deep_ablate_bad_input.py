"""`strokescreen ablate` with bad input: one line, the right exit code, no traceback."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app


@pytest.fixture()
def manifest(tmp_path):
    man = pd.DataFrame({"case_id": ["a", "b"], "subject_id": ["s1", "s2"], "label": [0, 1],
                        "video": ["a.mp4", "b.mp4"]})
    path = tmp_path / "manifest.csv"
    man.to_csv(path, index=False)
    return path


def _run(args):
    return CliRunner().invoke(app, ["ablate", *map(str, args)])


def test_no_preprocessed_artifacts(manifest, tmp_path):
    res = _run([manifest, "--work", tmp_path / "work", "--out", tmp_path / "out"])
    assert res.exit_code == 3
    assert "no case artifacts" in res.output and "strokescreen preprocess" in res.output
    assert "Traceback" not in res.output


@pytest.mark.parametrize("extra,needle", [
    (["--adv-stages", "1,5"], "stages are 1..4"),
    (["--adv-stages", "one"], "comma-separated"),
    (["--adv-stage", "0"], "--adv-stage 0"),
    (["--preset", "huge"], "unknown preset 'huge'"),
    (["--epochs", "0"], "epochs >= 1"),
    (["--video-backbone", "vgg"], "video_backbone 'vgg' is unknown"),
    (["--rows", "deepstroke,nope"], "unknown row(s) nope"),
    (["--max-pairs", "0"], "max_pairs >= 1"),
])
def test_bad_options_exit_2(manifest, tmp_path, extra, needle):
    (tmp_path / "work" / "cases" / "a").mkdir(parents=True)
    (tmp_path / "work" / "cases" / "a" / "crops.npz").write_bytes(b"")
    res = _run([manifest, "--work", tmp_path / "work", "--out", tmp_path / "out", *extra])
    assert res.exit_code == 2, res.output
    assert needle in res.output


def test_missing_weights_file_exit_3(manifest, tmp_path):
    res = _run([manifest, "--work", tmp_path, "--out", tmp_path / "out",
                "--video-weights", tmp_path / "fairface.pth"])
    assert res.exit_code == 3 and "weights file not found" in res.output


@pytest.mark.slow
def test_exit_code_of_the_real_command(manifest, tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "strokescreen.cli", "ablate", str(manifest), "--work",
         str(tmp_path / "nowork"), "--out", str(tmp_path / "out")],
        capture_output=True, text=True, timeout=300)
    assert proc.returncode == 3, proc.stderr
    assert proc.stderr.count("\n") == 1 and "no case artifacts" in proc.stderr
