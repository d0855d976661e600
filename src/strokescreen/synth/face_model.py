"""A 3-D face model built from one MediaPipe mesh: frontal, symmetric, neutral, in mm.

Coordinates ("face frame"): millimetres, origin at the midpoint of the two iris centres,
x to the image right (the subject's left), y down, z away from the camera, the inter-
pupil line horizontal and the face's symmetry plane at x = 0 (see :func:`frontal_frame`). The mm
scale comes from the mean horizontal iris diameter (11.7 mm).

Expressions are linear blendshapes (displacement per unit activation, shape (478, 3), mm);
left and right halves are separate shapes so that each side can carry its own gain.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.config import IRIS_DIAMETER_MM

MIRROR = np.asarray(T.MIRROR)


def _ix(*tables: tuple[int, ...]) -> np.ndarray:
    """Concatenate index tables into one integer array (for fancy indexing)."""
    return np.array([i for t in tables for i in t], dtype=np.intp)


EYE_UPPER = {"left": _ix(T.LEFT_EYE_UPPER), "right": _ix(T.RIGHT_EYE_UPPER)}
EYE_LOWER = {"left": _ix(T.LEFT_EYE_LOWER), "right": _ix(T.RIGHT_EYE_LOWER)}
BROW = {"left": _ix(T.LEFT_BROW), "right": _ix(T.RIGHT_BROW)}
IRIS = {"left": _ix(T.IRIS_LEFT), "right": _ix(T.IRIS_RIGHT)}
LIP_UPPER = np.unique(_ix(T.LIPS_OUTER_UPPER, T.LIPS_INNER_UPPER))
LIP_LOWER = np.unique(_ix(T.LIPS_OUTER_LOWER, T.LIPS_INNER_LOWER))
CORNERS = (T.MOUTH_CORNER_RIGHT, T.MOUTH_CORNER_LEFT, T.INNER_CORNER_RIGHT, T.INNER_CORNER_LEFT)
LIP_ALL = np.unique(np.concatenate([LIP_UPPER, LIP_LOWER]))
SIDES = ("left", "right")
# Smile amplitude at activation 1, in mm of mouth-corner (commissure) movement, from the
# MEEI normal faces (10 healthy adults, rest -> large smile photos, 68-point landmarks,
# scaled at the population inter-pupil distance of 63 mm; docs/synthetic_cohort.md):
# 7.9 mm lateral and 9.0 mm up (12.3 mm in all, sd 1.9 mm between people).
SMILE_LATERAL_MM = 7.9
SMILE_LIFT_MM = 9.0
# Speech lip rounding (/u/, /w/) and spreading (/i/) at activation 1: corner movement in mm.
# A speech gesture is not a maximal voluntary one (MEEI's pucker moves the corner 7.8 mm),
# and no published speech-specific figure was found, so these keep their first values.
ROUND_MEDIAL_MM = 3.5
SPREAD_LATERAL_MM = 3.5
#: lip opening (mm) that goes with a full smile (the script adds it to the jaw control)
SMILE_JAW_OPEN_MM = 2.5
#: mouth-corner drop and pull towards the midline per mm of jaw opening (see :func:`_jaw`)
JAW_CORNER_DROP = 0.35
JAW_CORNER_NARROW = 0.08
BLENDSHAPES = ("jaw", "spread_left", "spread_right", "round_left", "round_right",
               "smile_left", "smile_right", "droop_left", "droop_right", "blink_left",
               "blink_right", "brow_left", "brow_right")


def iris_diameter_px(mesh: np.ndarray) -> float:
    """Mean horizontal iris diameter of both eyes, in the mesh's units."""
    r, l_ = list(T.IRIS_RIGHT), list(T.IRIS_LEFT)
    return float((np.linalg.norm(mesh[r[1], :2] - mesh[r[3], :2])
                  + np.linalg.norm(mesh[l_[1], :2] - mesh[l_[3], :2])) / 2)


def frontal_frame(mesh_px: np.ndarray, *, level_pitch: bool = False
                  ) -> tuple[np.ndarray, np.ndarray, float]:
    """Rotation, origin and px-per-mm that take a MediaPipe mesh to the face frame.

    mesh_px : (478, 3) pixels (z scaled like x). Returns (R (3, 3), origin (3,), px_per_mm)
    with ``face_mm = (mesh_px - origin) @ R.T / px_per_mm``. Yaw and roll are always
    removed (the symmetry plane becomes x = 0); pitch only with ``level_pitch`` (then the
    nose-bridge-chin line 168-152 is put in the image plane). A landmarker does not follow
    a pitch imposed by 2-D warping, so the renderer keeps the portrait's own pitch.
    """
    p = np.asarray(mesh_px, float)
    left_side = p[:468, 0] > p[MIRROR[:468], 0]
    d = p[:468][left_side] - p[MIRROR[:468]][left_side]
    ex = d.sum(0)
    ex /= np.linalg.norm(ex)
    up = p[T.NOSE_BRIDGE] - p[T.CHIN] if level_pitch else np.array([0.0, -1.0, 0.0])
    up = up - ex * (up @ ex)
    ey = -up / np.linalg.norm(up)
    ez = np.cross(ex, ey)
    rot = np.stack([ex, ey, ez])
    origin = (p[T.IRIS_RIGHT[0]] + p[T.IRIS_LEFT[0]]) / 2
    return rot, origin, iris_diameter_px(p) / IRIS_DIAMETER_MM


def symmetrize(mesh: np.ndarray) -> np.ndarray:
    """Average a face-frame mesh with its mirror image (x -> -x, points swapped)."""
    mirrored = mesh[MIRROR] * np.array([-1.0, 1.0, 1.0])
    return (mesh + mirrored) / 2


def _gauss(p: np.ndarray, centre: np.ndarray, radius: float) -> np.ndarray:
    d2 = ((p[:, :2] - centre[:2]) ** 2).sum(1)
    return np.exp(-d2 / (2 * radius**2))


def _sigmoid(v: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(v, -40, 40)))


@dataclass(frozen=True)
class Geometry:
    """Landmark positions a blendshape needs, read off a face-frame mesh (mm)."""

    mouth: np.ndarray
    half_mouth: float
    corner: dict[str, np.ndarray]
    half_face: float
    chin: np.ndarray
    eye: dict[str, np.ndarray]
    brow: dict[str, np.ndarray]

    @classmethod
    def of(cls, f: np.ndarray) -> Geometry:
        mouth = (f[T.UPPER_LIP_INNER_MID] + f[T.LOWER_LIP_INNER_MID]) / 2
        cl, cr = f[T.MOUTH_CORNER_LEFT], f[T.MOUTH_CORNER_RIGHT]
        eyes = {s: f[np.concatenate([EYE_UPPER[s], EYE_LOWER[s]])].mean(0) for s in SIDES}
        brows = {s: f[BROW[s]].mean(0) for s in SIDES}
        return cls(mouth, float(np.linalg.norm(cl[:2] - cr[:2]) / 2),
                   {"left": cl, "right": cr}, float(abs(f[454, 0] - f[234, 0]) / 2),
                   f[T.CHIN], eyes, brows)


def _corner_drag(f: np.ndarray, g: Geometry, side: str, vec: np.ndarray, radius: float,
                 lip_power: float = 1.0) -> np.ndarray:
    """Move one mouth corner by ``vec`` (mm); lips follow linearly, skin with a Gaussian."""
    sgn = 1.0 if side == "left" else -1.0
    reach = g.corner[side][0] - g.mouth[0]
    lam = (f[:, 0] - g.mouth[0]) / (reach if abs(reach) > 1e-6 else sgn)
    w = _gauss(f, g.corner[side], radius) * _sigmoid(sgn * (f[:, 0] - g.mouth[0]) / 2.0)
    w[LIP_ALL] = np.clip(lam[LIP_ALL], 0, 1.2) ** lip_power
    w[T.MOUTH_CORNER_LEFT if side == "left" else T.MOUTH_CORNER_RIGHT] = 1.0
    return w[:, None] * vec[None, :]


def _jaw(f: np.ndarray, g: Geometry) -> np.ndarray:
    """Displacement per mm of lip opening at the centre (jaw drops, upper lip lifts a little)."""
    d = np.zeros_like(f)
    lam = np.clip((f[:, 0] - g.mouth[0]) / max(g.half_mouth, 1e-6), -1.0, 1.0)
    span = max(g.chin[1] - g.mouth[1], 1.0)
    lateral = np.clip(1.0 - 0.45 * (f[:, 0] / max(g.half_face, 1.0)) ** 2, 0.3, 1.0)
    below = (0.8 + 0.08 * np.clip((f[:, 1] - g.mouth[1]) / span, 0, 1.3)) * lateral
    above = -0.2 * _gauss(f, g.mouth, 0.7 * g.half_mouth)
    width = 1.5 + 0.5 * np.clip(np.abs(f[:, 0] - g.mouth[0]) - g.half_mouth, 0, None)
    s = _sigmoid((f[:, 1] - g.mouth[1]) / width)
    d[:, 1] = s * below + (1 - s) * above
    l2 = lam**2
    d[LIP_UPPER, 1] = -0.2 * (1 - l2[LIP_UPPER]) + 0.35 * l2[LIP_UPPER]
    d[LIP_LOWER, 1] = 0.8 * (1 - l2[LIP_LOWER]) + 0.35 * l2[LIP_LOWER]
    d[list(CORNERS), 1] = JAW_CORNER_DROP
    d[LIP_ALL, 0] = -JAW_CORNER_NARROW * np.sign(lam[LIP_ALL]) * np.abs(lam[LIP_ALL]) ** 3
    d[468:] = 0.0
    return d


#: the upper lid's skin slides down with its margin in a blink: fully up to
#: ``LID_BAND_MM`` above the margin (the lashes and the lid fold move as a band), then
#: falling off (Gaussian, ``LID_SKIN_FALLOFF_MM``), so a closed eye shows stretched lid
#: skin, not the lashes smeared over the eye (generator 4)
LID_BAND_MM = 4.0
LID_SKIN_FALLOFF_MM = 4.0


def _blink(f: np.ndarray, g: Geometry, side: str) -> np.ndarray:
    """Displacement for a full lid closure of one eye (upper lid 80 %, lower lid 20 %).

    The upper lid's skin slides down with its margin (``LID_BAND_MM`` in full, then
    falling off; over about 3 mm beyond the eye's corners), so a closed eye is covered
    by skin with the lashes at its lower edge, as a landmarker expects to see it.
    """
    d = np.zeros_like(f)
    up, lo = EYE_UPPER[side], EYE_LOWER[side]
    lo_x, lo_y = f[lo, 0], f[lo, 1]
    order = np.argsort(lo_x)
    up_x, up_y = f[up, 0], f[up, 1]
    o2 = np.argsort(up_x)
    gap_up = np.interp(up_x, lo_x[order], lo_y[order]) - up_y
    gap_lo = lo_y - np.interp(lo_x, up_x[o2], up_y[o2])
    d[up, 1] = 0.8 * gap_up
    d[lo, 1] = -0.2 * gap_lo
    x, y = f[:, 0], f[:, 1]
    x_in = np.clip(x, up_x[o2][0], up_x[o2][-1])
    drop = np.interp(x_in, up_x[o2], 0.8 * gap_up[o2]) * np.exp(-(((x - x_in) / 3.0) ** 2))
    height = np.interp(x_in, up_x[o2], up_y[o2]) - y  # mm above the lid margin
    skin = drop * np.exp(-((np.clip(height - LID_BAND_MM, 0, None) / LID_SKIN_FALLOFF_MM) ** 2)) \
        * _sigmoid(height / 0.5)
    mask = np.ones(len(f), bool)
    mask[up] = False
    mask[lo] = False
    mask[468:] = False
    d[mask, 1] = skin[mask]
    return d


def _brow(f: np.ndarray, g: Geometry, side: str) -> np.ndarray:
    """Displacement for a full brow raise on one side: brow up 4 mm, upper lid 1 mm,
    the forehead above following with decay; the other side untouched (soft midline)."""
    d = np.zeros_like(f)
    sgn = 1.0 if side == "left" else -1.0
    b, e = g.brow[side], g.eye[side]
    y = f[:, 1]
    y_lid = e[1] - 2.0
    t = np.clip((y_lid - y) / max(y_lid - b[1], 1.0), 0.0, 1.0)
    prof = np.where(y < b[1], 4.0 * np.exp(-(((b[1] - y) / 30.0) ** 2)), 1.0 + 3.0 * t)
    prof = prof * _sigmoid((e[1] + 1.0 - y) / 1.0)
    prof[BROW[side]] = 4.0
    d[:, 1] = -prof * _sigmoid(sgn * f[:, 0] / 5.0)
    d[468:] = 0.0
    return d


_RELAX_LATERAL_MM = 7.0
_RELAX_LIFT_MM = 6.0


def _smile_shape(f: np.ndarray, g: Geometry, side: str, corner_vec: np.ndarray) -> np.ndarray:
    """One side's smile: the corner moves by ``corner_vec`` (mm), the cheek rises 3 mm,
    the lower lid 1 mm."""
    sgn = 1.0 if side == "left" else -1.0
    smile = _corner_drag(f, g, side, corner_vec, 12.0, 1.5)
    cheek = g.corner[side] + np.array([6.0 * sgn, -14.0, 0])
    smile[:468, 1] += -3.0 * _gauss(f, cheek, 11.0)[:468] * (1 - np.isin(
        np.arange(468), LIP_ALL))
    smile[EYE_LOWER[side], 1] = -1.0
    smile[468:] = 0.0
    return smile


def blendshapes(f: np.ndarray) -> dict[str, np.ndarray]:
    """All expression blendshapes of a face-frame mesh ``f`` (478, 3) mm; see BLENDSHAPES."""
    g = Geometry.of(f)
    shapes: dict[str, np.ndarray] = {"jaw": _jaw(f, g)}
    for side in SIDES:
        sgn = 1.0 if side == "left" else -1.0
        shapes[f"spread_{side}"] = _corner_drag(
            f, g, side, np.array([SPREAD_LATERAL_MM * sgn, -0.5, 0]), 9.0)
        rnd = _corner_drag(f, g, side, np.array([-ROUND_MEDIAL_MM * sgn, 0.0, -3.0]), 9.0, 0.5)
        shapes[f"round_{side}"] = rnd
        # the smile makes up for the corner movement of the jaw opening that goes with
        # it, so a full smile moves the corner by (SMILE_LATERAL_MM, SMILE_LIFT_MM)
        lift = SMILE_LIFT_MM + JAW_CORNER_DROP * SMILE_JAW_OPEN_MM
        wide = SMILE_LATERAL_MM + JAW_CORNER_NARROW * SMILE_JAW_OPEN_MM
        shapes[f"smile_{side}"] = _smile_shape(f, g, side, np.array([wide * sgn, -lift, -1.0]))
        shapes[f"droop_{side}"] = _corner_drag(f, g, side, np.array([-0.15 * sgn, 1.0, 0]),
                                               14.0, 0.6)
        shapes[f"blink_{side}"] = _blink(f, g, side)
        shapes[f"brow_{side}"] = _brow(f, g, side)
    for name in shapes:
        shapes[name][468:] = 0.0
    # the iris moves with the eye region in a brow raise/blink only through the lids: keep
    return shapes


def neutralize(f: np.ndarray) -> np.ndarray:
    """Close an open mouth and relax a smile so the portrait's face is at rest (mm mesh)."""
    out = f.copy()
    up, lo = _ix(T.LIPS_INNER_UPPER), _ix(T.LIPS_INNER_LOWER)
    gap = out[T.LOWER_LIP_INNER_MID, 1] - out[T.UPPER_LIP_INNER_MID, 1]
    if gap > 0.6:
        out = out + (0.3 - gap) * blendshapes(out)["jaw"]
    # close what the jaw left open, point by point along the mouth
    resid = np.clip(out[lo, 1] - out[up, 1] - 0.3, 0, None)
    if resid.max() > 0.05:
        xs = out[up, 0]
        order = np.argsort(xs)
        lower_all = _ix(T.LIPS_INNER_LOWER, T.LIPS_OUTER_LOWER[1:-1])
        upper_all = _ix(T.LIPS_INNER_UPPER[1:-1], T.LIPS_OUTER_UPPER[1:-1])
        r_lo = np.interp(out[lower_all, 0], xs[order], resid[order])
        r_up = np.interp(out[upper_all, 0], xs[order], resid[order])
        out[lower_all, 1] -= 0.75 * r_lo
        out[upper_all, 1] += 0.25 * r_up
    ipd = abs(out[T.IRIS_LEFT[0], 0] - out[T.IRIS_RIGHT[0], 0])
    width = abs(out[T.MOUTH_CORNER_LEFT, 0] - out[T.MOUTH_CORNER_RIGHT, 0])
    excess = width - 0.82 * ipd
    if excess > 0.04 * ipd:
        # relax the portrait's smile along the rig's first smile direction (7 mm out, 6 mm
        # up per unit), so every portrait's rest face stays what it was before the smile
        # got its published size
        g = Geometry.of(out)
        amount = excess / (2 * _RELAX_LATERAL_MM)
        for side, sgn in (("left", 1.0), ("right", -1.0)):
            vec = np.array([_RELAX_LATERAL_MM * sgn, -_RELAX_LIFT_MM, -1.0])
            out = out - amount * _smile_shape(out, g, side, vec)
    return out


def morph(f: np.ndarray, z: tuple[float, ...] | np.ndarray) -> np.ndarray:
    """Identity shape change from 7 standard-normal numbers (symmetric; mm mesh in, out).

    z: face width, lower-face length, eye spacing, nose width, mouth width, brow height,
    jaw width.
    """
    z = np.asarray(z, float)
    g = Geometry.of(f)
    d = np.zeros_like(f)
    x, y = f[:, 0], f[:, 1]
    d[:, 0] += z[0] * 0.035 * x * (0.5 + 0.5 * _sigmoid(y / 10.0))
    nose_y = f[T.NOSE_TIP, 1]
    d[:, 1] += z[1] * 0.05 * np.clip(y - nose_y, 0, None)
    for side, sgn in (("left", 1.0), ("right", -1.0)):
        w = _gauss(f, g.eye[side], 13.0)
        w[IRIS[side]] = 1.0
        d[:, 0] += z[2] * 1.0 * sgn * w
        d[:, 1] += -z[5] * 1.3 * _gauss(f, g.brow[side], 9.0)
    nose = f[T.NOSE_TIP]
    d[:, 0] += z[3] * 0.07 * (x - nose[0]) * _gauss(f, nose + np.array([0, -4.0, 0]), 9.0)
    d[:, 0] += z[4] * 0.05 * (x - g.mouth[0]) * _gauss(f, g.mouth, 16.0)
    d[:, 0] += z[6] * 0.05 * x * _sigmoid((y - g.mouth[1]) / 5.0)
    return f + d


def proportion(f: np.ndarray, *, corner_height_ipu: float = 0.0,
               mouth_width_ipu: float = 0.0) -> np.ndarray:
    """Give a symmetric mm mesh the drawn face proportions (0 keeps the mesh's own).

    corner_height_ipu : mean mouth-corner height below the inter-pupil line, in
        inter-pupil distances: the midface between the eyes and the mouth line is
        stretched vertically and everything below the mouth line (lips, chin, jaw) moves
        down with it unchanged (a longer or shorter midface); the eyes and above stay.
    mouth_width_ipu : corner-to-corner width in inter-pupil distances: the mouth region is
        scaled horizontally about its centre (a Gaussian window, 16 mm, below the eyes),
        so the corners land exactly there.
    """
    out = np.array(f, float, copy=True)
    il, ir = out[T.IRIS_LEFT[0]], out[T.IRIS_RIGHT[0]]
    ipd = float(abs(il[0] - ir[0]))
    eye_y = float((il[1] + ir[1]) / 2)
    if corner_height_ipu > 0:
        mouth_y = float(np.mean(out[[T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT], 1]))
        h0 = mouth_y - eye_y
        shift = corner_height_ipu * ipd - h0
        y = out[:, 1]
        # between the eyes and the mouth line stretched, below it moved along unchanged
        out[:, 1] = y + shift * np.clip((y - eye_y) / h0, 0.0, 1.0)
    if mouth_width_ipu > 0:
        g = Geometry.of(out)
        cl, cr = out[T.MOUTH_CORNER_LEFT], out[T.MOUTH_CORNER_RIGHT]
        w0 = float(abs(cl[0] - cr[0]))
        win = _gauss(out, g.mouth, 16.0) * (out[:, 1] > eye_y)  # the eyes stay where they are
        w_corner = float(win[[T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT]].mean())
        k = (mouth_width_ipu * ipd / w0 - 1.0) / max(w_corner, 1e-6)
        out[:, 0] += k * (out[:, 0] - g.mouth[0]) * win
    return out


def pose_matrix(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation (3, 3) for a head pose in the face frame.

    yaw > 0 turns the nose to the image right (the subject's left); pitch > 0 lifts the
    chin (nose moves up); roll > 0 lowers the image-right eye (clockwise in the image).
    Applied as R = Rz(roll) @ Rx(pitch) @ Ry(yaw).
    """
    a, b, c = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(a), 0, -np.sin(a)], [0, 1, 0], [np.sin(a), 0, np.cos(a)]])
    rx = np.array([[1, 0, 0], [0, np.cos(b), np.sin(b)], [0, -np.sin(b), np.cos(b)]])
    rz = np.array([[np.cos(c), -np.sin(c), 0], [np.sin(c), np.cos(c), 0], [0, 0, 1]])
    return rz @ rx @ ry


def commissure_dh_mm(mesh_mm: np.ndarray) -> float:
    """Left-minus-right mouth-corner height below the inter-pupil line (mm, + = left lower)."""
    il, ir = mesh_mm[T.IRIS_LEFT[0]], mesh_mm[T.IRIS_RIGHT[0]]
    return float((mesh_mm[T.MOUTH_CORNER_LEFT, 1] - il[1])
                 - (mesh_mm[T.MOUTH_CORNER_RIGHT, 1] - ir[1]))


def eye_proportions(f: np.ndarray, *, ipd_over_iris: float = 0.0, mrd1_ipu: float = 0.0,
                    lid_read_gain: float = 1.0) -> np.ndarray:
    """Give a symmetric mm mesh its drawn eye proportions (0 keeps the mesh's own).

    ipd_over_iris : inter-pupil distance over the mean horizontal iris diameter; each
        eye region (iris, lids and the skin around them, Gaussian window of 16 mm) moves
        sideways by half the change, the iris itself fully.
    mrd1_ipu : upper lid margin to pupil centre (margin reflex distance 1) in inter-pupil
        distances; the upper lids (with their skin) are lowered along the blink shape
        (the lower lids stay),
        never raised (a mesh already at or below it is kept). The lowering is divided by
        ``lid_read_gain``: the share of a lowered lid a landmarker reads on the render.
    """
    out = np.array(f, float, copy=True)
    if ipd_over_iris > 0:
        g = Geometry.of(out)
        ipd = float(abs(out[T.IRIS_LEFT[0], 0] - out[T.IRIS_RIGHT[0], 0]))
        half = 0.5 * (ipd_over_iris * iris_diameter_px(out) - ipd)
        for side, sgn in (("left", 1.0), ("right", -1.0)):
            w = _gauss(out, g.eye[side], 16.0)
            w[IRIS[side]] = 1.0
            out[:, 0] += sgn * half * w
    if mrd1_ipu > 0:
        ipd = float(abs(out[T.IRIS_LEFT[0], 0] - out[T.IRIS_RIGHT[0], 0]))
        g = Geometry.of(out)
        for side, lid, pupil in (("right", 159, T.IRIS_RIGHT[0]), ("left", 386, T.IRIS_LEFT[0])):
            shape = _blink(out, g, side)
            shape[EYE_LOWER[side]] = 0.0  # only the upper lid comes down
            mrd1 = float(out[pupil, 1] - out[lid, 1])
            travel = float(shape[lid, 1])
            if travel > 1e-6 and mrd1 > mrd1_ipu * ipd:
                lower = (mrd1 - mrd1_ipu * ipd) / max(lid_read_gain, 0.1)
                out = out + min(lower / travel, 0.8) * shape
    return out
