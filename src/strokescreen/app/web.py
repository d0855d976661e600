"""The clinicians' pages: sign in, new assessment (upload or record), progress, result,
list, delete. Rendered server-side; the little JavaScript there is comes from /static."""

from __future__ import annotations

import time
from pathlib import Path

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import (
    FileResponse,
    HTMLResponse,
    JSONResponse,
    RedirectResponse,
    Response,
)
from fastapi.templating import Jinja2Templates

from strokescreen.app import service
from strokescreen.app.auth import (
    csrf_checker,
    csrf_token,
    get_db,
    read_small_form,
    require_csrf,
    web_user,
)
from strokescreen.app.db import DONE, FAILED, User
from strokescreen.app.patients import (
    PATIENT_HELP,
    chart_svg,
    clean_patient,
    list_patients,
    patient_visits,
)
from strokescreen.app.security import authenticate
from strokescreen.app.uploads import receive_upload

templates = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))
router = APIRouter(include_in_schema=False)

#: The task script shown while recording: (start second, instruction, words to say).
TASK_SCRIPT = (
    (0, "Look at the camera, face centred and lit from the front.", "Get ready"),
    (4, "Repeat this sentence, twice:", "“It is nice to see people from my hometown.”"),
    (13, "Repeat, twice:", "“Buy Bobby a puppy.”"),
    (19, "Say as quickly and clearly as you can, again and again:", "pa-ta-ka pa-ta-ka pa-ta-ka"),
    (27, "Smile big, showing your teeth, then relax. Three times.", "Smile — relax"),
    (38, "Rest: look at the camera with a relaxed face.", "Rest"),
)
#: The recording stops by itself when the script is done (or at settings.record_max_s).
RECORD_AUTO_STOP_S = 45


def page(request: Request, name: str, status_code: int = 200, **ctx) -> HTMLResponse:
    ctx.update(request=request, csrf=csrf_token(request), disclaimer=service.DISCLAIMER,
               synthetic_warning=service.SYNTHETIC_WARNING)
    resp = templates.TemplateResponse(request, name, ctx, status_code=status_code)
    resp.headers["Cache-Control"] = "no-store"
    return resp


def retention_note(settings) -> str:
    """What is kept of an assessment, and for how long (shown on its page)."""
    video = "is kept" if settings.keep_video else "is deleted once analysed"
    kept = (f"The recording {video}; the face crops, voice and landmarks of the analysis "
            "are kept." if settings.keep_case_data else
            f"The recording {video}; the face crops, voice and landmarks are deleted once "
            "the report is written, and only the result and the report are kept.")
    days = settings.retention_days
    until = (f" This assessment is deleted {days:g} days after it finished."
             if days > 0 else " This assessment is kept until you delete it.")
    return kept + until


def wants_json(request: Request) -> bool:
    return "application/json" in request.headers.get("accept", "")


@router.get("/")
def home(request: Request) -> RedirectResponse:
    target = "/assessments" if request.session.get("uid") else "/signin"
    return RedirectResponse(target, status_code=303)


@router.get("/signin")
def signin_page(request: Request) -> Response:
    if request.session.get("uid"):
        return RedirectResponse("/assessments", status_code=303)
    return page(request, "signin.html", user=None, error=None)


@router.post("/signin")
async def signin(request: Request) -> Response:
    form = await read_small_form(request)
    require_csrf(request, form)
    db, throttle = get_db(request), request.app.state.signin_throttle
    name, password = form.get("username", "").strip(), form.get("password", "")
    client = request.client.host if request.client else "unknown"
    wait = throttle.blocked_for(client, name)
    if wait > 0:
        return page(request, "signin.html", 429, user=None,
                    error=f"Too many failed attempts; try again in {wait:.0f} s.")
    user = None
    if name and password:  # argon2 runs in the bounded pool, never on the event loop
        user = await request.app.state.password_checks.run(authenticate, db, name, password)
    if user is None:
        throttle.failed(client, name)
        db.audit(None, "sign_in_failed")
        return page(request, "signin.html", 401, user=None, error="Wrong name or password.")
    request.session.clear()
    request.session.update(uid=user.id, t=time.time())
    csrf_token(request)  # a fresh token for the signed-in session
    db.audit(user.id, "sign_in")
    return RedirectResponse("/assessments", status_code=303)


@router.post("/signout")
async def signout(request: Request, user: User = Depends(web_user)) -> Response:
    require_csrf(request, await read_small_form(request))
    db = get_db(request)
    with db.session() as s:
        row = s.get(User, user.id)
        if row is not None:
            row.sessions_valid_after = time.time()
            s.commit()
    db.audit(user.id, "sign_out")
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)


@router.get("/assessments")
def assessments(request: Request, user: User = Depends(web_user)) -> Response:
    jobs = service.list_jobs(get_db(request), user.id)
    return page(request, "list.html", user=user, jobs=jobs, iso=service.iso)


@router.get("/assessments/new")
def new_assessment(request: Request, user: User = Depends(web_user)) -> Response:
    settings = request.app.state.settings
    return page(request, "new.html", user=user, max_bytes=settings.max_upload_bytes,
                script=TASK_SCRIPT, patient_help=PATIENT_HELP,
                rec=(settings.record_min_s, RECORD_AUTO_STOP_S, settings.record_max_s))


@router.post("/assessments")
async def create_assessment(request: Request, user: User = Depends(web_user)) -> Response:
    app_state = request.app.state
    saved = await receive_upload(
        request, app_state.db.data_dir / "uploads",
        max_bytes=app_state.settings.max_upload_bytes, csrf_ok=csrf_checker(request),
    )
    source = "recording" if saved.fields.get("source") == "recording" else "upload"
    try:
        patient = clean_patient(saved.fields.get("patient"))
    except HTTPException:
        saved.path.unlink(missing_ok=True)  # nothing of a refused upload is kept
        raise
    job = service.create_job(app_state.db, app_state.runner, user.id, saved,
                             source=source, via="web", patient=patient)
    url = f"/assessments/{job.id}"
    if wants_json(request):
        return JSONResponse({"id": job.id, "url": url}, status_code=201)
    return RedirectResponse(url, status_code=303)


@router.get("/assessments/{job_id}")
def assessment(request: Request, job_id: str, user: User = Depends(web_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    db.audit(user.id, "view", job.id)
    result = None
    if job.state in (DONE, FAILED):
        try:
            result = service.load_result(db, job)
        except HTTPException:
            result = None
    return page(request, "assessment.html", user=user, job=job, result=result,
                retention=retention_note(request.app.state.settings),
                status=service.status_dict(db, job), finished=job.state in (DONE, FAILED),
                has_report=service.has_report(db, job), has_pdf=service.has_pdf(db, job))


@router.get("/assessments/{job_id}/status")
def assessment_status(request: Request, job_id: str, user: User = Depends(web_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    return JSONResponse(service.status_dict(db, job), headers={"Cache-Control": "no-store"})


@router.get("/assessments/{job_id}/report")
def assessment_report(request: Request, job_id: str, user: User = Depends(web_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    html = service.report_html(db, job)
    db.audit(user.id, "view_report", job.id)
    return report_response(html)


@router.get("/assessments/{job_id}/report.pdf")
def assessment_pdf(request: Request, job_id: str, user: User = Depends(web_user)) -> Response:
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    path = service.pdf_path(db, job)
    db.audit(user.id, "download_pdf", job.id)
    return FileResponse(path, media_type="application/pdf",
                        filename=f"strokescreen-{job.id}.pdf",
                        headers={"Cache-Control": "no-store"})


def report_response(html: str) -> HTMLResponse:
    return HTMLResponse(html, headers={
        "Content-Security-Policy": service.REPORT_CSP,
        "X-Frame-Options": "SAMEORIGIN",
        "Cache-Control": "no-store",
    })


@router.post("/assessments/{job_id}/delete")
async def delete_assessment(request: Request, job_id: str,
                            user: User = Depends(web_user)) -> Response:
    require_csrf(request, await read_small_form(request))
    db = get_db(request)
    job = service.get_job(db, user.id, job_id)
    service.delete_job(db, request.app.state.runner, user.id, job, via="web")
    return RedirectResponse("/assessments", status_code=303)


@router.get("/patients")
def patients(request: Request, user: User = Depends(web_user)) -> Response:
    rows = list_patients(get_db(request), user.id)
    return page(request, "patients.html", user=user, patients=rows, iso=service.iso)


@router.get("/patients/{patient}")
def patient_page(request: Request, patient: str, user: User = Depends(web_user)) -> Response:
    db = get_db(request)
    visits = patient_visits(db, user.id, patient, service.load_result)
    if wants_json(request):
        return JSONResponse(
            {"patient": patient, "disclaimer": service.DISCLAIMER,
             "visits": [{**v, "created_at": service.iso(v["created_at"])} for v in visits]},
            headers={"Cache-Control": "no-store"})
    from markupsafe import Markup

    return page(request, "patient.html", user=user, patient=patient, visits=visits,
                chart=Markup(chart_svg(visits)), iso=service.iso)


@router.get("/docs")
def api_docs(request: Request, user: User = Depends(web_user)) -> Response:
    schema = request.app.openapi()
    return page(request, "docs.html", user=user, schema=schema)


@router.get("/openapi.json")
def openapi_json(request: Request, user: User = Depends(web_user)) -> Response:
    return JSONResponse(request.app.openapi())
