"""Normal ranges of the facial measures, as shipped in ``strokescreen/data/face_normals.json``.

Ranges are derived from the MEEI normal faces (see :mod:`tools.normal_ranges`
and ``docs/normal_ranges.md``) in inter-pupil units (IPU) and degrees. Millimetre ranges
(``*_mm``) are the IPU ranges times the population inter-pupil distance, 63 mm; a caller
who knows the subject's own inter-pupil distance can rescale with
:func:`face_normals` ``(ipd_mm=...)``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

from strokescreen.features.normalise import POPULATION_IPD_MM

_FILE = "face_normals.json"


@lru_cache(maxsize=1)
def face_normals_data() -> dict[str, Any]:
    """The whole JSON document: ``{"provenance": {...}, "measures": {name: {...}}}``."""
    text = resources.files("strokescreen").joinpath("data", _FILE).read_text(encoding="utf-8")
    return json.loads(text)


def _state_measures(state: str) -> dict[str, Any]:
    data = face_normals_data()
    if state == "rest":
        return dict(data["measures"])
    states = data.get("states", {})
    if state not in states:
        raise KeyError(f"no normal ranges for face state '{state}'; "
                       f"known: rest, {', '.join(sorted(states))}")
    return dict(states[state])


def state_sample_size(state: str = "rest") -> int:
    """Number of healthy subjects behind the ranges of ``state`` (rest: every source)."""
    info = face_normals_data()["provenance"].get("states", {}).get(state)
    if info is None:
        return int(face_normals_data()["provenance"]["subjects"])
    return int(info["n_subjects"])


def face_normals(*, ipd_mm: float = POPULATION_IPD_MM, state: str = "rest",
                 averaged: bool = False) -> dict[str, tuple[float, float, str]]:
    """Normal range per measure: name -> (low, high, unit).

    IPU and degree ranges are as derived; each ``<name>_ipu`` also gives ``<name>_mm``
    scaled by ``ipd_mm`` (default 63 mm, the population inter-pupil distance).
    ``state``: rest, smile, eye_closure or speech. ``averaged``: the range of a video's
    value (a median over its frames in the state, less landmarker noise than one frame).
    """
    out: dict[str, tuple[float, float, str]] = {}
    for name, rec in _state_measures(state).items():
        low = float(rec.get("low_averaged", rec["low"]) if averaged else rec["low"])
        high = float(rec.get("high_averaged", rec["high"]) if averaged else rec["high"])
        out[name] = (low, high, str(rec["unit"]))
        if name.endswith("_ipu"):
            mm = name[: -len("_ipu")] + "_mm"
            out[mm] = (low * ipd_mm, high * ipd_mm, "mm")
    return out


def normal_scale(name: str, *, state: str = "rest",
                 averaged: bool = False) -> tuple[float, float] | None:
    """(centre, scale) of measure ``name`` (IPU or deg names) for z-scores, or None.

    ``averaged``: the scale of a video's value (a median over its frames in ``state``)."""
    rec = _state_measures(state).get(name)
    if rec is None:
        return None
    scale = rec.get("scale_averaged", rec["scale"]) if averaged else rec["scale"]
    return float(rec["centre"]), float(scale)
