"""Images a subject is rendered from: the base image (portrait on a background) and
the measurement of a face mesh on it.

The base image is the portrait warped (piecewise-affine) onto the subject's designed
rest mesh placed in the frame, with skin tone and side lighting on the person (selfie
segmentation mask) and a plain procedural background behind. The open-lip gap of a
smiling portrait is squeezed shut by the warp and inpainted, so the rest face has a
closed mouth.
"""

from __future__ import annotations

import cv2
import numpy as np

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.params import CaseParams
from strokescreen.synth.portraits import Portrait
from strokescreen.synth.warp import inverse_map


def background(width: int, height: int, seed: int) -> np.ndarray:
    """A plain indoor-looking background: soft wall colour, gradient, a few blurred shapes."""
    rng = np.random.default_rng(seed)
    sw, sh = max(width // 8, 8), max(height // 8, 8)
    hue = rng.uniform(0, 1)
    base = np.array([0.55 + 0.25 * np.cos(2 * np.pi * (hue + k / 3)) for k in range(3)])
    base = 0.35 + 0.5 * base * rng.uniform(0.6, 1.0)
    img = np.ones((sh, sw, 3)) * base
    img *= np.linspace(1.1, 0.8, sh)[:, None, None] ** rng.uniform(0.5, 1.5)
    for _ in range(rng.integers(2, 6)):
        x0, y0 = rng.integers(0, sw), rng.integers(0, sh)
        x1, y1 = x0 + rng.integers(sw // 8, sw // 2), y0 + rng.integers(sh // 6, sh)
        shade = rng.uniform(0.6, 1.3)
        tint = 1 + rng.normal(0, 0.08, 3)
        img[y0:y1, x0:x1] *= shade * tint
    img = cv2.resize(np.clip(img * 255, 0, 255).astype(np.uint8), (width, height),
                     interpolation=cv2.INTER_CUBIC)
    return cv2.GaussianBlur(img, (0, 0), 6)




def base_image(portrait: Portrait, case: CaseParams, *, src: np.ndarray, dst: np.ndarray,
               tris: np.ndarray, width: int, height: int) -> np.ndarray:
    """Portrait -> frame warp, skin tone, side lighting, background (uint8 RGB (H, W, 3)).

    src, dst : (K, 2) control points in the portrait and in the frame (the first 468 are
    the mesh). tris : (T, 3) triangles over them.
    """
    mx, my = inverse_map(src, dst, tris, shape=(height, width))
    fg = cv2.remap(portrait.image, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REFLECT)
    mask = cv2.remap(portrait.mask, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                     borderValue=(0.0, 0.0, 0.0, 0.0))
    hull = cv2.convexHull(np.round(dst[:468]).astype(np.int32))
    face_mask = np.zeros(mask.shape, np.uint8)
    cv2.fillConvexPoly(face_mask, hull, (1,))
    mask = np.maximum(mask, face_mask.astype(np.float32))
    mask = cv2.GaussianBlur(mask, (0, 0), 2.0)[..., None]
    gain = np.exp(case.tone) * np.array([1 + case.warmth, 1.0, 1 - case.warmth])
    xn = (np.arange(width) - width / 2) / (width / 2)
    light = 1.0 + case.light_strength * case.light_dir * xn
    bg = background(width, height, case.bg_seed).astype(np.float32)
    out = fg.astype(np.float32) * gain * mask + bg * (1 - mask)
    out *= light[None, :, None]
    return np.clip(out, 0, 255).astype(np.uint8)


def close_mouth(img: np.ndarray, mesh_px: np.ndarray) -> None:
    """Inpaint the (squeezed) gap between the inner lips and dark leftovers at the mouth
    corners, then draw a soft closed-lip line (in place, uint8 RGB)."""
    up = mesh_px[list(T.LIPS_INNER_UPPER), :2]
    lo = mesh_px[list(T.LIPS_INNER_LOWER), :2]
    poly = np.round(np.concatenate([up, lo[::-1]]) * 16).astype(np.int32)
    mask = np.zeros(img.shape[:2], np.uint8)
    cv2.fillPoly(mask, [poly], (255,), lineType=cv2.LINE_8, shift=4)
    cv2.polylines(mask, [poly], True, (255,), thickness=3, lineType=cv2.LINE_8, shift=4)
    lips = np.zeros(img.shape[:2], np.uint8)
    outer = np.concatenate([mesh_px[list(T.LIPS_OUTER_UPPER), :2],
                            mesh_px[list(T.LIPS_OUTER_LOWER), :2][::-1]])
    cv2.fillPoly(lips, [np.round(outer * 16).astype(np.int32)], (1,), shift=4)
    grey = img.mean(axis=2)
    ref = float(np.median(grey[lips > 0])) if lips.any() else float(grey.mean())
    half = float(np.linalg.norm(mesh_px[T.MOUTH_CORNER_LEFT, :2]
                                - mesh_px[T.MOUTH_CORNER_RIGHT, :2])) / 2
    corners = np.zeros(img.shape[:2], np.uint8)
    for i in (T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT, T.INNER_CORNER_LEFT,
              T.INNER_CORNER_RIGHT):
        cx, cy = (int(v) for v in np.round(mesh_px[i, :2]))
        cv2.circle(corners, (cx, cy), max(int(round(0.45 * half)), 2), (1,), -1)
    dark = (corners > 0) & (grey < 0.8 * ref)
    mask[cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0] = 255
    img[:] = cv2.inpaint(img, mask, 3, cv2.INPAINT_TELEA)
    mid = (up + lo) / 2
    x0, y0 = np.floor(mid.min(0)).astype(int)
    x1, y1 = np.ceil(mid.max(0)).astype(int) + 1
    lip = np.median(img[max(y0 - 3, 0):y1 + 3, max(x0, 0):x1].reshape(-1, 3), axis=0)
    line = tuple(int(v) for v in lip * 0.6)
    overlay = img.copy()
    cv2.polylines(overlay, [np.round(mid * 16).astype(np.int32)], False, line, thickness=1,
                  lineType=cv2.LINE_AA, shift=4)
    cv2.addWeighted(overlay, 0.7, img, 0.3, 0, dst=img)


def detect_mesh(image: np.ndarray, *, repeats: int = 16) -> np.ndarray | None:
    """MediaPipe FaceMesh in tracking mode (as the preprocessing stage runs it), fed the
    same image ``repeats`` times; the mean of the second half of the (converging) results,
    (478, 3) pixels (z scaled like x), or None when no face is found."""
    import mediapipe as mp

    h, w = image.shape[:2]
    img = np.ascontiguousarray(image)
    found = []
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=False, refine_landmarks=True,
                                         max_num_faces=1) as fm:
        for _ in range(repeats):
            res = fm.process(img)
            if not res.multi_face_landmarks:
                return None
            found.append([[p.x * w, p.y * h, p.z * w]
                          for p in res.multi_face_landmarks[0].landmark])
    return np.asarray(found[repeats // 2:], dtype=np.float64).mean(0)
