"""Photo -> facial landmarks, for single images (the ``measure`` command, normal ranges).

MediaPipe's static face mesh runs on the (downscaled) photo; when it finds no face, the
full-range face detector (``model_selection=1``, faces up to about 5 m) gives a box (on the
whole photo, then on 2 x 2 overlapping tiles for small faces), and the mesh runs again on a
crop of that box with a margin, resized to 512 px. Coordinates
always come back in the original photo's pixels. Videos go through
``strokescreen.preprocess`` instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.errors import InputError, MissingExtraError

IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".bmp", ".webp", ".tif", ".tiff")


def load_image(path: str | Path) -> np.ndarray:
    """Read a photo as RGB uint8, shape (H, W, 3); EXIF orientation is applied.

    Raises :class:`InputError` when the file is missing or is not a readable image.
    """
    from PIL import Image, ImageOps, UnidentifiedImageError

    path = Path(path)
    if not path.is_file():
        raise InputError(f"file not found: {path}")
    try:
        with Image.open(path) as opened:
            upright = ImageOps.exif_transpose(opened)
            rgb = np.asarray(upright.convert("RGB"), dtype=np.uint8)
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a readable image (jpg, png, ...): {exc}") from None
    if rgb.ndim != 3 or min(rgb.shape[:2]) < 16:
        raise InputError(f"{path} is too small to hold a face ({rgb.shape[1]}x{rgb.shape[0]} px)")
    return np.ascontiguousarray(rgb)


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

    def __init__(self, *, max_side_px: int = 1280, margin: float = 0.6,
                 crop_side_px: int = 512) -> None:
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

    def _mesh(self, image: np.ndarray) -> np.ndarray | None:
        """Largest face's 478 landmarks in ``image`` pixels (z scaled like x), or None."""
        import mediapipe as mp

        if self._mesh_model is None:
            self._mesh_model = mp.solutions.face_mesh.FaceMesh(
                static_image_mode=True, max_num_faces=3, refine_landmarks=True,
                min_detection_confidence=0.5,
            )
        h, w = image.shape[:2]
        result = self._mesh_model.process(np.ascontiguousarray(image))
        if not result.multi_face_landmarks:
            return None
        faces = [
            np.array([[p.x * w, p.y * h, p.z * w] for p in f.landmark], dtype=float)
            for f in result.multi_face_landmarks
        ]
        return max(faces, key=lambda f: np.ptp(f[:, 0]) * np.ptp(f[:, 1]))

    def _detect_box(self, image: np.ndarray) -> tuple[float, float, float, float] | None:
        """Largest face box (x0, y0, x1, y1) in pixels from the full-range detector."""
        import mediapipe as mp

        if self._det_model is None:
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
        if image.ndim != 3 or image.shape[2] != 3:
            raise InputError(f"expected an RGB image of shape (H, W, 3); got {image.shape}")
        h, w = image.shape[:2]
        scale = min(1.0, self.max_side_px / max(h, w))
        small = _resize(image, scale) if scale < 1 else image
        found = self._mesh(small)
        if found is not None:
            return found / scale
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


def photo_landmarks(
    image: np.ndarray, *, max_side_px: int = 1280, margin: float = 0.6, crop_side_px: int = 512
) -> np.ndarray | None:
    """MediaPipe 478 landmarks of the largest face in a photo, or None when none is found.

    Parameters
    ----------
    image : ndarray, shape (H, W, 3), uint8 RGB
    max_side_px : the photo is downscaled to this longer side for landmarking
    margin : crop margin around a detector box, as a fraction of the box size per side
    crop_side_px : crops are resized to this longer side before the second mesh pass

    Returns
    -------
    ndarray, shape (478, 3), pixels of ``image`` (z relative, in x's scale), or None.
    """
    with PhotoLandmarker(max_side_px=max_side_px, margin=margin,
                         crop_side_px=crop_side_px) as lm:
        return lm(image)


def _dlib_model_dir() -> Path:
    # face_recognition_models' __init__ imports pkg_resources: locate it without importing
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "optional dependency 'face_recognition_models' is not installed; "
            "install it with: pip install 'strokescreen[dlib]'"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "models"


def dlib68_landmarks(image: np.ndarray, *, upsample: int = 1) -> np.ndarray | None:
    """dlib's iBUG-68 landmarks of the largest HOG-detected face, shape (68, 2) px, or None.

    Needs the ``dlib`` extra (dlib-bin + face_recognition_models; the 68-point model is
    licensed for non-commercial use).
    """
    from strokescreen.errors import require_extra

    dlib = require_extra("dlib", "dlib")
    model = _dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"
    predictor = dlib.shape_predictor(str(model))  # type: ignore[attr-defined]
    detector = dlib.get_frontal_face_detector()  # type: ignore[attr-defined]
    img = np.ascontiguousarray(image)
    rects = detector(img, upsample)
    if len(rects) == 0:
        return None
    rect = max(rects, key=lambda r: r.width() * r.height())
    shape = predictor(img, rect)
    return np.array([[shape.part(i).x, shape.part(i).y] for i in range(68)], dtype=float)
