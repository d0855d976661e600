"""Build the web app: ``create_app(AppSettings(...))``.

Storage lives under ``settings.data_dir``: ``strokescreen.sqlite3`` (WAL), ``uploads/``
(random names), ``results/<id>/`` (result.json, report.html), ``secret_key`` (0600),
``audit.log``. The job dispatcher starts with the app's lifespan (so a test client that is
not entered as a context manager never runs jobs) and holds ``server.lock``, so that two
servers never share one data folder.

API documentation: ``/docs`` (rendered here from the OpenAPI schema, no external scripts)
and ``/openapi.json`` require a signed-in session. The schema describes only the
``/api/v1`` routes and holds no data.
"""

from __future__ import annotations

import fcntl
import logging
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from starlette.exceptions import HTTPException
from starlette.middleware.sessions import SessionMiddleware
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from strokescreen import __version__
from strokescreen.app import api, web
from strokescreen.app.auth import NeedsSignIn, PasswordChecks, SignInThrottle
from strokescreen.app.db import Database
from strokescreen.app.jobs import JobRunner
from strokescreen.app.security import ensure_data_dir, load_or_create_secret
from strokescreen.app.settings import AppSettings
from strokescreen.app.uploads import UploadRejected
from strokescreen.errors import ConfigError

log = logging.getLogger("strokescreen.app")

SESSION_COOKIE = "strokescreen_session"

#: CSP of every page but the stored report (which gets service.REPORT_CSP).
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
    "media-src 'self' blob:; connect-src 'self'; frame-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


HSTS = b"max-age=31536000"


class SecurityHeaders:
    """Pure ASGI middleware adding security headers (a route's own CSP wins).

    Every response but static files gets ``Cache-Control: no-store`` unless the route set
    its own (API JSON holds patient results). HSTS is sent when the request came over
    HTTPS or the server is told it is served over HTTPS (``https``: secure cookies).
    """

    def __init__(self, app: ASGIApp, *, https: bool = False) -> None:
        self.app = app
        self.https = https

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        static = scope.get("path", "").startswith("/static/")
        https = self.https or scope.get("scheme") == "https"
        started = False

        async def send_wrapper(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                names = {k.lower() for k, _ in headers}
                defaults = {
                    b"content-security-policy": PAGE_CSP.encode(),
                    b"x-frame-options": b"DENY",
                    b"x-content-type-options": b"nosniff",
                    b"referrer-policy": b"no-referrer",
                    b"permissions-policy": b"camera=(self), microphone=(self), geolocation=()",
                    b"cross-origin-opener-policy": b"same-origin",
                }
                if not static:
                    defaults[b"cache-control"] = b"no-store"
                if https:
                    defaults[b"strict-transport-security"] = HSTS
                headers += [(k, v) for k, v in defaults.items() if k not in names]
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        except Exception:
            # Starlette's own 500 page is sent from outside every middleware, without these
            # headers: answer here (no detail: it could name a patient's file) and re-raise
            # so that the server still logs the error.
            if not started:
                body = b"internal error; the request was not completed"
                await send_wrapper({"type": "http.response.start", "status": 500, "headers": [
                    (b"content-type", b"text/plain; charset=utf-8"),
                    (b"content-length", str(len(body)).encode())]})
                await send_wrapper({"type": "http.response.body", "body": body})
            raise


class DataDirLock:
    """An exclusive ``flock`` on ``<data>/server.lock`` while the dispatcher runs."""

    def __init__(self, data_dir: Path) -> None:
        self.path = Path(data_dir) / "server.lock"
        self.fd = -1

    def acquire(self) -> None:
        self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self.fd)
            self.fd = -1
            raise ConfigError(
                f"another strokescreen server is using {self.path.parent}; stop it or "
                "choose another --data folder"
            ) from None

    def release(self) -> None:
        if self.fd >= 0:
            fcntl.flock(self.fd, fcntl.LOCK_UN)
            os.close(self.fd)
            self.fd = -1


def create_app(settings: AppSettings | None = None) -> FastAPI:
    """The FastAPI app for ``settings`` (the data folder is created when missing)."""
    settings = settings or AppSettings()
    settings.validate()
    data_dir = ensure_data_dir(settings.data_dir)
    db = Database(data_dir)
    runner = JobRunner(db, settings)
    lock = DataDirLock(data_dir)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        lock.acquire()
        runner.start()
        log.info("job dispatcher started (%d %s worker%s)", settings.workers,
                 settings.worker_mode, "s" if settings.workers > 1 else "")
        try:
            yield
        finally:
            runner.stop()
            lock.release()

    app = FastAPI(
        title="strokescreen API",
        version=__version__,
        description=(
            "Upload a short face video and get a stroke-screening assessment. "
            "strokescreen is a screening aid, not a diagnosis. Authenticate with "
            "`Authorization: Bearer <token>`."
        ),
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
        lifespan=lifespan,
    )
    app.state.settings = settings
    app.state.db = db
    app.state.runner = runner
    app.state.signin_throttle = SignInThrottle()
    app.state.password_checks = PasswordChecks()

    app.add_middleware(
        SessionMiddleware,
        secret_key=load_or_create_secret(data_dir),
        session_cookie=SESSION_COOKIE,
        max_age=settings.session_max_age_s,
        same_site="strict",
        https_only=settings.secure_cookies,
    )
    app.add_middleware(SecurityHeaders, https=settings.secure_cookies)
    app.include_router(web.router)
    app.include_router(api.router)
    app.mount("/static", StaticFiles(directory=str(Path(__file__).parent / "static")),
              name="static")
    _install_error_handlers(app)
    return app


def _is_api(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error(request: Request, status_code: int, message: str,
           headers: dict[str, str] | None = None) -> Response:
    if _is_api(request) or web.wants_json(request) or request.url.path.endswith("/status"):
        return JSONResponse({"detail": message}, status_code=status_code, headers=headers)
    user = None
    uid = request.session.get("uid") if "session" in request.scope else None
    if isinstance(uid, int):
        user = request.app.state.db.user_by_id(uid)
    return web.page(request, "error.html", status_code, user=user, code=status_code,
                    message=message)


def _install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(NeedsSignIn)
    async def _needs_signin(request: Request, _exc: NeedsSignIn) -> Response:
        if request.url.path.endswith("/status") or web.wants_json(request):
            return JSONResponse({"detail": "sign in first"}, status_code=401)
        return RedirectResponse("/signin", status_code=303)

    @app.exception_handler(UploadRejected)
    async def _upload_rejected(request: Request, exc: UploadRejected) -> Response:
        return _error(request, exc.status_code, exc.message)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> Response:
        message = exc.detail if isinstance(exc.detail, str) else "request refused"
        if exc.status_code == 404 and message == "Not Found":
            message = "no such page"
        return _error(request, exc.status_code, message, getattr(exc, "headers", None))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError) -> Response:
        return _error(request, 422, "the request is malformed")
