"""The job queue: a bounded pool that analyses queued recordings, surviving restarts.

The ``jobs`` table is the queue (states queued -> running -> done | failed). One
dispatcher thread claims the oldest queued job whenever fewer than ``workers`` run, and
runs it in a fresh child process (``worker_mode="process"``: forked from a clean fork
server that has imported the analysis once, so each job's memory goes back to the system
and a crash fails one job only) or in a thread. The worker writes
its progress and final state into the database itself; the dispatcher reaps it, enforces
the time limit, deletes the raw video (unless kept) and cleans up after deleted jobs.

On start, jobs left ``running`` by a stopped server are queued again (failed after
``max_job_attempts`` interrupted runs), leftovers of interrupted uploads are removed, and
videos of finished jobs that a crash left behind are deleted.
"""

from __future__ import annotations

import json
import logging
import multiprocessing
import shutil
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import select, update

from strokescreen.app.db import DONE, FAILED, QUEUED, RUNNING, Database, Job, make_engine, utcnow
from strokescreen.app.settings import AnalysisFn, AppSettings, resolve_analysis
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
    }


def execute_job(
    db_path: str,
    job_id: str,
    video: str,
    out_dir: str,
    analysis: AnalysisFn | str,
    model_dir: str | None,
    keep_video: bool = False,
) -> None:
    """Run the analysis of one job and write its progress and outcome into the database.

    Runs in a worker process or thread. Every write is guarded by ``state='running'``, so
    a job deleted or requeued meanwhile is not resurrected. Unless ``keep_video``, the raw
    video is deleted before the final state is written (a finished job has no video).
    """
    from strokescreen.errors import InputError, QualityError, StrokeScreenError

    engine = make_engine(Path(db_path))
    running = (Job.id == job_id) & (Job.state == RUNNING)
    last = [0.0]

    def write(**values: Any) -> None:
        if values.get("state") in (DONE, FAILED) and not keep_video:
            Path(video).unlink(missing_ok=True)
            values["video_name"] = None
        with engine.begin() as conn:
            conn.execute(update(Job).where(running).values(**values))

    def progress(done: float, total: float | None = None, *, note: str | None = None) -> None:
        try:
            frac = fraction(done, total)
        except (TypeError, ValueError):
            return
        now = time.monotonic()
        if now - last[0] < PROGRESS_MIN_INTERVAL_S and frac < 1.0:
            return
        last[0] = now
        write(progress=frac, stage=str(note or "")[:120] or "analysing")

    out = Path(out_dir)

    def clean(exc: BaseException) -> str:
        """The message without server paths (the user sees it)."""
        return (str(exc).replace(str(video), "the recording")
                .replace(str(out), "the result folder").replace(db_path, "the database"))

    try:
        shutil.rmtree(out, ignore_errors=True)
        out.mkdir(parents=True, mode=0o700)
        fn = resolve_analysis(analysis)
        progress(0.0, 1.0, note="starting the analysis")
        kwargs: dict[str, Any] = {"progress": progress}
        if model_dir is not None:
            kwargs["model_dir"] = Path(model_dir)
        result = fn(Path(video), out, **kwargs)
        if not isinstance(result, dict):
            raise TypeError(f"analysis returned {type(result).__name__}, not dict")
        if not (out / "result.json").exists():
            (out / "result.json").write_text(json.dumps(result, indent=2, default=str))
        write(state=DONE, progress=1.0, stage="finished", finished_at=utcnow(), **_summary(result))
    except InputError as exc:
        write(state=FAILED, error_kind="input", error=clean(exc), finished_at=utcnow())
    except QualityError as exc:
        write(state=FAILED, error_kind="quality", error=clean(exc), finished_at=utcnow())
    except StrokeScreenError as exc:
        write(state=FAILED, error_kind="error", error=clean(exc), finished_at=utcnow())
    except Exception:
        log.exception("job %s: the analysis raised an unexpected error", job_id)
        write(
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
                r.process.terminate()
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
                            progress=0.0)
                )
                s.commit()

    def wake(self) -> None:
        self._wake.set()

    def cancel(self, job_id: str) -> None:
        """Stop a running job's process now (a thread is left to finish, its output dropped)."""
        with self._lock:
            r = self._running.get(job_id)
        if r is not None and r.process is not None:
            r.process.terminate()

    # -- recovery ------------------------------------------------------------------------
    def recover(self) -> None:
        """Requeue interrupted jobs and remove what an interrupted server left behind."""
        limit = self.settings.max_job_attempts
        with self.db.session() as s:
            for job in s.scalars(select(Job).where(Job.state == RUNNING)):
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
    def _loop(self) -> None:
        while not self._stop.is_set():
            try:
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
            job_id, video_name = job.id, job.video_name
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
                    r.process.terminate()
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
