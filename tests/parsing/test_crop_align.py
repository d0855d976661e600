"""Crop geometry: a known landmark lands on a known crop pixel; the midline crop removes a
head roll, keeps the subject's sides (no mirroring) and keeps a planted droop."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.parsing.data import corner_drop_px, crop, crop_transform, map_points
from strokescreen.synth import _mesh_tables as T
from tests.parsing.test_fpp_visibility import face_with_droop
from tests.parsing.test_masks import planted_face

MIDLINE = (10, 168, 6, 197, 195, 5, 4, 1, 2, 164, 0, 17, 152)


def rolled(points: np.ndarray, deg: float, centre=(100.0, 100.0)) -> np.ndarray:
    """``points`` turned by ``deg`` (image plane, about ``centre``): a head roll."""
    a = np.radians(deg)
    r = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    out = points.copy()
    out[:, :2] = (points[:, :2] - centre) @ r.T + centre
    return out


@pytest.mark.parametrize("align", ["box", "midline"])
def test_upright_face_maps_a_known_landmark_to_a_known_pixel(align):
    # landmarks span 20..180 px: side 1.6 x 160 = 256 px, centre (100, 100 - 0.12 x 256);
    # a 128-px crop halves it, so the nose tip (100, 100) lands on (64, 79.36)
    pts = planted_face()
    a = crop_transform(pts, 128, align=align)
    q = map_points(pts, a)
    assert q[T.NOSE_TIP, :2] == pytest.approx([64.0, 79.36], abs=1e-4)
    assert q[T.CHIN, 1] == pytest.approx(64 + 0.5 * (180 - 100) + 15.36, abs=1e-4)


@pytest.mark.parametrize("deg", [-12.0, 7.0])
def test_midline_crop_undoes_a_head_roll(deg):
    pts = face_with_droop("left", 3.0)
    turned = rolled(pts, deg)
    up = map_points(pts, crop_transform(pts, 128, align="midline"))
    q = map_points(turned, crop_transform(turned, 128, align="midline"))
    assert q[:, :2] == pytest.approx(up[:, :2], abs=1e-3)  # the same crop as upright
    assert q[list(MIDLINE), 0] == pytest.approx(64.0, abs=1e-3)  # midline = centre column
    assert q[T.FOREHEAD, 1] < q[T.CHIN, 1]
    # the subject's left stays on the image right (nothing mirrored), the droop is kept
    # (3 px at half scale) and the corners sit mirrored about the centre column
    left, right = q[T.MOUTH_CORNER_LEFT], q[T.MOUTH_CORNER_RIGHT]
    assert left[0] > 64 > right[0]
    assert left[0] - 64 == pytest.approx(64 - right[0], abs=1e-3)
    assert corner_drop_px(q, "left") == pytest.approx(1.5, abs=1e-3)
    assert left[1] - right[1] == pytest.approx(1.5, abs=1e-3)
    # the axis-aligned box crop keeps the roll: the corner heights differ by far more
    b = map_points(turned, crop_transform(turned, 128, align="box"))
    assert abs(b[T.MOUTH_CORNER_LEFT, 1] - b[T.MOUTH_CORNER_RIGHT, 1]) > 3.0


def test_midline_crop_of_an_image_matches_its_landmarks():
    # a bright dot at the rolled face's left mouth corner lands where map_points puts it
    pts = rolled(planted_face(), 10.0)
    img = np.zeros((200, 200, 3), np.uint8)
    x, y = np.round(pts[T.MOUTH_CORNER_LEFT, :2]).astype(int)
    img[y - 2:y + 3, x - 2:x + 3] = 255
    a = crop_transform(pts, 128, align="midline")
    c = crop(img, a, 128)[..., 0].astype(float)
    yy, xx = np.nonzero(c > 0)
    centre = np.average(np.column_stack([xx, yy]), axis=0, weights=c[yy, xx]) + 0.5
    want = map_points(np.array([[x + 0.5, y + 0.5, 0.0]]), a)[0, :2]
    assert centre == pytest.approx(want, abs=0.6)


def test_unknown_alignment_is_refused():
    with pytest.raises(ValueError, match="unknown crop alignment"):
        crop_transform(planted_face(), 64, align="tilted")
