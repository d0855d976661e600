"""End-to-end flow through the pages with an injected fake analysis: upload, progress,
result with decision, quality badge and disclaimers, the embedded report, the list."""

from __future__ import annotations

import json

from strokescreen.app.db import Database
from tests.app.app_fakes import REPORT_MARK
from tests.app.app_helpers import add_user, sign_in, upload, wait_state


def test_upload_to_result_page(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    r = upload(client, csrf, tiny_video)
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    status = wait_state(client, job_id)
    assert status["state"] == "done"
    assert status["decision"] == "screen negative"
    assert status["quality"] == "good"
    assert status["probability"] == 0.125
    assert status["synthetic_model"] is True

    page = client.get(f"/assessments/{job_id}").text
    assert 'id="decision"' in page and "screen negative" in page
    assert 'class="badge quality-good"' in page
    assert "screening aid, not a diagnosis" in page.lower()
    assert "synthetic" in page.lower()
    assert f'src="/assessments/{job_id}/report"' in page

    rep = client.get(f"/assessments/{job_id}/report")
    assert rep.status_code == 200 and REPORT_MARK in rep.text
    csp = rep.headers["content-security-policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp and "script-src" not in csp
    assert rep.headers["x-frame-options"] == "SAMEORIGIN"

    listing = client.get("/assessments").text
    assert f"job-{job_id}" in listing and "screen negative" in listing

    # The result the analysis wrote is what the app serves (planted: the video's size).
    stored = json.loads((data_dir / "results" / job_id / "result.json").read_text())
    assert stored["measures"]["video_bytes"] == tiny_video.stat().st_size


def test_progress_page_then_result(client_for, data_dir, tiny_video, monkeypatch):
    from tests.app import app_fakes

    monkeypatch.setenv("FAKE_ANALYSIS_S", "1.5")
    add_user(data_dir)
    client = client_for(analysis=app_fakes.slow_fake_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    s = wait_state(client, job_id, ("running",))
    page = client.get(f"/assessments/{job_id}").text
    assert 'id="progress-view"' in page
    assert f'data-status-url="/assessments/{job_id}/status"' in page
    seen = {s["progress"]}
    while s["state"] == "running":
        s = client.get(f"/assessments/{job_id}/status").json()
        seen.add(s["progress"])
    assert s["state"] == "done"
    assert len([p for p in seen if 0 < p < 1]) >= 1, f"no intermediate progress seen: {seen}"


def test_failed_quality_says_rerecord(client_for, data_dir, tiny_video):
    from tests.app import app_fakes

    add_user(data_dir)
    client = client_for(analysis=app_fakes.quality_failing_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    s = wait_state(client, job_id)
    assert s["state"] == "failed" and s["error_kind"] == "quality"
    assert s["error"].startswith("the recording: no face found in 0 of 20 frames")
    assert str(data_dir) not in s["error"]  # no server paths shown to users
    page = client.get(f"/assessments/{job_id}").text
    assert "re-record" in page and "no face found in 0 of 20 frames" in page
    # the raw video of a finished (failed) job is deleted too
    db = Database(data_dir)
    assert list((data_dir / "uploads").iterdir()) == []
    db.dispose()


def test_unexpected_error_is_generic(client_for, data_dir, tiny_video):
    from tests.app import app_fakes

    add_user(data_dir)
    client = client_for(analysis=app_fakes.crashing_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    s = wait_state(client, job_id)
    assert s["state"] == "failed" and s["error_kind"] == "internal"
    assert "boom" not in s["error"]


def test_client_filename_is_never_stored_or_logged(client_for, data_dir, tiny_video, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    add_user(data_dir)
    client = client_for(keep_video=True)
    csrf = sign_in(client)
    name = "Jane_Doe_MRN123456.mp4"
    job_id = upload(client, csrf, tiny_video, filename=name).headers["location"].rsplit("/")[-1]
    wait_state(client, job_id)
    client.get(f"/assessments/{job_id}")
    assert "Jane_Doe" not in caplog.text and "MRN123456" not in caplog.text
    for path in data_dir.rglob("*"):
        assert "Jane_Doe" not in path.name
        if path.is_file():
            assert b"MRN123456" not in path.read_bytes(), path
    assert "MRN123456" not in client.get("/assessments").text


def test_unusable_recording_shows_its_report_and_pdf(client_for, data_dir, tiny_video):
    from tests.app import app_fakes

    uid, token = add_user(data_dir, token=True)
    client = client_for(analysis=app_fakes.unusable_with_report_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    s = wait_state(client, job_id)
    assert s["state"] == "failed" and s["error_kind"] == "quality"
    page = client.get(f"/assessments/{job_id}").text
    assert "please re-record" in page and 'class="badge quality-unusable"' in page
    assert f'src="/assessments/{job_id}/report"' in page and 'id="pdf-link"' in page
    assert REPORT_MARK in client.get(f"/assessments/{job_id}/report").text
    pdf = client.get(f"/assessments/{job_id}/report.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert pdf.headers["content-type"] == "application/pdf"
    assert "attachment" in pdf.headers["content-disposition"]
    res = client.get(f"/api/v1/assessments/{job_id}/result",
                     headers={"Authorization": f"Bearer {token}"})
    assert res.status_code == 200 and res.json()["quality"]["verdict"] == "unusable"
    db = Database(data_dir)
    assert (uid, "download_pdf") in [(a.user_id, a.action) for a in _audit(db)]
    db.dispose()


def _audit(db):
    from sqlalchemy import select

    from strokescreen.app.db import AuditEntry

    with db.session() as s:
        return list(s.scalars(select(AuditEntry)))


def test_without_model_the_norm_screen_decides_and_is_shown(client_for, data_dir, tiny_video):
    from tests.app import app_fakes

    add_user(data_dir)
    client = client_for(analysis=app_fakes.screen_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    status = wait_state(client, job_id)
    assert status["state"] == "done" and status["probability"] is None
    assert status["decision"] == "signs present"  # the planted droop
    page = client.get(f"/assessments/{job_id}").text
    assert 'id="screen"' in page
    assert "Norm-based screen, not a trained risk model" in page
    assert "a screening aid, not a diagnosis" in page
    assert "mouth asymmetry score" in page and "sign (above)" in page
    assert "speech rate (pauses included)" in page
