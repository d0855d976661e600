"""Band pictures: where a sign's value sits in the healthy distribution, read at a glance.

One small inline SVG per screen sign: a horizontal bar coloured by what a value there
would mean -- green within the healthy range, amber borderline ("cannot tell"), red a
sign -- with a black marker at the recording's value. Face signs (equivalent |z|, 0 =
perfectly symmetric) also carry a tick where 95 % of healthy faces lie below (1.96);
speech rates show the literature range in green with the counting-error margins in amber
on both sides. Pure string building; no I/O. The markup is inline (no external image),
so the report stays one offline file.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any
from xml.sax.saxutils import escape

WIDTH, HEIGHT, BAR_Y, BAR_H = 220, 26, 6, 10
GREEN, AMBER, RED, GREY = "#7cc68a", "#f2c14e", "#e06666", "#dddddd"
HEALTHY_95 = 1.959963984540054


def _num(v: Any) -> float | None:
    try:
        x = float(v)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _zones(sign: Mapping[str, Any]) -> tuple[list[tuple[float, float, str]], float, float] | None:
    """(zones as (start, end, colour), axis start, axis end) in the sign's unit."""
    lo, hi = _num(sign.get("normal_low")), _num(sign.get("normal_high"))
    value = _num(sign.get("value"))
    if sign.get("kind") in ("face", "baseline"):
        above = _num(sign.get("sign_above"))
        if hi is None or above is None:
            return None
        top = max(above * 1.5, (value or 0.0) * 1.1, HEALTHY_95 * 2)
        return [(0.0, hi, GREEN), (hi, above, AMBER), (above, top, RED)], 0.0, top
    if lo is None or hi is None:
        return None
    se = _num(sign.get("standard_error"))
    margin = (sign.get("margin_se") or 2.39) * se if se is not None else 0.0
    left = max(0.0, min(lo - 2 * margin, (value if value is not None else lo) * 0.9, lo * 0.5))
    right = max(hi + 2 * margin, (value or 0.0) * 1.1, hi * 1.3)
    zones = [(left, lo - margin, RED), (lo - margin, lo, AMBER), (lo, hi, GREEN),
             (hi, hi + margin, AMBER), (hi + margin, right, RED)]
    return [(a, b, c) for a, b, c in zones if b > a], left, right


def band_svg(sign: Mapping[str, Any]) -> str:
    """Inline SVG of one screen sign (``normative.face_signs`` / ``speech_signs`` entry);
    a grey bar with "not assessed" when the value or its range is missing."""
    got = _zones(sign)
    value = _num(sign.get("value"))
    label = escape(str(sign.get("label", "")))
    head = (f'<svg width="{WIDTH}" height="{HEIGHT}" '
            f'viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{label}">')
    if got is None or value is None:
        return (head + f'<rect x="0" y="{BAR_Y}" width="{WIDTH}" height="{BAR_H}" '
                f'fill="{GREY}"/><text x="4" y="{BAR_Y + 9}" font-size="9">not assessed'
                "</text></svg>")
    zones, start, end = got

    def x(v: float) -> float:
        return round((min(max(v, start), end) - start) / (end - start) * WIDTH, 1)

    parts = [head]
    for a, b, colour in zones:
        parts.append(f'<rect x="{x(a)}" y="{BAR_Y}" width="{round(x(b) - x(a), 1)}" '
                     f'height="{BAR_H}" fill="{colour}"/>')
    if sign.get("kind") in ("face", "baseline"):
        parts.append(f'<line x1="{x(HEALTHY_95)}" x2="{x(HEALTHY_95)}" y1="{BAR_Y}" '
                     f'y2="{BAR_Y + BAR_H}" stroke="#2b6e3a" stroke-dasharray="2,1"/>')
    vx = x(value)
    parts.append(f'<polygon points="{vx - 4},{BAR_Y - 5} {vx + 4},{BAR_Y - 5} {vx},{BAR_Y + 1}" '
                 'fill="#111"/>')
    parts.append(f'<line x1="{vx}" x2="{vx}" y1="{BAR_Y}" y2="{BAR_Y + BAR_H + 2}" '
                 'stroke="#111" stroke-width="2"/>')
    parts.append(f'<text x="0" y="{HEIGHT - 1}" font-size="8">{start:g}</text>')
    parts.append(f'<text x="{WIDTH}" y="{HEIGHT - 1}" font-size="8" text-anchor="end">'
                 f'{end:.3g}</text></svg>')
    return "".join(parts)


BAND_LEGEND = ("Band: green = within the healthy range, amber = borderline (cannot tell), "
               "red = a sign; the black marker is this recording's value. For facial "
               "asymmetry (equivalent |z|, 0 = perfectly symmetric) the dashed tick marks "
               "where 95 % of healthy faces lie below.")
