"""Sign-in, sessions, tokens: pages need a session, the API a bearer token."""

from __future__ import annotations

import stat

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from strokescreen.app.db import ApiToken, AuditEntry, Database, User
from strokescreen.app.main import create_app
from tests.app.app_helpers import PASSWORD, add_user, csrf_of, sign_in

PAGES = ["/assessments", "/assessments/new", "/assessments/0123456789abcdef",
         "/assessments/0123456789abcdef/report", "/docs", "/openapi.json"]


@pytest.mark.parametrize("path", PAGES)
def test_pages_redirect_to_signin_without_session(client_for, path):
    r = client_for().get(path, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/signin"


def test_status_without_session_is_401_json(client_for):
    r = client_for().get("/assessments/0123456789abcdef/status")
    assert r.status_code == 401 and r.json()["detail"] == "sign in first"


@pytest.mark.parametrize("method,path", [
    ("get", "/api/v1/assessments"), ("post", "/api/v1/assessments"),
    ("get", "/api/v1/assessments/0123456789abcdef"),
    ("get", "/api/v1/assessments/0123456789abcdef/result"),
    ("delete", "/api/v1/assessments/0123456789abcdef"),
])
def test_api_needs_bearer_token(client_for, data_dir, method, path):
    add_user(data_dir, token=True)
    client = client_for()
    r = getattr(client, method)(path)
    assert r.status_code == 401 and r.headers["www-authenticate"] == "Bearer"
    r = getattr(client, method)(path, headers={"Authorization": "Bearer ss_not-a-real-token"})
    assert r.status_code == 401


def test_api_ignores_the_session_cookie(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    sign_in(client)
    assert client.get("/api/v1/assessments").status_code == 401


def test_api_token_works_and_only_its_hash_is_stored(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    r = client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 200 and r.json() == []
    raw = (data_dir / "strokescreen.sqlite3").read_bytes()
    assert token.encode() not in raw
    db = Database(data_dir)
    with db.session() as s:
        row = s.scalars(select(ApiToken)).one()
        assert row.last_used_at is not None
        user = s.scalars(select(User)).one()
    assert user.password_hash.startswith("$argon2id$") and PASSWORD not in user.password_hash
    db.dispose()


def test_signin_sets_strict_httponly_cookie_and_audits(client_for, data_dir):
    uid, _ = add_user(data_dir)
    client = client_for()
    token = csrf_of(client.get("/signin").text)
    r = client.post("/signin", data={"username": "alice", "password": PASSWORD,
                                     "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/assessments"
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    assert client.get("/assessments").status_code == 200
    db = Database(data_dir)
    with db.session() as s:
        actions = [(a.user_id, a.action) for a in s.scalars(select(AuditEntry))]
    assert (uid, "sign_in") in actions
    db.dispose()


def test_wrong_password_is_refused(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    token = csrf_of(client.get("/signin").text)
    r = client.post("/signin", data={"username": "alice", "password": "wrong password",
                                     "csrf_token": token})
    assert r.status_code == 401 and "Wrong name or password" in r.text
    assert client.get("/assessments", follow_redirects=False).status_code == 303


def test_repeated_failures_are_throttled(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    token = csrf_of(client.get("/signin").text)
    codes = [client.post("/signin", data={"username": "alice", "password": f"nope{i}xxx",
                                          "csrf_token": token}).status_code for i in range(6)]
    assert codes[:5] == [401] * 5 and codes[5] == 429
    # even the right password waits out the lockout
    r = client.post("/signin", data={"username": "alice", "password": PASSWORD,
                                     "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 429


def test_signout_ends_the_session_even_for_a_copied_cookie(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    stolen = TestClient(client.app, cookies=dict(client.cookies))
    assert stolen.get("/assessments").status_code == 200
    r = client.post("/signout", data={"csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/assessments", follow_redirects=False).status_code == 303
    assert stolen.get("/assessments", follow_redirects=False).status_code == 303
    sign_in(client)  # a new sign-in works again
    assert client.get("/assessments").status_code == 200


def test_secret_key_is_private_and_stable(data_dir, settings_for):
    add_user(data_dir)
    c1 = TestClient(create_app(settings_for()))
    sign_in(c1)
    key = data_dir / "secret_key"
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    assert stat.S_IMODE(data_dir.stat().st_mode) == 0o700
    # a new app on the same folder accepts the old session (same secret)
    c2 = TestClient(create_app(settings_for()))
    c2.cookies = c1.cookies
    assert c2.get("/assessments").status_code == 200


def test_forged_session_cookie_is_ignored(client_for, data_dir):
    import base64
    import json

    add_user(data_dir)
    client = client_for()
    forged = base64.b64encode(json.dumps({"uid": 1}).encode()).decode() + ".x.y"
    client.cookies.set("strokescreen_session", forged)
    assert client.get("/assessments", follow_redirects=False).status_code == 303


def test_security_headers_on_pages(client_for):
    r = client_for().get("/signin")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["x-content-type-options"] == "nosniff"


def test_openapi_after_signin_documents_only_the_api(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    sign_in(client)
    schema = client.get("/openapi.json").json()
    assert set(schema["paths"]) == {
        "/api/v1/assessments", "/api/v1/assessments/{job_id}",
        "/api/v1/assessments/{job_id}/result", "/api/v1/assessments/{job_id}/report",
    }
    assert "HTTPBearer" in schema["components"]["securitySchemes"]
    docs = client.get("/docs").text
    assert "/api/v1/assessments/{job_id}/result" in docs and "cdn" not in docs.lower()
