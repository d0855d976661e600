"""``strokescreen user add|token`` and ``strokescreen serve`` through the CLI."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from strokescreen.app.db import Database
from strokescreen.app.security import authenticate, user_for_token
from strokescreen.cli import app


def test_user_add_with_stdin_password_and_token(tmp_path):
    data = tmp_path / "d"
    r = CliRunner().invoke(app, ["user", "add", "dr.lee", "--data", str(data),
                                 "--password-stdin", "--token"], input="s3cret-pass-word\n")
    assert r.exit_code == 0, r.output
    token = r.stdout.strip().splitlines()[-1]
    assert token.startswith("ss_")
    db = Database(data)
    user = authenticate(db, "dr.lee", "s3cret-pass-word")
    assert user is not None and authenticate(db, "dr.lee", "wrong-pass") is None
    assert user_for_token(db, token).id == user.id
    db.dispose()


def test_user_add_prompts_twice(tmp_path):
    data = tmp_path / "d"
    r = CliRunner().invoke(app, ["user", "add", "bob", "--data", str(data)],
                           input="teal otter marble\nteal otter marble\n")
    assert r.exit_code == 0, r.output
    r = CliRunner().invoke(app, ["user", "add", "carl", "--data", str(data)],
                           input="teal otter marble\nteal otter marbles\n")
    assert r.exit_code == 3 and "differ" in r.output


def test_user_token_for_existing_user(tmp_path):
    data = tmp_path / "d"
    CliRunner().invoke(app, ["user", "add", "ann", "--data", str(data), "--password-stdin"],
                       input="teal otter marble\n")
    r = CliRunner().invoke(app, ["user", "token", "ann", "--data", str(data)])
    assert r.exit_code == 0
    db = Database(data)
    assert user_for_token(db, r.stdout.strip().splitlines()[-1]).name == "ann"
    db.dispose()
    r = CliRunner().invoke(app, ["user", "token", "nobody", "--data", str(data)])
    assert r.exit_code == 3 and "no user named" in r.output


def test_serve_help_lists_options():
    r = CliRunner().invoke(app, ["serve", "--help"])
    assert r.exit_code == 0
    for opt in ("--host", "--port", "--data", "--workers", "--keep-video", "--max-upload-mb"):
        assert opt in r.output


@pytest.mark.slow
def test_user_add_bad_input_exit_codes_as_subprocess(tmp_path):
    data = str(tmp_path / "d")
    env = {**os.environ, "STROKESCREEN_DATA": data}
    cmd = [sys.executable, "-m", "strokescreen.cli", "user", "add", "zed", "--password-stdin"]
    short = subprocess.run(cmd, input="short\n", env=env, capture_output=True, text=True,
                           timeout=120)
    assert short.returncode == 3 and "at least 12" in short.stderr
    assert "Traceback" not in short.stderr
    assert not os.path.exists(os.path.join(data, "audit.log"))  # no user was created


def test_user_add_bad_names_and_duplicates(tmp_path):
    data = str(tmp_path / "d")
    ok = CliRunner().invoke(app, ["user", "add", "zed", "--data", data, "--password-stdin"],
                            input="long enough, really\n")
    assert ok.exit_code == 0
    dup = CliRunner().invoke(app, ["user", "add", "zed", "--data", data, "--password-stdin"],
                             input="long enough, really\n")
    assert dup.exit_code == 3 and "already exists" in dup.output
    for bad_name in ("../evil", "a", "x" * 65, "has space"):
        bad = CliRunner().invoke(app, ["user", "add", bad_name, "--data", data,
                                       "--password-stdin"], input="long enough, really\n")
        assert bad.exit_code == 3 and "not allowed" in bad.output


def test_serve_turns_the_access_log_off(tmp_path, monkeypatch):
    import uvicorn

    seen = {}
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.update(kw, app=app))
    r = CliRunner().invoke(app, ["serve", "--data", str(tmp_path / "d"), "--port", "8123"])
    assert r.exit_code == 0, r.output
    assert seen["access_log"] is False and seen["host"] == "127.0.0.1" and seen["port"] == 8123
    assert seen["app"].state.settings.worker_mode == "process"
