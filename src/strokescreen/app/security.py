"""Accounts, passwords, API tokens, the session secret and CSRF tokens.

- Passwords are hashed with argon2id (argon2-cffi defaults).
- API bearer tokens are 256-bit random strings shown once; only their SHA-256 is stored
  (a slow hash buys nothing for a random secret, and lookup stays one indexed query).
- The session-signing secret is generated once and kept in ``<data>/secret_key`` (0600).
- CSRF: one random token per session, compared in constant time on every form POST.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import re
import secrets
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy import select

from strokescreen.app.db import ApiToken, Database, User, utcnow
from strokescreen.errors import ConfigError, InputError

SECRET_NAME = "secret_key"
TOKEN_PREFIX = "ss_"
USERNAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,63}$")
MIN_PASSWORD_CHARS = 8

_hasher = PasswordHasher()
# A hash of a random password, verified when a name is unknown so that sign-in takes the
# same time whether or not the user exists.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def ensure_data_dir(data_dir: Path) -> Path:
    """Create ``data_dir`` and its sub-folders (mode 0700) and return it resolved."""
    data_dir = Path(data_dir).expanduser().resolve()
    for sub in ("", "uploads", "results"):
        d = data_dir / sub
        d.mkdir(mode=0o700, parents=True, exist_ok=True)
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


def check_new_password(password: str) -> None:
    """Raise :class:`InputError` when ``password`` is too weak to store."""
    if len(password) < MIN_PASSWORD_CHARS:
        raise InputError(
            f"password has {len(password)} characters; use at least {MIN_PASSWORD_CHARS}"
        )


def create_user(db: Database, name: str, password: str) -> int:
    """Create a user and return its id. Raises :class:`InputError` on a bad or taken name."""
    if not USERNAME_RE.match(name):
        raise InputError(
            f"user name {name!r} is not allowed; use 2-64 letters, digits, '.', '_' or '-'"
        )
    check_new_password(password)
    if db.user_by_name(name) is not None:
        raise InputError(f"user {name!r} already exists; choose another name")
    with db.session() as s:
        user = User(name=name, password_hash=hash_password(password))
        s.add(user)
        s.commit()
        uid = user.id
    db.audit(uid, "user_created", via="cli")
    return uid


def authenticate(db: Database, name: str, password: str) -> User | None:
    """The user whose name and password match, else None (constant-ish time)."""
    user = db.user_by_name(name)
    try:
        _hasher.verify(user.password_hash if user else _DUMMY_HASH, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return None
    if user is None:
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


def create_token(db: Database, user_id: int) -> str:
    """Create an API token for ``user_id``; return it (the only time it is ever seen)."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with db.session() as s:
        s.add(ApiToken(user_id=user_id, token_sha256=token_digest(token)))
        s.commit()
    db.audit(user_id, "token_created", via="cli")
    return token


def user_for_token(db: Database, token: str) -> User | None:
    """The user owning bearer ``token``, else None; records the token's last use."""
    if not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    digest = token_digest(token)
    with db.session() as s:
        row = s.scalars(select(ApiToken).where(ApiToken.token_sha256 == digest)).first()
        if row is None or not hmac.compare_digest(row.token_sha256, digest):
            return None
        row.last_used_at = utcnow()
        user = s.get(User, row.user_id)
        s.commit()
        return user


def new_csrf_token() -> str:
    return secrets.token_urlsafe(32)


def csrf_matches(expected: str | None, given: str | None) -> bool:
    """Constant-time comparison; False when either side is missing."""
    if not expected or not given:
        return False
    return hmac.compare_digest(expected.encode(), given.encode())
