"""Operations on assessments shared by the web pages and the JSON API.

Every lookup is by (user, id): another user's assessment is indistinguishable from one
that does not exist (404), and ids are validated before any path is built from them.
"""

from __future__ import annotations

import json
import re
import secrets
import shutil
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, select

from strokescreen.app.db import DONE, FAILED, QUEUED, Database, Job
from strokescreen.app.jobs import JobRunner, result_dir, upload_path
from strokescreen.app.uploads import SavedUpload

JOB_ID_RE = re.compile(r"^[0-9a-f]{16}$")

DISCLAIMER = (
    "strokescreen is a screening aid, not a diagnosis. A negative result does not rule out "
    "a stroke: follow your stroke protocol and clinical judgement."
)
SYNTHETIC_WARNING = (
    "The model behind this result was trained on synthetic (computer-generated) data only; "
    "its numbers have not been validated on patients."
)


def new_job_id() -> str:
    return secrets.token_hex(8)


def create_job(db: Database, runner: JobRunner | None, user_id: int, upload: SavedUpload,
               *, source: str, via: str, patient: str | None = None) -> Job:
    """Queue the analysis of ``upload`` for ``user_id``; audit it; wake the dispatcher.

    ``patient``: the user's identifier of the patient (checked by
    :func:`strokescreen.app.patients.clean_patient`), or None."""
    job = Job(
        patient=patient,
        id=new_job_id(),
        user_id=user_id,
        video_name=upload.path.name,
        video_bytes=upload.size_bytes,
        source=source if source in ("upload", "recording") else "upload",
    )
    with db.session() as s:
        s.add(job)
        s.commit()
    db.audit(user_id, "create", job.id, via=via)
    if runner is not None:
        runner.wake()
    return job


def get_job(db: Database, user_id: int, job_id: str) -> Job:
    """The job ``job_id`` of ``user_id``; 404 when malformed, absent or someone else's."""
    if not JOB_ID_RE.match(job_id):
        raise HTTPException(status_code=404, detail="no such assessment")
    with db.session() as s:
        job = s.get(Job, job_id)
    if job is None or job.user_id != user_id:
        raise HTTPException(status_code=404, detail="no such assessment")
    return job


def list_jobs(db: Database, user_id: int, *, limit: int = 500) -> list[Job]:
    with db.session() as s:
        return list(
            s.scalars(
                select(Job).where(Job.user_id == user_id)
                .order_by(Job.created_at.desc()).limit(limit)
            )
        )


def queue_position(db: Database, job: Job) -> int | None:
    """1-based place of a queued job among its owner's queued jobs, else None (other
    users' jobs are not counted: their activity is none of this user's business)."""
    if job.state != QUEUED:
        return None
    with db.session() as s:
        ahead = s.scalar(
            select(func.count()).select_from(Job)
            .where(Job.state == QUEUED, Job.user_id == job.user_id,
                   Job.created_at < job.created_at)
        )
    return int(ahead or 0) + 1


def delete_job(db: Database, runner: JobRunner | None, user_id: int, job: Job, *,
               via: str) -> None:
    """Delete ``job``'s row, its recording and its results; audit it."""
    if runner is not None:
        runner.cancel(job.id)
    with db.session() as s:
        row = s.get(Job, job.id)
        if row is not None:
            s.delete(row)
            s.commit()
    if job.video_name:
        upload_path(db.data_dir, job.video_name).unlink(missing_ok=True)
    shutil.rmtree(result_dir(db.data_dir, job.id), ignore_errors=True)
    db.audit(user_id, "delete", job.id, via=via)


def iso(dt: datetime | None) -> str | None:
    if dt is None:
        return None
    if dt.tzinfo is None:
        dt = dt.replace(tzinfo=timezone.utc)
    return dt.isoformat(timespec="seconds")


def status_dict(db: Database, job: Job) -> dict[str, Any]:
    """JSON-able state of ``job`` (no file names, nothing about the patient)."""
    return {
        "id": job.id,
        "state": job.state,
        "progress": round(float(job.progress or 0.0), 3),
        "stage": job.stage,
        "queue_position": queue_position(db, job),
        "created_at": iso(job.created_at),
        "started_at": iso(job.started_at),
        "finished_at": iso(job.finished_at),
        "source": job.source,
        "decision": job.decision,
        "probability": job.probability,
        "quality": job.quality_verdict,
        "synthetic_model": job.synthetic_model,
        "synthetic_recording": job.synthetic_recording,
        "error_kind": job.error_kind,
        "error": job.error,
    }


def _has_output(db: Database, job: Job, name: str) -> bool:
    """A finished job's output file exists (a job failed for quality may have a report
    that says why the recording is unusable)."""
    return job.state in (DONE, FAILED) and (result_dir(db.data_dir, job.id) / name).is_file()


def has_report(db: Database, job: Job) -> bool:
    return _has_output(db, job, "report.html")


def has_pdf(db: Database, job: Job) -> bool:
    return _has_output(db, job, "report.pdf")


def pdf_path(db: Database, job: Job) -> Path:
    if not has_pdf(db, job):
        raise HTTPException(status_code=404, detail="this assessment has no PDF report")
    return result_dir(db.data_dir, job.id) / "report.pdf"


def load_result(db: Database, job: Job) -> dict[str, Any]:
    """The analysis's ``result.json`` of a finished job (409 while it has none)."""
    if not (job.state == DONE or _has_output(db, job, "result.json")):
        raise HTTPException(status_code=409, detail=f"the assessment is {job.state}, not done")
    path = result_dir(db.data_dir, job.id) / "result.json"
    try:
        result = json.loads(path.read_text())
    except (OSError, ValueError) as exc:
        raise HTTPException(status_code=500, detail="the stored result cannot be read") from exc
    if not isinstance(result, dict):
        raise HTTPException(status_code=500, detail="the stored result is malformed")
    result.setdefault("disclaimer", DISCLAIMER)
    return result


def report_html(db: Database, job: Job) -> str:
    if job.state not in (DONE, FAILED):
        raise HTTPException(status_code=409, detail=f"the assessment is {job.state}, not done")
    path = result_dir(db.data_dir, job.id) / "report.html"
    try:
        return path.read_text(encoding="utf-8")
    except OSError as exc:
        raise HTTPException(status_code=404, detail="this assessment has no report") from exc


#: Content-Security-Policy of the stored report: no scripts, no network, sandboxed.
REPORT_CSP = (
    "default-src 'none'; img-src data:; style-src 'unsafe-inline'; font-src data:; "
    "media-src data:; base-uri 'none'; form-action 'none'; frame-ancestors 'self'; sandbox"
)
