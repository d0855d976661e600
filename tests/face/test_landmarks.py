from __future__ import annotations

import cv2
import numpy as np
import pytest

from strokescreen.errors import ConfigError
from strokescreen.face.landmarks import downscale_for_landmarks, get_landmarker
from strokescreen.face.tracking import PatientTracker


def test_mediapipe_finds_478_points(astronaut):
    faces = get_landmarker("mediapipe", static=True).detect(astronaut)
    assert len(faces) == 1 and faces[0].shape == (478, 3)
    # the iris centre of the subject's right eye lies at the image's left
    assert faces[0][468, 0] < faces[0][473, 0]


def test_dlib68_finds_68_points(astronaut):
    pytest.importorskip("dlib")
    faces = get_landmarker("dlib68").detect(astronaut)
    assert len(faces) == 1 and faces[0].shape == (68, 3)


def test_unknown_landmarker_names_the_valid_ones():
    with pytest.raises(ConfigError, match="did you mean 'mediapipe'.*dlib68"):
        get_landmarker("mediapip")


def test_large_frames_are_downscaled_but_coordinates_stay_in_original_pixels(astronaut):
    lm = get_landmarker("mediapipe", static=True)
    big = cv2.resize(astronaut, (3840, 3840), interpolation=cv2.INTER_CUBIC)
    small, scale = downscale_for_landmarks(big, 1280)
    assert max(small.shape[:2]) == 1280
    pts = lm.detect(small)[0][:, :2] / scale
    ref = lm.detect(astronaut)[0][:, :2] * (3840 / 512)
    iod = np.linalg.norm(ref[468] - ref[473])
    assert np.median(np.linalg.norm(pts - ref, axis=1)) < 0.05 * iod


def test_patient_is_the_large_central_face_and_is_never_swapped(astronaut):
    lm = get_landmarker("mediapipe", static=False, max_faces=3)
    # patient: large and central; bystander: small, at the side
    head = astronaut[10:270, 110:370]  # the portrait's head and shoulders
    canvas = np.full((480, 720, 3), 90, np.uint8)
    patient = cv2.resize(head, (320, 320))
    bystander = cv2.resize(np.ascontiguousarray(head[:, ::-1]), (200, 200))
    canvas[80:400, 200:520] = patient
    canvas[10:210, 520:720] = bystander
    tracker = PatientTracker(width=720, height=480)
    faces = lm.detect(canvas)
    assert len(faces) == 2
    chosen = tracker.update(faces)
    assert chosen is not None and 200 < chosen[1, 0] < 520
    # the patient leaves; only the bystander is in view: no face, not the bystander
    alone = np.full((480, 720, 3), 90, np.uint8)
    alone[10:210, 520:720] = bystander
    assert tracker.update(lm.detect(alone)) is None
    # the patient comes back where they were: followed again
    again = tracker.update(lm.detect(canvas))
    assert again is not None and 200 < again[1, 0] < 520


def test_direct_graph_call_gives_what_facemesh_process_gives(astronaut):
    import numpy as np

    from strokescreen.face.landmarks import MediaPipeLandmarker

    ours = MediaPipeLandmarker(static=True, max_faces=1)
    theirs = MediaPipeLandmarker(static=True, max_faces=1)
    for _ in range(2):  # first call (quiet start-up) and a later one
        got = ours.detect(astronaut)
        ref = theirs._mesh.process(np.ascontiguousarray(astronaut)).multi_face_landmarks
        h, w = astronaut.shape[:2]
        want = np.array([(p.x * w, p.y * h, p.z * w) for p in ref[0].landmark], np.float32)
        assert len(got) == 1 and got[0].shape == (478, 3)
        np.testing.assert_allclose(got[0], want, atol=1e-3)
    ours.close()
    theirs.close()


def test_native_log_lines_are_silenced_and_stderr_restored(capfd):
    import os

    from strokescreen.face.landmarks import quiet_native_logs

    with quiet_native_logs():
        os.write(2, b"native chatter\n")
    os.write(2, b"after\n")
    err = capfd.readouterr().err
    assert "native chatter" not in err and "after" in err


def test_landmarks_are_read_from_the_wire_format_and_other_layouts_fall_back():
    from mediapipe.framework.formats import landmark_pb2

    from strokescreen.face.landmarks import landmarks_from_wire

    rng = np.random.default_rng(5)
    pts = rng.random((478, 3)).astype(np.float32) - 0.2
    msg = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in pts:
        msg.landmark.add(x=float(x), y=float(y), z=float(z))
    np.testing.assert_array_equal(landmarks_from_wire(msg.SerializeToString()), pts)
    # a point with visibility set changes the layout: not read here (the proto parser is)
    msg.landmark[7].visibility = 0.5
    assert landmarks_from_wire(msg.SerializeToString()) is None
    assert landmarks_from_wire(b"") is None and landmarks_from_wire(b"\x0a" * 17) is None


def test_detect_parses_lists_of_any_layout(monkeypatch):
    from mediapipe.framework.formats import landmark_pb2

    from strokescreen.face.landmarks import MediaPipeLandmarker

    pts = np.tile(np.array([[0.25, 0.5, -0.01]], np.float32), (478, 1))
    pts[0] = (0.0, 0.1, 0.0)  # zeros are left out of the wire format: another layout
    msg = landmark_pb2.NormalizedLandmarkList()
    for x, y, z in pts:
        msg.landmark.add(x=float(x), y=float(y), z=float(z))
    lm = MediaPipeLandmarker(static=True, max_faces=1)
    monkeypatch.setattr(lm, "_run", lambda image: [msg.SerializeToString()])
    got = lm.detect(np.zeros((200, 400, 3), np.uint8))
    np.testing.assert_allclose(got[0], pts * np.array([400, 200, 400], np.float32), rtol=1e-6)
    lm.close()
