"""``strokescreen serve`` (the clinicians' web app); the ``user`` commands are in users.py."""

from __future__ import annotations

import ipaddress
import logging
from pathlib import Path

import typer

from strokescreen.cli._common import DISCLAIMER, console, err_console, guarded
from strokescreen.errors import InputError

DATA_HELP = "folder for the database, uploads, results, secret key and audit log"
DEFAULT_DATA = Path("strokescreen_data")

def _importable(module: str) -> bool:
    import importlib.util

    try:
        return importlib.util.find_spec(module) is not None
    except (ImportError, ValueError):
        return False


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@guarded
def serve(
    host: str = typer.Option("127.0.0.1", help="address to listen on (loopback by default)"),
    port: int = typer.Option(8000, min=1, max=65535, help="TCP port"),
    data: Path = typer.Option(DEFAULT_DATA, "--data", envvar="STROKESCREEN_DATA", help=DATA_HELP),
    workers: int = typer.Option(1, min=1, max=8, help="recordings analysed at once"),
    worker_mode: str = typer.Option(
        "process", help="'process' (a child process per job) or 'thread'"),
    max_upload_mb: float = typer.Option(500.0, min=0.01, help="largest accepted upload, MB"),
    keep_video: bool = typer.Option(False, help="keep recordings after their analysis"),
    model_dir: Path | None = typer.Option(None, help="trained model folder for the analysis"),
    severity_model: Path | None = typer.Option(
        None, help="graded model folder (train --target severity): a grade per visit"),
    job_timeout_s: float = typer.Option(900.0, min=1, help="stop an analysis after this long"),
    secure_cookies: bool = typer.Option(
        False, help="mark the session cookie Secure (when served over HTTPS)"),
    retention_days: float = typer.Option(
        30.0, min=0, help="delete finished assessments after this many days (0: keep)"),
    keep_case_data: bool = typer.Option(
        False, help="keep the face crops, voice and landmarks of each analysis"),
    analysis: str = typer.Option(
        "strokescreen.workflows.assess:assess_video",
        help="'module:function' analysing one recording (advanced; default: the built-in)"),
) -> None:
    """Run the web app for clinicians (upload or record a clip, read the report)."""
    import uvicorn

    from strokescreen.app.main import create_app
    from strokescreen.app.settings import AppSettings
    from strokescreen.io.paths import check_writable

    check_writable(data, option="--data", folder=True)  # one line, not an OSError later
    settings = AppSettings(
        data_dir=data, workers=workers, worker_mode=worker_mode,
        max_upload_bytes=int(max_upload_mb * 1e6), keep_video=keep_video, model_dir=model_dir,
        severity_model_dir=severity_model,
        job_timeout_s=job_timeout_s, secure_cookies=secure_cookies, analysis=analysis,
        retention_days=retention_days, keep_case_data=keep_case_data,
    )
    app = create_app(settings)
    if not _importable(analysis.partition(":")[0]):
        err_console.print(
            f"[yellow]warning:[/] the analysis module of {analysis!r} cannot be imported; "
            "uploads will be accepted but their analysis will fail until it can"
        )
    if not _is_loopback(host) and not secure_cookies:
        err_console.print(
            f"[yellow]warning:[/] listening on {host} without --secure-cookies; put the app "
            "behind HTTPS (browsers also allow camera recording only over HTTPS or localhost)"
        )
    logging.basicConfig(level=logging.INFO,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    console.print(f"strokescreen web app on http://{host}:{port}/ (data: {settings.data_dir})")
    console.print(DISCLAIMER)
    # No access log: request lines carry paths and client addresses; nothing identifying
    # goes to the server log.
    uvicorn.run(app, host=host, port=port, access_log=False, server_header=False,
                proxy_headers=False, log_level="info")


@guarded
def purge(
    data: Path = typer.Option(DEFAULT_DATA, "--data", envvar="STROKESCREEN_DATA", help=DATA_HELP),
    retention_days: float = typer.Option(
        30.0, min=0.0, help="delete finished assessments older than this many days"),
) -> None:
    """Delete finished assessments older than --retention-days now (the server also does
    this every hour)."""
    from strokescreen.app.db import Database
    from strokescreen.app.jobs import purge_expired
    from strokescreen.app.security import ensure_data_dir

    if retention_days <= 0:
        raise InputError("--retention-days 0 keeps everything; give a number of days > 0")
    from strokescreen.cli.users import require_database

    require_database(data)  # a mistyped --data is an error, not a new empty data folder
    n = purge_expired(Database(ensure_data_dir(data)), retention_days)
    err_console.print(f"deleted {n} assessment(s) older than {retention_days:g} days")


def register(app: typer.Typer) -> None:
    """Add ``serve`` and the ``user`` group to the strokescreen CLI."""
    from strokescreen.cli.users import user_app

    app.command("serve")(serve)
    app.command("purge")(purge)
    app.add_typer(user_app, name="user")
