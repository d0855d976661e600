"""Request-level authentication: the signed session (pages), bearer tokens (API), CSRF.

- Pages need a session made at sign-in (starlette's signed cookie: HttpOnly,
  SameSite=Strict, Secure when configured). Without one a page redirects to ``/signin``.
  Signing out ends every session of that user (sessions older than the sign-out are
  refused), so a copied cookie does not outlive it.
- The API needs ``Authorization: Bearer <token>``; cookies are ignored there, so the API
  needs no CSRF token. Without a valid token: 401.
- Every form POST carries the session's CSRF token (field ``csrf_token`` or header
  ``X-CSRF-Token``); missing or wrong: 403.
"""

from __future__ import annotations

import threading
import time
from urllib.parse import parse_qs

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from strokescreen.app.db import Database, User
from strokescreen.app.security import csrf_matches, new_csrf_token, user_for_token

MAX_FORM_BYTES = 16 * 1024
SIGNIN_FREE_FAILURES = 5
SIGNIN_LOCKOUT_S = 30.0


class NeedsSignIn(Exception):
    """Raised by page dependencies; answered with a redirect to the sign-in page."""


def get_db(request: Request) -> Database:
    return request.app.state.db


def csrf_token(request: Request) -> str:
    """The session's CSRF token, created on first use."""
    token = request.session.get("csrf")
    if not token:
        token = new_csrf_token()
        request.session["csrf"] = token
    return token


def web_user(request: Request) -> User:
    """The signed-in user of a page request, else :class:`NeedsSignIn`."""
    uid = request.session.get("uid")
    if not isinstance(uid, int):
        raise NeedsSignIn()
    user = get_db(request).user_by_id(uid)
    signed_in_at = request.session.get("t")
    if user is None or not isinstance(signed_in_at, (int, float)) or (
        signed_in_at < (user.sessions_valid_after or 0.0)
    ):  # user removed, or signed out (everywhere) since this session began
        request.session.clear()
        raise NeedsSignIn()
    return user


_bearer = HTTPBearer(auto_error=False, description="a token from `strokescreen user add NAME "
                     "--token` or `strokescreen user token NAME`")


def api_user(
    request: Request, creds: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> User:
    """The user owning the request's bearer token, else 401."""
    user = None
    if creds is not None and creds.scheme.lower() == "bearer":
        user = user_for_token(get_db(request), creds.credentials)
    if user is None:
        raise HTTPException(
            status_code=401,
            detail="a valid bearer token is required",
            headers={"WWW-Authenticate": "Bearer"},
        )
    return user


async def read_small_form(request: Request) -> dict[str, str]:
    """Parse an ``application/x-www-form-urlencoded`` body of at most 16 KiB.

    A body of any other type is not read and gives an empty form (so a missing CSRF token
    is what refuses it, unless the ``X-CSRF-Token`` header carries it).
    """
    ctype = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if ctype != "application/x-www-form-urlencoded":
        return {}
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise HTTPException(status_code=413, detail="the form is too large")
    parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True, max_num_fields=20)
    return {k: v[0] for k, v in parsed.items()}


def require_csrf(request: Request, form: dict[str, str]) -> None:
    """403 unless the form (or header) carries this session's CSRF token."""
    given = form.get("csrf_token") or request.headers.get("x-csrf-token")
    if not csrf_matches(request.session.get("csrf"), given):
        raise HTTPException(
            status_code=403, detail="the form has expired or is forged; reload the page"
        )


def csrf_checker(request: Request):
    """A ``token -> bool`` check against this session (for streamed uploads)."""
    expected = request.session.get("csrf")
    return lambda given: csrf_matches(expected, given)


class SignInThrottle:
    """After a few failed sign-ins for a name, refuse further tries for a while."""

    def __init__(self) -> None:
        self._fails: dict[str, tuple[int, float]] = {}
        self._lock = threading.Lock()

    def blocked_for(self, name: str) -> float:
        with self._lock:
            n, until = self._fails.get(name.lower(), (0, 0.0))
        return max(0.0, until - time.monotonic()) if n >= SIGNIN_FREE_FAILURES else 0.0

    def failed(self, name: str) -> None:
        key = name.lower()[:64]
        with self._lock:
            if len(self._fails) > 10000:
                self._fails.clear()
            n, _ = self._fails.get(key, (0, 0.0))
            self._fails[key] = (n + 1, time.monotonic() + SIGNIN_LOCKOUT_S)

    def succeeded(self, name: str) -> None:
        with self._lock:
            self._fails.pop(name.lower(), None)
