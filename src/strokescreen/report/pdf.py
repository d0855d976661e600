"""A PDF of the report, printed by headless Chromium when it is installed.

Optional by design: without Chromium (or when printing fails or times out) no PDF is
written and nothing is raised; the HTML report is the product.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

#: where Chromium is looked for, in order (then ``PATH``)
CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "/usr/bin/chromium-browser")


def find_chromium() -> str | None:
    """Path of a Chromium executable, or None."""
    for c in CHROMIUM_CANDIDATES:
        if os.access(c, os.X_OK):
            return c
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name)
        if found:
            return found
    return None


def html_to_pdf(html_path: Path, pdf_path: Path, *, timeout_s: float = 60.0) -> Path | None:
    """Print ``html_path`` to ``pdf_path`` with headless Chromium; None when not possible.

    Headers and footers are switched off (they would print the file's path), the
    network is never used (the page has no external references and background
    networking is disabled), and a throw-away profile keeps parallel runs apart.
    """
    exe = find_chromium()
    if exe is None:
        return None
    pdf_path = Path(pdf_path)
    tmp_pdf = pdf_path.with_name(f".{pdf_path.name}.tmp")
    with tempfile.TemporaryDirectory(prefix="strokescreen-chromium-") as profile:
        cmd = [
            exe, "--headless", "--no-sandbox", "--disable-gpu",
            "--disable-background-networking", "--disable-extensions", "--disable-sync",
            "--no-first-run", "--no-default-browser-check", "--mute-audio",
            "--no-pdf-header-footer", "--print-to-pdf-no-header",
            f"--user-data-dir={profile}", f"--print-to-pdf={tmp_pdf}",
            Path(html_path).resolve().as_uri(),
        ]
        env = {**os.environ, "HOME": profile}
        try:
            proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                                    env=env, start_new_session=True)
        except OSError:
            return None
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            _kill_group(proc)
            tmp_pdf.unlink(missing_ok=True)
            return None
    if not tmp_pdf.is_file() or tmp_pdf.stat().st_size == 0 or \
            not tmp_pdf.read_bytes()[:5] == b"%PDF-":
        tmp_pdf.unlink(missing_ok=True)
        return None
    os.replace(tmp_pdf, pdf_path)
    return pdf_path


def _kill_group(proc: subprocess.Popen) -> None:
    """Stop the Chromium we started and its helper processes (its own process group)."""
    import signal

    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except OSError:
        pass
    proc.wait()
