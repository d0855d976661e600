"""The JSON API with bearer tokens: create from upload, status, result, report, delete."""

from __future__ import annotations

from tests.app.app_fakes import REPORT_MARK
from tests.app.app_helpers import add_user, wait_state


def test_api_round_trip(client_for, data_dir, tiny_video):
    _, token = add_user(data_dir, token=True)
    auth = {"Authorization": f"Bearer {token}"}
    client = client_for()
    with open(tiny_video, "rb") as fh:
        r = client.post("/api/v1/assessments", files={"video": ("c.mp4", fh)}, headers=auth)
    assert r.status_code == 202
    body = r.json()
    job_id = body["id"]
    assert body["status_url"] == f"/api/v1/assessments/{job_id}"
    s = wait_state(client, job_id, api_token=token)
    assert s["state"] == "done" and s["quality"] == "good"

    res = client.get(f"/api/v1/assessments/{job_id}/result", headers=auth)
    assert res.status_code == 200
    result = res.json()
    assert result["decision"] == "screen negative"
    assert result["measures"]["video_bytes"] == tiny_video.stat().st_size
    assert "not a diagnosis" in result["disclaimer"]
    assert result["synthetic_model"] is True

    rep = client.get(f"/api/v1/assessments/{job_id}/report", headers=auth)
    assert rep.status_code == 200 and REPORT_MARK in rep.text
    assert "sandbox" in rep.headers["content-security-policy"]

    listing = client.get("/api/v1/assessments", headers=auth).json()
    assert [j["id"] for j in listing] == [job_id]

    assert client.delete(f"/api/v1/assessments/{job_id}", headers=auth).status_code == 204
    assert client.get(f"/api/v1/assessments/{job_id}", headers=auth).status_code == 404
    assert not (data_dir / "results" / job_id).exists()


def test_api_raw_body_upload_and_not_done_yet(settings_for, data_dir, tiny_video):
    from fastapi.testclient import TestClient

    from strokescreen.app.main import create_app

    _, token = add_user(data_dir, token=True)
    auth = {"Authorization": f"Bearer {token}"}
    client = TestClient(create_app(settings_for()))  # not started: the job stays queued
    r = client.post("/api/v1/assessments", content=tiny_video.read_bytes(),
                    headers={**auth, "Content-Type": "application/octet-stream"})
    assert r.status_code == 202
    job_id = r.json()["id"]
    assert client.get(f"/api/v1/assessments/{job_id}", headers=auth).json()["state"] == "queued"
    assert client.get(f"/api/v1/assessments/{job_id}/result", headers=auth).status_code == 409


def test_api_errors_are_json(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    auth = {"Authorization": f"Bearer {token}"}
    client = client_for()
    r = client.post("/api/v1/assessments", content=b"hello world " * 100,
                    headers={**auth, "Content-Type": "application/octet-stream"})
    assert r.status_code == 422 and "not a video" in r.json()["detail"]
    r = client.get("/api/v1/assessments/zzz", headers=auth)
    assert r.status_code == 404 and r.json() == {"detail": "no such assessment"}
