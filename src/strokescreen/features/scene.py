"""What a stabilised face crop shows besides the face: background statistics, and the
masks and mirror that the shortcut check (``strokescreen shortcut-check``) applies.

Crops put the eye centres at (0.35, 0.40) and (0.65, 0.40) and the mouth centre at
(0.50, 0.75) of the crop (:data:`strokescreen.preprocess.stabilise.TEMPLATE`), so the
face's place in every crop is known without landmarks:

- the **face** is the ellipse centred at (0.50, 0.58) with half-axes 0.34 x 0.44 of the
  crop (2.3 inter-pupil distances wide: cheek to cheek; brow to chin);
- the **facial regions** are boxes around each eye (0.22 x 0.14), the nose (0.16 x 0.18)
  and the mouth (0.36 x 0.18);
- the **background** is the crop outside the face ellipse (hair, neck, the room).

Scene features (``scene_*`` columns, in [0, 1] units of full scale) are statistics of the
background: its mean luma and colour, and ``scene_light_lr``, the mean luma of the
background in the subject's left half of the crop (the image's right half) minus that in
the right half; mirroring the crop flips its sign. No default model reads them (the
classical factories read them with ``scene=True``): they exist so that a model can be
made to cheat on a cohort with a planted lighting shortcut and be caught.
"""

from __future__ import annotations

import numpy as np

FACE_ELLIPSE = (0.50, 0.58, 0.34, 0.44)  # centre x, y, half-axes x, y (crop fractions)
REGION_BOXES = {  # centre x, y, width, height (crop fractions)
    "right_eye": (0.35, 0.40, 0.22, 0.14),
    "left_eye": (0.65, 0.40, 0.22, 0.14),
    "nose": (0.50, 0.57, 0.16, 0.18),
    "mouth": (0.50, 0.75, 0.36, 0.18),
}
NEUTRAL = 128  # grey that masked pixels are set to
SCENE_COLUMNS = ("scene_luma", "scene_light_lr", "scene_r", "scene_g", "scene_b")


def face_mask(px: int) -> np.ndarray:
    """Boolean (px, px), True inside the face ellipse of a px x px crop."""
    cx, cy, ax, ay = FACE_ELLIPSE
    yy, xx = np.mgrid[0:px, 0:px]
    u = ((xx + 0.5) / px - cx) / ax
    v = ((yy + 0.5) / px - cy) / ay
    return (u * u + v * v) <= 1.0


def region_mask(px: int) -> np.ndarray:
    """Boolean (px, px), True inside the eye, nose and mouth boxes of a px x px crop."""
    yy, xx = np.mgrid[0:px, 0:px]
    x, y = (xx + 0.5) / px, (yy + 0.5) / px
    out = np.zeros((px, px), dtype=bool)
    for cx, cy, w, h in REGION_BOXES.values():
        out |= (np.abs(x - cx) <= w / 2) & (np.abs(y - cy) <= h / 2)
    return out


def perturb_crops(crops: np.ndarray, kind: str) -> np.ndarray:
    """A perturbed copy of ``crops`` (uint8, (n, px, px, 3)).

    kind : "face-masked" (eye, nose and mouth boxes grey), "background-only" (the whole
    face ellipse grey), "background-masked" (everything outside the face ellipse grey) or
    "mirrored" (left and right swapped; the crop template is symmetric, so the mirrored
    crop is the crop of the mirrored face).
    """
    out = np.array(crops, dtype=np.uint8, copy=True)
    if out.ndim != 4 or out.shape[1] != out.shape[2]:
        raise ValueError(f"crops must be (n, px, px, 3); got {out.shape}")
    px = out.shape[1]
    if kind == "mirrored":
        return np.ascontiguousarray(out[:, :, ::-1])
    if kind == "face-masked":
        mask = region_mask(px)
    elif kind == "background-only":
        mask = face_mask(px)
    elif kind == "background-masked":
        mask = ~face_mask(px)
    else:
        raise ValueError(f"unknown crop perturbation {kind!r}")
    out[:, mask] = NEUTRAL
    return out


def scene_features(crops: np.ndarray | None, *, max_frames: int = 32) -> dict[str, float]:
    """Background statistics of a case's crops (uint8, (n, px, px, 3) RGB), medians over up
    to ``max_frames`` frames spread over the clip; NaN for every column without crops.

    Returns ``scene_luma``, ``scene_light_lr`` (subject's left half minus right half),
    ``scene_r``, ``scene_g``, ``scene_b``, all in units of full scale (0..1).
    """
    if crops is None or len(crops) == 0:
        return {c: float("nan") for c in SCENE_COLUMNS}
    crops = np.asarray(crops)
    pick = np.unique(np.linspace(0, len(crops) - 1, min(max_frames, len(crops))).astype(int))
    px = crops.shape[1]
    bg = ~face_mask(px)
    left_subject = np.zeros((px, px), dtype=bool)
    left_subject[:, px // 2:] = True  # the subject's left is the image's right
    rows = []
    for i in pick:
        f = crops[i].astype(np.float32) / 255.0
        luma = 0.299 * f[..., 0] + 0.587 * f[..., 1] + 0.114 * f[..., 2]
        lr = luma[bg & left_subject].mean() - luma[bg & ~left_subject].mean()
        rgb = f[bg].mean(axis=0)
        rows.append((luma[bg].mean(), lr, *rgb))
    med = np.median(np.asarray(rows), axis=0)
    return {c: float(v) for c, v in zip(SCENE_COLUMNS, med, strict=True)}
