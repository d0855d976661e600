"""Follow one person (the patient) through a video.

The patient is the largest, most central face when first seen; afterwards the face
nearest the patient's last position is taken. When the patient is lost, a face is
re-acquired only when it has the patient's size and stands near where the patient was
last seen, so the track never jumps to a bystander.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from strokescreen.face.landmarks import Landmarker, face_box


def _centre_size(points: np.ndarray) -> tuple[np.ndarray, float]:
    x0, y0, x1, y1 = face_box(points)
    return np.array([(x0 + x1) / 2.0, (y0 + y1) / 2.0]), max(x1 - x0, y1 - y0, 1e-6)


def initial_choice(faces: list[np.ndarray], *, width: int, height: int) -> int:
    """Index of the largest, most central face: size × (1 − normalised distance to centre)."""
    centre = np.array([width / 2.0, height / 2.0])
    diag = float(np.hypot(width, height)) / 2.0
    scores = []
    for f in faces:
        c, s = _centre_size(f)
        dist = float(np.linalg.norm(c - centre)) / diag
        scores.append(s * (1.0 - 0.7 * min(dist, 1.0)))
    return int(np.argmax(scores))


class PatientTracker:
    """Choose the patient's face among the faces found in each frame.

    max_jump : largest move between consecutive frames, in face sizes.
    size_ratio : re-acquired faces must be within this factor of the patient's size.
    """

    def __init__(self, *, width: int, height: int, max_jump: float = 0.6,
                 size_ratio: float = 1.5, reacquire_radius: float = 1.5):
        self.width, self.height = width, height
        self.max_jump, self.size_ratio, self.reacquire_radius = max_jump, size_ratio, reacquire_radius
        self._centre: np.ndarray | None = None
        self._size: float | None = None
        self._lost = 0

    @property
    def centre(self) -> np.ndarray | None:
        """The patient's last face centre (pixels), None before the patient is first seen."""
        return self._centre

    @property
    def size(self) -> float | None:
        """The patient's last face size (the longer side of the landmark box, pixels)."""
        return self._size

    def match(self, faces: list[np.ndarray]) -> np.ndarray | None:
        """The patient among ``faces`` (None when not there), without updating the track."""
        chosen: np.ndarray | None = None
        if self._centre is None:
            if faces:
                chosen = faces[initial_choice(faces, width=self.width, height=self.height)]
        elif faces:
            assert self._size is not None
            best, best_d = None, np.inf
            radius = self.max_jump if self._lost == 0 else self.reacquire_radius
            for f in faces:
                c, s = _centre_size(f)
                if not (1 / self.size_ratio <= s / self._size <= self.size_ratio):
                    continue
                d = float(np.linalg.norm(c - self._centre)) / self._size
                if d <= radius and d < best_d:
                    best, best_d = f, d
            chosen = best
        return chosen

    def update(self, faces: list[np.ndarray]) -> np.ndarray | None:
        """Return the patient's landmarks in this frame, or None when not in view."""
        chosen = self.match(faces)
        if chosen is None:
            self._lost += 1
            return None
        return self.accept(chosen)

    def accept(self, chosen: np.ndarray) -> np.ndarray:
        """Record ``chosen`` (a face :meth:`match` returned) as the patient in this frame."""
        self._centre, self._size = _centre_size(chosen)
        self._lost = 0
        return chosen


class PatientFollower:
    """The patient's landmarks, frame by frame, from a video landmarker in tracking mode.

    Looking for several faces makes MediaPipe run its face detector on every frame in
    which fewer faces than that are tracked, a third of the landmarking time. So once the
    patient has been found in ``settle_frames`` frames in a row (by the ``scan``
    landmarker, which sees the whole frame and up to ``max_faces`` faces, and by
    :class:`PatientTracker`'s rules), a one-face landmarker follows them inside a window
    of ``window_faces`` face sizes around them: it cannot see, let alone jump to, a
    bystander outside that window. The window is placed afresh (with a fresh landmarker,
    whose tracking state belongs to its window) when the face drifts more than
    ``drift_faces`` face sizes from where it was, or grows or shrinks by a quarter. When the
    follower loses the patient, the same frame goes to the scan landmarker at once, so no
    face is missed by the switch. A follower that fails on its first frame (a bystander
    nearer the window's centre), or a window outrun in under ``min_window_frames`` frames
    (a face moving so fast that new landmarkers would cost more than they save), is
    followed by ``backoff_frames`` frames of scanning.

    make_landmarker(max_faces) builds a landmarker; images are RGB, points in pixels.
    """

    def __init__(self, make_landmarker: Callable[[int], Landmarker], *, max_faces: int = 3,
                 follow: bool = True, settle_frames: int = 3, window_faces: float = 3.0,
                 drift_faces: float = 0.5, backoff_frames: int = 30,
                 min_window_frames: int = 15):
        self._make = make_landmarker
        self._scan = make_landmarker(max_faces)
        self._follow_on = follow
        self._settle, self._window_faces = settle_frames, window_faces
        self._drift, self._backoff = drift_faces, backoff_frames
        self._min_window_frames = min_window_frames
        self._tracker: PatientTracker | None = None
        self._follower: Landmarker | None = None
        self._window: tuple[int, int, int, int] | None = None
        self._anchor: tuple[np.ndarray, float] | None = None  # centre and size at placement
        self._follower_frames = 0
        self._streak = 0
        self._pause = 0
        self.frames_followed = 0  # for tests and benchmarks: frames the follower served

    def update(self, image: np.ndarray) -> np.ndarray | None:
        h, w = image.shape[:2]
        if self._tracker is None:
            self._tracker = PatientTracker(width=w, height=h)
        tracker = self._tracker
        self._pause = max(self._pause - 1, 0)
        if self._window is None and self._follow_on and self._pause == 0 and \
                self._streak >= self._settle and tracker.centre is not None:
            self._place(tracker.centre, float(tracker.size or 0.0), w, h)
        if self._window is not None:
            x0, y0, x1, y1 = self._window
            assert self._follower is not None
            offset = np.array([x0, y0, 0], dtype=np.float32)
            faces = [f + offset for f in self._follower.detect(image[y0:y1, x0:x1])]
            chosen = tracker.match(faces)
            self._follower_frames += 1
            if chosen is not None:
                self.frames_followed += 1
                tracker.accept(chosen)
                self._streak += 1
                if self._drifted(chosen):
                    if self._follower_frames < self._min_window_frames:
                        self._pause = self._backoff  # moving fast: new windows cost more
                    self._drop()
                return chosen
            if self._follower_frames == 1:  # found something else first: wait a while
                self._pause = self._backoff
            self._drop()
        lm = tracker.update(self._scan.detect(image))
        self._streak = self._streak + 1 if lm is not None else 0
        return lm

    def _place(self, centre: np.ndarray, size: float, w: int, h: int) -> None:
        half = self._window_faces * size / 2.0
        x0, y0 = max(int(centre[0] - half), 0), max(int(centre[1] - half), 0)
        x1, y1 = min(int(np.ceil(centre[0] + half)), w), min(int(np.ceil(centre[1] + half)), h)
        if x1 - x0 < 32 or y1 - y0 < 32:
            return
        self._window = (x0, y0, x1, y1)
        self._anchor = (centre.copy(), size)
        self._follower = self._make(1)
        self._follower_frames = 0

    def _drifted(self, points: np.ndarray) -> bool:
        assert self._anchor is not None
        centre, size = _centre_size(points)
        anchor, anchor_size = self._anchor
        return bool(np.abs(centre - anchor).max() > self._drift * anchor_size
                    or not 0.8 <= size / anchor_size <= 1.25)

    def _drop(self) -> None:
        if self._follower is not None and self._follower is not self._scan:
            self._follower.close()  # (a stateless landmarker may serve as both)
        self._follower, self._window, self._anchor = None, None, None

    def close(self) -> None:
        self._drop()
        self._scan.close()
