"""Region crops: boxes on the planted landmarks, crop coordinates, mirrored pairs."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.models.region_crops import (
    REGIONS,
    crop_landmarks,
    region_boxes,
    region_geometry,
    region_pairs,
)
from strokescreen.preprocess.stabilise import TEMPLATE

C = 224


def face_points(*, pupil_r=(78, 90), pupil_l=(146, 90), nose=(112, 130), mouth_r=(88, 168),
                mouth_l=(136, 168)) -> np.ndarray:
    """(478, 2) MediaPipe layout with the named points this module reads planted; the
    rest at the face centre."""
    pts = np.full((478, 2), 112.0)
    for idx, xy in ((468, pupil_r), (473, pupil_l), (1, nose), (61, mouth_r), (291, mouth_l)):
        pts[idx] = xy
    # the mouth centre anchor of the stabiliser (13, 14) between the corners
    pts[[13, 14]] = np.mean([mouth_r, mouth_l], axis=0)
    return pts


def test_eye_crop_holds_the_bright_square_at_the_left_eye_landmark():
    img = np.zeros((C, C, 3), np.uint8)
    img[82:98, 152:168] = 255  # a 16 px square centred on (160, 90)
    pts = face_points(pupil_l=(160, 90), pupil_r=(64, 90))  # iod 96 -> 67 px boxes
    pairs = region_pairs(img, pts, patch_px=24)
    left, right = pairs[REGIONS.index("eye")]
    # the square sits at the centre of the left-eye patch, nowhere in the right one
    assert left[11:13, 11:13].min() > 200 and left[:4].max() == 0
    assert right.max() == 0
    # moving the landmark moves the crop: a square away from the landmark is not seen
    moved = region_pairs(img, face_points(pupil_l=(160, 160), pupil_r=(64, 160)), patch_px=24)
    assert moved[REGIONS.index("eye"), 0].max() == 0


def test_boxes_sit_on_the_landmarks_and_split_nose_and_mouth_at_the_midline():
    geo = region_geometry(face_points(), crop_px=C)
    assert geo["iod"][0] == pytest.approx(68.0)
    boxes = region_boxes(geo)
    (lx, ly, lw, lh), (rx, ry, rw, rh) = boxes["eye"]
    assert (lx + lw / 2, ly + lh / 2) == pytest.approx((146, 90), abs=1)
    assert (rx + rw / 2, ry + rh / 2) == pytest.approx((78, 90), abs=1)
    for name, y in (("nose", 130), ("mouth", 168)):
        left, right = boxes[name]
        assert left[0] == 112 and right[0] + right[2] == 112  # they meet at the midline
        assert left[2:] == right[2:] and left[1] + left[3] / 2 == pytest.approx(y, abs=1)


def test_without_landmarks_the_boxes_use_the_template():
    geo = region_geometry(None, crop_px=C)
    assert geo["pupil_r"] == pytest.approx(TEMPLATE[0] * C)
    assert geo["mouth"] == pytest.approx(TEMPLATE[2] * C)
    nan = np.full((478, 2), np.nan)
    assert region_geometry(nan, crop_px=C)["pupil_l"] == pytest.approx(TEMPLATE[1] * C)


def test_symmetric_face_gives_identical_pairs_and_a_one_sided_change_does_not():
    rng = np.random.default_rng(0)
    half = rng.integers(0, 255, (C, C // 2, 3), dtype=np.uint8)
    img = np.concatenate([half, half[:, ::-1]], axis=1)  # mirror-symmetric about x = 112
    pts = face_points()
    pairs = region_pairs(img, pts, patch_px=24)
    assert np.array_equal(pairs[:, 0], pairs[:, 1])
    droop = img.copy()
    droop[160:176, 112:140] = 0  # the subject's left mouth half (image right) darkened
    changed = region_pairs(droop, pts, patch_px=24)
    m, e = REGIONS.index("mouth"), REGIONS.index("eye")
    assert not np.array_equal(changed[m, 0], changed[m, 1])
    assert np.array_equal(changed[e, 0], changed[e, 1])


def test_crop_landmarks_follow_the_stabilising_transform():
    # a face at twice the crop's scale, shifted: its anchors must land on the template
    n = 6
    base = face_points(pupil_r=(78, 90), pupil_l=(146, 90), mouth_r=(88, 168),
                       mouth_l=(136, 168))
    frames = np.stack([base * 2.0 + [300 + i, 50] for i in range(n)])
    frames[2] = np.nan  # no face in frame 2
    out = crop_landmarks(frames, np.array([0, 3, 5]), crop_px=C, smooth_frames=3)
    # the eyes at 0.35/0.65 of the crop, mouth centre at 0.75 of its height, every frame
    assert out[:, 468] == pytest.approx(np.tile(TEMPLATE[0] * C, (3, 1)), abs=1.0)
    assert out[:, 473] == pytest.approx(np.tile(TEMPLATE[1] * C, (3, 1)), abs=1.0)
    assert out[:, [61, 291]].mean(1)[:, 1] == pytest.approx(TEMPLATE[2, 1] * C, abs=1.0)
    assert np.isnan(crop_landmarks(frames, np.array([2]), crop_px=C, smooth_frames=1)).all()
