"""File modes, caching and HSTS headers, malformed requests, and what a user can see of
other users' work."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from typer.testing import CliRunner

import strokescreen.app
from strokescreen.app.db import Database
from strokescreen.app.main import create_app
from strokescreen.app.security import ensure_data_dir
from tests.app.app_helpers import add_user, csrf_of, sign_in, upload, wait_state


def _mode(path) -> int:
    return stat.S_IMODE(os.stat(path).st_mode)


def test_an_existing_loose_data_folder_and_database_are_made_private(data_dir, settings_for):
    ensure_data_dir(data_dir)
    add_user(data_dir)  # creates the database, -wal and -shm
    db = Database(data_dir)
    db.audit(None, "test")  # an open connection keeps -wal and -shm in place
    files = [data_dir / f"strokescreen.sqlite3{x}" for x in ("", "-wal", "-shm")]
    for d in (data_dir, data_dir / "uploads", data_dir / "results"):
        os.chmod(d, 0o755)
    for f in files:
        if f.exists():
            os.chmod(f, 0o644)
    create_app(settings_for())
    for d in (data_dir, data_dir / "uploads", data_dir / "results"):
        assert _mode(d) == 0o700, d
    assert files[1].exists()
    for f in files:
        if f.exists():
            assert _mode(f) == 0o600, f
    db.dispose()


def test_results_of_a_job_are_private(client_for, data_dir, tiny_video, monkeypatch):
    monkeypatch.setenv("FAKE_RUN_DIR", str(data_dir.parent))
    monkeypatch.setenv("FAKE_ANALYSIS_S", "0.1")
    add_user(data_dir)
    client = client_for(analysis="tests.app.app_fakes:crash_probe_analysis")
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    assert wait_state(client, job_id)["state"] == "done"
    out = data_dir / "results" / job_id
    assert _mode(out) == 0o700 and _mode(out / "case") == 0o700
    for f in (out / "result.json", out / "report.html", out / "case" / "features.json"):
        assert _mode(f) == 0o600, f


def test_api_json_is_not_cached_and_static_files_may_be(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    r = client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.headers["cache-control"] == "no-store"
    r = client.get("/api/v1/assessments/0123456789abcdef",
                   headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 404 and r.headers["cache-control"] == "no-store"
    static = next(p.name for p in (Path(strokescreen.app.__file__).parent / "static").iterdir()
                  if p.is_file())
    assert "no-store" not in client.get(f"/static/{static}").headers.get("cache-control", "")


@pytest.mark.parametrize("secure,base,hsts", [
    (False, "http://testserver", False),
    (False, "https://testserver", True),
    (True, "http://testserver", True),
])
def test_hsts_only_when_served_over_https(settings_for, secure, base, hsts):
    client = TestClient(create_app(settings_for(secure_cookies=secure)), base_url=base)
    r = client.get("/signin")
    assert ("strict-transport-security" in r.headers) is hsts
    if hsts:
        assert r.headers["strict-transport-security"].startswith("max-age=")


def test_malformed_requests_are_4xx_with_the_security_headers(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    csrf = csrf_of(client.get("/signin").text)
    fields = {"username": "alice", "password": "x", "csrf_token": csrf,
              **{f"f{i}": "1" for i in range(25)}}
    r = client.post("/signin", data=fields)
    assert r.status_code == 400 and r.headers["x-frame-options"] == "DENY"
    csrf = sign_in(client)
    long = "multipart/form-data; boundary=" + "b" * 300
    r = client.post("/assessments", content=b"--x\r\n",
                    headers={"content-type": long, "x-csrf-token": csrf})
    assert r.status_code == 400 and r.headers["x-frame-options"] == "DENY"
    r = client.post("/api/v1/assessments", content=b"--x\r\n",
                    headers={"content-type": long, "Authorization": f"Bearer {token}"})
    assert r.status_code == 400 and r.headers["x-content-type-options"] == "nosniff"
    assert list((data_dir / "uploads").iterdir()) == []


def test_queue_position_counts_only_the_users_own_jobs(settings_for, data_dir, tiny_video):
    add_user(data_dir, "alice")
    add_user(data_dir, "bob")
    app = create_app(settings_for())  # not started: jobs stay queued
    alice, bob = TestClient(app), TestClient(app)
    csrf = sign_in(alice, "alice")
    for _ in range(2):
        upload(alice, csrf, tiny_video)
    r = upload(bob, sign_in(bob, "bob"), tiny_video)
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    assert bob.get(f"/assessments/{job_id}/status").json()["queue_position"] == 1


def test_serve_warns_off_loopback_without_secure_cookies(tmp_path, monkeypatch):
    import uvicorn

    from strokescreen.cli import app

    monkeypatch.setattr(uvicorn, "run", lambda *a, **kw: None)
    r = CliRunner().invoke(app, ["serve", "--data", str(tmp_path / "d"), "--host", "0.0.0.0"])
    assert r.exit_code == 0 and "without --secure-cookies" in r.output
    r = CliRunner().invoke(app, ["serve", "--data", str(tmp_path / "d"), "--host", "0.0.0.0",
                                 "--secure-cookies"])
    assert r.exit_code == 0 and "without --secure-cookies" not in r.output


def test_an_unexpected_error_is_a_bare_500_with_the_security_headers(settings_for):
    """A bug in a route must not answer without the headers (Starlette's own 500 page is
    sent from outside the middleware) nor show the error's text."""
    from fastapi.testclient import TestClient

    from strokescreen.app.main import create_app

    app = create_app(settings_for())

    @app.get("/boom")
    async def boom() -> None:
        raise RuntimeError("secret patient file name.mp4")

    with TestClient(app, raise_server_exceptions=False) as client:
        r = client.get("/boom")
    assert r.status_code == 500
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["cache-control"] == "no-store"
    assert "content-security-policy" in r.headers
    assert "secret" not in r.text and "RuntimeError" not in r.text
