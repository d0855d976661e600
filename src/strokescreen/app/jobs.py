"""The job queue: a bounded pool that analyses queued recordings, surviving restarts.

The ``jobs`` table is the queue (states queued -> running -> done | failed). One
dispatcher thread claims the oldest queued job whenever fewer than ``workers`` run, and
runs it in a fresh child process (``worker_mode="process"``: forked from a clean fork
server that has imported the analysis once, so each job's memory goes back to the system
and a crash fails one job only) or in a thread. The worker writes
its progress and final state into the database itself; the dispatcher reaps it, enforces
the time limit, deletes the raw video (unless kept) and cleans up after deleted jobs.

Crash safety. A job's run is leased: the dispatcher bumps ``attempts`` when it claims a
job and the worker's every write is fenced by ``(state='running', attempts=<its run>)``, so
a run whose job was requeued, deleted or claimed again loses its lease at its next progress
report and stops without touching the job. A worker process has its own process group, is
killed by the kernel when its fork server (and so the server) dies, and records its PID and
process start time in the job; a restarted server kills any such run still alive before
requeueing its job. The uploaded recording is deleted only by the run that wrote the job's
final state (or once the job is finished), so a crash never loses it: the job is requeued
and analysed again from the recording (failed after ``max_job_attempts`` interrupted runs).
On start, leftovers of interrupted uploads are removed, and videos of finished jobs that a
crash left behind are deleted.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import os
import shutil
import signal
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from strokescreen.app.db import DONE, FAILED, QUEUED, RUNNING, Database, Job, make_engine, utcnow
from strokescreen.app.settings import AnalysisFn, AppSettings, resolve_analysis
from strokescreen.app.visit_baseline import baseline_kwargs, earlier_visit
from strokescreen.progress import fraction

log = logging.getLogger("strokescreen.app.jobs")

PROGRESS_MIN_INTERVAL_S = 0.25


def upload_path(data_dir: Path, video_name: str) -> Path:
    return Path(data_dir) / "uploads" / video_name


def result_dir(data_dir: Path, job_id: str) -> Path:
    return Path(data_dir) / "results" / job_id


def _summary(result: dict[str, Any]) -> dict[str, Any]:
    quality = result.get("quality") or {}
    prob = result.get("probability")
    return {
        "decision": str(result.get("decision") or "no decision")[:32],
        "probability": float(prob) if isinstance(prob, (int, float)) else None,
        "quality_verdict": str(quality.get("verdict") or "")[:16] or None,
        "synthetic_model": bool(result.get("synthetic_model", False)),
        "synthetic_recording": bool(result.get("synthetic_recording", False)),
    }


class LeaseLost(BaseException):
    """Raised inside a run whose job is no longer its own (requeued, deleted, claimed).

    A ``BaseException`` so that an analysis's ``except Exception`` does not swallow it.
    """


def process_start_ticks(pid: int) -> int | None:
    """Start time of process ``pid`` (clock ticks after boot), None if absent or a zombie.

    With the PID it identifies a process for good: a reused PID has another start time.
    """
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2:].split()
    if fields[0] in ("Z", "X"):
        return None
    return int(fields[19])


def kill_run(pid: int, start_ticks: int | None, *, wait_s: float = 10.0) -> bool:
    """Kill the worker process ``pid`` and its process group if it is still the process
    that started at ``start_ticks``; wait until it is gone. True when one was killed."""
    if start_ticks is None or process_start_ticks(pid) != start_ticks:
        return False
    try:
        os.killpg(pid, signal.SIGKILL)  # the worker leads its own group (see execute_job)
    except OSError:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            return False
    deadline = time.monotonic() + wait_s
    while process_start_ticks(pid) == start_ticks and time.monotonic() < deadline:
        time.sleep(0.02)
    return True


SERVER_WATCH_INTERVAL_S = 0.2


def _become_own_process_group(server: tuple[int, int | None] | None) -> None:
    """In a worker process: lead a new process group (so it can be killed as a whole),
    create files private (0600), and kill that group as soon as the server process
    ``server`` (PID, start ticks) is gone: a run never outlives its server.

    (The kernel's parent-death signal cannot serve here: the parent is multiprocessing's
    fork server, which stays alive while any of its children holds its pipe.)
    """
    os.setpgid(0, 0)
    os.umask(0o077)
    if server is None or server[1] is None:
        return
    pid, start = server

    def watch() -> None:
        while process_start_ticks(pid) == start:
            time.sleep(SERVER_WATCH_INTERVAL_S)
        os.killpg(0, signal.SIGKILL)

    threading.Thread(target=watch, name="strokescreen-server-watch", daemon=True).start()


#: Derived files of a case that hold a face or a voice and that the report does not need.
CASE_DATA_FILES = ("crops.npz", "audio.wav", "frames.parquet")


def drop_case_data(out: Path) -> None:
    """Delete the face crops, voice and per-frame landmarks under a result folder."""
    for name in CASE_DATA_FILES:
        for path in out.rglob(name):
            path.unlink(missing_ok=True)


def _make_private(out: Path) -> None:
    """0700 folders, 0600 files under ``out`` (whatever the analysis's umask was)."""
    for root, dirs, files in os.walk(out):
        for d in dirs:
            os.chmod(os.path.join(root, d), 0o700)
        for f in files:
            os.chmod(os.path.join(root, f), 0o600)


def execute_job(
    db_path: str,
    job_id: str,
    video: str,
    out_dir: str,
    analysis: AnalysisFn | str,
    model_dir: str | None,
    keep_video: bool = False,
    attempt: int = 1,
    server: tuple[int, int | None] | None = None,
    keep_case_data: bool = False,
    severity_model_dir: str | None = None,
    baseline_visit: dict[str, str] | None = None,
) -> None:
    """Run the analysis of one job (its run number ``attempt``) and write its progress and
    outcome into the database.

    Runs in a worker process (``server`` names the server's process: the run ends with
    it) or in a thread (``server`` is None). Every write is fenced by
    ``state='running'`` and ``attempts=attempt``: a run whose job was deleted, requeued or
    claimed by a later run writes nothing and stops at its next progress report. Only the
    run whose final state was written deletes the raw video (unless ``keep_video``).
    ``baseline_visit``: the patient's earlier visit (:mod:`strokescreen.app.visit_baseline`),
    passed to the analysis as its baseline, or with the reason it cannot be one.
    """
    from strokescreen.errors import InputError, QualityError, StrokeScreenError

    own_process = server is not None
    if own_process:
        _become_own_process_group(server)
    engine = make_engine(Path(db_path))
    mine = (Job.id == job_id) & (Job.state == RUNNING) & (Job.attempts == attempt)
    last = [0.0]

    def fenced(**values: Any) -> bool:
        with engine.begin() as conn:
            return bool(conn.execute(update(Job).where(mine).values(**values)).rowcount)

    def finish(**values: Any) -> None:
        if not keep_case_data and out.is_dir():
            drop_case_data(out)
        if fenced(**values) and not keep_video:
            Path(video).unlink(missing_ok=True)
            with engine.begin() as conn:
                conn.execute(update(Job).where(Job.id == job_id).values(video_name=None))

    def progress(done: float, total: float | None = None, *, note: str | None = None) -> None:
        try:
            frac = fraction(done, total)
        except (TypeError, ValueError):
            return
        now = time.monotonic()
        if now - last[0] < PROGRESS_MIN_INTERVAL_S and frac < 1.0:
            return
        last[0] = now
        if not fenced(progress=frac, stage=str(note or "")[:120] or "analysing"):
            raise LeaseLost(job_id)

    out = Path(out_dir)

    def clean(exc: BaseException) -> str:
        """The message without server paths (the user sees it)."""
        return (str(exc).replace(str(video), "the recording")
                .replace(str(out), "the result folder").replace(db_path, "the database"))

    try:
        pid = os.getpid() if own_process else None
        if not fenced(worker_pid=pid, worker_start=None if pid is None
                      else process_start_ticks(pid)):
            raise LeaseLost(job_id)
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True, mode=0o700)
        fn = resolve_analysis(analysis)
        progress(0.0, 1.0, note="starting the analysis")
        kwargs: dict[str, Any] = {"progress": progress}
        if model_dir is not None:
            kwargs["model_dir"] = Path(model_dir)
        if severity_model_dir is not None:
            kwargs["severity_model"] = Path(severity_model_dir)
        kwargs.update(baseline_kwargs(fn, baseline_visit, Path(video)))
        result = fn(Path(video), out, **kwargs)
        if not isinstance(result, dict):
            raise TypeError(f"analysis returned {type(result).__name__}, not dict")
        if not (out / "result.json").exists():
            (out / "result.json").write_text(json.dumps(result, indent=2, default=str))
        _make_private(out)
        finish(state=DONE, progress=1.0, stage="finished", finished_at=utcnow(),
               worker_pid=None, **_summary(result))
    except LeaseLost:
        log.info("job %s: run %d stopped, the job is no longer its own", job_id, attempt)
    except InputError as exc:
        finish(state=FAILED, error_kind="input", error=clean(exc), finished_at=utcnow())
    except QualityError as exc:
        _make_private(out)
        finish(state=FAILED, error_kind="quality", error=clean(exc), finished_at=utcnow())
    except StrokeScreenError as exc:
        finish(state=FAILED, error_kind="error", error=clean(exc), finished_at=utcnow())
    except Exception:
        log.exception("job %s: the analysis raised an unexpected error", job_id)
        finish(
            state=FAILED,
            error_kind="internal",
            error="the analysis failed unexpectedly; the server log has the details",
            finished_at=utcnow(),
        )
    finally:
        engine.dispose()


@dataclass
class _Running:
    job_id: str
    started: float
    process: Any = None  # multiprocessing.Process
    thread: threading.Thread | None = None

    def alive(self) -> bool:
        if self.process is not None:
            return self.process.is_alive()
        return self.thread is not None and self.thread.is_alive()


class JobRunner:
    """Dispatcher of the job queue for one data folder (see the module docstring)."""

    def __init__(self, db: Database, settings: AppSettings) -> None:
        self.db = db
        self.settings = settings
        self.data_dir = db.data_dir
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[str, _Running] = {}
        self._thread: threading.Thread | None = None
        # Jobs are forked from a clean single-threaded fork server that imported the worker
        # and the analysis module once: no per-job import cost, yet a fresh process each.
        self._ctx = multiprocessing.get_context("forkserver")
        preload = ["__main__", __name__]
        if isinstance(settings.analysis, str):
            preload.append(settings.analysis.partition(":")[0])
        self._ctx.set_forkserver_preload(preload)
        self._server = (os.getpid(), process_start_ticks(os.getpid()))

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        self.recover()
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="strokescreen-jobs", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 10.0) -> None:
        """Stop dispatching; stop running work; its jobs are queued again for next start."""
        self._stop.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout_s)
        with self._lock:
            running = list(self._running.values())
            self._running.clear()
        for r in running:
            if r.process is not None:
                _terminate(r.process)
                r.process.join(timeout_s)
            elif r.thread is not None:
                r.thread.join(timeout_s)
        ids = [r.job_id for r in running]
        if ids:
            with self.db.session() as s:
                s.execute(
                    update(Job)
                    .where(Job.id.in_(ids), Job.state == RUNNING)
                    .values(state=QUEUED, attempts=Job.attempts - 1, stage="waiting in the queue",
                            progress=0.0, worker_pid=None, worker_start=None)
                )
                s.commit()

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop a running job's process now (a thread is left to finish, its output dropped)."""
        with self._lock:
            r = self._running.get(job_id)
        if r is not None and r.process is not None:
            _terminate(r.process)

    # -- recovery ------------------------------------------------------------------------
    def recover(self) -> None:
        """Requeue interrupted jobs and remove what an interrupted server left behind."""
        limit = self.settings.max_job_attempts
        with self.db.session() as s:
            for job in s.scalars(select(Job).where(Job.state == RUNNING)):
                # A run the last server left behind must be gone before the job runs again.
                if job.worker_pid is not None and kill_run(job.worker_pid, job.worker_start):
                    log.warning("job %s: stopped a run left behind by a stopped server", job.id)
                job.worker_pid = job.worker_start = None
                if job.attempts >= limit:
                    job.state, job.error_kind, job.finished_at = FAILED, "internal", utcnow()
                    job.error = (
                        f"the analysis was interrupted {job.attempts} times; "
                        "the recording may be too large or damaged"
                    )
                else:
                    job.state, job.progress, job.stage = QUEUED, 0.0, "waiting in the queue"
            s.commit()
            finished = s.scalars(
                select(Job).where(Job.state.in_((DONE, FAILED)), Job.video_name.is_not(None))
            ).all()
            known = set(s.scalars(select(Job.id)))
        for job in finished:
            self._drop_video(job.id, job.video_name)
        for p in (self.data_dir / "uploads").glob("*.part"):
            p.unlink(missing_ok=True)
        for d in (self.data_dir / "results").iterdir():
            if d.is_dir() and d.name not in known:
                shutil.rmtree(d, ignore_errors=True)

    # -- dispatching ---------------------------------------------------------------------
    def purge(self, *, now: datetime | None = None) -> int:
        """Delete finished assessments older than ``retention_days`` (and their files);
        return how many. Also runs every ``purge_interval_s`` while the server runs."""
        return purge_expired(self.db, self.settings.retention_days, now=now)

    def _loop(self) -> None:
        last_purge = -float("inf")
        while not self._stop.is_set():
            try:
                if time.monotonic() - last_purge >= self.settings.purge_interval_s:
                    last_purge = time.monotonic()
                    self.purge()
                self._reap()
                while len(self._running) < self.settings.workers and not self._stop.is_set():
                    if not self._launch_next():
                        break
            except Exception:  # keep dispatching whatever one job did
                log.exception("job dispatcher error")
            self._wake.wait(self.settings.poll_interval_s)
            self._wake.clear()

    def _launch_next(self) -> bool:
        with self.db.session() as s:
            job = s.scalars(
                select(Job).where(Job.state == QUEUED).order_by(Job.created_at, Job.id).limit(1)
            ).first()
            if job is None:
                return False
            job.state, job.started_at, job.attempts = RUNNING, utcnow(), job.attempts + 1
            job.progress, job.stage = 0.0, "starting"
            s.commit()
            job_id, video_name, attempt = job.id, job.video_name, job.attempts
            user_id, patient, created_at = job.user_id, job.patient, job.created_at
        if video_name is None or not upload_path(self.data_dir, video_name).exists():
            self._mark_failed(job_id, "input", "the uploaded recording is missing; upload it again")
            return True
        args = (
            str(self.db.path),
            job_id,
            str(upload_path(self.data_dir, video_name)),
            str(result_dir(self.data_dir, job_id)),
            self.settings.analysis,
            None if self.settings.model_dir is None else str(self.settings.model_dir),
            self.settings.keep_video,
            attempt,
            self._server if self.settings.worker_mode == "process" else None,
            self.settings.keep_case_data,
            None if self.settings.severity_model_dir is None
            else str(self.settings.severity_model_dir),
            earlier_visit(self.db, result_dir(self.data_dir, ""), job_id=job_id, user_id=user_id,
                          patient=patient, created_at=created_at),
        )
        r = _Running(job_id=job_id, started=time.monotonic())
        if self.settings.worker_mode == "process":
            r.process = self._ctx.Process(target=execute_job, args=args, daemon=True,
                                          name=f"strokescreen-job-{job_id}")
            r.process.start()
            process = r.process

            def watch() -> None:  # wake the dispatcher as soon as the job's process ends
                process.join()
                self._wake.set()

            threading.Thread(target=watch, daemon=True).start()
        else:
            def run() -> None:
                try:
                    execute_job(*args)
                finally:
                    self._wake.set()

            r.thread = threading.Thread(target=run, daemon=True, name=f"strokescreen-job-{job_id}")
            r.thread.start()
        with self._lock:
            self._running[job_id] = r
        log.info("job %s started", job_id)
        return True

    def _reap(self) -> None:
        now = time.monotonic()
        with self._lock:
            items = list(self._running.items())
        for job_id, r in items:
            if r.alive():
                if now - r.started > self.settings.job_timeout_s and r.process is not None:
                    _terminate(r.process)
                    r.process.join(5)
                    self._mark_failed(
                        job_id, "timeout",
                        f"the analysis took longer than {self.settings.job_timeout_s:.0f} s "
                        "and was stopped; try a shorter recording",
                    )
                else:
                    continue
            if r.process is not None:
                r.process.join(5)
                if r.process.exitcode not in (0, None):
                    self._mark_failed(
                        job_id, "internal",
                        "the analysis stopped unexpectedly (out of memory?); try again",
                    )
            with self._lock:
                self._running.pop(job_id, None)
            self._finish(job_id)

    def _mark_failed(self, job_id: str, kind: str, message: str) -> None:
        with self.db.session() as s:
            s.execute(
                update(Job)
                .where(Job.id == job_id, Job.state == RUNNING)
                .values(state=FAILED, error_kind=kind, error=message, finished_at=utcnow())
            )
            s.commit()

    def _finish(self, job_id: str) -> None:
        with self.db.session() as s:
            job = s.get(Job, job_id)
            state = None if job is None else job.state
            video_name = None if job is None else job.video_name
        if job is None:  # deleted while it ran: drop whatever it wrote
            shutil.rmtree(result_dir(self.data_dir, job_id), ignore_errors=True)
            log.info("job %s finished after deletion; output removed", job_id)
            return
        log.info("job %s %s", job_id, state)
        if state in (DONE, FAILED):
            self._drop_video(job_id, video_name)

    def _drop_video(self, job_id: str, video_name: str | None) -> None:
        if self.settings.keep_video or video_name is None:
            return
        upload_path(self.data_dir, video_name).unlink(missing_ok=True)
        with self.db.session() as s:
            s.execute(update(Job).where(Job.id == job_id).values(video_name=None))
            s.commit()

    def running_ids(self) -> list[str]:
        with self._lock:
            return list(self._running)


def purge_expired(db: Database, retention_days: float, *, now: datetime | None = None) -> int:
    """Delete assessments that finished more than ``retention_days`` ago (0: none): their
    rows, recordings and results. Audited as ``purged``; returns how many."""
    if retention_days <= 0:
        return 0
    cutoff = (now or utcnow()) - timedelta(days=retention_days)
    with db.session() as s:
        old = s.scalars(select(Job).where(Job.state.in_((DONE, FAILED)),
                                          Job.finished_at < cutoff)).all()
        gone = [(j.id, j.user_id, j.video_name) for j in old]
        for j in old:
            s.delete(j)
        s.commit()
    for job_id, user_id, video_name in gone:
        shutil.rmtree(result_dir(db.data_dir, job_id), ignore_errors=True)
        if video_name:
            upload_path(db.data_dir, video_name).unlink(missing_ok=True)
        db.audit(user_id, "purged", job_id, via="server")
    if gone:
        log.info("purged %d assessment(s) older than %g days", len(gone), retention_days)
    return len(gone)


def _terminate(process: Any) -> None:
    """SIGTERM a worker process and whatever it started (its process group)."""
    pid = process.pid
    if pid is None:
        return
    try:
        os.killpg(pid, signal.SIGTERM)
    except OSError:
        process.terminate()
