"""``strokescreen user add|list|passwd|disable|enable|remove|token``: the web app's accounts.

Names are case-blind (``Alice`` is ``alice``). Passwords follow the policy of
:mod:`strokescreen.app.passwords`; they are asked twice or read from one line of stdin.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import typer

from strokescreen.cli._common import err_console, guarded
from strokescreen.errors import InputError

DATA_HELP = "folder for the database, uploads, results, secret key and audit log"
DEFAULT_DATA = Path("strokescreen_data")
STDIN_HELP = "read the password from one line of standard input"

user_app = typer.Typer(help="Manage the web app's user accounts.", no_args_is_help=True)

_data = typer.Option(DEFAULT_DATA, "--data", envvar="STROKESCREEN_DATA", help=DATA_HELP)


def _database(data: Path, *, create: bool = False):
    """The web app's database under ``data``; only ``user add`` may start a new one, so a
    mistyped --data is an error instead of a new empty data folder."""
    from strokescreen.app.db import Database
    from strokescreen.app.security import ensure_data_dir

    if not create:
        require_database(data)
    return Database(ensure_data_dir(data))


def require_database(data: Path) -> None:
    """InputError unless ``data`` holds the web app's database."""
    from strokescreen.app.db import DB_NAME

    if data.exists() and not data.is_dir():
        raise InputError(f"--data {data}: is a file, not a folder; give the web app's data "
                         "folder (or set STROKESCREEN_DATA)")
    if not (data / DB_NAME).is_file():
        raise InputError(f"--data {data}: no web app database there ({DB_NAME}); check --data "
                         "or STROKESCREEN_DATA, or create the first user with "
                         "`strokescreen user add NAME`")


def _read_password(password_stdin: bool) -> str:
    if password_stdin:
        line = sys.stdin.readline()
        if not line:
            raise InputError("--password-stdin given but standard input is empty; pipe a password")
        return line.rstrip("\r\n")
    first = typer.prompt("Password", hide_input=True)
    second = typer.prompt("Repeat password", hide_input=True)
    if first != second:
        raise InputError("the two passwords differ; run the command again")
    return first


def _print_token(token: str) -> None:
    err_console.print("API token (shown only now; store it safely):")
    # Plain stdout so that it can be captured: TOKEN=$(strokescreen user add ... --token)
    sys.stdout.write(token + "\n")
    sys.stdout.flush()


def _token_days(days: int) -> float | None:
    return None if days == 0 else float(days)


@user_app.command("add")
@guarded
def user_add(
    name: str = typer.Argument(..., help="sign-in name (letters, digits, '.', '_', '-')"),
    data: Path = _data,
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
    token: bool = typer.Option(False, "--token", help="also create an API token and print it"),
    days: int = typer.Option(90, min=0, max=3650, help="the token's lifetime (0: no expiry)"),
) -> None:
    """Create a user (the password is asked twice, or read from stdin)."""
    from strokescreen.app.passwords import check_new_password
    from strokescreen.app.security import check_name, create_token, create_user

    check_name(name)
    db = _database(data, create=True)
    existing = db.user_by_name(name)
    if existing is not None:
        raise InputError(f"user {existing.name!r} already exists (names ignore case); "
                         "choose another name")
    password = _read_password(password_stdin)
    check_new_password(password, name=name)
    uid = create_user(db, name, password)
    err_console.print(f"created user {name!r} (id {uid})")
    if token:
        _print_token(create_token(db, uid, days=_token_days(days)))


@user_app.command("token")
@guarded
def user_token(
    name: str = typer.Argument(..., help="an existing user"),
    data: Path = _data,
    days: int = typer.Option(90, min=0, max=3650, help="the token's lifetime (0: no expiry)"),
    revoke: bool = typer.Option(False, "--revoke",
                                help="revoke all the user's tokens instead of creating one"),
) -> None:
    """Create a new API token for a user and print it (only this once), or --revoke all."""
    from strokescreen.app.security import create_token, existing_user, revoke_tokens

    db = _database(data)
    user = existing_user(db, name)
    if revoke:
        n = revoke_tokens(db, user.id)
        err_console.print(f"revoked {n} API token{'s' if n != 1 else ''} of {user.name!r}")
        return
    _print_token(create_token(db, user.id, days=_token_days(days)))


@user_app.command("list")
@guarded
def user_list(data: Path = _data) -> None:
    """List the users: name, state, live API tokens, assessments, creation date."""
    from strokescreen.app.security import list_users

    rows = list_users(_database(data))
    if not rows:
        err_console.print("no users yet; create one with: strokescreen user add NAME")
        return
    sys.stdout.write(f"{'name':<24} {'state':<9} {'tokens':>6} {'assessments':>11}  created\n")
    for r in rows:
        state = "disabled" if r["disabled"] else "active"
        created = getattr(r["created_at"], "date", lambda: "")()
        sys.stdout.write(f"{r['name']!s:<24} {state:<9} {r['tokens']!s:>6} "
                         f"{r['assessments']!s:>11}  {created}\n")


@user_app.command("passwd")
@guarded
def user_passwd(
    name: str = typer.Argument(..., help="an existing user"),
    data: Path = _data,
    password_stdin: bool = typer.Option(False, "--password-stdin", help=STDIN_HELP),
) -> None:
    """Set a user's password (signs the user out everywhere; API tokens are kept)."""
    from strokescreen.app.security import existing_user, set_password

    db = _database(data)
    user = existing_user(db, name)
    set_password(db, user.name, _read_password(password_stdin))
    err_console.print(f"password of {user.name!r} changed; its sessions are signed out")


@user_app.command("disable")
@guarded
def user_disable(name: str = typer.Argument(..., help="an existing user"),
                 data: Path = _data) -> None:
    """Disable a user: no sign-in, and its sessions and API tokens are refused at once."""
    from strokescreen.app.security import set_disabled

    set_disabled(_database(data), name, True)
    err_console.print(f"user {name!r} disabled")


@user_app.command("enable")
@guarded
def user_enable(name: str = typer.Argument(..., help="a disabled user"),
                data: Path = _data) -> None:
    """Enable a disabled user again."""
    from strokescreen.app.security import set_disabled

    set_disabled(_database(data), name, False)
    err_console.print(f"user {name!r} enabled")


@user_app.command("remove")
@guarded
def user_remove(
    name: str = typer.Argument(..., help="an existing user"),
    data: Path = _data,
    yes: bool = typer.Option(False, "--yes", help="do not ask for confirmation"),
) -> None:
    """Remove a user with its API tokens and all its assessments (recordings, results)."""
    from strokescreen.app.jobs import result_dir, upload_path
    from strokescreen.app.security import existing_user, list_users, remove_user

    db = _database(data)
    user = existing_user(db, name)
    count = next(r["assessments"] for r in list_users(db) if r["name"] == user.name)
    if not yes and not typer.confirm(
            f"remove {user.name!r} and {count} assessment(s) for good?", default=False):
        raise InputError("nothing removed (not confirmed); add --yes to skip the question")
    for job_id, video_name in remove_user(db, user.name):
        shutil.rmtree(result_dir(db.data_dir, job_id), ignore_errors=True)
        if video_name:
            upload_path(db.data_dir, video_name).unlink(missing_ok=True)
    err_console.print(f"removed user {user.name!r} and {count} assessment(s)")
