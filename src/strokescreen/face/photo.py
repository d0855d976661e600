"""Faces in photos: MediaPipe's static face mesh with a face-detector fallback.

The mesh runs on the (downscaled) photo; when it finds no face, the full-range face
detector (``model_selection=1``, faces up to about 5 m) gives a box (on the whole photo,
then on 2 x 2 overlapping tiles for small faces), and the mesh runs again on a crop of that
box with a margin, resized to 512 px: the mesh's own short-range detector misses a face
that is small in the picture (a person at a lectern, a group photo). Coordinates always
come back in the original photo's pixels. Used by ``measure`` on photos and, through the
``photo=True`` option of :func:`strokescreen.face.landmarks.get_landmarker`, by the
landmarkers when they read annotated still images (``landmarks-eval``, ``landmarks-train``).
Videos go through the tracking mesh of :class:`~strokescreen.face.landmarks.MediaPipeLandmarker`.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.landmarks import quiet_native_logs


def _resize(image: np.ndarray, scale: float) -> np.ndarray:
    import cv2

    h, w = image.shape[:2]
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    interp = cv2.INTER_AREA if scale < 1 else cv2.INTER_CUBIC
    return cv2.resize(image, size, interpolation=interp)


class PhotoLandmarker:
    """Reusable MediaPipe face mesh (static mode) with the face-detector fallback.

    Use as a context manager, or call :meth:`close`. ``lm(image)`` is
    :func:`photo_landmarks` without rebuilding the models for every photo.
    """

    name = "mediapipe"
    n_points = 478

    def __init__(self, *, max_side_px: int = 1280, margin: float = 0.6,
                 crop_side_px: int = 512, max_faces: int = 3, **_: object) -> None:
        self.max_faces = max_faces
        self.max_side_px = max_side_px
        self.margin = margin
        self.crop_side_px = crop_side_px
        self._mesh_model: Any = None
        self._det_model: Any = None

    def __enter__(self) -> PhotoLandmarker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        for m in (self._mesh_model, self._det_model):
            if m is not None:
                m.close()
        self._mesh_model = self._det_model = None

    def _meshes(self, image: np.ndarray) -> list[np.ndarray]:
        """Every face's 478 landmarks in ``image`` pixels (z scaled like x), largest first."""
        import mediapipe as mp

        if self._mesh_model is None:
            with quiet_native_logs():
                self._mesh_model = mp.solutions.face_mesh.FaceMesh(
                    static_image_mode=True, max_num_faces=self.max_faces,
                    refine_landmarks=True, min_detection_confidence=0.5,
                )
        h, w = image.shape[:2]
        result = self._mesh_model.process(np.ascontiguousarray(image))
        if not result.multi_face_landmarks:
            return []
        faces = [
            np.array([[p.x * w, p.y * h, p.z * w] for p in f.landmark], dtype=float)
            for f in result.multi_face_landmarks
        ]
        return sorted(faces, key=lambda f: -np.ptp(f[:, 0]) * np.ptp(f[:, 1]))

    def _mesh(self, image: np.ndarray) -> np.ndarray | None:
        """Largest face's 478 landmarks in ``image`` pixels (z scaled like x), or None."""
        faces = self._meshes(image)
        return faces[0] if faces else None

    def _detect_box(self, image: np.ndarray) -> tuple[float, float, float, float] | None:
        """Largest face box (x0, y0, x1, y1) in pixels from the full-range detector."""
        import mediapipe as mp

        if self._det_model is None:
            with quiet_native_logs():
                self._det_model = mp.solutions.face_detection.FaceDetection(
                    model_selection=1, min_detection_confidence=0.5
                )
        h, w = image.shape[:2]
        result = self._det_model.process(np.ascontiguousarray(image))
        if not result.detections:
            return None
        boxes = []
        for d in result.detections:
            b = d.location_data.relative_bounding_box
            boxes.append((b.xmin * w, b.ymin * h, (b.xmin + b.width) * w,
                          (b.ymin + b.height) * h))
        return max(boxes, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))

    def _find_box(self, image: np.ndarray, small: np.ndarray,
                  scale: float) -> tuple[float, float, float, float] | None:
        """Face box in ``image`` pixels: detector on the whole photo, then on 2 x 2 tiles.

        The tiles (half the photo each, overlapping by a quarter) make a face that is small
        in a large photo twice as large for the detector's 192 px input.
        """
        box = self._detect_box(small)
        if box is not None:
            return tuple(v / scale for v in box)  # type: ignore[return-value]
        h, w = image.shape[:2]
        th, tw = int(h * 0.625), int(w * 0.625)
        found = []
        for ty in (0, h - th):
            for tx in (0, w - tw):
                tile = image[ty:ty + th, tx:tx + tw]
                ts = min(1.0, self.max_side_px / max(th, tw))
                b = self._detect_box(_resize(tile, ts) if ts < 1 else tile)
                if b is not None:
                    found.append((b[0] / ts + tx, b[1] / ts + ty, b[2] / ts + tx, b[3] / ts + ty))
        if not found:
            return None
        return max(found, key=lambda b: (b[2] - b[0]) * (b[3] - b[1]))

    def __call__(self, image: np.ndarray) -> np.ndarray | None:
        """The largest face's (478, 3) landmarks in ``image`` pixels, or None."""
        faces = self.detect(image)
        return faces[0] if faces else None

    def detect(self, image: np.ndarray) -> list[np.ndarray]:
        """Every face the mesh finds on the whole photo, largest first, each (478, 3) in
        ``image`` pixels; when it finds none, the one face of the detector fallback (or
        an empty list). The :class:`~strokescreen.face.landmarks.Landmarker` protocol."""
        if image.ndim != 3 or image.shape[2] != 3:
            raise InputError(f"expected an RGB image of shape (H, W, 3); got {image.shape}")
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side_px / max(h, w))
        small = _resize(image, scale) if scale < 1 else image
        faces = self._meshes(small)
        if faces:
            return [f / scale for f in faces]
        found = self._search(image, small, scale)
        return [] if found is None else [found]

    def _search(self, image: np.ndarray, small: np.ndarray, scale: float) -> np.ndarray | None:
        """The mesh on a crop around the face detector's box (the small-face fallback)."""
        h, w = image.shape[:2]
        box = self._find_box(image, small, scale)
        if box is None:
            return None
        x0, y0, x1, y1 = box
        bw, bh = x1 - x0, y1 - y0
        cx0, cy0 = max(0, int(x0 - self.margin * bw)), max(0, int(y0 - self.margin * bh))
        cx1, cy1 = min(w, int(x1 + self.margin * bw)), min(h, int(y1 + self.margin * bh))
        if cx1 - cx0 < 8 or cy1 - cy0 < 8:
            return None
        crop = image[cy0:cy1, cx0:cx1]
        cscale = self.crop_side_px / max(crop.shape[:2])
        found = self._mesh(_resize(crop, cscale))
        if found is None:
            return None
        found = found / cscale
        found[:, 0] += cx0
        found[:, 1] += cy0
        return found
