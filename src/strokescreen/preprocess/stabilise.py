"""Stabilised face crops: similarity transforms from landmarks, smoothed over time.

Each frame's transform maps three anchor points (the two eye centres and the mouth
centre) onto fixed template positions in the crop. Transforms are written as
(a, b, tx, ty) with matrix [[a, -b, tx], [b, a, ty]] and smoothed with a centred
sliding mean over neighbouring frames that have a face, which removes landmark jitter
without lagging behind real head motion.
"""

from __future__ import annotations

import cv2
import numpy as np

# Anchor landmarks per scheme: (right eye centre, left eye centre, mouth centre) as
# lists of indices averaged together. Right/left are the subject's own.
ANCHORS = {
    478: ([468], [473], [13, 14, 61, 291]),
    68: (list(range(36, 42)), list(range(42, 48)), [48, 54, 62, 66]),
}
# Template positions as fractions of the crop size (x, y).
TEMPLATE = np.array([[0.35, 0.40], [0.65, 0.40], [0.50, 0.75]])


def anchor_points(points: np.ndarray) -> np.ndarray:
    """(3, 2) anchor points (right eye, left eye, mouth) of one face, pixels."""
    right, left, mouth = ANCHORS[len(points)]
    return np.stack([points[right, :2].mean(0), points[left, :2].mean(0),
                     points[mouth, :2].mean(0)])


def similarity_params(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares similarity (a, b, tx, ty) mapping src (k, 2) onto dst (k, 2)."""
    mu_s, mu_d = src.mean(0), dst.mean(0)
    s, d = src - mu_s, dst - mu_d
    denom = float((s ** 2).sum())
    if denom <= 0:
        return np.array([np.nan] * 4)
    a = float((s[:, 0] * d[:, 0] + s[:, 1] * d[:, 1]).sum()) / denom
    b = float((s[:, 0] * d[:, 1] - s[:, 1] * d[:, 0]).sum()) / denom
    tx = mu_d[0] - (a * mu_s[0] - b * mu_s[1])
    ty = mu_d[1] - (b * mu_s[0] + a * mu_s[1])
    return np.array([a, b, tx, ty])


def frame_transform(points: np.ndarray, *, crop_px: int) -> np.ndarray:
    """(a, b, tx, ty) taking one frame's face onto the crop template."""
    return similarity_params(anchor_points(points), TEMPLATE * crop_px)


def smooth_params(params: np.ndarray, i: int, *, window: int) -> np.ndarray:
    """Centred mean of finite transform parameters around frame i. params (n, 4)."""
    h = window // 2
    lo, hi = max(i - h, 0), min(i + h + 1, len(params))
    block = params[lo:hi]
    block = block[np.all(np.isfinite(block), axis=1)]
    return block.mean(axis=0) if len(block) else params[i]


def as_matrix(p: np.ndarray) -> np.ndarray:
    a, b, tx, ty = p
    return np.array([[a, -b, tx], [b, a, ty]], dtype=np.float64)


def crop(image: np.ndarray, p: np.ndarray, *, crop_px: int) -> np.ndarray:
    """Warp ``image`` (H, W, 3) with transform params into a crop_px × crop_px crop."""
    return cv2.warpAffine(image, as_matrix(p), (crop_px, crop_px), flags=cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_REPLICATE)
