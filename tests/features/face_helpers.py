"""Landmark builders for facial-measure tests: real faces made symmetric, rolled, edited."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from strokescreen.face.schemes import MIRROR_IBUG68, MIRROR_MP478, named_points, to_ibug68
from strokescreen.features.normalise import IRIS_DIAMETER_MM, iris_diameter_px


@lru_cache(maxsize=1)
def astronaut_mp478() -> np.ndarray:
    """MediaPipe 478 landmarks (pixels) of skimage's astronaut portrait (cached)."""
    from skimage import data

    from strokescreen.features.photo import PhotoLandmarker

    with PhotoLandmarker() as lm:
        pts = lm(data.astronaut())
    assert pts is not None, "MediaPipe found no face in astronaut()"
    return pts


def _frame(lm: np.ndarray, scheme: str) -> tuple[np.ndarray, np.ndarray]:
    p = named_points(lm, scheme=scheme)
    pr, pl = p["pupil_r"][:2], p["pupil_l"][:2]
    d = pl - pr
    theta = np.arctan2(d[1], d[0])
    return (pr + pl) / 2, np.array([[np.cos(theta), np.sin(theta)],
                                    [-np.sin(theta), np.cos(theta)]])


def symmetric_face(lm: np.ndarray, scheme: str) -> np.ndarray:
    """The face averaged with its mirror image: upright, exactly left/right symmetric."""
    lm = np.asarray(lm, float).copy()
    centre, rot = _frame(lm, scheme)
    xy = (lm[:, :2] - centre) @ rot.T  # pupils on the x axis
    bridge = named_points(np.c_[xy, lm[:, 2:]], scheme=scheme)["nose_bridge"][0]
    perm = MIRROR_MP478[: len(lm)] if scheme == "mp478" else MIRROR_IBUG68
    mirrored = xy[perm].copy()
    mirrored[:, 0] = 2 * bridge - mirrored[:, 0]
    out = lm.copy()
    out[:, :2] = (xy + mirrored) / 2 + np.array([256.0, 256.0])
    if lm.shape[1] == 3:
        out[:, 2] = (lm[:, 2] + lm[perm, 2]) / 2
    return out


def rotate(lm: np.ndarray, deg: float, centre=(200.0, 150.0)) -> np.ndarray:
    """Rotate landmarks in the image plane by ``deg`` about ``centre`` (pixels)."""
    a = np.radians(deg)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out = np.asarray(lm, float).copy()
    out[..., :2] = (out[..., :2] - centre) @ rot.T + centre
    return out


def face_down(lm: np.ndarray, scheme: str) -> np.ndarray:
    """Unit vector (image pixels) pointing from the pupil line towards the chin."""
    _, rot = _frame(lm, scheme)
    return rot[1]  # second row of the rotation = image direction of the face's +y


def mm_per_px(lm478: np.ndarray) -> float:
    """Millimetres per pixel from the iris diameter (11.7 mm)."""
    return IRIS_DIAMETER_MM / float(iris_diameter_px(lm478[None])[0])


def symmetric_ibug68() -> np.ndarray:
    """A symmetric iBUG-68 face (pixels), from the astronaut's MediaPipe mesh."""
    return symmetric_face(to_ibug68(astronaut_mp478())[:, :2], "ibug68")
