"""Follow one person (the patient) through a video.

The patient is the largest, most central face when first seen; afterwards the face
nearest the patient's last position is taken. When the patient is lost, a face is
re-acquired only when it has the patient's size and stands near where the patient was
last seen, so the track never jumps to a bystander.
"""

from __future__ import annotations

import numpy as np

from strokescreen.face.landmarks import face_box


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

    def update(self, faces: list[np.ndarray]) -> np.ndarray | None:
        """Return the patient's landmarks in this frame, or None when not in view."""
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
        if chosen is None:
            self._lost += 1
            return None
        self._centre, self._size = _centre_size(chosen)
        self._lost = 0
        return chosen
