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

import os
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import parse_qs

import anyio
import anyio.to_thread
from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from strokescreen.app.db import Database, User
from strokescreen.app.security import csrf_matches, new_csrf_token, user_for_token

MAX_FORM_BYTES = 16 * 1024
MAX_FORM_FIELDS = 20

T = TypeVar("T")


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
    if user is None or user.disabled or not isinstance(signed_in_at, (int, float)) or (
        signed_in_at < (user.sessions_valid_after or 0.0)
    ):  # user gone or disabled, or signed out (everywhere) since this session began
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
    try:
        parsed = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True,
                          max_num_fields=MAX_FORM_FIELDS)
    except ValueError:  # more fields than allowed
        raise HTTPException(status_code=400, detail="the form has too many fields") from None
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
    """Sign-in limits an attacker cannot turn against a user (all in memory, per server).

    - Per client (its address): after ``CLIENT_MAX_FAILURES`` failed sign-ins within
      ``CLIENT_WINDOW_S`` the client is refused, whatever the name.
    - Per name: after ``NAME_FREE_FAILURES`` failures the name is locked for
      ``NAME_LOCKOUT_S`` after its latest failure, *for clients that have failed
      themselves*. A client with no recent failure may still sign in with the correct
      password (a wrong one makes it a failing client). So an attacker cannot lock a user
      out, and each attacking address gets at most one guess at a locked name.
    - Globally: more than ``GLOBAL_MAX_FAILURES`` failures within ``GLOBAL_WINDOW_S`` (a
      distributed attack) refuses every client with a failure, and locked names to everyone
      until it subsides: availability of a locked account yields to its safety only then.
    The tables are bounded: when full, expired entries go first and, if none has expired,
    the global limit is treated as exceeded (a flood of names never clears a lockout).
    """

    CLIENT_MAX_FAILURES = 20
    CLIENT_WINDOW_S = 600.0
    NAME_FREE_FAILURES = 5
    NAME_LOCKOUT_S = 30.0
    GLOBAL_MAX_FAILURES = 300
    GLOBAL_WINDOW_S = 300.0
    MAX_ENTRIES = 50_000

    def __init__(self, clock=time.monotonic) -> None:
        self._clock = clock
        self._clients: dict[str, deque[float]] = {}
        self._names: dict[str, tuple[int, float]] = {}
        self._global: deque[float] = deque(maxlen=self.GLOBAL_MAX_FAILURES)
        self._full = False
        self._lock = threading.Lock()

    @staticmethod
    def _key(name: str) -> str:
        return name.strip().lower()[:64]

    def _client_failures(self, client: str, now: float) -> deque[float]:
        fails = self._clients.get(client) or deque()
        while fails and now - fails[0] > self.CLIENT_WINDOW_S:
            fails.popleft()
        return fails

    def _global_exceeded(self, now: float) -> bool:
        g = self._global
        return self._full or (len(g) == g.maxlen and now - g[0] < self.GLOBAL_WINDOW_S)

    def blocked_for(self, client: str, name: str) -> float:
        """Seconds ``client`` must wait before trying ``name`` (0: it may try now)."""
        now = self._clock()
        with self._lock:
            fails = self._client_failures(client, now)
            if len(fails) >= self.CLIENT_MAX_FAILURES:
                return fails[0] + self.CLIENT_WINDOW_S - now
            under_attack = self._global_exceeded(now)
            n, last = self._names.get(self._key(name), (0, 0.0))
            locked_until = last + self.NAME_LOCKOUT_S if n >= self.NAME_FREE_FAILURES else 0.0
            if locked_until > now and (fails or under_attack):
                return locked_until - now
            if under_attack and fails:
                return max(self._global[0] + self.GLOBAL_WINDOW_S - now, 1.0)
        return 0.0

    def failed(self, client: str, name: str) -> None:
        now = self._clock()
        key = self._key(name)
        with self._lock:
            self._prune(now)
            fails = self._client_failures(client, now)
            fails.append(now)
            while len(fails) > self.CLIENT_MAX_FAILURES:
                fails.popleft()
            if len(self._clients) < self.MAX_ENTRIES or client in self._clients:
                self._clients[client] = fails
            else:
                self._full = True
            n, last = self._names.get(key, (0, 0.0))
            if now - last > self.CLIENT_WINDOW_S:
                n = 0
            if len(self._names) < self.MAX_ENTRIES or key in self._names:
                self._names[key] = (n + 1, now)
            else:
                self._full = True
            self._global.append(now)

    def _prune(self, now: float) -> None:
        """Drop expired entries once a table is full (never a live lockout)."""
        if len(self._clients) < self.MAX_ENTRIES and len(self._names) < self.MAX_ENTRIES:
            self._full = False
            return
        self._clients = {c: f for c, f in self._clients.items()
                         if f and now - f[-1] <= self.CLIENT_WINDOW_S}
        self._names = {k: v for k, v in self._names.items()
                       if now - v[1] <= max(self.CLIENT_WINDOW_S, self.NAME_LOCKOUT_S)}
        self._full = (len(self._clients) >= self.MAX_ENTRIES
                      or len(self._names) >= self.MAX_ENTRIES)


class PasswordChecks:
    """Password hashing and verification off the event loop, in a bounded pool.

    At most ``threads`` argon2 computations run at once (argon2 releases the GIL), at most
    ``max_waiting`` more wait; beyond that :meth:`run` raises 503 at once, so a sign-in
    flood costs the server a fixed amount of CPU and never stalls other requests.
    """

    def __init__(self, threads: int | None = None, max_waiting: int = 16) -> None:
        # half the CPUs: the other half keeps serving everyone else during a flood
        self.threads = threads or max(1, (os.cpu_count() or 2) // 2)
        self.max_waiting = max_waiting
        self._limiter: anyio.CapacityLimiter | None = None
        self._pending = 0

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        if self._limiter is None:  # created inside the event loop that uses it
            self._limiter = anyio.CapacityLimiter(self.threads)
        if self._pending >= self.threads + self.max_waiting:
            raise HTTPException(status_code=503, detail="the server is busy signing people "
                                "in; try again in a few seconds", headers={"Retry-After": "5"})
        self._pending += 1
        try:
            return await anyio.to_thread.run_sync(fn, *args, limiter=self._limiter)
        finally:
            self._pending -= 1
