"""Drawing on rendered frames: the open mouth, a passing hand or blob, camera effects.

All functions draw in place on uint8 RGB frames (H, W, 3) with anti-aliased polygons in
1/16-pixel precision, and are deterministic.
"""

from __future__ import annotations

import cv2
import numpy as np

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.script import OcclusionEvent

_UP = list(T.LIPS_INNER_UPPER)
_LO = list(T.LIPS_INNER_LOWER)
MOUTH_DARK = (46, 16, 20)
TEETH = (200, 192, 178)
LOWER_TEETH = (168, 160, 148)


def _poly(points: np.ndarray) -> np.ndarray:
    return np.round(points * 16).astype(np.int32)


def paint_mouth(img: np.ndarray, mesh_px: np.ndarray, *, px_per_mm: float,
                rest_gap_px: np.ndarray | None = None) -> float:
    """Paint the open part of the mouth dark, with teeth; return the extra opening (px).

    mesh_px : (478, >= 2) landmarks in pixels. rest_gap_px : (11,) inner-lip gaps at which
    the mouth looks closed (the painted area grows from zero as the lips part beyond them).
    Nothing is drawn below 0.8 px of extra opening.
    """
    up, lo = mesh_px[_UP, :2], mesh_px[_LO, :2]
    gap = np.linalg.norm(lo - up, axis=1)
    rest = np.zeros_like(gap) if rest_gap_px is None else np.asarray(rest_gap_px)
    extra = float(gap[5] - rest[5])
    if extra < 0.8:
        return extra
    a = np.minimum(0.5, rest / np.maximum(2 * gap, 1e-6))[:, None]
    up_in, lo_in = up + a * (lo - up), lo - a * (lo - up)
    cv2.fillPoly(img, [_poly(np.concatenate([up_in, lo_in[::-1]]))], MOUTH_DARK,
                 lineType=cv2.LINE_AA, shift=4)
    inner = np.linalg.norm(lo_in - up_in, axis=1)
    if extra > 1.5 * px_per_mm:
        frac = np.minimum(0.4, 2.8 * px_per_mm / np.maximum(inner, 1e-6))[:, None]
        frac = frac * min(1.0, (extra - 1.5 * px_per_mm) / (2.0 * px_per_mm))
        teeth_lo = up_in + frac * (lo_in - up_in)
        cv2.fillPoly(img, [_poly(np.concatenate([up_in[1:-1], teeth_lo[-2:0:-1]]))], TEETH,
                     lineType=cv2.LINE_AA, shift=4)
    if extra > 8.0 * px_per_mm:
        frac2 = np.minimum(0.22, 1.8 * px_per_mm / np.maximum(inner, 1e-6))[:, None]
        teeth_hi = lo_in - frac2 * (lo_in - up_in)
        cv2.fillPoly(img, [_poly(np.concatenate([teeth_hi[1:-1], lo_in[-2:0:-1]]))],
                     LOWER_TEETH, lineType=cv2.LINE_AA, shift=4)
    return extra


def hand_shape(kind: str, size_px: float, angle_deg: float) -> list[np.ndarray]:
    """Polygons (pixels, centred at 0) of a flat hand (palm + fingers + thumb) or a blob."""
    a = np.radians(angle_deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    th = np.linspace(0, 2 * np.pi, 28, endpoint=False)
    if kind == "blob":
        r = 0.5 * size_px * (1 + 0.12 * np.sin(3 * th) + 0.08 * np.cos(5 * th))
        return [np.stack([r * np.cos(th), 0.8 * r * np.sin(th)], 1) @ rot.T]
    palm = np.stack([0.42 * size_px * np.cos(th), 0.5 * size_px * np.sin(th)], 1)
    polys = [palm]
    w = 0.16 * size_px
    for k, length in enumerate((0.55, 0.62, 0.58, 0.45)):
        x = (-0.3 + 0.2 * k) * size_px
        top = -0.35 * size_px - length * size_px
        polys.append(np.array([[x - w / 2, -0.2 * size_px], [x + w / 2, -0.2 * size_px],
                               [x + w / 2, top], [x, top - w / 2], [x - w / 2, top]]))
    polys.append(np.array([[0.3, 0.1], [0.75, -0.25], [0.82, -0.12], [0.4, 0.3]]) * size_px)
    return [p @ rot.T for p in polys]


def occluder_centre(ev: OcclusionEvent, t: float, *, face_centre: np.ndarray,
                    face_width_px: float, width: int, height: int) -> np.ndarray | None:
    """Where the occluder is at time ``t`` (it enters, crosses the face, leaves); None outside."""
    if not ev.t0_s <= t <= ev.t1_s:
        return None
    x = (t - ev.t0_s) / (ev.t1_s - ev.t0_s)
    reach = 1.6 * face_width_px
    y_face = face_centre[1] + (ev.height_frac - 0.5) * face_width_px
    if ev.from_side == "left":
        return np.array([face_centre[0] - reach + 2 * reach * x, y_face])
    if ev.from_side == "right":
        return np.array([face_centre[0] + reach - 2 * reach * x, y_face])
    return np.array([face_centre[0] + (ev.height_frac - 0.5) * face_width_px,
                     face_centre[1] + reach - 2 * reach * x])


def draw_occluder(img: np.ndarray, polys: list[np.ndarray], centre: np.ndarray,
                  colour: tuple[int, int, int]) -> np.ndarray:
    """Draw the occluder; return its mask (uint8, quarter resolution) for coverage tests."""
    shifted = [_poly(p + centre) for p in polys]
    cv2.fillPoly(img, shifted, colour, lineType=cv2.LINE_AA, shift=4)
    dark = tuple(int(v * 0.75) for v in colour)
    cv2.polylines(img, shifted[:1], True, dark, thickness=1, lineType=cv2.LINE_AA, shift=4)
    h, w = img.shape[:2]
    mask = np.zeros((h // 4, w // 4), np.uint8)
    cv2.fillPoly(mask, [_poly((p + centre) / 4) for p in polys], (1,), lineType=cv2.LINE_8,
                 shift=4)
    return mask


def face_coverage(mask_q: np.ndarray, mesh_px: np.ndarray) -> float:
    """Share of the face (convex hull of the landmarks) covered by a quarter-res mask."""
    face = np.zeros_like(mask_q)
    hull = cv2.convexHull(np.round(mesh_px[:468, :2] / 4).astype(np.int32))
    cv2.fillConvexPoly(face, hull, (1,))
    area = int(face.sum())
    return float((face & mask_q).sum()) / area if area else 0.0


def noise_bank(shape: tuple[int, int, int], sigma: float, rng: np.random.Generator,
               n: int = 6) -> list[tuple[np.ndarray, np.ndarray]]:
    """``n`` precomputed sensor-noise frames as (positive part, negative part) uint8 pairs."""
    bank = []
    for _ in range(n):
        z = rng.normal(0.0, sigma, shape)
        bank.append((np.clip(z, 0, 255).astype(np.uint8), np.clip(-z, 0, 255).astype(np.uint8)))
    return bank


def camera(img: np.ndarray, *, gain: float, noise: tuple[np.ndarray, np.ndarray]) -> np.ndarray:
    """Global exposure drift and sensor noise (uint8 in, uint8 out)."""
    out = cv2.convertScaleAbs(img, alpha=gain) if abs(gain - 1.0) > 1e-3 else img
    out = cv2.add(out, noise[0])
    return cv2.subtract(out, noise[1])


_LID_UPPER = {"left": list(T.LEFT_EYE_UPPER), "right": list(T.RIGHT_EYE_UPPER)}
#: lid painting: the band above the upper lid margin that a closing lid covers with skin
#: (mm), the closure at which the painting starts and where it is complete, and the lash
#: line's width (mm); see docs/synthetic_cohort.md (generator 4)
LID_BAND_PAINT_MM = 3.0
LID_PAINT_CLOSURE = (0.35, 0.85)
LASH_LINE_MM = 0.5


def paint_lids(img: np.ndarray, mesh_px: np.ndarray, closure: dict[str, float], *,
               px_per_mm: float) -> None:
    """Cover the lash band of a closing eye with lid skin and a thin lash line.

    Warping stretches the portrait's dark lash band over a closing eye, which a
    landmarker reads as an open slit. For each side with ``closure`` (blink activation,
    0 open .. 1 closed) above ``LID_PAINT_CLOSURE[0]``, the band ``LID_BAND_PAINT_MM``
    above the upper lid margin is blended (fully at ``LID_PAINT_CLOSURE[1]``) with the
    skin colour just above it, and a lash line is drawn along the margin.
    """
    lo_c, hi_c = LID_PAINT_CLOSURE
    h, w = img.shape[:2]
    for side, c in closure.items():
        alpha = float(np.clip((c - lo_c) / (hi_c - lo_c), 0.0, 1.0))
        if alpha <= 0.0:
            continue
        alpha = alpha * alpha * (3 - 2 * alpha)
        margin = mesh_px[_LID_UPPER[side], :2]
        margin = margin[np.argsort(margin[:, 0])]
        band = LID_BAND_PAINT_MM * px_per_mm
        top = margin - np.array([0.0, band])
        x0, y0 = np.floor(top.min(0) - 2).astype(int)
        x1, y1 = np.ceil(margin.max(0) + 2 + 0.35 * band).astype(int)
        x0, y0, x1, y1 = max(x0, 0), max(y0, 0), min(x1, w), min(y1, h)
        if x1 - x0 < 2 or y1 - y0 < 2:
            continue
        # skin colour: the lid skin above the band, over the eye's middle half
        sy0 = max(int(top[:, 1].min() - 1.6 * band), 0)
        sy1 = max(int(top[:, 1].min() - 0.6 * band), sy0 + 1)
        qx0, qx1 = int(x0 + 0.25 * (x1 - x0)), int(x1 - 0.25 * (x1 - x0))
        patch = img[sy0:sy1, qx0:max(qx1, qx0 + 1)].reshape(-1, 3).astype(float)
        if len(patch) == 0:
            continue
        skin = np.percentile(patch, 60, axis=0)
        roi = img[y0:y1, x0:x1]
        off = np.array([x0, y0], float)
        mask = np.zeros(roi.shape[:2], np.float32)
        low = margin + np.array([0.0, 0.35 * band])  # the blurred edge still covers the margin
        cv2.fillPoly(mask, [_poly(np.concatenate([top, low[::-1]]) - off)], (1.0,),
                     lineType=cv2.LINE_AA, shift=4)
        mask = cv2.GaussianBlur(mask, (0, 0), max(0.25 * band, 0.6)) * alpha
        layer = roi.astype(np.float32) * (1 - mask[..., None]) + skin * mask[..., None]
        lash_layer = layer.copy()
        thick = max(int(round(LASH_LINE_MM * px_per_mm)), 1)
        cv2.polylines(lash_layer, [_poly(margin - off)], False, tuple(0.45 * skin),
                      thickness=thick, lineType=cv2.LINE_AA, shift=4)
        out = alpha * lash_layer + (1 - alpha) * layer
        roi[:] = np.clip(np.round(out), 0, 255).astype(np.uint8)
