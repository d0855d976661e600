"""Piecewise-affine image warping through a dense inverse map (fast, no per-triangle warps).

For every output pixel the front-most destination triangle that covers it is found by
rasterising triangle ids (painter's order, far first) at half resolution; the pixel's
source position follows from that triangle's affine map. The half-resolution map is
upsampled linearly (a piecewise-affine map is continuous, so this costs almost nothing
in accuracy) and applied with ``cv2.remap``.
"""

from __future__ import annotations

import cv2
import numpy as np
from scipy.spatial import Delaunay


def triangulate(points: np.ndarray) -> np.ndarray:
    """Delaunay triangles (T, 3) of 2-D ``points`` (N, 2); degenerate ones are dropped."""
    tri = Delaunay(np.asarray(points, float)).simplices.astype(np.int32)
    p = points[tri]
    area = np.abs((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
                  - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1]))
    return tri[area > 1e-6]


def _signed_area(points: np.ndarray, tris: np.ndarray) -> np.ndarray:
    p = points[tris]
    return ((p[:, 1, 0] - p[:, 0, 0]) * (p[:, 2, 1] - p[:, 0, 1])
            - (p[:, 2, 0] - p[:, 0, 0]) * (p[:, 1, 1] - p[:, 0, 1]))


def affine_table(src: np.ndarray, dst: np.ndarray, tris: np.ndarray) -> np.ndarray:
    """Per-triangle affine maps destination -> source, shape (T + 1, 6).

    Row 0 is the identity (for pixels no triangle covers); row t + 1 holds
    (a11, a12, a21, a22, b1, b2) with ``src = A @ dst + b`` for triangle t.
    """
    d = dst[tris].astype(np.float64)
    s = src[tris].astype(np.float64)
    d1, e2, e3 = d[:, 0], d[:, 1] - d[:, 0], d[:, 2] - d[:, 0]
    det = e2[:, 0] * e3[:, 1] - e3[:, 0] * e2[:, 1]
    ok = np.abs(det) > 1e-9
    inv_det = np.where(ok, 1.0 / np.where(ok, det, 1.0), 0.0)
    # inverse of [e2 e3] (columns): 1/det * [[e3y, -e3x], [-e2y, e2x]]
    inv = np.empty((len(tris), 2, 2))
    inv[:, 0, 0], inv[:, 0, 1] = e3[:, 1] * inv_det, -e3[:, 0] * inv_det
    inv[:, 1, 0], inv[:, 1, 1] = -e2[:, 1] * inv_det, e2[:, 0] * inv_det
    sm = np.stack([s[:, 1] - s[:, 0], s[:, 2] - s[:, 0]], axis=2)  # (T, 2, 2) columns
    a = sm @ inv
    b = s[:, 0] - np.einsum("tij,tj->ti", a, d1)
    bad = ~ok
    a[bad] = 0.0
    b[bad] = s[bad].mean(1)
    table = np.zeros((len(tris) + 1, 6))
    table[0] = (1, 0, 0, 1, 0, 0)
    table[1:, :4] = a.reshape(-1, 4)
    table[1:, 4:] = b
    return table


def inverse_map(src: np.ndarray, dst: np.ndarray, tris: np.ndarray, *, shape: tuple[int, int],
                depth: np.ndarray | None = None, bbox: tuple[int, int, int, int] | None = None,
                factor: int = 2) -> tuple[np.ndarray, np.ndarray]:
    """Dense inverse map of the piecewise-affine warp taking ``src`` points to ``dst``.

    src, dst : (N, 2) pixel positions (x, y); tris : (T, 3) indices; shape : (H, W) of the
    output; depth : (T,) per-triangle depth, larger = farther (drawn first); bbox :
    (x0, y0, x1, y1) outside which the map is the identity (for speed). Returns float32
    (map_x, map_y), each (H, W), for ``cv2.remap``.
    """
    h, w = shape
    table = affine_table(src, dst, tris)
    hs, ws = (h + factor - 1) // factor, (w + factor - 1) // factor
    ids = np.zeros((hs, ws), np.int32)
    order = np.argsort(-depth, kind="stable") if depth is not None else np.arange(len(tris))
    # a triangle whose orientation flipped has folded over (the far side of a turned
    # head): draw those first, so every front-facing triangle covers them
    flipped = np.sign(_signed_area(src, tris)) * np.sign(_signed_area(dst, tris)) < 0
    order = np.concatenate([order[flipped[order]], order[~flipped[order]]])
    off = (factor - 1) / 2.0
    pts = np.round((dst / factor - off / factor) * 16).astype(np.int32)[tris]
    for t in order:
        cv2.fillConvexPoly(ids, pts[t], (int(t) + 1,), lineType=cv2.LINE_8, shift=4)
    if bbox is None:
        bx0, by0, bx1, by1 = 0, 0, ws, hs
    else:
        bx0 = max(int(bbox[0] // factor) - 1, 0)
        by0 = max(int(bbox[1] // factor) - 1, 0)
        bx1 = min(int(bbox[2] // factor) + 2, ws)
        by1 = min(int(bbox[3] // factor) + 2, hs)
    gx = (np.arange(ws, dtype=np.float64) * factor + off)
    gy = (np.arange(hs, dtype=np.float64) * factor + off)
    small_x = np.broadcast_to(gx[None, :], (hs, ws)).astype(np.float32).copy()
    small_y = np.broadcast_to(gy[:, None], (hs, ws)).astype(np.float32).copy()
    sub = ids[by0:by1, bx0:bx1]
    c = table[sub]
    xx = gx[None, bx0:bx1]
    yy = gy[by0:by1, None]
    small_x[by0:by1, bx0:bx1] = c[..., 0] * xx + c[..., 1] * yy + c[..., 4]
    small_y[by0:by1, bx0:bx1] = c[..., 2] * xx + c[..., 3] * yy + c[..., 5]
    map_x = cv2.resize(small_x, (w, h), interpolation=cv2.INTER_LINEAR)
    map_y = cv2.resize(small_y, (w, h), interpolation=cv2.INTER_LINEAR)
    if factor == 2 and h > 4 and w > 4:
        for m in (map_x, map_y):  # the resize clamps the outermost rows/columns: extrapolate
            m[:, 0] = 2 * m[:, 1] - m[:, 2]
            m[:, -1] = 2 * m[:, -2] - m[:, -3]
            m[0] = 2 * m[1] - m[2]
            m[-1] = 2 * m[-2] - m[-3]
    return map_x, map_y
