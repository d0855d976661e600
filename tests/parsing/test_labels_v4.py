"""FPP labels v4: the visibility rule and its normal spread measure the mouth-corner height
difference without the head's pose (perspective undone, the 3-D mesh turned frontal), so
a turned healthy head is not labelled a droop and a turned drooping one still is."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.face.pose import rotation_matrix
from strokescreen.parsing import masks as M
from strokescreen.parsing.data import (
    corner_drop_px,
    droop_visible,
    face_dh_mm,
    make_sample,
    normal_dh_sd_mm,
)
from strokescreen.synth import _mesh_tables as T
from tests.parsing.test_fpp_visibility import face_with_droop

#: a 640 x 480 frame, focal length = its longer side, the face 250 mm away (a phone at
#: arm's length): 2.56 px per mm
FRAME = (640, 480)
FOCAL = 640.0
DISTANCE_MM = 250.0


def face_mm(dh_mm: float = 0.0) -> np.ndarray:
    """A frontal 3-D face in mm (image axes: x right, y down, z away from the camera),
    mid-pupil point at the origin, the left mouth corner ``dh_mm`` below the right one
    (negative: the right one lower); mouth corners and face oval set back in depth."""
    side = "left" if dh_mm >= 0 else "right"
    p = face_with_droop(side, abs(dh_mm)).astype(np.float64)
    for i in (T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT):
        p[i, 2] = 35.9  # the canonical face's corner depth behind the nose tip
    oval = list(T.FACE_OVAL)
    p[oval, 2] = 60.0
    p[:, 0] -= 100.0
    p[:, 1] -= 80.0  # pupils on y = 80
    return p


def pose_and_project(f_mm: np.ndarray, yaw: float = 0.0, pitch: float = 0.0,
                     roll: float = 0.0) -> np.ndarray:
    """Frame pixels (478, 3) of the face turned by (yaw, pitch, roll) about its mid-pupil
    point and seen by a pinhole camera aimed at it; z is depth scaled like x."""
    flip = np.diag([1.0, -1.0, -1.0])  # image axes <-> the pose module's (y up, z to camera)
    rot = flip @ rotation_matrix(yaw, pitch, roll) @ flip
    p = f_mm @ rot.T
    k = FOCAL / (DISTANCE_MM + p[:, 2])
    out = np.empty_like(p)
    out[:, 0] = FRAME[0] / 2 + p[:, 0] * k
    out[:, 1] = FRAME[1] / 2 + p[:, 1] * k
    out[:, 2] = p[:, 2] * FOCAL / DISTANCE_MM
    return out


def test_a_planted_droop_on_a_frontal_face_is_visible():
    p = pose_and_project(face_mm(4.0))
    assert face_dh_mm(p, frame_size=FRAME) == pytest.approx(4.0, abs=0.1)
    assert droop_visible(p, "left", normal_sd_mm=1.6, dh_mm=face_dh_mm(p, frame_size=FRAME))
    assert not droop_visible(p, "right", normal_sd_mm=1.6)
    assert not droop_visible(pose_and_project(face_mm(0.0)), "left", normal_sd_mm=1.6)


@pytest.mark.parametrize("yaw", [-15.0, 15.0])
def test_a_turned_healthy_face_is_not_labelled_a_droop(yaw):
    """No droop, head turned 15 degrees: in the frame the nearer corner, magnified, sits
    lower, past a 2 x 0.2 mm threshold, so labels v3 draw an FPP; v4 measure the face."""
    p = pose_and_project(face_mm(0.0), yaw=yaw)
    lower = "left" if corner_drop_px(p, "left") > 0 else "right"
    assert abs(face_dh_mm(p, labels=3)) > 0.6  # the 2-D mesh reads a drop
    assert droop_visible(p, lower, normal_sd_mm=0.2, labels=3)
    dh = face_dh_mm(p, frame_size=FRAME)
    assert abs(dh) < 0.05
    assert not droop_visible(p, lower, normal_sd_mm=0.2, dh_mm=dh)
    # the whole sample: v3 paints the FPP on the turned healthy face, v4 does not
    img = np.full((FRAME[1], FRAME[0], 3), 90, np.uint8)
    old = make_sample(img, p, size=400, side=lower, region="lower_face", normal_sd_mm=0.2,
                      labels=3)
    new = make_sample(img, p, size=400, side=lower, region="lower_face", normal_sd_mm=0.2)
    assert old.fpp_drawn and (old.labels == M.FPP).any()
    assert not new.fpp_drawn and not (new.labels == M.FPP).any()
    assert abs(new.dh_mm) < 0.05


@pytest.mark.parametrize("yaw", [-15.0, -8.0, 8.0, 15.0])
@pytest.mark.parametrize("side", ["left", "right"])
def test_a_turned_drooping_face_is_still_labelled(yaw, side):
    planted = 4.0 if side == "left" else -4.0
    p = pose_and_project(face_mm(planted), yaw=yaw, pitch=5.0, roll=4.0)
    dh = face_dh_mm(p, frame_size=FRAME)
    assert dh == pytest.approx(planted, abs=0.15)
    assert droop_visible(p, side, normal_sd_mm=1.6, dh_mm=dh)
    other = "right" if side == "left" else "left"
    assert not droop_visible(p, other, normal_sd_mm=1.6, dh_mm=dh)
    img = np.full((FRAME[1], FRAME[0], 3), 90, np.uint8)
    s = make_sample(img, p, size=160, side=side, region="lower_face", normal_sd_mm=1.6)
    assert s.fpp_drawn and s.dh_mm == pytest.approx(planted, abs=0.15)


def test_spread_of_turned_healthy_faces_is_their_planted_spread():
    rng = np.random.default_rng(3)
    planted = rng.normal(0.0, 1.0, 40)
    yaws = rng.uniform(-15, 15, 40)
    v3, v4 = [], []
    for dh, yaw in zip(planted, yaws, strict=True):
        p = pose_and_project(face_mm(float(dh)), yaw=float(yaw), pitch=float(rng.uniform(-5, 5)))
        v3.append(face_dh_mm(p, labels=3))
        v4.append(face_dh_mm(p, frame_size=FRAME))
    truth = normal_dh_sd_mm(planted)
    assert normal_dh_sd_mm(np.array(v4)) == pytest.approx(truth, rel=0.05)
    assert np.max(np.abs(np.array(v4) - planted)) < 0.1
    # the 2-D measure follows the turn: its error is large and correlates with the yaw
    err3 = np.array(v3) - planted
    assert np.max(np.abs(err3)) > 0.5 and abs(np.corrcoef(err3, yaws)[0, 1]) > 0.8


def test_without_the_frame_size_a_frontal_face_reads_the_same():
    # a frontal face seen without perspective (orthographic): no perspective to undo
    f = face_mm(3.0)
    p = f * 2.0 + np.array([320.0, 240.0, 0.0])
    assert face_dh_mm(p) == pytest.approx(3.0, abs=0.05)
    assert face_dh_mm(p, labels=3) == pytest.approx(3.0, abs=0.05)
    with pytest.raises(ValueError, match="label version"):
        face_dh_mm(p, labels=2)
