"""Keep native libraries' log chatter off the user's terminal.

MediaPipe, TensorFlow Lite and absl write start-up and per-graph lines
("Created TensorFlow Lite XNNPACK delegate", ``W0000 ... calculator.cc:186] ...``)
straight to file descriptor 2, below Python's reach and whatever ``GLOG_minloglevel``
says. They mean nothing to a user and bury the one line an error should be. For the
life of a command, descriptor 2 is a pipe whose lines pass through :func:`is_native_log`;
everything else (Python's own stderr, the progress bar, worker processes' messages)
reaches the terminal unchanged. ``STROKESCREEN_NATIVE_LOGS=1`` keeps the chatter.
"""

from __future__ import annotations

import os
import re
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager

# glog / absl line: severity letter, MMDD, time, thread, file:line]
_GLOG = re.compile(rb"^[IWEF]\d{4} [\d:.]+\s+\d+ [\w./-]+:\d+\] ")
_KNOWN = (
    b"INFO: Created TensorFlow Lite",
    b"WARNING: All log messages before absl::InitializeLog() is called",
)


def is_native_log(line: bytes) -> bool:
    """True for a line a native library logged (glog/absl format or a known TFLite line)."""
    return bool(_GLOG.match(line)) or line.startswith(_KNOWN)


def _pump(read_fd: int, write_fd: int) -> None:
    buf = b""
    with os.fdopen(read_fd, "rb", buffering=0) as src:
        while chunk := src.read(65536):
            buf += chunk
            *lines, buf = buf.split(b"\n")
            kept = b"".join(line + b"\n" for line in lines if not is_native_log(line))
            if kept:
                os.write(write_fd, kept)
    if buf and not is_native_log(buf):
        os.write(write_fd, buf)


@contextmanager
def filtered_stderr() -> Iterator[None]:
    """Route descriptor 2 through the filter; Python's ``sys.stderr`` writes past it."""
    if os.environ.get("STROKESCREEN_NATIVE_LOGS") == "1":
        yield
        return
    try:
        sys.stderr.flush()
        terminal = os.dup(2)
    except (AttributeError, OSError, ValueError):  # no descriptor 2 to filter
        yield
        return
    read_fd, write_fd = os.pipe()
    os.dup2(write_fd, 2)
    os.close(write_fd)
    pump = threading.Thread(target=_pump, args=(read_fd, terminal), daemon=True)
    pump.start()
    python_stderr = sys.stderr
    # Python's messages go straight to the terminal (a tty stays a tty for the progress bar)
    sys.stderr = os.fdopen(os.dup(terminal), "w", buffering=1, encoding=python_stderr.encoding,
                           errors="backslashreplace")
    try:
        yield
    finally:
        sys.stderr.flush()
        sys.stderr.close()
        sys.stderr = python_stderr
        os.dup2(terminal, 2)  # closes the pipe's last writer held here: the pump sees the end
        pump.join(timeout=2.0)
        os.close(terminal)
