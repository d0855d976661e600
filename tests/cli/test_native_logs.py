"""Native libraries' log lines on descriptor 2 are dropped; every other line gets through."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from strokescreen.cli._native_logs import is_native_log
from tests.helpers import real_file

REPO = Path(__file__).resolve().parents[2]

NATIVE = [
    b"W0000 00:00:1796016672.343158   15107 inference_feedback_manager.cc:114] Feedback manager",
    b"I0000 00:00:1796016672.3   1 gl_context.cc:369] GL version: 3.2",
    b"INFO: Created TensorFlow Lite XNNPACK delegate for CPU.",
    b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR",
]
OURS = [b"error: no face found in 0 of 412 frames; re-record", b"Traceback (most recent call last):",
        b"WARNING: disk nearly full", b"W0 not a log line"]


def test_is_native_log():
    assert all(is_native_log(line) for line in NATIVE)
    assert not any(is_native_log(line) for line in OURS)


def test_filter_drops_native_lines_and_keeps_the_rest():
    code = (
        "import os, sys\n"
        "from strokescreen.cli._native_logs import filtered_stderr\n"
        "with filtered_stderr():\n"
        f"    os.write(2, b'\\n'.join({NATIVE + OURS[:1]!r}) + b'\\n')\n"
        "    print('from python', file=sys.stderr)\n"
        "    os.write(2, b'last words without newline')\n"
        "print('after', file=sys.stderr)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    env.pop("STROKESCREEN_NATIVE_LOGS", None)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, env=env, timeout=60)
    assert proc.returncode == 0, proc.stderr
    err = proc.stderr.decode()
    assert "XNNPACK" not in err and "feedback" not in err.lower() and "absl" not in err
    for want in ("error: no face found", "from python", "last words without newline", "after"):
        assert want in err


@pytest.mark.skipif(not hasattr(os, "openpty"), reason="needs a pseudo-terminal")
def test_on_a_terminal_the_bar_is_drawn_and_native_lines_are_not():
    import pty
    import select

    photo = real_file("landmarks", "takeo.png")
    main_fd, child_fd = pty.openpty()
    env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "COLUMNS": "120"}
    env.pop("STROKESCREEN_NATIVE_LOGS", None)
    proc = subprocess.Popen([sys.executable, "-m", "strokescreen", "measure", str(photo)],
                            stdout=subprocess.DEVNULL, stderr=child_fd, env=env)
    os.close(child_fd)
    seen = b""
    while select.select([main_fd], [], [], 120)[0]:
        try:
            chunk = os.read(main_fd, 65536)
        except OSError:  # the child closed the terminal
            break
        if not chunk:
            break
        seen += chunk
    os.close(main_fd)
    assert proc.wait(timeout=120) == 0
    text = seen.decode(errors="replace")
    assert "measure" in text and "━" in text  # the progress bar reached the terminal
    assert "XNNPACK" not in text and "W0000" not in text and "absl" not in text
