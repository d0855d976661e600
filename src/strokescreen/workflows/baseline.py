"""Read and check a baseline: the ``result.json`` of the same person's earlier assessment.

Used by ``strokescreen assess --baseline``. Each problem is one line saying what was
wrong, what was seen and what to do (:class:`strokescreen.errors.InputError`). Whether the
earlier recording is of the same person cannot be checked from the file (nothing in it
identifies a person, by design): the user vouches for it.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from strokescreen.errors import InputError

ASSESSMENT_SCHEMA = "strokescreen-assessment-1"
_DO = "give the result.json that `strokescreen assess` wrote for the person's earlier recording"


def load_baseline(path: Path) -> dict[str, Any]:
    """The earlier result: ``{"values": measure -> value, "recording_sha256", "created_at"}``.

    Raises
    ------
    InputError : missing, unreadable, not JSON, not an assessment result, or without
        comparable facial measures.
    """
    from strokescreen.screen.baseline import baseline_values

    path = Path(path)
    if not path.is_file():
        raise InputError(f"baseline file not found: {path.name}; {_DO}")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise InputError(f"baseline file {path.name} cannot be read ({type(exc).__name__}); "
                         f"{_DO}") from None
    except json.JSONDecodeError as exc:
        raise InputError(f"baseline file {path.name} is not valid JSON (line {exc.lineno}: "
                         f"{exc.msg}); {_DO}") from None
    schema = data.get("schema") if isinstance(data, dict) else None
    if schema != ASSESSMENT_SCHEMA:
        raise InputError(f"baseline file {path.name} is not a strokescreen assessment result "
                         f"(schema {schema!r}, expected {ASSESSMENT_SCHEMA!r}); {_DO}")
    values = baseline_values(data)
    if not values:
        verdict = (data.get("quality") or {}).get("verdict")
        raise InputError(f"baseline file {path.name} holds no facial measures to compare "
                         f"(its recording's quality: {verdict}); choose an earlier recording "
                         "that was assessed as usable")
    return {"values": values,
            "recording_sha256": (data.get("recording") or {}).get("sha256"),
            "created_at": data.get("created_at"), "file": path.name}


def check_not_same(baseline: dict[str, Any], video: Path) -> None:
    """A baseline must be another recording than the one assessed."""
    from strokescreen.preprocess.artifacts import file_sha256

    earlier = baseline.get("recording_sha256")
    sha256 = file_sha256(video) if earlier and Path(video).is_file() else None
    if sha256 and earlier == sha256:
        raise InputError(f"baseline file {baseline['file']} is of this same recording "
                         f"(sha256 {sha256[:12]}); {_DO}")


def baseline_block(earlier: dict[str, Any], features: dict[str, Any] | None,
                   screen: dict[str, Any] | None) -> dict[str, Any]:
    """What the baseline comparison found (the screen's baseline signs, or with a model
    the same comparison shown beside the model's decision)."""
    from strokescreen.screen import ScreenConfig, operating_point
    from strokescreen.screen.baseline import baseline_signs

    if screen is not None:
        signs = [s for s in screen["signs"] if s["kind"] == "baseline"]
    else:
        face = {k[len("face_"):]: v for k, v in (features or {}).items()
                if k.startswith("face_")}
        signs = baseline_signs(face, earlier["values"],
                               level=operating_point(ScreenConfig(n_families=4))[
                                   "per_family_level"])
    return {"used": True, "file": earlier["file"], "earlier_created_at": earlier["created_at"],
            "signs": signs, "note": "changes since the same person's earlier recording, "
            "judged against each measure's measured repeatability"}
