"""A mistyped command line is one `error:` line pointing at --help, exit 2; no usage panel."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strokescreen.cli import run

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("args,needle,help_of", [
    (["nosuch"], "No such command 'nosuch'", "--help"),
    (["doctor", "--nosuch"], "No such option: --nosuch", "doctor --help"),
    (["serve", "--port", "0"], "'--port'", "serve --help"),
    (["preprocess-cohort", "m.csv", "--work", "w", "--workers", "abc"], "'--workers'",
     "preprocess-cohort --help"),
    (["assess"], "Missing argument", "assess --help"),
])
def test_usage_error_is_one_line(capsys, args, needle, help_of):
    assert run(args) == 2
    err = capsys.readouterr().err
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error:") and needle in lines[0], err
    assert f"{help_of}`" in lines[0] and "╭" not in err


def test_help_and_user_errors_keep_their_codes(capsys, tmp_path):
    assert run(["--help"]) == 0
    assert "Usage" in capsys.readouterr().out
    assert run(["assess", str(tmp_path / "missing.mp4"), "--out", str(tmp_path / "o")]) == 3


def test_entry_point_exit_codes_as_a_subprocess(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    proc = subprocess.run([sys.executable, "-m", "strokescreen", "doctor", "--nosuch"],
                          capture_output=True, text=True, env=env, timeout=120)
    assert proc.returncode == 2 and proc.stderr.startswith("error: No such option")
    assert "Traceback" not in proc.stderr
