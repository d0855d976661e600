"""Per-person baseline: a recording's measures against the same person's earlier recording.

Healthy faces differ left-right about as much as a 3 mm droop (``docs/norm_screen.md``),
but one person's own asymmetry changes little between recordings. A *change* from that
person's earlier value, beyond what a recording's value wobbles by itself, is a sign.

- measures (:data:`BASELINE_MEASURES`): the rest medians of the commissure-height, mouth
  tilt, lip-height, eye-opening and brow-height differences, and the smile movement
  asymmetry (:mod:`strokescreen.features.movement`);
- repeatability ``s`` of one recording's value, measured (``movement_normals.json``,
  ``tools/dynamic_normals.py``): the largest of the real videos' split halves (with the one
  real repeat pair) and the synthetic healthy subjects' two recordings, with the number of
  faces ``n`` behind it;
- the change ``d = now - earlier`` has SD ``sqrt(2) s``; its |z| is tested like the other
  families: the baseline family's level ``a`` split by Sidak over the ``m`` measures
  compared, borderline above ``z = Phi^-1(1 - a_m/2)``, a sign above the tolerance factor
  for ``n`` at 95 % confidence.

Pure functions; reading the earlier ``result.json`` is :mod:`strokescreen.workflows.baseline`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from scipy import stats

from strokescreen.features.movement import movement_normals
from strokescreen.jsonable import finite_or_none

#: measure -> (label, unit)
BASELINE_MEASURES: dict[str, tuple[str, str]] = {
    "mouth_corner_height_lr_ipu": ("commissure height difference at rest", "IPU"),
    "mouth_tilt_deg": ("mouth tilt at rest", "deg"),
    "lip_height_lr_ipu": ("lip height difference at rest", "IPU"),
    "eye_opening_lr_ipu": ("eye opening difference at rest", "IPU"),
    "brow_height_lr_ipu": ("brow height difference at rest", "IPU"),
    "smile_corner_movement_lr_nd": ("mouth-corner movement in the smile, left vs right", ""),
}


def repeatability(name: str) -> tuple[float, int] | None:
    """(s, n) of one recording's value of ``name``, or None."""
    rec = movement_normals().get("repeatability", {}).get(name)
    if not rec or rec.get("scale") is None:
        return None
    return float(rec["scale"]), int(rec["n"])


def baseline_values(result: Mapping[str, Any]) -> dict[str, float]:
    """The comparable measures of an assessment result (``result.json`` content)."""
    measures = result.get("measures") or {}
    out = {}
    for name in BASELINE_MEASURES:
        entry = measures.get(name)
        v = finite_or_none(entry.get("value")) if isinstance(entry, Mapping) else None
        if v is not None:
            out[name] = v
    return out


def baseline_signs(now: Mapping[str, float], earlier: Mapping[str, float], *, level: float,
                   confidence: float = 0.95) -> list[dict[str, Any]]:
    """One sign per measure present in both: the change's |z| against the repeatability.

    ``now`` / ``earlier``: measure name (no ``face_`` prefix) -> value; ``level``: the
    baseline family's false-positive level (split over the measures compared here).
    """
    pairs = {k: (finite_or_none(now.get(k)), finite_or_none(earlier.get(k)))
             for k in BASELINE_MEASURES}
    both = [k for k, (a, b) in pairs.items() if a is not None and b is not None
            and repeatability(k) is not None]
    m = max(len(both), 1)
    a_m = -math.expm1(math.log1p(-level) / m)
    z_m = float(stats.norm.isf(a_m / 2))
    out = []
    for name, (label, unit) in BASELINE_MEASURES.items():
        a, b = pairs[name]
        entry: dict[str, Any] = {
            "name": f"baseline_{name}", "label": f"change since the baseline: {label}",
            "kind": "baseline", "measure": name, "value": None, "unit": "equivalent |z|",
            "earlier": b, "now": a, "change": None, "change_unit": unit,
            "normal_low": None, "normal_high": z_m, "sign_above": None,
            "direction": "above", "status": "not assessed"}
        if name in both:
            s, n = repeatability(name)  # type: ignore[misc]
            k0 = z_m * math.sqrt(n / float(stats.chi2.ppf(1 - confidence, n)))
            change = float(a) - float(b)  # type: ignore[arg-type]
            z = abs(change) / (math.sqrt(2.0) * s)
            entry.update(value=z, change=change, sign_above=k0, repeatability=s,
                         n_repeat_subjects=n,
                         status="sign" if z > k0 else ("borderline" if z > z_m else "within"))
        out.append(entry)
    return out
