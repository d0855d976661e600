"""Accounts, passwords, API tokens, the session secret and CSRF tokens.

- Passwords are hashed with argon2id (argon2-cffi defaults).
- API bearer tokens are 256-bit random strings shown once; only their SHA-256 is stored
  (a slow hash buys nothing for a random secret, and lookup stays one indexed query).
- Passwords must pass :func:`strokescreen.app.passwords.check_new_password`; names are
  unique whatever their case. API tokens expire (``TOKEN_DAYS`` by default) and can be
  revoked; a disabled user's sessions and tokens are refused.
- The session-signing secret is generated once and kept in ``<data>/secret_key`` (0600).
- CSRF: one random token per session, compared in constant time on every form POST.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError

from strokescreen.app.db import ApiToken, Database, Job, User, utcnow
from strokescreen.app.passwords import check_new_password
from strokescreen.errors import ConfigError, InputError

SECRET_NAME = "secret_key"
TOKEN_PREFIX = "ss_"
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
#: Lifetime of a new API token unless told otherwise.
TOKEN_DAYS = 90

_hasher = PasswordHasher()
# A hash of a random password, verified when a name is unknown so that sign-in takes the
# same time whether or not the user exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def ensure_data_dir(data_dir: Path) -> Path:
    """Create ``data_dir`` and its sub-folders and return it resolved; they are made 0700
    even when they already exist (with looser modes)."""
    data_dir = Path(data_dir).expanduser().resolve()
    for sub in ("", "uploads", "results"):
        d = data_dir / sub
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
        if d.stat().st_mode & 0o077:
            os.chmod(d, 0o700)
    return data_dir


def load_or_create_secret(data_dir: Path) -> str:
    """Return the session secret under ``data_dir``, creating it (0600) on first use."""
    path = Path(data_dir) / SECRET_NAME
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fd = -1
    if fd < 0:
        secret = path.read_text().strip()
        if len(secret) < 32:
            raise ConfigError(f"{path} holds a secret shorter than 32 characters; delete it")
        if path.stat().st_mode & 0o077:
            os.chmod(path, 0o600)
        return secret
    secret = secrets.token_urlsafe(48)
    with os.fdopen(fd, "w") as fh:
        fh.write(secret + "\n")
    return secret


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def check_name(name: str) -> None:
    """Raise :class:`InputError` unless ``name`` may be a user name."""
    if not USERNAME_RE.match(name):
        raise InputError(
            f"user name {name!r} is not allowed; use 2-64 letters, digits, '.', '_' or '-'"
        )


def create_user(db: Database, name: str, password: str) -> int:
    """Create a user and return its id. Raises :class:`InputError` on a bad or taken name
    (names are compared case-blind) or a password the policy refuses."""
    check_name(name)
    existing = db.user_by_name(name)
    if existing is not None:
        raise InputError(f"user {existing.name!r} already exists (names ignore case); "
                         "choose another name")
    check_new_password(password, name=name)
    with db.session() as s:
        user = User(name=name, password_hash=hash_password(password))
        s.add(user)
        try:
            s.commit()
        except IntegrityError:
            raise InputError(f"user {name!r} already exists; choose another name") from None
        uid = user.id
    db.audit(uid, "user_created", via="cli")
    return uid


def existing_user(db: Database, name: str) -> User:
    """The user called ``name`` (any case), else :class:`InputError`."""
    user = db.user_by_name(name)
    if user is None:
        raise InputError(f"no user named {name!r}; see `strokescreen user list`")
    return user


def set_password(db: Database, name: str, password: str) -> None:
    """Give ``name`` a new password (policy-checked) and end all its sessions."""
    user = existing_user(db, name)
    check_new_password(password, name=user.name)
    with db.session() as s:
        s.execute(update(User).where(User.id == user.id).values(
            password_hash=hash_password(password), sessions_valid_after=time.time()))
        s.commit()
    db.audit(user.id, "password_changed", via="cli")


def set_disabled(db: Database, name: str, disabled: bool) -> None:
    """Disable (sessions and tokens refused at once) or enable the user ``name``."""
    user = existing_user(db, name)
    values: dict[str, object] = {"disabled": disabled}
    if disabled:
        values["sessions_valid_after"] = time.time()
    with db.session() as s:
        s.execute(update(User).where(User.id == user.id).values(**values))
        s.commit()
    db.audit(user.id, "user_disabled" if disabled else "user_enabled", via="cli")


def remove_user(db: Database, name: str) -> list[tuple[str, str | None]]:
    """Delete the user ``name``, its tokens and its assessments' rows; return (id, video
    file name) of those assessments (the caller removes their files)."""
    user = existing_user(db, name)
    with db.session() as s:
        jobs = [(j.id, j.video_name) for j in s.scalars(select(Job).where(Job.user_id == user.id))]
        s.execute(delete(Job).where(Job.user_id == user.id))
        s.execute(delete(ApiToken).where(ApiToken.user_id == user.id))
        s.execute(delete(User).where(User.id == user.id))
        s.commit()
    db.audit(user.id, "user_removed", via="cli")
    return jobs


def list_users(db: Database) -> list[dict[str, object]]:
    """One dict per user: name, disabled, created_at, live tokens, assessments."""
    now = utcnow()
    with db.session() as s:
        users = list(s.scalars(select(User).order_by(User.name)))
        rows = []
        for u in users:
            tokens = [t for t in s.scalars(select(ApiToken).where(ApiToken.user_id == u.id))
                      if t.expires_at is None or _aware(t.expires_at) > now]
            jobs = s.scalar(select(func.count()).select_from(Job).where(Job.user_id == u.id))
            rows.append({"name": u.name, "disabled": bool(u.disabled),
                         "created_at": u.created_at, "tokens": len(tokens),
                         "assessments": int(jobs or 0)})
    return rows


def _aware(dt: datetime) -> datetime:
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=timezone.utc)


def authenticate(db: Database, name: str, password: str) -> User | None:
    """The enabled user whose name (any case) and password match, else None (the same
    argon2 work whether or not the user exists)."""
    user = db.user_by_name(name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None or user.disabled:
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        with db.session() as s:
            row = s.get(User, user.id)
            if row is not None:
                row.password_hash = hash_password(password)
                s.commit()
    return user


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(db: Database, user_id: int, *, days: float | None = TOKEN_DAYS) -> str:
    """Create an API token for ``user_id`` valid ``days`` days (None: no expiry); return it
    (the only time it is ever seen)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    expires = None if days is None else utcnow() + timedelta(days=days)
    with db.session() as s:
        s.add(ApiToken(user_id=user_id, token_sha256=token_digest(token), expires_at=expires))
        s.commit()
    db.audit(user_id, "token_created", via="cli")
    return token


def revoke_tokens(db: Database, user_id: int) -> int:
    """Delete every API token of ``user_id``; return how many there were."""
    with db.session() as s:
        n = len(s.scalars(select(ApiToken.id).where(ApiToken.user_id == user_id)).all())
        s.execute(delete(ApiToken).where(ApiToken.user_id == user_id))
        s.commit()
    db.audit(user_id, "tokens_revoked", via="cli")
    return n


def user_for_token(db: Database, token: str) -> User | None:
    """The user owning bearer ``token``, else None; records the token's last use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_digest(token)
    with db.session() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest)).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest):
            return None
        now = utcnow()
        if row.expires_at is not None and _aware(row.expires_at) <= now:
            return None
        user = s.get(User, row.user_id)
        if user is None or user.disabled:
            return None
        row.last_used_at = now
        s.commit()
        return user


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; False when either side is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
