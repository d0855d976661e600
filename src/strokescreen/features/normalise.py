"""Landmark normalisation for facial measures: roll removed, pupil-centred, IPU and mm.

Every facial measure is computed in one face-centred frame per video frame:

- origin at the midpoint of the two pupils;
- x along the inter-pupil line, from the subject's right pupil towards the left one
  (so x grows towards the subject's LEFT whether or not the image is mirrored);
- y perpendicular to it, growing downwards (towards the chin), i.e. head roll removed;
- lengths in inter-pupil units (IPU: 1 = this frame's pupil-to-pupil distance);
- the facial midline is the perpendicular to the inter-pupil line through the nose bridge
  (``midline_x``).

Millimetres: with iris landmarks (MediaPipe 478) the scale comes from the mean horizontal
iris diameter, 11.7 mm in adults; the subject's inter-pupil distance in mm is the median
over frames of ``ipd_px * 11.7 / iris_px``. Without iris points a population inter-pupil
distance of 63 mm is assumed (adult mean, roughly 61-65 mm by sex). One ``ipd_mm`` per
sequence, so ``mm = IPU * ipd_mm``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from strokescreen.face.schemes import MP_IRIS, has_iris, named_points

IRIS_DIAMETER_MM = 11.7
POPULATION_IPD_MM = 63.0


@dataclass(frozen=True)
class NormalisedFace:
    """Named points of a landmark sequence in the face-centred frame.

    points : dict name -> ndarray, shape (n_frames, 2), IPU (x towards subject's left, y down)
    ipd_px : ndarray, shape (n_frames,), inter-pupil distance in the input unit (pixels)
    roll_deg : ndarray, shape (n_frames,), angle of the right->left pupil line in the image
        (y down), degrees; positive when the subject's left pupil is lower in the image
    midline_x : ndarray, shape (n_frames,), x of the facial midline (nose bridge), IPU
    ipd_mm : float, the subject's inter-pupil distance in mm (one per sequence)
    scale_source : "iris" or "population"
    """

    points: dict[str, np.ndarray]
    ipd_px: np.ndarray
    roll_deg: np.ndarray
    midline_x: np.ndarray
    ipd_mm: float
    scale_source: str

    @property
    def n_frames(self) -> int:
        return int(self.ipd_px.shape[0])


def iris_diameter_px(landmarks: np.ndarray) -> np.ndarray:
    """Mean horizontal iris diameter of both eyes, from MediaPipe iris rim points.

    landmarks : ndarray, shape (n_frames, 478, D), pixels -> ndarray (n_frames,), pixels
    """
    arr = np.asarray(landmarks, dtype=float)[..., :2]
    diam = []
    for side in ("r", "l"):
        _, a, _, b, _ = MP_IRIS[side]  # rim points at image +x and image -x
        diam.append(np.linalg.norm(arr[:, a] - arr[:, b], axis=-1))
    return np.mean(diam, axis=0)


def subject_ipd_mm(landmarks: np.ndarray, ipd_px: np.ndarray, *, scheme: str) -> tuple[float, str]:
    """The subject's inter-pupil distance in mm and where the scale came from.

    Iris scale when iris points exist and give a finite value, else 63 mm (population).
    """
    if has_iris(landmarks, scheme=scheme):
        with np.errstate(invalid="ignore", divide="ignore"):
            per_frame = ipd_px * IRIS_DIAMETER_MM / iris_diameter_px(landmarks)
        per_frame = per_frame[np.isfinite(per_frame) & (per_frame > 0)]
        if per_frame.size:
            return float(np.median(per_frame)), "iris"
    return POPULATION_IPD_MM, "population"


def normalise_face(landmarks: np.ndarray, *, scheme: str) -> NormalisedFace:
    """Normalise a landmark sequence (or one frame) into the face-centred frame.

    Parameters
    ----------
    landmarks : ndarray, shape (n_frames, n_points, D) or (n_points, D), pixels; frames
        without a face are all-NaN and give NaN everywhere.
    scheme : "mp478" or "ibug68"
    """
    arr = np.asarray(landmarks, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    raw = {k: v[..., :2] for k, v in named_points(arr, scheme=scheme).items()}
    pr, pl = raw["pupil_r"], raw["pupil_l"]
    centre = (pr + pl) / 2.0
    d = pl - pr
    ipd_px = np.hypot(d[:, 0], d[:, 1])
    theta = np.arctan2(d[:, 1], d[:, 0])
    c, s = np.cos(theta), np.sin(theta)
    with np.errstate(invalid="ignore", divide="ignore"):
        inv = 1.0 / ipd_px
    points = {}
    for name, p in raw.items():
        q = p - centre
        # rotate by -theta: the right->left pupil vector becomes +x
        x = (q[:, 0] * c + q[:, 1] * s) * inv
        y = (-q[:, 0] * s + q[:, 1] * c) * inv
        points[name] = np.stack([x, y], axis=-1)
    ipd_mm, source = subject_ipd_mm(arr, ipd_px, scheme=scheme)
    return NormalisedFace(
        points=points,
        ipd_px=ipd_px,
        roll_deg=np.degrees(theta),
        midline_x=points["nose_bridge"][:, 0],
        ipd_mm=ipd_mm,
        scale_source=source,
    )
