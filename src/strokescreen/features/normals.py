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


def face_normals(*, ipd_mm: float = POPULATION_IPD_MM) -> dict[str, tuple[float, float, str]]:
    """Normal range per measure: name -> (low, high, unit).

    IPU and degree ranges are as derived; each ``<name>_ipu`` also gives ``<name>_mm``
    scaled by ``ipd_mm`` (default 63 mm, the population inter-pupil distance).
    """
    out: dict[str, tuple[float, float, str]] = {}
    for name, rec in face_normals_data()["measures"].items():
        out[name] = (float(rec["low"]), float(rec["high"]), str(rec["unit"]))
        if name.endswith("_ipu"):
            mm = name[: -len("_ipu")] + "_mm"
            out[mm] = (float(rec["low"]) * ipd_mm, float(rec["high"]) * ipd_mm, "mm")
    return out


def normal_scale(name: str) -> tuple[float, float] | None:
    """(centre, scale) of measure ``name`` (IPU or deg names) for z-scores, or None."""
    rec = face_normals_data()["measures"].get(name)
    if rec is None:
        return None
    return float(rec["centre"]), float(rec["scale"])
