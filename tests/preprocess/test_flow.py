"""Face-region flow: a planted motion is measured, a rigid shift of the face is not."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from strokescreen.preprocess.flow import FLOW_BOX_PX, face_flow, shrink


def _texture(h: int = 720, w: int = 1280, seed: int = 3) -> np.ndarray:
    rng = np.random.default_rng(seed)
    noise = rng.random((h // 8, w // 8)).astype(np.float32)
    img = cv2.resize(noise, (w, h), interpolation=cv2.INTER_CUBIC)
    img = cv2.GaussianBlur(img, (0, 0), 3)
    img = (img - img.min()) / (img.max() - img.min()) * 255
    return np.repeat(img.astype(np.uint8)[..., None], 3, axis=2)


def _shift(img: np.ndarray, dx: float, dy: float) -> np.ndarray:
    m = np.float32([[1, 0, dx], [0, 1, dy]])
    return cv2.warpAffine(img, m, (img.shape[1], img.shape[0]), borderMode=cv2.BORDER_REFLECT)


BOX = (400, 150, 800, 600)  # 400 px wide: the box is shrunk 400 -> 112


def test_still_face_has_no_flow() -> None:
    a = _texture()
    assert face_flow(a, a.copy(), BOX) < 0.01


def test_rigid_shift_of_the_whole_face_is_removed() -> None:
    # 6, -4 px is a 2.0 px move on the 112 px box; without the median removal the mean
    # magnitude would be about that; DIS leaves a small residual at the texture's edges
    a = _texture()
    assert face_flow(a, _shift(a, 6.0, -4.0), BOX) < 0.35


def test_planted_local_motion_is_measured() -> None:
    # the lower half of the box (a "jaw") moves down 8 px, the upper half stays
    a = _texture()
    b = a.copy()
    moved = _shift(a, 0.0, 8.0)
    x0, y0, x1, y1 = BOX
    mid = (y0 + y1) // 2 + 20
    b[mid:y1, x0:x1] = moved[mid:y1, x0:x1]
    expected = 8.0 * FLOW_BOX_PX / (x1 - x0) * (y1 - mid) / (y1 - y0)  # moving share x shift
    got = face_flow(a, b, BOX)
    assert got == pytest.approx(expected, rel=0.35)


def test_gray_and_rgb_give_the_same_flow() -> None:
    a = _texture()
    b = _shift(a, 0.0, 2.0)
    b[150:300] = a[150:300]
    gray = face_flow(a[..., 0].copy(), b[..., 0].copy(), BOX)
    assert face_flow(a, b, BOX) == pytest.approx(gray, abs=1e-6)


def test_tiny_box_gives_nan() -> None:
    a = _texture()
    assert np.isnan(face_flow(a, a, (10, 10, 15, 40)))


def test_shrink_reaches_the_size_and_keeps_the_mean() -> None:
    img = _texture()[..., 0]
    out = shrink(img[100:600, 300:700], (112, 140))
    assert out.shape == (140, 112)
    assert abs(float(out.mean()) - float(img[100:600, 300:700].mean())) < 2.0
