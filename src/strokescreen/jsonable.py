"""Numbers and structures made strict JSON: NaN / inf become None, numpy scalars Python."""

from __future__ import annotations

import math
from typing import Any


def finite_or_none(v: Any) -> float | None:
    """``float(v)`` when it is a finite number, else None (None, NaN, inf, not a number)."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def json_safe(obj: Any) -> Any:
    """``obj`` with NaN / inf -> None and numpy scalars -> Python, recursively; dict keys
    become strings, tuples lists."""
    if isinstance(obj, dict):
        return {str(k): json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj
