"""Training samples for face parsing: square face crops with labels and depth.

One sample = one frame: the face is cropped square around its landmarks (with room above
for hair), resized to ``size`` pixels, and labelled from the landmarks mapped into the
crop (:mod:`strokescreen.parsing.masks`). The FPP region comes from the planted (or
annotated) weakness of the recording: :func:`fpp_spec`, drawn on a crop only where the
crop shows it: :func:`droop_visible`.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from strokescreen.parsing import masks as M
from strokescreen.synth import _mesh_tables as T

#: the crop's side as a multiple of the landmarks' larger extent, and its upward shift
CROP_SCALE = 1.6
CROP_SHIFT_UP = 0.12
SEGMENT_SIZE_PX = 192
#: a droop is drawn as FPP only where the crop can show it: the weak mouth corner must sit
#: lower than the other by one crop pixel (below the sampling step nothing is resolved)
#: and by two standard deviations of the normal commissure height asymmetry. That spread
#: is measured on the cohort's own recordings without planted weakness
#: (:func:`normal_dh_sd_mm`); where a cohort has none (no planted truth), the MEEI
#: normals' published RMS of 1.6 mm stands in (docs/face_parsing.md)
VISIBLE_MIN_PX = 1.0
PUBLISHED_DH_SD_MM = 1.6
VISIBLE_SD = 2.0
#: crop geometry: ``box`` = axis-aligned square around the landmarks (labels v1-v2);
#: ``midline`` = rotated so the facial midline is the crop's vertical centre line, so the
#: two halves of the face are mirror images about it and a head roll is not a corner drop
CROP_ALIGNS = ("box", "midline")


def fpp_spec(condition: str, side: str, *, droop_mm: float | None = None,
             exc_loss: float | None = None, severity: str | None = None) -> tuple[str, str]:
    """(side, region) of the planted weakness: ``("", "none")`` for no facial weakness.

    Stroke (central palsy) weakens the lower face and spares the forehead: ``lower_face``,
    unless no facial weakness was planted (droop and excursion loss both 0, or severity
    ``none``); Bell's palsy weakens the whole hemiface: ``hemiface``.
    """
    side = str(side or "").strip().lower()
    condition = str(condition or "").strip().lower()
    if side not in ("left", "right"):
        return "", "none"
    if condition in ("bells_palsy", "bells", "bell's palsy", "peripheral"):
        return side, "hemiface"
    if condition in ("stroke", "central"):
        if droop_mm is not None and exc_loss is not None:
            if (droop_mm or 0) <= 0 and (exc_loss or 0) <= 0:
                return "", "none"
        elif str(severity or "").strip().lower() == "none":
            return "", "none"
        return side, "lower_face"
    return "", "none"


def corner_drop_px(points: np.ndarray, side: str) -> float:
    """How far the ``side`` mouth corner sits below the other one along the facial midline,
    in the pixels of ``points`` (478, 3); negative when it sits higher. 0 for no side."""
    if side not in ("left", "right"):
        return 0.0
    centre, down = M.midline(points)
    left = float(np.dot(points[T.MOUTH_CORNER_LEFT, :2] - centre, down))
    right = float(np.dot(points[T.MOUTH_CORNER_RIGHT, :2] - centre, down))
    return left - right if side == "left" else right - left


def px_per_mm(points: np.ndarray) -> float:
    """Pixels per millimetre of a face with landmarks ``points`` (478, 3), from the iris
    (mean horizontal iris diameter 11.7 mm)."""
    from strokescreen.features.normalise import IRIS_DIAMETER_MM, iris_diameter_px

    return float(iris_diameter_px(points[None])[0]) / IRIS_DIAMETER_MM


def commissure_dh_mm(points: np.ndarray) -> float:
    """How far the subject's left mouth corner sits below the right one along the facial
    midline, in millimetres (negative: the right one is lower)."""
    return corner_drop_px(points, "left") / max(px_per_mm(points), 1e-9)


#: labels v4 measure the corner heights on the face de-rotated to a frontal pose: the
#: head rotation is the rigid fit of these points, which neither a droop nor the jaw
#: moves (nose tip, nose bridge, subnasale, forehead top, the four eye corners), to their
#: canonical frontal positions (:data:`strokescreen.face.pose.CANONICAL_MM`)
STABLE_POSE_POINTS = (1, 168, 2, 10, 33, 133, 362, 263)
#: the label rules: 3 = the corner heights on the 2-D mesh (they follow the head's yaw);
#: 4 = on the 3-D mesh turned frontal (a droop is a property of the face, a turn is not)
LABEL_VERSIONS = (3, 4)


def head_rotation(points: np.ndarray) -> np.ndarray:
    """Rotation (3, 3) of a face with 3-D landmarks ``points`` (478, 3: image x right,
    y down, z away from the camera, z scaled like x) away from the frontal pose, in image
    axes: ``frontal = (points - c) @ R`` undoes it. A rigid (similarity) Procrustes fit of
    :data:`STABLE_POSE_POINTS` to their canonical positions; the scale is not applied."""
    from strokescreen.face.pose import CANONICAL_MM, POSE_INDICES

    index = {int(i): k for k, i in enumerate(POSE_INDICES)}
    canon = CANONICAL_MM[[index[i] for i in STABLE_POSE_POINTS]] * np.array([1.0, -1.0, -1.0])
    obs = np.asarray(points, np.float64)[list(STABLE_POSE_POINTS), :3]
    a = canon - canon.mean(0)
    b = obs - obs.mean(0)
    u, _, vt = np.linalg.svd(a.T @ b)
    d = np.sign(np.linalg.det(u @ vt)) or 1.0
    return (u @ np.diag([1.0, 1.0, d]) @ vt).T  # b ~ s * a @ R.T


def undo_perspective(points: np.ndarray, frame_size: tuple[int, int]) -> np.ndarray:
    """Landmarks ``points`` (478, 3 frame pixels, z = depth scaled like x, 0 at the depth
    where x and y have that scale, as MediaPipe and the synthetic truth give them) as a
    camera without perspective would see them: each point's offset from the line of sight
    to the face grows by its depth behind the face, ``1 + z / f``. The
    focal length ``f`` is the project's pinhole guess, the frame's longer side
    (:func:`strokescreen.face.pose.camera_matrix`; ``frame_size`` = (width, height)); the
    line of sight is taken through the mid-pupil point, a camera aimed at the face (as the
    synthetic cohorts' camera is, and a recording that centres the face nearly is).
    Without this, a turned head's nearer mouth corner, magnified, reads lower or higher
    than the farther one."""
    f = float(max(frame_size))
    p = np.asarray(points, np.float64).copy()
    c = (p[T.IRIS_LEFT[0], :2] + p[T.IRIS_RIGHT[0], :2]) / 2
    p[:, :2] = c + (p[:, :2] - c) * (1.0 + p[:, 2] / f)[:, None]
    return p


def frontal_points(points: np.ndarray) -> np.ndarray:
    """The landmarks ``points`` (478, 3) turned to the frontal pose about their stable
    points' centre (:func:`head_rotation`), same units and axes."""
    p = np.asarray(points, np.float64)
    c = p[list(STABLE_POSE_POINTS), :3].mean(0)
    out = p.copy()
    out[:, :3] = (p[:, :3] - c) @ head_rotation(p) + c
    return out


def face_dh_mm(points: np.ndarray, *, labels: int = 4,
               frame_size: tuple[int, int] | None = None) -> float:
    """The commissure height difference (left minus right, mm) the FPP labels ``labels``
    measure: v4 on the face turned frontal (:func:`frontal_points`; with ``frame_size``
    (width, height) of the frame ``points`` are in, perspective undone first,
    :func:`undo_perspective`), v3 on the 2-D mesh as it appears (:func:`commissure_dh_mm`)."""
    if labels not in LABEL_VERSIONS:
        raise ValueError(f"unknown label version {labels!r}; one of {LABEL_VERSIONS}")
    if labels == 3:
        return commissure_dh_mm(points)
    if frame_size is not None:
        points = undo_perspective(points, frame_size)
    return commissure_dh_mm(frontal_points(points))


def normal_dh_sd_mm(dh_mm: np.ndarray) -> float:
    """The normal spread of the commissure height difference: the root mean square of
    ``dh_mm`` (mm, frames of faces without weakness) about 0, since a normal face has no
    preferred side (the MEEI normals report the same statistic, RMS 1.6 mm)."""
    v = np.asarray(dh_mm, float)
    v = v[np.isfinite(v)]
    if len(v) == 0:
        raise ValueError("no finite commissure height difference to measure a spread on")
    return float(np.sqrt(np.mean(v ** 2)))


def droop_visible(points: np.ndarray, side: str, *, min_px: float = VISIBLE_MIN_PX,
                  normal_sd_mm: float = PUBLISHED_DH_SD_MM, labels: int = 4,
                  dh_mm: float | None = None) -> bool:
    """Whether a crop with landmarks ``points`` (crop pixels) shows the ``side`` droop.

    The weak corner must sit lower than the other in the crop by at least ``min_px`` (the
    crop must show it), and in the face by ``VISIBLE_SD`` x ``normal_sd_mm`` (the normal
    spread). Labels v4 measure the face's difference without the head's pose: ``dh_mm``
    (left minus right, mm, :func:`face_dh_mm` on the frame, perspective undone) or, when
    not given, :func:`face_dh_mm` on ``points``; so a head turn is not read as a droop.
    Labels v3 measure it on the 2-D crop (converted with the iris, 11.7 mm). A planted
    droop that the crop cannot show is not drawn, so the network is not taught to mark a
    region it cannot see (it would learn the subject instead).
    """
    if side not in ("left", "right"):
        return False
    drop_px = corner_drop_px(points, side)
    if labels == 3:
        return drop_px >= max(min_px, VISIBLE_SD * normal_sd_mm * px_per_mm(points))
    if dh_mm is None:
        dh_mm = face_dh_mm(points, labels=labels)
    sign = 1.0 if side == "left" else -1.0
    return drop_px >= min_px and sign * dh_mm >= VISIBLE_SD * normal_sd_mm


def crop_transform(points: np.ndarray, size: int, *, align: str = "box") -> np.ndarray:
    """2x3 similarity mapping image pixels onto a ``size`` x ``size`` face crop.

    align ``box``: axis-aligned, centred on the landmarks' bounding box. ``midline``:
    rotated so the facial midline (:func:`strokescreen.parsing.masks.midline`) points
    straight down and lies on the crop's vertical centre line ``x = size / 2``, so the
    face's halves are mirrored about the crop centre whatever the head roll. Either way the
    side is ``CROP_SCALE`` x the landmarks' larger extent, shifted up for the hair.
    """
    if align not in CROP_ALIGNS:
        raise ValueError(f"unknown crop alignment {align!r}; one of {CROP_ALIGNS}")
    xy = points[:, :2].astype(np.float64)
    if align == "box":
        rot = np.eye(2)
    else:
        _, d = M.midline(points)
        rot = np.array([[d[1], -d[0]], [d[0], d[1]]])  # d -> (0, 1), a proper rotation
    q = xy @ rot.T
    lo, hi = q.min(0), q.max(0)
    side = CROP_SCALE * float(max(hi - lo))
    cx, cy = (lo + hi) / 2
    if align == "midline":
        centre, _ = M.midline(points)
        cx = float(rot[0] @ centre)
    cy -= CROP_SHIFT_UP * side
    s = size / max(side, 1.0)
    lin = s * rot
    return np.array([[lin[0, 0], lin[0, 1], size / 2 - s * cx],
                     [lin[1, 0], lin[1, 1], size / 2 - s * cy]], np.float64)


def map_points(points: np.ndarray, affine: np.ndarray) -> np.ndarray:
    """Landmarks (n, 3) through a 2x3 similarity; z scales with x and y."""
    out = points.astype(np.float64).copy()
    out[:, :2] = points[:, :2] @ affine[:, :2].T + affine[:, 2]
    out[:, 2] = points[:, 2] * float(np.hypot(*affine[0, :2]))
    return out.astype(np.float32)


def crop(image: np.ndarray, affine: np.ndarray, size: int) -> np.ndarray:
    scale = float(np.hypot(affine[0, 0], affine[1, 0]))
    return cv2.warpAffine(image, affine, (size, size), flags=cv2.INTER_AREA
                          if scale < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)


def crop_person_mask(image: np.ndarray, affine: np.ndarray, size: int,
                     segmenter) -> np.ndarray:
    """(size, size) bool person mask of the crop ``affine`` cuts from ``image``: the same
    crop cut at :data:`SEGMENT_SIZE_PX` for the segmenter (``segment(rgb) -> mask``), its
    mask area-resampled to ``size`` and thresholded at one half (as the hair label does)."""
    big = crop(image, affine * (SEGMENT_SIZE_PX / size), SEGMENT_SIZE_PX)
    person = np.asarray(segmenter.segment(big), np.float32)
    return cv2.resize(person, (size, size), interpolation=cv2.INTER_AREA) > 0.5


@dataclass
class Sample:
    """One labelled crop. image (S, S, 3) uint8; labels (S, S) uint8; depth (S, S) float32;
    points (478, 3) crop pixels."""

    image: np.ndarray
    labels: np.ndarray
    depth: np.ndarray
    points: np.ndarray
    fpp_drawn: bool = False
    #: left minus right corner height (mm) as the label rule measured it
    dh_mm: float = float("nan")


def make_sample(image: np.ndarray, points: np.ndarray, *, size: int, side: str = "",
                region: str = "none", segmenter=None, visible_only: bool = True,
                normal_sd_mm: float = PUBLISHED_DH_SD_MM, align: str = "box",
                labels: int = 4) -> Sample:
    """Crop ``image`` around ``points`` (478, 3 pixels) and label it.

    segmenter : object with ``segment(rgb) -> bool mask`` for the hair proxy, or None.
    visible_only : draw the FPP only when the crop shows the droop (:func:`droop_visible`,
    with the normal spread ``normal_sd_mm`` and the label rule ``labels``, 3 or 4).
    align : crop geometry (:func:`crop_transform`).
    """
    affine = crop_transform(points, size, align=align)
    img = crop(image, affine, size)
    pts = map_points(points, affine)
    hair = None
    if segmenter is not None:
        hair = M.hair_proxy(crop_person_mask(image, affine, size, segmenter), pts)
    h, w = image.shape[:2]
    dh = face_dh_mm(points, labels=labels, frame_size=(w, h))
    draw = region != "none" and (not visible_only or droop_visible(
        pts, side, normal_sd_mm=normal_sd_mm, labels=labels, dh_mm=dh))
    fpp = M.fpp_region(pts, (size, size), side=side, region=region) if draw else None
    label_map = M.label_map(pts, (size, size), hair=hair, fpp=fpp)
    face = (label_map != M.BACKGROUND) & (label_map != M.HAIR)
    depth = M.depth_map(pts, (size, size), face)
    return Sample(img, label_map, depth, pts, bool(draw), dh)


def pick_frames(n_frames: int, k: int, *, usable: np.ndarray | None = None) -> np.ndarray:
    """``k`` frame indices spread evenly over the usable frames of a recording."""
    idx = np.arange(n_frames) if usable is None else np.flatnonzero(usable)
    if len(idx) <= k:
        return idx
    return idx[np.round(np.linspace(0, len(idx) - 1, k)).astype(int)]
