"""The optional PDF: printed when Chromium exists, skipped silently when not."""

from __future__ import annotations

import os
import time

import pytest

from strokescreen.report import pdf


def test_no_chromium_means_no_pdf(tmp_path, monkeypatch):
    monkeypatch.setattr(pdf, "find_chromium", lambda: None)
    html = tmp_path / "r.html"
    html.write_text("<html><body>x</body></html>")
    assert pdf.html_to_pdf(html, tmp_path / "r.pdf") is None
    assert not (tmp_path / "r.pdf").exists()


def test_hanging_printer_is_stopped(tmp_path, monkeypatch):
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\nsleep 30\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "find_chromium", lambda: str(fake))
    html = tmp_path / "r.html"
    html.write_text("<html><body>x</body></html>")
    start = time.monotonic()
    assert pdf.html_to_pdf(html, tmp_path / "r.pdf", timeout_s=1.0) is None
    assert time.monotonic() - start < 10 and not (tmp_path / "r.pdf").exists()


def test_printer_that_writes_no_pdf_gives_none(tmp_path, monkeypatch):
    fake = tmp_path / "fake-chromium"
    # writes a file that is not a PDF where --print-to-pdf says
    fake.write_text('#!/bin/sh\nfor a in "$@"; do case "$a" in --print-to-pdf=*) '
                    'echo nope > "${a#--print-to-pdf=}";; esac; done\n')
    fake.chmod(0o755)
    monkeypatch.setattr(pdf, "find_chromium", lambda: str(fake))
    html = tmp_path / "r.html"
    html.write_text("<html><body>x</body></html>")
    assert pdf.html_to_pdf(html, tmp_path / "r.pdf") is None
    assert list(tmp_path.glob("*.pdf*")) == []


def test_chromium_prints_the_report(tmp_path):
    if pdf.find_chromium() is None:
        pytest.skip("chromium is not installed (the PDF is optional)")
    html = tmp_path / "report.html"
    html.write_text("<!doctype html><html><body><h1>screening aid, not a diagnosis</h1>"
                    "</body></html>")
    out = pdf.html_to_pdf(html, tmp_path / "report.pdf", timeout_s=120)
    assert out == tmp_path / "report.pdf"
    data = out.read_bytes()
    assert data[:5] == b"%PDF-" and len(data) > 1000
    assert not any(p.name.startswith(".") for p in tmp_path.iterdir())
    assert os.access(out, os.R_OK)
