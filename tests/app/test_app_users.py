"""``strokescreen user list|passwd|disable|enable|remove|token --revoke``, token expiry,
case-blind unique names and the password policy."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import update
from typer.testing import CliRunner

from strokescreen.app.db import ApiToken, Database, utcnow
from strokescreen.cli import app
from tests.app.app_helpers import PASSWORD, add_user, csrf_of, sign_in, upload, wait_state

NEW_PASSWORD = "violet kettle harbour"


def _cli(data, *args, input=None):
    return CliRunner().invoke(app, ["user", *args, "--data", str(data)], input=input)


def _api(client, token):
    return client.get("/api/v1/assessments", headers={"Authorization": f"Bearer {token}"})


@pytest.mark.parametrize("password,why", [
    ("password", "at least 12"),
    ("12345678", "at least 12"),
    ("        ", "blank"),
    ("alice", "at least 12"),
    ("alice-alice-1", "user name"),
    ("Password2024!", "common"),
    ("P@ssw0rd12345", "common"),
    ("qwertyuiop123", "common"),
    ("111111111111", "too few different"),
    ("abcabcabcabc", "too few different"),
    ("hospital2023", "common"),
])
def test_weak_passwords_are_refused(tmp_path, password, why):
    r = _cli(tmp_path / "d", "add", "alice", "--password-stdin", input=password + "\n")
    assert r.exit_code == 3 and why in r.output, r.output
    assert "Traceback" not in r.output
    db = Database(tmp_path / "d")
    assert db.user_by_name("alice") is None
    db.dispose()


@pytest.mark.parametrize("password", ["correct horse battery", "red fox sky",
                                      "Tr0ub4dor&3-xyz", "s3cret-pass-word"])
def test_strong_passwords_and_passphrases_are_accepted(tmp_path, password):
    r = _cli(tmp_path / "d", "add", "alice", "--password-stdin", input=password + "\n")
    assert r.exit_code == 0, r.output


def test_names_are_case_blind_and_unique(tmp_path, client_for, data_dir):
    add_user(data_dir, "alice")
    r = _cli(data_dir, "add", "Alice", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert r.exit_code == 3 and "already exists" in r.output
    client = client_for()
    sign_in(client, "ALICE")  # signs in as alice


def test_token_revoke_and_expiry(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    assert _api(client, token).status_code == 200
    r = _cli(data_dir, "token", "alice", "--revoke")
    assert r.exit_code == 0 and "revoked 1 API token" in r.output
    assert _api(client, token).status_code == 401
    r = _cli(data_dir, "token", "alice", "--days", "30")
    fresh = r.stdout.strip().splitlines()[-1]
    assert _api(client, fresh).status_code == 200
    db = Database(data_dir)
    with db.session() as s:
        row = s.query(ApiToken).one()
        assert timedelta(days=29) < row.expires_at.replace(tzinfo=None) - \
            utcnow().replace(tzinfo=None) <= timedelta(days=30)
        s.execute(update(ApiToken).values(expires_at=utcnow() - timedelta(seconds=1)))
        s.commit()
    db.dispose()
    assert _api(client, fresh).status_code == 401


def test_disable_refuses_sessions_tokens_and_sign_in_then_enable(client_for, data_dir):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    sign_in(client)
    assert _cli(data_dir, "disable", "alice").exit_code == 0
    assert client.get("/assessments", follow_redirects=False).status_code == 303
    assert _api(client, token).status_code == 401
    other = TestClient(client.app)
    csrf = csrf_of(other.get("/signin").text)
    r = other.post("/signin", data={"username": "alice", "password": PASSWORD,
                                    "csrf_token": csrf}, follow_redirects=False)
    assert r.status_code == 401
    assert _cli(data_dir, "enable", "alice").exit_code == 0
    assert _api(client, token).status_code == 200
    sign_in(TestClient(client.app))


def test_passwd_changes_the_password_and_signs_out(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    sign_in(client)
    r = _cli(data_dir, "passwd", "alice", "--password-stdin", input="password\n")
    assert r.exit_code == 3 and "at least 12" in r.output
    r = _cli(data_dir, "passwd", "alice", "--password-stdin", input=NEW_PASSWORD + "\n")
    assert r.exit_code == 0, r.output
    assert client.get("/assessments", follow_redirects=False).status_code == 303
    sign_in(TestClient(client.app), "alice", NEW_PASSWORD)


def test_list_and_remove_with_assessments(client_for, data_dir, tiny_video):
    add_user(data_dir, "alice")
    add_user(data_dir, "bob", token=True)
    client = client_for(keep_video=True)
    csrf = sign_in(client, "bob")
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    wait_state(client, job_id)
    r = _cli(data_dir, "list")
    assert r.exit_code == 0
    lines = r.stdout.splitlines()
    assert lines[1].split()[:4] == ["alice", "active", "0", "0"]
    assert lines[2].split()[:4] == ["bob", "active", "1", "1"]
    r = _cli(data_dir, "remove", "bob", input="n\n")
    assert r.exit_code == 3 and "nothing removed" in r.output
    r = _cli(data_dir, "remove", "bob", "--yes")
    assert r.exit_code == 0 and "1 assessment" in r.output
    assert not (data_dir / "results" / job_id).exists()
    assert list((data_dir / "uploads").iterdir()) == []
    assert client.get("/assessments", follow_redirects=False).status_code == 303
    assert [ln.split()[0] for ln in _cli(data_dir, "list").stdout.splitlines()[1:]] == ["alice"]
    r = _cli(data_dir, "remove", "nobody", "--yes")
    assert r.exit_code == 3 and "no user named" in r.output


def test_user_commands_as_a_subprocess_give_one_line(tmp_path):
    from strokescreen.app.db import Database
    from strokescreen.app.security import ensure_data_dir

    Database(ensure_data_dir(tmp_path / "d"))  # an existing data folder without that user
    env = {**os.environ, "STROKESCREEN_DATA": str(tmp_path / "d")}
    r = subprocess.run([sys.executable, "-m", "strokescreen.cli", "user", "disable", "ghost"],
                       env=env, capture_output=True, text=True, timeout=120)
    assert r.returncode == 3 and "no user named 'ghost'" in r.stderr
    assert "Traceback" not in r.stderr
