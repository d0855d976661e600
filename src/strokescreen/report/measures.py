"""Measure entries of a case from its ``features.json`` record.

The same structure and values as :func:`strokescreen.features.measure.measure_case` (and
``strokescreen measure --json``), built from the feature record that the risk model also
reads, so the facial and speech measures are computed once per assessment.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.measure import face_entries, measure_entry
from strokescreen.features.states import STATES
from strokescreen.jsonable import finite_or_none

_REGIONS = tuple(f"{r}_score" for r in ASYMMETRY_MEASURES)


def speech_entries(values: dict[str, float | None]) -> dict[str, dict[str, Any]]:
    """Entries of the speech measures (``speech_*`` names) with their normal ranges.

    Ranges limited to some tasks (the sustained-vowel voice-quality norms) are left out,
    as in ``strokescreen measure``.
    """
    from strokescreen.audio import MEASURES, compare_to_normals, speech_normals

    finite = {k: (np.nan if v is None else float(v)) for k, v in values.items()}
    verdict = compare_to_normals(finite)
    ranges = speech_normals()
    out = {}
    for name, (unit, desc) in MEASURES.items():
        rng = ranges.get(name) if name in verdict else None
        out[name] = measure_entry(values.get(name), unit, rng, desc)
    return out


def measures_from_features(
    features: dict[str, float | None], *, audio_present: bool
) -> dict[str, Any]:
    """``measure --json``-style content from a case's flat ``face_*`` / ``speech_*`` values.

    Returns a dict with ``measures`` (name -> value, unit, normal_low, normal_high,
    out_of_range, description), ``composite_asymmetry``, ``region_scores``, ``ipd_mm``,
    ``scale_source`` and ``notes``.
    """
    values = {k[len("face_"):]: (np.nan if v is None else float(v))
              for k, v in features.items() if k.startswith("face_")}
    ipd_mm = float(values.pop("ipd_mm", np.nan))
    from_iris = values.pop("mm_from_iris", 0.0)
    skip = {"asymmetry_index", *_REGIONS,
            *(f"{st}_asymmetry_index" for st in STATES if st != "rest")}
    # a case's values are medians over its frames: a video's (averaged-noise) ranges
    measures = face_entries({k: v for k, v in values.items() if k not in skip}, ipd_mm=ipd_mm,
                            averaged=True)
    notes: list[str] = []
    if audio_present:
        measures.update(speech_entries({k: v for k, v in features.items()
                                        if k.startswith("speech_")}))
    else:
        notes.append("no soundtrack: speech measures skipped")
    scores = asymmetry_scores(values, averaged=True)
    return {
        "measures": measures,
        "composite_asymmetry": finite_or_none(scores["asymmetry_index"]),
        "region_scores": {k: finite_or_none(scores[k]) for k in _REGIONS},
        "ipd_mm": finite_or_none(ipd_mm),
        "scale_source": "iris" if (from_iris or 0) > 0 else "population",
        "notes": notes,
    }
