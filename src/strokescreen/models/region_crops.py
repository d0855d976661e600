"""Region crops of the stabilised face: eyes, nose and mouth, left against right.

The preprocessing stage writes one stabilised face crop per kept frame (``crops.npz``;
:mod:`strokescreen.preprocess.stabilise` maps the eyes and mouth onto fixed template
positions). The landmarks of ``frames.parquet`` are in the *video frame's* pixels; the
same smoothed similarity transform that made the crop takes them into the crop
(:func:`crop_landmarks`). From them, per kept frame, three left/right region pairs:

- ``eye``: a square box centred on each eye (the pupil, or the eye ring without iris),
  side ``EYE_BOX_IOD`` x the inter-ocular distance (iod);
- ``nose``: a box centred on the face midline at the nose tip's height, split at the
  midline into its two halves;
- ``mouth``: a box centred on the midline at the mouth corners' mean height, split at
  the midline.

The midline is the vertical through the midpoint of the pupils (the stabilised crop has
the eyes level). Each pair is returned as (subject's left, subject's right) with the
right one mirrored, so both show the same anatomical side and a shared (Siamese)
encoder can compare them: for a mirror-symmetric face the two patches are identical.
The subject's right appears at small x (image left) in an unmirrored frame, so the
*image-left* patch is the one flipped.

Pure functions: arrays in, arrays out. Coordinates are pixel *edges* (pixel ``i`` spans
``[i, i+1)``); a mirror about the edge ``m`` maps ``x`` to ``2 m - x``.
"""

from __future__ import annotations

import numpy as np

from strokescreen.preprocess.stabilise import TEMPLATE, as_matrix, frame_transform, smooth_params

REGIONS = ("eye", "nose", "mouth")
#: Box sizes as multiples of the inter-ocular distance (pupil to pupil). An adult eye is
#: about half the inter-ocular distance wide; the boxes keep the lids and some margin.
EYE_BOX_IOD = 0.7
NOSE_BOX_IOD = (0.8, 0.7)  # (width of both halves together, height)
MOUTH_BOX_IOD = (1.2, 0.6)
#: Template positions (fractions of the crop side) used when a frame has no landmarks:
#: the stabilised crop puts the eyes and the mouth centre there by construction.
_NOSE_Y_FRACTION = 0.60


def crop_transforms(landmarks: np.ndarray, *, crop_px: int, smooth_frames: int) -> np.ndarray:
    """(n_frames, 4) smoothed similarity parameters (a, b, tx, ty) of every frame, as the
    preprocessing stage computed them for its crops (NaN where no face).

    landmarks : (n_frames, n_points, 2|3) frame pixels, NaN rows where no face.
    """
    lm = np.asarray(landmarks, dtype=np.float64)
    raw = np.full((len(lm), 4), np.nan)
    for i, pts in enumerate(lm):
        if np.all(np.isfinite(pts[:, :2])):
            raw[i] = frame_transform(pts[:, :2], crop_px=crop_px)
    return np.stack([smooth_params(raw, i, window=smooth_frames) for i in range(len(raw))]) \
        if len(raw) else raw


def to_crop(points: np.ndarray, params: np.ndarray) -> np.ndarray:
    """Points (k, 2) frame pixels -> crop pixels under similarity ``params`` (a, b, tx, ty)."""
    m = as_matrix(np.asarray(params, dtype=np.float64))
    pts = np.asarray(points, dtype=np.float64)[:, :2]
    return pts @ m[:, :2].T + m[:, 2]


def crop_landmarks(landmarks: np.ndarray, index: np.ndarray, *, crop_px: int,
                   smooth_frames: int = 5) -> np.ndarray:
    """Landmarks of the kept frames in crop pixels: (n_kept, n_points, 2), NaN where the
    frame had no face.

    landmarks : (n_frames, n_points, 2|3) frame pixels; index : (n_kept,) frame numbers
    of the crops.
    """
    params = crop_transforms(landmarks, crop_px=crop_px, smooth_frames=smooth_frames)
    out = np.full((len(index), landmarks.shape[1], 2), np.nan)
    for k, i in enumerate(np.asarray(index, dtype=np.int64)):
        if 0 <= i < len(params) and np.all(np.isfinite(params[i])):
            out[k] = to_crop(landmarks[i], params[i])
    return out


def region_geometry(points: np.ndarray | None, *, crop_px: int) -> dict[str, np.ndarray]:
    """Anchor points of the regions in crop pixels, from one frame's crop landmarks.

    points : (n_points, 2) crop pixels (478/468 MediaPipe or 68 iBUG), or None (or
        non-finite) to use the stabilisation template's positions.
    Returns ``pupil_r``, ``pupil_l``, ``nose``, ``mouth`` (each (2,) x, y) and ``iod``
    ((1,) pixels).
    """
    geo = None
    if points is not None and np.all(np.isfinite(points)):
        from strokescreen.face.schemes import named_points, scheme_of

        try:
            named = named_points(points, scheme=scheme_of(points))
        except Exception:  # noqa: BLE001 - an unknown layout falls back to the template
            named = None
        if named is not None:
            mouth = (named["mouth_corner_r"] + named["mouth_corner_l"]) / 2
            geo = {"pupil_r": named["pupil_r"], "pupil_l": named["pupil_l"],
                   "nose": named["nose_tip"], "mouth": mouth}
    if geo is None:
        t = TEMPLATE * crop_px
        geo = {"pupil_r": t[0], "pupil_l": t[1], "mouth": t[2],
               "nose": np.array([t[:2, 0].mean(), _NOSE_Y_FRACTION * crop_px])}
    geo = {k: np.asarray(v, dtype=np.float64)[:2] for k, v in geo.items()}
    geo["iod"] = np.array([max(float(np.linalg.norm(geo["pupil_l"] - geo["pupil_r"])), 4.0)])
    return geo


def _take(image: np.ndarray, x0: int, y0: int, w: int, h: int) -> np.ndarray:
    """image[y0:y0+h, x0:x0+w] with edge pixels repeated outside the image."""
    hh, ww = image.shape[:2]
    ys = np.clip(np.arange(y0, y0 + h), 0, hh - 1)
    xs = np.clip(np.arange(x0, x0 + w), 0, ww - 1)
    return image[ys[:, None], xs[None, :]]


def _resize(patch: np.ndarray, px: int) -> np.ndarray:
    import cv2

    if patch.shape[:2] == (px, px):
        return np.ascontiguousarray(patch)
    down = patch.shape[0] > px or patch.shape[1] > px
    return cv2.resize(patch, (px, px), interpolation=cv2.INTER_AREA if down else cv2.INTER_LINEAR)


def region_boxes(geo: dict[str, np.ndarray]) -> dict[str, tuple[tuple[int, int, int, int],
                                                              tuple[int, int, int, int]]]:
    """Integer boxes (x0, y0, w, h) per region: (subject's left, subject's right).

    The subject's left is at larger x. The nose and mouth halves meet at the midline
    (rounded to a pixel edge), so a face symmetric about that edge gives mirror-image
    boxes.
    """
    iod = float(geo["iod"][0])
    mid = int(round((geo["pupil_r"][0] + geo["pupil_l"][0]) / 2))
    side = max(2, int(round(EYE_BOX_IOD * iod)))

    def centred(c: np.ndarray) -> tuple[int, int, int, int]:
        return (int(round(c[0] - side / 2)), int(round(c[1] - side / 2)), side, side)

    boxes = {"eye": (centred(geo["pupil_l"]), centred(geo["pupil_r"]))}
    for name, (fw, fh) in (("nose", NOSE_BOX_IOD), ("mouth", MOUTH_BOX_IOD)):
        half = max(2, int(round(fw * iod / 2)))
        h = max(2, int(round(fh * iod)))
        y0 = int(round(geo[name][1] - h / 2))
        boxes[name] = ((mid, y0, half, h), (mid - half, y0, half, h))
    return boxes


def region_pairs(crop: np.ndarray, points: np.ndarray | None, *, patch_px: int) -> np.ndarray:
    """The left/right patches of one stabilised crop, the subject's right mirrored.

    crop : uint8 (C, C, 3) stabilised face crop; points : (n_points, 2) its landmarks in
    crop pixels, or None for the template positions; patch_px : side of each patch.
    Returns uint8 (3, 2, patch_px, patch_px, 3): regions in :data:`REGIONS` order, then
    (subject's left, subject's right mirrored). Each box is cut at full resolution,
    mirrored when it is a right one and only then resized, so a symmetric face gives
    bit-identical pairs.
    """
    geo = region_geometry(points, crop_px=crop.shape[0])
    boxes = region_boxes(geo)
    out = np.empty((len(REGIONS), 2, patch_px, patch_px, 3), np.uint8)
    for r, name in enumerate(REGIONS):
        left, right = boxes[name]
        out[r, 0] = _resize(_take(crop, *left), patch_px)
        out[r, 1] = _resize(np.ascontiguousarray(_take(crop, *right)[:, ::-1]), patch_px)
    return out
