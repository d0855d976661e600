"""JSON API (``/api/v1``) with bearer-token authentication.

Create an assessment from an upload, poll its status, fetch its result (and report),
list and delete. Tokens come from ``strokescreen user add NAME --token``; only their hash
is stored. Every result says that strokescreen is a screening aid, not a diagnosis.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from strokescreen.app import service
from strokescreen.app.auth import api_user, get_db
from strokescreen.app.db import User
from strokescreen.app.patients import clean_patient
from strokescreen.app.uploads import receive_upload
from strokescreen.app.web import report_response

router = APIRouter(prefix="/api/v1", tags=["assessments"])


class Status(BaseModel):
    """State of one assessment."""

    id: str = Field(description="assessment id (16 hex characters)")
    state: str = Field(description="queued | running | done | failed")
    progress: float = Field(description="fraction done, 0..1")
    stage: str = Field(description="what the analysis is doing now")
    queue_position: int | None = Field(None, description="1-based place in the queue")
    created_at: str | None = None
    started_at: str | None = None
    finished_at: str | None = None
    source: str = Field(description="upload | recording")
    decision: str | None = Field(
        None, description="with a model: 'screen positive' | 'screen negative' | 'no decision'; "
        "without one, the norm-based screen: 'signs present' | 'no signs found' | 'cannot tell'")
    probability: float | None = None
    quality: str | None = Field(None, description="good | review | unusable")
    synthetic_model: bool | None = Field(
        None, description="true when the model was trained on synthetic data only")
    synthetic_recording: bool | None = Field(
        None, description="true when the recording is one `strokescreen synth` made (no real "
        "person)")
    error_kind: str | None = Field(None, description="input | quality | timeout | internal")
    error: str | None = Field(None, description="what went wrong and what to do")


class Created(BaseModel):
    id: str
    state: str
    status_url: str
    result_url: str


class Problem(BaseModel):
    detail: str


_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Problem, "description": "missing or invalid bearer token"},
    404: {"model": Problem, "description": "no such assessment (or not yours)"},
}

_UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["video"],
                    "properties": {"video": {"type": "string", "format": "binary",
                                             "description": "the recording (any video "
                                             "container FFmpeg reads: MP4, MOV, WebM...)"}},
                }
            },
            "application/octet-stream": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/assessments",
    status_code=202,
    response_model=Created,
    openapi_extra=_UPLOAD_BODY,
    responses={
        **_ERRORS,
        413: {"model": Problem, "description": "larger than the server's upload limit"},
        415: {"model": Problem, "description": "body is neither multipart nor octet-stream"},
        422: {"model": Problem, "description": "the content is not a readable video"},
    },
    summary="Upload a recording and queue its assessment",
)
async def create(request: Request, user: User = Depends(api_user)) -> Response:
    """Stream the recording (field ``video`` of a multipart form, or the raw body as
    ``application/octet-stream``) and queue its analysis. The client's file name is
    ignored. An optional form field ``patient`` (a study code or pseudonym, before the
    file) groups the assessment with the patient's other visits. Poll ``status_url``
    until ``state`` is ``done`` or ``failed``."""
    state = request.app.state
    saved = await receive_upload(request, state.db.data_dir / "uploads",
                                 max_bytes=state.settings.max_upload_bytes, allow_raw=True)
    try:
        patient = clean_patient(saved.fields.get("patient"))
    except HTTPException:
        saved.path.unlink(missing_ok=True)  # nothing of a refused upload is kept
        raise
    job = service.create_job(state.db, state.runner, user.id, saved, source="upload", via="api",
                             patient=patient)
    body = Created(id=job.id, state=job.state, status_url=f"/api/v1/assessments/{job.id}",
                   result_url=f"/api/v1/assessments/{job.id}/result")
    return JSONResponse(body.model_dump(), status_code=202)


@router.get("/assessments", response_model=list[Status], responses={401: _ERRORS[401]},
            summary="List your assessments, newest first")
def list_(request: Request, user: User = Depends(api_user)) -> list[dict[str, Any]]:
    db = get_db(request)
    return [service.status_dict(db, j) for j in service.list_jobs(db, user.id)]


@router.get("/assessments/{job_id}", response_model=Status, responses=_ERRORS,
            summary="Status of one assessment")
def status(request: Request, job_id: str, user: User = Depends(api_user)) -> dict[str, Any]:
    db = get_db(request)
    return service.status_dict(db, service.get_job(db, user.id, job_id))


@router.get(
    "/assessments/{job_id}/result",
    responses={**_ERRORS, 409: {"model": Problem, "description": "not done yet"},
               200: {"description": "the analysis result: probability, threshold, decision, "
                     "quality {verdict, reasons}, measures, synthetic_model, disclaimer"}},
    summary="Result of a finished assessment",
)
def result(request: Request, job_id: str, user: User = Depends(api_user)) -> dict[str, Any]:
    """The analysis's result. A screening aid, not a diagnosis (``disclaimer``)."""
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    out = service.load_result(db, job)
    db.audit(user.id, "view", job.id, via="api")
    return out


@router.get(
    "/assessments/{job_id}/report",
    response_class=Response,
    responses={**_ERRORS, 409: {"model": Problem, "description": "not done yet"},
               200: {"content": {"text/html": {}}, "description": "self-contained report"}},
    summary="The report of a finished assessment (HTML)",
)
def report(request: Request, job_id: str, user: User = Depends(api_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    html = service.report_html(db, job)
    db.audit(user.id, "view_report", job.id, via="api")
    return report_response(html)


@router.delete("/assessments/{job_id}", status_code=204, responses=_ERRORS,
               summary="Delete an assessment, its recording and its results")
def delete(request: Request, job_id: str, user: User = Depends(api_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    service.delete_job(db, request.app.state.runner, user.id, job, via="api")
    return Response(status_code=204)
