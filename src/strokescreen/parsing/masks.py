"""Face-parsing training labels drawn from MediaPipe 478 landmarks (pure functions).

Classes (index = value in the label map):

====  ==========  ========================================================================
  0   background  everything not below
  1   skin        face oval minus brows, eyes and mouth
  2   hair        person segmentation outside the face oval and above the pupil line
                  (a proxy: MediaPipe ships a person/selfie segmenter, no hair model)
  3   brows       both eyebrow contours
  4   eyes        both palpebral fissure contours (lid margins)
  5   mouth       outer lip contour (lips and mouth interior)
  6   fpp         facial paralysis part: the weak side's affected skin (see :func:`fpp_region`)
====  ==========  ========================================================================

FPP is drawn over *skin* only, so eyes, brows and mouth keep their part label and FPP
marks where the weak side's skin is: a mouth droop (stroke, central palsy) marks the
lower face half of the weak side, a whole-hemiface weakness (Bell's palsy) the whole
weak hemiface. With ``disease=False`` there is no FPP class (6 classes).

Sides are the subject's: the weak half-plane is the side of the facial midline that holds
that side's mouth corner (61 = right, 291 = left), so mirrored images need no special case.
"""

from __future__ import annotations

import cv2
import numpy as np

from strokescreen.synth import _mesh_tables as T

CLASSES = ("background", "skin", "hair", "brows", "eyes", "mouth", "fpp")
BACKGROUND, SKIN, HAIR, BROWS, EYES, MOUTH, FPP = range(7)
#: colours of the overlay picture (RGB), one per class
PALETTE = np.array([(0, 0, 0), (230, 190, 150), (120, 70, 20), (40, 160, 40), (40, 90, 230),
                    (220, 40, 90), (255, 230, 0)], dtype=np.uint8)

#: FPP region per planted pattern
REGIONS = ("none", "lower_face", "hemiface")
_CORNER = {"right": T.MOUTH_CORNER_RIGHT, "left": T.MOUTH_CORNER_LEFT}
_LID_LOWER = {"right": 145, "left": 374}
_MIDLINE = (10, 168, 6, 197, 195, 5, 4, 1, 2, 164, 0, 17, 152)


def class_names(*, hair: bool = True, disease: bool = True) -> tuple[str, ...]:
    """Class names of a label set (index order)."""
    names = [c for c in CLASSES if (hair or c != "hair") and (disease or c != "fpp")]
    return tuple(names)


def _poly(points: np.ndarray, idx: tuple[int, ...]) -> np.ndarray:
    return np.round(points[list(idx), :2] * 4).astype(np.int32)  # 2 fractional bits


def _fill(shape: tuple[int, int], polys: list[np.ndarray]) -> np.ndarray:
    out = np.zeros(shape, np.uint8)
    cv2.fillPoly(out, polys, (1,), lineType=cv2.LINE_8, shift=2)
    return out.astype(bool)


def part_polygons(points: np.ndarray) -> dict[str, list[np.ndarray]]:
    """Closed contours (fixed-point, 2 fractional bits) of each part from 478 landmarks."""
    p = points
    return {
        "oval": [_poly(p, T.FACE_OVAL)],
        "brows": [_poly(p, b[:5] + b[5:][::-1]) for b in (T.RIGHT_BROW, T.LEFT_BROW)],
        "eyes": [_poly(p, up + lo[::-1][1:-1]) for up, lo in
                 ((T.RIGHT_EYE_UPPER, T.RIGHT_EYE_LOWER), (T.LEFT_EYE_UPPER, T.LEFT_EYE_LOWER))],
        "mouth": [_poly(p, T.LIPS_OUTER_UPPER + T.LIPS_OUTER_LOWER[::-1][1:-1])],
    }


def midline(points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Facial midline as (a point on it, unit direction pointing down the face), pixels."""
    mid = points[list(_MIDLINE), :2].astype(float)
    centre = mid.mean(0)
    _, _, vt = np.linalg.svd(mid - centre)
    d = vt[0]
    if np.dot(points[T.CHIN, :2] - points[T.FOREHEAD, :2], d) < 0:
        d = -d
    return centre, d


def side_of_midline(points: np.ndarray, shape: tuple[int, int]) -> np.ndarray:
    """Per pixel: +1 on the subject's left of the midline, -1 on the right (H, W) int8."""
    centre, d = midline(points)
    normal = np.array([-d[1], d[0]])
    if np.dot(points[_CORNER["left"], :2] - centre, normal) < 0:
        normal = -normal
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    s = (xx + 0.5 - centre[0]) * normal[0] + (yy + 0.5 - centre[1]) * normal[1]
    return np.where(s >= 0, 1, -1).astype(np.int8)


def fpp_region(points: np.ndarray, shape: tuple[int, int], *, side: str,
               region: str) -> np.ndarray:
    """Where the weak side's affected region lies (H, W) bool, before removing parts.

    ``region`` ``lower_face``: the face oval on the weak side below the line through the
    weak side's lower lid, perpendicular to the midline (stroke: forehead spared).
    ``hemiface``: the whole face oval on the weak side (Bell's palsy). ``none``: empty.
    """
    if region == "none" or side not in _CORNER:
        return np.zeros(shape, bool)
    if region not in REGIONS:
        raise ValueError(f"unknown FPP region {region!r}; one of {REGIONS}")
    oval = _fill(shape, part_polygons(points)["oval"])
    sign = side_of_midline(points, shape)
    weak = oval & (sign == (1 if side == "left" else -1))
    if region == "hemiface":
        return weak
    _, d = midline(points)
    lid = points[_LID_LOWER[side], :2]
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    below = (xx + 0.5 - lid[0]) * d[0] + (yy + 0.5 - lid[1]) * d[1] > 0
    return weak & below


def label_map(points: np.ndarray, shape: tuple[int, int], *, hair: np.ndarray | None = None,
              fpp: np.ndarray | None = None) -> np.ndarray:
    """Label map (H, W) uint8 in :data:`CLASSES` order from 478 landmarks (pixels).

    hair : (H, W) bool hair proxy or None (no hair pixels). fpp : (H, W) bool region from
    :func:`fpp_region` or None; it takes the skin pixels inside it.
    """
    polys = part_polygons(points)
    out = np.zeros(shape, np.uint8)
    oval = _fill(shape, polys["oval"])
    if hair is not None:
        out[hair & ~oval] = HAIR
    out[oval] = SKIN
    if fpp is not None:
        out[fpp & oval] = FPP
    for name, value in (("brows", BROWS), ("eyes", EYES), ("mouth", MOUTH)):
        out[_fill(shape, polys[name])] = value
    return out


def hair_proxy(person: np.ndarray, points: np.ndarray) -> np.ndarray:
    """Hair stand-in: person pixels outside the face oval, above the pupil line (H, W) bool.

    person : (H, W) bool person mask from a person segmenter. Ears and a hat count as hair
    here; it is a proxy for the lack of an offline hair segmenter.
    """
    shape = (int(person.shape[0]), int(person.shape[1]))
    oval = _fill(shape, part_polygons(points)["oval"])
    _, d = midline(points)
    pupil = points[[T.IRIS_RIGHT[0], T.IRIS_LEFT[0]], :2].mean(0)
    yy, xx = np.mgrid[: shape[0], : shape[1]]
    above = (xx + 0.5 - pupil[0]) * d[0] + (yy + 0.5 - pupil[1]) * d[1] < 0
    return person & above & ~oval


def depth_map(points: np.ndarray, shape: tuple[int, int], face: np.ndarray) -> np.ndarray:
    """Relative depth (H, W) float32 in face-width units from the mesh z, 0 outside ``face``.

    z of MediaPipe (and of the synthetic truth) grows away from the camera; the map is
    ``(z_max - z) / face width`` linearly interpolated over the mesh (nearer = larger).
    """
    from scipy.interpolate import LinearNDInterpolator, NearestNDInterpolator

    xy = points[:468, :2].astype(float)
    z = points[:468, 2].astype(float)
    width = float(np.ptp(points[list(T.FACE_OVAL), 0])) or 1.0
    v = (z.max() - z) / width
    yy, xx = np.nonzero(face)
    out = np.zeros(shape, np.float32)
    if len(yy) == 0:
        return out
    q = np.column_stack([xx + 0.5, yy + 0.5])
    vals = LinearNDInterpolator(xy, v)(q)
    bad = ~np.isfinite(vals)
    if bad.any():
        vals[bad] = NearestNDInterpolator(xy, v)(q[bad])
    out[yy, xx] = vals
    return out


def merge_classes(labels: np.ndarray, *, hair: bool = True, disease: bool = True) -> np.ndarray:
    """Map a full :data:`CLASSES` label map onto a reduced label set (FPP -> skin, no hair)."""
    lut = np.arange(len(CLASSES))
    if not disease:
        lut[FPP] = SKIN
    if not hair:
        lut[HAIR] = BACKGROUND
    names = class_names(hair=hair, disease=disease)
    remap = {c: names.index(CLASSES[lut[i]]) for i, c in enumerate(range(len(CLASSES)))}
    table = np.array([remap[i] for i in range(len(CLASSES))], np.uint8)
    return table[labels]
