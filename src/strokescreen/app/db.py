"""SQLite storage of the web app: users, API tokens, jobs (assessments) and the audit log.

One database file, ``<data>/strokescreen.sqlite3``, in WAL mode so that the server's
request handlers, its job dispatcher and the worker processes (which write progress) can
read while one of them writes. Nothing identifying a patient is stored: a job holds
server-chosen file names, its state, progress, and the summary of its result.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from sqlalchemy import (
    Boolean,
    DateTime,
    Float,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    func,
    select,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

log = logging.getLogger("strokescreen.app.db")

DB_NAME = "strokescreen.sqlite3"
AUDIT_LOG_NAME = "audit.log"

#: Job states, in the order a job passes through them.
QUEUED, RUNNING, DONE, FAILED = "queued", "running", "done", "failed"
JOB_STATES = (QUEUED, RUNNING, DONE, FAILED)


def utcnow() -> datetime:
    """Timezone-aware current UTC time."""
    return datetime.now(timezone.utc)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    password_hash: Mapped[str] = mapped_column(String(255), nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    #: Sessions signed in before this Unix time are refused (set at sign-out).
    sessions_valid_after: Mapped[float] = mapped_column(Float, default=0.0)
    #: A disabled user cannot sign in; its sessions and API tokens are refused.
    disabled: Mapped[bool] = mapped_column(Boolean, default=False, nullable=False)
    # Names are unique whatever their case (``alice`` and ``Alice`` are one user): a unique
    # index on lower(name), made by _add_missing_columns.


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored (tokens are 256-bit random)."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    token_sha256: Mapped[str] = mapped_column(String(64), unique=True, nullable=False)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    #: The token is refused from this time on (None: never expires).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    """One assessment: an uploaded recording and the state of its analysis.

    ``video_name`` and ``id`` are server-generated; the client's file name is never kept.
    """

    __tablename__ = "jobs"

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True, nullable=False)
    state: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    stage: Mapped[str] = mapped_column(String(120), default="waiting in the queue")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    video_name: Mapped[str | None] = mapped_column(String(64))
    video_bytes: Mapped[int] = mapped_column(Integer, default=0)
    source: Mapped[str] = mapped_column(String(16), default="upload")
    error_kind: Mapped[str | None] = mapped_column(String(32))
    error: Mapped[str | None] = mapped_column(Text)
    decision: Mapped[str | None] = mapped_column(String(32))
    probability: Mapped[float | None] = mapped_column(Float)
    quality_verdict: Mapped[str | None] = mapped_column(String(16))
    synthetic_model: Mapped[bool | None] = mapped_column(Boolean)
    #: The analysed recording is one `strokescreen synth` made (no real person).
    synthetic_recording: Mapped[bool | None] = mapped_column(Boolean)
    #: The patient identifier the user typed at upload (a study code or pseudonym; never
    #: read from the video), grouping the user's assessments of one patient over visits.
    patient: Mapped[str | None] = mapped_column(String(64), index=True)
    #: The worker process running the job now (process mode): its PID, its process start
    #: time (clock ticks since boot, from /proc) so a reused PID is never mistaken for it.
    worker_pid: Mapped[int | None] = mapped_column(Integer)
    worker_start: Mapped[int | None] = mapped_column(Integer)


class AuditEntry(Base):
    """Who did what to which assessment: user id + action + assessment id, nothing else."""

    __tablename__ = "audit"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    action: Mapped[str] = mapped_column(String(32), nullable=False)
    job_id: Mapped[str | None] = mapped_column(String(32), index=True)
    via: Mapped[str] = mapped_column(String(8), default="web")


#: Columns added after the first release: (table, column, SQL type), added to old databases.
_ADDED_COLUMNS = (
    ("jobs", "worker_pid", "INTEGER"),
    ("jobs", "worker_start", "INTEGER"),
    ("users", "disabled", "BOOLEAN NOT NULL DEFAULT 0"),
    ("api_tokens", "expires_at", "DATETIME"),
    ("jobs", "patient", "VARCHAR(64)"),
    ("jobs", "synthetic_recording", "BOOLEAN"),
)


def _add_missing_columns(engine: Engine) -> None:
    """Bring a database made by an older version up to the current tables (additive)."""
    with engine.begin() as conn:
        for table, column, sql_type in _ADDED_COLUMNS:
            have = {row[1] for row in conn.exec_driver_sql(f"PRAGMA table_info({table})")}
            if column not in have:
                conn.exec_driver_sql(f"ALTER TABLE {table} ADD COLUMN {column} {sql_type}")
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("CREATE UNIQUE INDEX IF NOT EXISTS ix_users_name_lower "
                                 "ON users (lower(name))")
    except IntegrityError:
        log.warning("two user names differ only in case; remove one with "
                    "`strokescreen user remove` so that names can be matched case-blind")


def make_engine(db_path: Path) -> Engine:
    """SQLAlchemy engine on ``db_path`` with WAL, a busy timeout and foreign keys on."""
    engine = create_engine(f"sqlite:///{db_path}", future=True)

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:  # pragma: no cover - trivial
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    return engine


class Database:
    """Engine + session factory + audit writer for one data folder."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = Path(data_dir)
        self.path = self.data_dir / DB_NAME
        # Created 0600 before SQLite opens it (its -wal and -shm take the file's mode), and
        # all three made 0600 when an older or careless start left them readable.
        os.close(os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600))
        self.engine = make_engine(self.path)
        Base.metadata.create_all(self.engine)
        _add_missing_columns(self.engine)
        for suffix in ("", "-wal", "-shm"):
            path = Path(f"{self.path}{suffix}")
            if path.exists() and path.stat().st_mode & 0o077:
                os.chmod(path, 0o600)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        self._audit_lock = threading.Lock()

    def session(self) -> Session:
        return self.sessions()

    def audit(
        self, user_id: int | None, action: str, job_id: str | None = None, *, via: str = "web"
    ) -> None:
        """Record ``action`` by ``user_id`` on ``job_id`` in the table and ``audit.log``."""
        entry = AuditEntry(user_id=user_id, action=action, job_id=job_id, via=via, at=utcnow())
        with self.session() as s:
            s.add(entry)
            s.commit()
        line = json.dumps(
            {
                "at": entry.at.isoformat(timespec="seconds"),
                "user_id": user_id,
                "action": action,
                "assessment_id": job_id,
                "via": via,
            }
        )
        path = self.data_dir / AUDIT_LOG_NAME
        with self._audit_lock:
            fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            try:
                os.write(fd, (line + "\n").encode())
            finally:
                os.close(fd)

    def user_by_name(self, name: str) -> User | None:
        """The user called ``name``, whatever the case."""
        with self.session() as s:
            return s.scalars(select(User).where(func.lower(User.name) == name.lower())).first()

    def user_by_id(self, user_id: int) -> User | None:
        with self.session() as s:
            return s.get(User, user_id)

    def dispose(self) -> None:
        self.engine.dispose()
