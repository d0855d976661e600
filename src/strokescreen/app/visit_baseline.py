"""A patient's earlier visit as the baseline of the next one.

When the signed-in user assesses a patient (the label typed at upload) who already has a
finished visit, the most recent such visit's ``result.json`` is the new visit's baseline,
exactly as ``strokescreen assess --baseline`` would take it
(:mod:`strokescreen.workflows.baseline`): the change of the person's own asymmetry since
then, beyond what a recording's value wobbles by itself, is a sign of the norm-based
screen. Only the same user's visits of the same label are ever looked at: another user's
patient with the same label is never a baseline.

A visit whose baseline cannot be used (no facial measures, the same recording again, an
unreadable file) is still assessed, without the baseline, and the reason is shown in its
result and report.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import select

from strokescreen.app.db import DONE, Database, Job


def earlier_visit(db: Database, result_root: Path, *, job_id: str, user_id: int,
                  patient: str | None, created_at: datetime) -> dict[str, str] | None:
    """The result of the patient's most recent finished visit before job ``job_id``
    (``user_id``'s own visits of label ``patient`` only), as ``{"path", "visit_id",
    "created_at"}``; None without a patient label or an earlier finished visit with a
    result."""
    if not patient:
        return None
    with db.session() as s:
        rows = list(s.scalars(
            select(Job).where(Job.user_id == user_id, Job.patient == patient,
                              Job.state == DONE, Job.id != job_id,
                              Job.created_at < created_at)
            .order_by(Job.created_at.desc(), Job.id.desc())))
    for prev in rows:
        path = Path(result_root) / prev.id / "result.json"
        if path.is_file():
            when = prev.created_at
            return {"path": str(path), "visit_id": prev.id,
                    "created_at": f"{when:%Y-%m-%d %H:%M} UTC" if when else "an earlier date"}
    return None


def _accepts(fn: Any, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):
        return False
    return name in params or any(p.kind is p.VAR_KEYWORD for p in params.values())


def baseline_kwargs(fn: Any, visit: dict[str, str] | None, video: Path) -> dict[str, Any]:
    """The analysis's keyword arguments for the earlier ``visit``: ``baseline`` (its
    ``result.json``) when it passes the checks of ``assess --baseline``, else
    ``baseline_note`` saying why it was not used. An analysis that takes neither gets
    nothing."""
    from strokescreen.errors import InputError
    from strokescreen.workflows.baseline import check_not_same, load_baseline

    if visit is None or not _accepts(fn, "baseline"):
        return {}
    try:
        check_not_same(load_baseline(Path(visit["path"])), Path(video))
    except InputError as exc:
        what = str(exc).split(";")[0].replace("baseline file result.json", "its result")
        note = f"the visit of {visit['created_at']} cannot serve as the baseline: {what}"
        return {"baseline_note": note} if _accepts(fn, "baseline_note") else {}
    return {"baseline": Path(visit["path"])}


def baseline_summary(result: dict[str, Any]) -> dict[str, Any]:
    """What the patient page shows of a visit's comparison with its baseline:
    ``baseline_used`` (bool), ``baseline_reason`` (why none was used, or None),
    ``baseline_z`` (the largest change, equivalent |z|), ``baseline_status`` (worst of
    sign / borderline / within) and ``baseline_signs`` (the changed measures)."""
    from strokescreen.jsonable import finite_or_none

    block = result.get("baseline")
    if not isinstance(block, dict):
        return {"baseline_used": False, "baseline_reason": None, "baseline_z": None,
                "baseline_status": None, "baseline_signs": []}
    signs = [s for s in block.get("signs") or [] if isinstance(s, dict)]
    zs = [z for z in (finite_or_none(s.get("value")) for s in signs) if z is not None]
    statuses = {s.get("status") for s in signs}
    status = next((k for k in ("sign", "borderline", "within") if k in statuses), None)
    changed = [{"label": str(s.get("label", "")).replace("change since the baseline: ", ""),
                "status": s.get("status"), "z": finite_or_none(s.get("value")),
                "change": finite_or_none(s.get("change")), "unit": s.get("change_unit")}
               for s in signs if s.get("status") in ("sign", "borderline")]
    return {"baseline_used": block.get("used", True) is not False,
            "baseline_reason": block.get("reason"),
            "baseline_z": max(zs) if zs else None, "baseline_status": status,
            "baseline_signs": changed}
