"""A patient's visits: the signed-in user's assessments that carry the same patient label.

The patient label is an identifier the user types at upload (a study code or pseudonym);
nothing read from the video ever names a patient. Lookups are by (user, label): another
user's patient is indistinguishable from one that does not exist (404). The label is
stored with the assessment, never written to the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime
from html import escape
from typing import Any

from fastapi import HTTPException
from sqlalchemy import func, select

from strokescreen.app.db import DONE, Database, Job
from strokescreen.app.visit_baseline import baseline_summary
from strokescreen.jsonable import finite_or_none

PATIENT_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$")
PATIENT_HELP = ("1-64 letters, digits, spaces, dots, dashes or underscores, starting with a "
                "letter or digit; use a study code or pseudonym, not the person's name")


def clean_patient(value: str | None) -> str | None:
    """The patient label typed at upload, trimmed; None when empty; 400 when malformed."""
    text = (value or "").strip()
    if not text:
        return None
    if not PATIENT_RE.match(text):
        raise HTTPException(status_code=400, detail=f"patient identifier: use {PATIENT_HELP}")
    return text


def list_patients(db: Database, user_id: int) -> list[dict[str, Any]]:
    """The user's patient labels with their number of visits and the last one's time."""
    with db.session() as s:
        rows = s.execute(
            select(Job.patient, func.count(Job.id), func.max(Job.created_at))
            .where(Job.user_id == user_id, Job.patient.is_not(None))
            .group_by(Job.patient).order_by(Job.patient)
        ).all()
    return [{"patient": p, "visits": int(n), "last": last} for p, n, last in rows]



def _measure(result: dict[str, Any], name: str) -> float | None:
    entry = (result.get("measures") or {}).get(name)
    return finite_or_none(entry.get("value")) if isinstance(entry, dict) else None


def _severity(result: dict[str, Any]) -> str | None:
    """A graded model's severity when the result has one (grade or value), else None."""
    sev = result.get("severity")
    if isinstance(sev, dict):
        sev = sev.get("grade", sev.get("label", sev.get("value")))
    if sev is None:
        return None
    f = finite_or_none(sev)
    return f"{f:.2f}" if f is not None and not isinstance(sev, str) else str(sev)[:32]


def visit_summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the patient page shows of one assessment's ``result.json``."""
    comp = result.get("composite_asymmetry")
    index = finite_or_none(comp.get("value") if isinstance(comp, dict) else comp)
    if index is None:
        index = _measure(result, "asymmetry_index")
    trend = result.get("trend") or {}
    share = next((s.get("share_outside_normal") for s in trend.get("signs") or []
                  if s.get("name") == "asymmetry_index"), None)
    return {
        "probability": finite_or_none(result.get("probability")),
        "decision": result.get("decision"),
        "severity": _severity(result),
        "asymmetry_index": index,
        "droop_mm": _measure(result, "mouth_corner_height_lr_mm"),
        "speech_rate": _measure(result, "speech_rate"),
        "share_outside_normal": finite_or_none(share),
        "quality": (result.get("quality") or {}).get("verdict"),
        "synthetic_model": bool(result.get("synthetic_model")),
        "synthetic_recording": bool(result.get("synthetic_recording")),
        **baseline_summary(result),
    }


def patient_visits(db: Database, user_id: int, patient: str,
                   load_result) -> list[dict[str, Any]]:
    """The user's assessments of ``patient`` in time order (oldest first); 404 if none."""
    if not PATIENT_RE.match(patient or ""):
        raise HTTPException(status_code=404, detail="no such patient")
    with db.session() as s:
        jobs = list(s.scalars(select(Job).where(Job.user_id == user_id, Job.patient == patient)
                              .order_by(Job.created_at, Job.id)))
    if not jobs:
        raise HTTPException(status_code=404, detail="no such patient")
    visits = []
    for job in jobs:
        summary: dict[str, Any] = {}
        if job.state == DONE:
            try:
                summary = visit_summary(load_result(db, job))
            except HTTPException:
                summary = {}
        visits.append({"id": job.id, "created_at": job.created_at, "state": job.state,
                       **summary})
    return visits


_SERIES = (("probability", "probability", (0.0, 1.0)),
           ("asymmetry_index", "asymmetry index (|z|)", None),
           ("droop_mm", "corner height L−R (mm)", None),
           ("speech_rate", "speech rate (syll./s)", None),
           ("baseline_z", "change since baseline (|z|)", None))

#: dot colour of a visit's change since its baseline, by its worst status
_STATUS_FILL = {"sign": "#c1121f", "borderline": "#e09f3e", "within": "#2a9d8f"}


def chart_svg(visits: list[dict[str, Any]], *, width: int = 640, panel_h: int = 70) -> str:
    """A small inline SVG: each measure of the visits over one shared time axis."""
    times = [v["created_at"] for v in visits]
    if not times or not all(isinstance(t, datetime) for t in times):
        return ""
    t0, t1 = min(times), max(times)
    span = max((t1 - t0).total_seconds(), 1.0)
    left, right = 150, 20

    def x(t: datetime) -> float:
        return left + (width - left - right) * ((t - t0).total_seconds() / span
                                                if len(times) > 1 else 0.5)

    panels = [(k, label, fixed) for k, label, fixed in _SERIES
              if any(finite_or_none(v.get(k)) is not None for v in visits)]
    height = panel_h * len(panels) + 30
    parts = [f'<svg class="visits-chart" xmlns="http://www.w3.org/2000/svg" width="{width}" '
             f'height="{height}" role="img" aria-label="measures of each visit over time">']
    for i, (key, label, fixed) in enumerate(panels):
        top = 10 + i * panel_h
        vals = [(x(v["created_at"]), finite_or_none(v.get(key))) for v in visits]
        fills = [_STATUS_FILL.get(v.get("baseline_status") or "", "#1d3557")
                 if key == "baseline_z" else "#1d3557"
                 for v, (_, val) in zip(visits, vals, strict=True) if val is not None]
        ys = [y for _, y in vals if y is not None]
        lo, hi = fixed or (min(ys + [0.0]), max(ys) if max(ys) > min(ys + [0.0]) else
                           min(ys + [0.0]) + 1.0)

        def y(val: float, lo: float = lo, hi: float = hi, top: int = top) -> float:
            return top + (panel_h - 20) * (1 - (val - lo) / ((hi - lo) or 1.0))

        parts.append(f'<text x="4" y="{top + 25}" font-size="11">{escape(label)}</text>')
        parts.append(f'<line x1="{left}" y1="{top + panel_h - 20}" x2="{width - right}" '
                     f'y2="{top + panel_h - 20}" stroke="#999" stroke-width="0.6"/>')
        pts = [(px, y(val)) for px, val in vals if val is not None]
        if len(pts) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in pts)
            parts.append(f'<polyline points="{path}" fill="none" stroke="#1d3557"/>')
        kept = [p for p in vals if p[1] is not None]
        for (px, py), (_, val), fill in zip(pts, kept, fills, strict=True):
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3.5" fill="{fill}">'
                         f'<title>{val:.2f}</title></circle>')
    for v in visits:
        parts.append(f'<text x="{x(v["created_at"]):.1f}" y="{height - 6}" font-size="10" '
                     f'text-anchor="middle">{v["created_at"]:%Y-%m-%d}</text>')
    parts.append("</svg>")
    return "".join(parts)
