"""The face model: mirror table, blendshapes in mm, pose signs, frontal frame."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.face_model import (
    MIRROR,
    SMILE_LATERAL_MM,
    blendshapes,
    commissure_dh_mm,
    frontal_frame,
    pose_matrix,
    symmetrize,
)


@pytest.fixture(scope="module")
def rest_mm() -> np.ndarray:
    from strokescreen.synth.portraits import load_portraits
    from strokescreen.synth.rig import face_frame_mesh

    return face_frame_mesh(load_portraits()[0][0])


def test_mirror_table_is_an_involution_with_the_mesh_midline():
    assert np.array_equal(MIRROR[MIRROR], np.arange(478))
    assert sorted(np.flatnonzero(MIRROR == np.arange(478))) == [
        0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 94, 151, 152, 164,
        168, 175, 195, 197, 199, 200]
    assert MIRROR[T.MOUTH_CORNER_RIGHT] == T.MOUTH_CORNER_LEFT
    assert MIRROR[T.IRIS_RIGHT[0]] == T.IRIS_LEFT[0]


def test_rest_mesh_is_symmetric_and_scaled_by_the_iris(rest_mm):
    assert np.allclose(symmetrize(rest_mm)[:, :2], rest_mm[:, :2], atol=0.3)
    iris = np.linalg.norm(rest_mm[T.IRIS_LEFT[1], :2] - rest_mm[T.IRIS_LEFT[3], :2])
    assert iris == pytest.approx(11.7, abs=0.6)
    ipd = rest_mm[T.IRIS_LEFT[0], 0] - rest_mm[T.IRIS_RIGHT[0], 0]
    assert 50 < ipd < 75  # adult inter-pupil distance in mm
    assert abs(commissure_dh_mm(rest_mm)) < 0.2


def test_droop_moves_the_corner_one_mm_per_unit_and_spares_the_forehead(rest_mm):
    s = blendshapes(rest_mm)
    moved = rest_mm + 3.0 * s["droop_left"]
    assert moved[T.MOUTH_CORNER_LEFT, 1] - rest_mm[T.MOUTH_CORNER_LEFT, 1] == pytest.approx(3.0)
    assert abs(moved[T.MOUTH_CORNER_RIGHT, 1] - rest_mm[T.MOUTH_CORNER_RIGHT, 1]) < 0.05
    assert commissure_dh_mm(moved) - commissure_dh_mm(rest_mm) == pytest.approx(3.0, abs=0.01)
    assert commissure_dh_mm(rest_mm + 2.0 * s["droop_right"]) < -1.9
    brows = list(T.LEFT_BROW + T.RIGHT_BROW)
    for name in ("droop_left", "smile_left", "spread_left", "jaw"):
        assert np.abs(s[name][brows]).max() < 0.05, name
    assert np.abs(s["brow_left"][list(T.LEFT_BROW), 1]).min() > 3.0


def test_jaw_opens_the_lips_and_blink_closes_the_eye(rest_mm):
    s = blendshapes(rest_mm)
    gap0 = rest_mm[T.LOWER_LIP_INNER_MID, 1] - rest_mm[T.UPPER_LIP_INNER_MID, 1]
    opened = rest_mm + 10.0 * s["jaw"]
    gap = opened[T.LOWER_LIP_INNER_MID, 1] - opened[T.UPPER_LIP_INNER_MID, 1]
    assert gap - gap0 == pytest.approx(10.0, abs=0.01)
    closed = rest_mm + s["blink_left"]
    assert abs(closed[386, 1] - closed[374, 1]) < 0.5 < abs(rest_mm[386, 1] - rest_mm[374, 1])
    assert abs(closed[159, 1] - rest_mm[159, 1]) < 1e-9  # the right eye stays open


def test_smile_lifts_and_widens_the_mouth(rest_mm):
    s = blendshapes(rest_mm)
    smiled = rest_mm + s["smile_left"] + s["smile_right"]
    assert smiled[T.MOUTH_CORNER_LEFT, 1] < rest_mm[T.MOUTH_CORNER_LEFT, 1] - 4
    width0 = rest_mm[T.MOUTH_CORNER_LEFT, 0] - rest_mm[T.MOUTH_CORNER_RIGHT, 0]
    width = smiled[T.MOUTH_CORNER_LEFT, 0] - smiled[T.MOUTH_CORNER_RIGHT, 0]
    assert width - width0 == pytest.approx(2 * (SMILE_LATERAL_MM + 0.2), abs=0.5)


def test_pose_signs():
    nose = np.array([0.0, 0.0, -100.0])  # in front of the rotation centre
    assert (pose_matrix(20, 0, 0) @ nose)[0] > 0  # yaw > 0: nose to the image right
    assert (pose_matrix(0, 20, 0) @ nose)[1] < 0  # pitch > 0: nose up (chin raised)
    right_eye = np.array([30.0, 0.0, 0.0])
    assert (pose_matrix(0, 0, 10) @ right_eye)[1] > 0  # roll > 0: image-right eye drops


def test_frontal_frame_removes_a_planted_yaw_and_roll(rest_mm):
    rot = pose_matrix(12.0, 0.0, 7.0)
    turned = (rest_mm - rest_mm.mean(0)) @ rot.T * 3.0 + np.array([200.0, 150.0, 0.0])
    r, origin, ppm = frontal_frame(turned)
    assert ppm == pytest.approx(3.0 * np.cos(np.radians(12)), rel=0.02)  # iris foreshortened
    back = (turned - origin) @ r.T / 3.0
    centred = rest_mm - (rest_mm[T.IRIS_LEFT[0]] + rest_mm[T.IRIS_RIGHT[0]]) / 2
    assert np.abs(back - centred)[:, :2].mean() < 0.3
