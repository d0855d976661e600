"""Real face landmarks with planted changes: a commissure droop of N mm, a 3-D head yaw."""

from __future__ import annotations

import numpy as np

from strokescreen.features.asymmetry import asymmetry_scores
from strokescreen.features.face_measures import MEASURES, face_measures
from tests.helpers import real_file

# Generic depth (mm, towards the camera, nose tip 0) of the 68 iBUG points, mirror-
# symmetric, after the canonical 3-D face of strokescreen.face.pose (eye corners, nose,
# mouth corners, chin) with the jaw, brows and lips filled in from facial anthropometry.
_JAW = np.interp(np.abs(np.arange(17) - 8), [0, 4, 8], [-27.0, -45.0, -95.0])
_BROW = np.array([-60.0, -45.0, -36.0, -31.0, -29.0])
DEPTH_MM = np.r_[
    _JAW, _BROW, _BROW[::-1],
    [-27.4, -18.0, -9.0, 0.0],  # nose bridge to tip
    [-16.0, -12.0, -14.6, -12.0, -16.0],  # nostrils
    [-48.6, -42.0, -41.0, -43.1, -41.0, -42.0],  # right eye
    [-43.1, -41.0, -42.0, -48.6, -42.0, -41.0],  # left eye
    [-35.9, -28.0, -22.0, -20.0, -22.0, -28.0, -35.9, -29.0, -24.0, -22.0, -24.0, -29.0],
    [-34.0, -25.0, -23.0, -25.0, -34.0, -25.0, -23.0, -25.0],  # inner lips
]
POPULATION_IPD_MM = 63.0


def read_pts(path) -> np.ndarray:
    body = path.read_text().split("{", 1)[1].split("}", 1)[0]
    return np.array(body.split(), dtype=float).reshape(68, 2)


def takeo_landmarks() -> np.ndarray:
    """takeo.pts (68 hand-placed iBUG points, pixels); skips when the file is absent."""
    return read_pts(real_file("landmarks", "takeo.pts"))


def _ipd_px(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[36:42].mean(0) - lm[42:48].mean(0)))


def static_values(lm: np.ndarray) -> dict[str, float]:
    per_frame = face_measures(lm, scheme="ibug68")
    return {k: float(v[0]) for k, v in per_frame.items()
            if k in MEASURES and not MEASURES[k].dynamic}


def scores(lm: np.ndarray) -> dict[str, float]:
    return {k: float(v) for k, v in asymmetry_scores(static_values(lm)).items()}


def droop(lm: np.ndarray, mm: float) -> np.ndarray:
    """The subject's right commissure (outer 48, inner 60) moved down by ``mm``."""
    out = lm.copy()
    out[[48, 60], 1] += mm * _ipd_px(lm) / POPULATION_IPD_MM
    return out


def yaw(lm: np.ndarray, deg: float) -> np.ndarray:
    """Landmarks lifted to 3-D with DEPTH_MM, turned by ``deg`` about the vertical axis."""
    centre = lm.mean(0)
    z = DEPTH_MM * _ipd_px(lm) / 61.8  # pupils 61.8 mm apart in the canonical face
    a = np.radians(deg)
    out = lm.copy()
    out[:, 0] = centre[0] + (lm[:, 0] - centre[0]) * np.cos(a) + z * np.sin(a)
    return out
