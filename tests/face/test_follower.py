"""PatientFollower: the one-face window follower gives the scan's answer, faster.

Planted scenes: the portrait's head (the patient, large and central) and a mirrored,
smaller copy (a bystander), moved over a plain canvas frame by frame.
"""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from strokescreen.face.landmarks import get_landmarker
from strokescreen.face.tracking import PatientFollower

W, H = 720, 480


def _heads(astronaut: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    head = astronaut[10:270, 110:370]
    return cv2.resize(head, (280, 280)), cv2.resize(np.ascontiguousarray(head[:, ::-1]), (200, 200))


def _scene(patient: np.ndarray | None, px: int, py: int, bystander: np.ndarray | None = None,
           bx: int = 520, by: int = 10) -> np.ndarray:
    canvas = np.full((H, W, 3), 90, np.uint8)
    if patient is not None:
        canvas[py:py + patient.shape[0], px:px + patient.shape[1]] = patient
    if bystander is not None:
        canvas[by:by + bystander.shape[0], bx:bx + bystander.shape[1]] = bystander
    return canvas


class _Counting:
    """Landmarker factory that counts what it builds."""

    def __init__(self) -> None:
        self.built: list[int] = []

    def __call__(self, max_faces: int):
        self.built.append(max_faces)
        return get_landmarker("mediapipe", static=False, max_faces=max_faces)


def _iod(points: np.ndarray) -> float:
    return float(np.linalg.norm(points[468, :2] - points[473, :2]))


def test_follower_matches_the_scan_and_never_takes_the_bystander(astronaut):
    patient, bystander = _heads(astronaut)
    frames = [_scene(patient, 200 + i, 100 + i, bystander) for i in range(40)]
    make = _Counting()
    follower = PatientFollower(make, max_faces=3)
    scan = PatientFollower(make, max_faces=3, follow=False)
    for img in frames:
        got, ref = follower.update(img), scan.update(img)
        assert got is not None and ref is not None
        # the patient's nose tip, not the bystander's (who stands right of x=520)
        assert 200 < got[1, 0] < 520
        assert np.median(np.linalg.norm(got[:, :2] - ref[:, :2], axis=1)) < 0.02 * _iod(ref)
    assert follower.frames_followed >= len(frames) - 4  # scanned only until settled
    assert make.built.count(1) == 1  # one window was enough for this small drift
    follower.close()
    scan.close()


def test_window_is_placed_afresh_when_the_patient_moves_far(astronaut):
    patient, _ = _heads(astronaut)
    make = _Counting()
    follower = PatientFollower(make, max_faces=3)
    xs = list(range(0, 440, 3))  # about three face widths across the canvas, steadily
    for x in xs:
        got = follower.update(_scene(patient, x, 150))
        assert got is not None
        nose = got[1, 0]
        assert x < nose < x + 280  # on the patient wherever they are
    assert make.built.count(1) >= 2
    assert follower.frames_followed > len(xs) // 2
    follower.close()


def test_patient_leaving_and_returning_is_found_again_by_the_scan(astronaut):
    patient, bystander = _heads(astronaut)
    follower = PatientFollower(_Counting(), max_faces=3)
    for _ in range(6):
        assert follower.update(_scene(patient, 200, 120, bystander)) is not None
    for _ in range(3):  # only the bystander in view: no face, never the bystander
        assert follower.update(_scene(None, 0, 0, bystander)) is None
    back = follower.update(_scene(patient, 200, 120, bystander))
    assert back is not None and 200 < back[1, 0] < 480
    follower.close()


def test_a_bystander_inside_the_window_does_not_take_over(astronaut):
    patient, bystander = _heads(astronaut)
    follower = PatientFollower(_Counting(), max_faces=3)
    for _ in range(5):
        assert follower.update(_scene(patient, 240, 150)) is not None
    # a bystander steps in at the patient's side (inside the follow window)
    for _ in range(10):
        got = follower.update(_scene(patient, 240, 150, bystander, bx=20, by=10))
        assert got is not None and 240 < got[1, 0] < 520
    assert follower.frames_followed >= 10
    follower.close()


@pytest.mark.parametrize("follow", [True, False])
def test_no_face_at_all_gives_none(follow):
    follower = PatientFollower(_Counting(), max_faces=3, follow=follow)
    assert all(follower.update(np.full((H, W, 3), 90, np.uint8)) is None for _ in range(3))
    assert follower.frames_followed == 0
    follower.close()


class _Fake:
    """A landmarker that 'finds' fixed faces (at fixed pixels) in whatever it is shown."""

    def __init__(self, faces_at: list[tuple[float, float]], size: float = 100.0):
        self._faces = faces_at
        self._size = size

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        out = []
        for cx, cy in self._faces:
            pts = np.zeros((478, 3), np.float32)
            pts[:, 0] = cx + np.linspace(-self._size / 2, self._size / 2, 478)
            pts[:, 1] = cy + np.linspace(-self._size / 2, self._size / 2, 478)
            out.append(pts)
        return out

    def close(self) -> None:
        pass


def test_a_follower_that_starts_on_someone_else_is_dropped_and_rested():
    built: list[_Fake] = []

    def make(max_faces: int) -> _Fake:
        if max_faces > 1:  # the scan sees the patient at (300, 240)
            fake = _Fake([(300.0, 240.0)])
        else:  # every follower sees one face, which lands far off the patient
            fake = _Fake([(300.0 + 140.0, 240.0)])
        built.append(fake)
        return fake

    follower = PatientFollower(make, max_faces=3, settle_frames=3, backoff_frames=30)
    image = np.zeros((480, 720, 3), np.uint8)
    for _ in range(3):
        got = follower.update(image)
        assert got is not None and abs(float(got[:, 0].mean()) - 300.0) < 1
    n_followers = len(built) - 1
    for _ in range(20):  # the window's face is not the patient: scan answers, no retry yet
        got = follower.update(image)
        assert got is not None and abs(float(got[:, 0].mean()) - 300.0) < 1
    assert follower.frames_followed == 0
    assert len(built) - 1 == n_followers + 1  # one try, then a rest


def test_a_face_moving_fast_is_scanned_rather_than_chased():
    built: list[int] = []
    pos = {"x": 100.0}

    class _Moving(_Fake):
        def __init__(self, max_faces: int):
            super().__init__([])
            self.max_faces = max_faces

        def detect(self, image: np.ndarray) -> list[np.ndarray]:
            self._faces = [(pos["x"], 240.0)]
            found = super().detect(image)
            if self.max_faces == 1:  # a follower sees window pixels: shift into them
                x0, y0 = follower._window[:2]
                found = [f - np.array([x0, y0, 0], np.float32) for f in found]
            return found

    def make(max_faces: int) -> _Moving:
        built.append(max_faces)
        return _Moving(max_faces)

    follower = PatientFollower(make, max_faces=3, backoff_frames=30, min_window_frames=15)
    image = np.zeros((480, 4000, 3), np.uint8)
    for i in range(120):
        pos["x"] = 100.0 + 20.0 * i  # a fifth of a face size every frame
        got = follower.update(image)
        assert got is not None and abs(float(got[:, 0].mean()) - pos["x"]) < 1
    # each window is outrun in 3 frames; without the rest there would be about 40 windows
    assert built.count(1) <= 5
