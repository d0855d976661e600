from __future__ import annotations

import numpy as np
import pytest

from strokescreen.face.landmarks import get_landmarker
from strokescreen.face.pose import POSE_INDICES, head_pose, project
from tests.helpers import portrait_frame


@pytest.mark.parametrize("angles", [(0, 0, 0), (12, 0, 0), (-25, 5, 0), (0, -10, 8), (18, 7, -12)])
def test_planted_pose_is_recovered(angles):
    rng = np.random.default_rng(0)
    uv = project(*angles, width=640, height=480)
    lm = np.full((478, 3), np.nan)
    lm[POSE_INDICES, :2] = uv + rng.normal(0, 0.5, uv.shape)  # half-pixel landmark noise
    got = np.array(head_pose(lm, width=640, height=480))
    assert np.all(np.abs(got - np.array(angles)) < 3.0), got


@pytest.mark.parametrize("angles", [(0, 0, 0), (15, 0, 0), (-20, 6, 4)])
def test_planted_pose_is_recovered_from_68_points(angles):
    from strokescreen.face.pose import _IBUG_OF_MP, CANONICAL_MM

    rng = np.random.default_rng(1)
    keep = [list(POSE_INDICES).index(mp) for mp in _IBUG_OF_MP]
    uv = project(*angles, width=640, height=480, points_mm=CANONICAL_MM[keep])
    lm = np.full((68, 3), np.nan)
    lm[list(_IBUG_OF_MP.values()), :2] = uv + rng.normal(0, 0.5, uv.shape)
    got = np.array(head_pose(lm, width=640, height=480))
    assert np.all(np.abs(got - np.array(angles)) < 3.0), got


@pytest.mark.slow
def test_dlib_and_mediapipe_agree_on_a_real_portrait(astronaut):
    pytest.importorskip("dlib")
    frame = portrait_frame(astronaut, roll_deg=8.0)
    h, w = frame.shape[:2]
    mp = head_pose(get_landmarker("mediapipe", static=True).detect(frame)[0], width=w, height=h)
    dl = head_pose(get_landmarker("dlib68").detect(frame)[0], width=w, height=h)
    assert abs(mp[2] - dl[2]) < 3.0 and abs(mp[0] - dl[0]) < 8.0, (mp, dl)


def test_other_point_counts_are_refused():
    with pytest.raises(ValueError, match="478 .* or 68"):
        head_pose(np.zeros((100, 2)), width=640, height=480)


def test_sign_conventions():
    # turning towards the subject's own left moves the nose tip to the image's right
    # (the nose tip is the origin, so watch it against the rest of the face)
    nose_idx = list(POSE_INDICES).index(1)

    def nose_offset(*angles):
        uv = project(*angles, width=640, height=480)
        return uv[nose_idx] - uv.mean(axis=0)

    assert nose_offset(20, 0, 0)[0] > nose_offset(0, 0, 0)[0] + 5
    # looking up, the protruding nose tip rises towards the eyes in the image
    assert nose_offset(0, 20, 0)[1] < nose_offset(0, 0, 0)[1] - 5
    right_eye, left_eye = list(POSE_INDICES).index(33), list(POSE_INDICES).index(263)
    uv = project(0, 0, 10, width=640, height=480)
    assert uv[left_eye, 1] > uv[right_eye, 1]  # clockwise: the image-right eye drops


def test_roll_of_a_real_portrait(astronaut):
    lm = get_landmarker("mediapipe", static=True)
    base = lm.detect(portrait_frame(astronaut, roll_deg=0.0))[0]
    tilted = lm.detect(portrait_frame(astronaut, roll_deg=10.0))[0]
    p0 = np.array(head_pose(base, width=480, height=360))
    p1 = np.array(head_pose(tilted, width=480, height=360))
    assert abs((p1[2] - p0[2]) - 10.0) < 3.0


def test_missing_landmarks_give_nan():
    assert all(np.isnan(head_pose(np.full((478, 3), np.nan), width=10, height=10)))
