"""Landmark annotation files in the menpo / iBUG 300-W ``.pts`` format.

::

    version: 1
    n_points:  68
    {
    x y
    ...
    }

Coordinates are image pixels (x right, y down). Both 0- and 1-based conventions exist in
the wild; the numbers are read and written as they are, with no shift.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from strokescreen.errors import InputError


def read_pts(path: str | Path, *, n_points: int | None = 68) -> np.ndarray:
    """Points of a ``.pts`` file, shape (n, 2) float, pixels.

    Raises :class:`InputError` naming the file when it is missing or malformed, or when
    ``n_points`` is given and the file holds another number of points.
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError as exc:
        raise InputError(f"{path}: cannot read the landmark file ({exc.strerror})") from None
    open_at, close_at = text.find("{"), text.rfind("}")
    if open_at < 0 or close_at < open_at:
        raise InputError(f"{path}: not a .pts file (no '{{ ... }}' block of 'x y' lines); "
                         "use the menpo / 300-W format")
    header, body = text[:open_at], text[open_at + 1:close_at]
    rows = [line.split() for line in body.splitlines() if line.strip()]
    bad = [i for i, r in enumerate(rows) if len(r) != 2]
    if bad:
        raise InputError(f"{path}: point line {bad[0] + 1} has {len(rows[bad[0]])} numbers; "
                         "expected 'x y'")
    try:
        pts = np.array(rows, dtype=float).reshape(-1, 2)
    except ValueError:
        raise InputError(f"{path}: a point is not a number; expected 'x y' per line") from None
    if not np.isfinite(pts).all():
        raise InputError(f"{path}: a point is not finite; expected 'x y' in pixels")
    for line in header.splitlines():
        key, _, value = line.partition(":")
        if key.strip().lower() == "n_points":
            try:
                declared = int(value.strip())
            except ValueError:
                raise InputError(f"{path}: n_points is {value.strip()!r}, not a number") from None
            if declared != len(pts):
                raise InputError(f"{path}: header says n_points {declared} but the file holds "
                                 f"{len(pts)} points")
    if n_points is not None and len(pts) != n_points:
        raise InputError(f"{path}: holds {len(pts)} points; expected {n_points} (iBUG-68)")
    return pts


def write_pts(path: str | Path, points: np.ndarray) -> Path:
    """Write (n, 2+) points (pixels; extra columns ignored) as a ``.pts`` file; returns path."""
    pts = np.asarray(points, dtype=float)
    if pts.ndim != 2 or pts.shape[1] < 2 or not np.isfinite(pts[:, :2]).all():
        raise InputError(f"points to write must be a finite (n, 2) array; got {pts.shape}")
    lines = ["version: 1", f"n_points:  {len(pts)}", "{"]
    lines += [f"{x:.6f} {y:.6f}" for x, y in pts[:, :2]]
    lines.append("}")
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path
