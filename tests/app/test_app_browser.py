"""The pages in a real browser: Playwright driving Debian's Chromium (``apt-get install
chromium``). Sign in, upload a clip, watch the progress, read the result and its report,
delete. Screenshots go to ``test-artifacts/`` (kept, gitignored)."""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

from strokescreen.app.main import create_app
from tests.app import app_fakes
from tests.app.app_helpers import PASSWORD, REAL, REPO, add_user
from tests.app.live_server import LiveServer

CHROMIUM = "/usr/bin/chromium"
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture
def browser():
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    with sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM if os.path.exists(CHROMIUM)
                              else shutil.which("chromium"), args=CHROMIUM_ARGS)
        try:
            yield b
        finally:
            b.close()


def _run_flow(browser, base: str, video: Path, *, shot: str, timeout_ms: int) -> dict:
    page = browser.new_page(viewport={"width": 1200, "height": 1100})
    problems: list[str] = []
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("dialog", lambda d: d.accept())
    page.goto(base + "/")
    assert page.url.endswith("/signin")
    page.fill("input[name=username]", "alice")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url("**/assessments")
    page.click("text=New assessment")
    page.wait_for_url("**/assessments/new")
    assert page.locator("#recorder ol.script li").count() == 6
    assert "buy bobby a puppy" in page.inner_text("#recorder").lower()
    page.set_input_files("#video-file", str(video))
    page.click("#upload-button")
    page.wait_for_url("**/assessments/*")
    job_id = page.url.rsplit("/", 1)[-1]
    page.wait_for_selector("#decision, #failure", timeout=timeout_ms)
    ARTIFACTS.mkdir(exist_ok=True)
    out = {"job_id": job_id, "problems": problems, "page": page,
           "text": page.inner_text("main")}
    if page.locator("#decision").count():
        page.frame_locator("iframe.report").locator("body").wait_for(timeout=10000)
        out["decision"] = page.inner_text("#decision")
        out["quality"] = page.inner_text("#quality")
        out["report_text"] = page.frame_locator("iframe.report").locator("body").inner_text()
        out["pwned"] = page.evaluate("() => window.pwned === undefined ? null : window.pwned")
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    return out


@pytest.mark.slow
def test_browser_upload_result_delete(browser, data_dir, settings_for, tiny_video, monkeypatch):
    monkeypatch.setenv("FAKE_ANALYSIS_S", "2.0")
    add_user(data_dir)
    app = create_app(settings_for(analysis=app_fakes.slow_fake_analysis))
    with LiveServer(app) as base:
        out = _run_flow(browser, base, tiny_video, shot="app_result_fake.png", timeout_ms=30000)
        page = out["page"]
        assert out["decision"] == "screen negative"
        assert out["quality"] == "good"
        assert "Screening aid, not a diagnosis" in out["text"]
        assert "synthetic" in out["text"].lower()
        assert app_fakes.REPORT_MARK in out["report_text"]
        assert out["pwned"] is None, "a script in the report ran"
        assert not [p for p in out["problems"] if "Content Security Policy" in p
                    and "report" not in p], out["problems"]
        # list, then delete from the list
        page.goto(base + "/assessments")
        assert page.locator(f"#job-{out['job_id']}").count() == 1
        page.click(f"#job-{out['job_id']} button.danger")
        page.wait_for_url("**/assessments")
        assert page.locator(f"#job-{out['job_id']}").count() == 0
        assert not (data_dir / "results" / out["job_id"]).exists()


def test_browser_rejects_non_video(browser, data_dir, settings_for, tmp_path):
    add_user(data_dir)
    fake = tmp_path / "notes.mp4"
    fake.write_bytes(b"not a video at all\n" * 100)
    with LiveServer(create_app(settings_for())) as base:
        page = browser.new_page()
        page.goto(base + "/signin")
        page.fill("input[name=username]", "alice")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/assessments")
        page.goto(base + "/assessments/new")
        page.set_input_files("#video-file", str(fake))
        page.click("#upload-button")
        page.wait_for_selector("p.error[data-status='422']")
        assert "not a video" in page.inner_text("p.error")


@pytest.mark.slow
def test_browser_records_from_camera(data_dir, settings_for):
    """Chromium's fake camera and microphone: record, send, get a result."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install -y chromium)")
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed")
    add_user(data_dir)
    app = create_app(settings_for(record_min_s=2, record_max_s=4))
    with LiveServer(app) as base, sync_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
            "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
        try:
            ctx = b.new_context(viewport={"width": 1200, "height": 1000})
            ctx.grant_permissions(["camera", "microphone"], origin=base)
            page = ctx.new_page()
            page.goto(base + "/signin")
            page.fill("input[name=username]", "alice")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            page.wait_for_url("**/assessments")
            page.goto(base + "/assessments/new")
            page.click("#camera-button")
            page.wait_for_selector("#record-button:not([disabled])")
            page.click("#record-button")
            page.wait_for_function(
                "() => document.getElementById('prompt-words').textContent.length > 0")
            words = page.inner_text("#prompt-words")
            page.wait_for_selector("#send-button:not([disabled])", timeout=20000)
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "app_recorded.png"), full_page=True)
            page.click("#send-button")
            page.wait_for_url("**/assessments/*", timeout=30000)
            page.wait_for_selector("#decision", timeout=30000)
            assert page.inner_text("#decision") == "screen negative"
            job_id = page.url.rsplit("/", 1)[-1]
        finally:
            b.close()
    assert words  # a prompt of the task script was on screen while recording
    from strokescreen.app.db import Database, Job

    db = Database(data_dir)
    with db.session() as s:
        job = s.get(Job, job_id)
    assert job.source == "recording" and job.video_bytes > 1000
    db.dispose()


@pytest.mark.slow
def test_browser_real_analysis(browser, data_dir, settings_for):
    if importlib.util.find_spec("strokescreen.workflows.assess") is None:
        pytest.skip("strokescreen.workflows.assess is not written yet")
    clip = REAL / "video" / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"real recording {clip} not present (../shared/data/real is optional)")
    add_user(data_dir)
    app = create_app(settings_for(analysis="strokescreen.workflows.assess:assess_video",
                                  worker_mode="process"))
    with LiveServer(app) as base:
        out = _run_flow(browser, base, clip, shot="app_result_real.png", timeout_ms=300000)
    assert "Screening aid, not a diagnosis" in out["text"]
    if "decision" in out:
        assert out["decision"] in ("screen positive", "screen negative", "no decision",
                                  "signs present", "no signs found", "cannot tell")
        assert out["quality"] in ("good", "review", "unusable")
        assert out["report_text"].strip()
    else:  # the analysis refused the clip: the page says why, and what to do
        assert "re-record" in out["text"] or "could not be analysed" in out["text"]
