"""Offline person segmentation (MediaPipe's legacy selfie segmenter, inside the wheel).

MediaPipe 0.10.21 bundles ``selfie_segmentation.tflite`` (person vs background); it has
no hair segmenter, so hair labels are a proxy built from the person mask
(:func:`strokescreen.parsing.masks.hair_proxy`).
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import MissingExtraError
from strokescreen.face.landmarks import quiet_native_logs


class PersonSegmenter:
    """Person mask of an RGB image: ``segment(image) -> (H, W) bool``.

    threshold : probability above which a pixel is the person (0.5: the likelier class).
    """

    def __init__(self, *, threshold: float = 0.5, model_selection: int = 0):
        try:
            from mediapipe.python.solutions import selfie_segmentation
        except ImportError as exc:  # pragma: no cover - core dependency
            raise MissingExtraError("mediapipe is not installed; reinstall strokescreen "
                                    "(pip install -e .)") from exc
        self.threshold = threshold
        with quiet_native_logs():
            self._seg = selfie_segmentation.SelfieSegmentation(model_selection=model_selection)

    def segment(self, image_rgb: np.ndarray) -> np.ndarray:
        """(H, W) bool person mask of an (H, W, 3) uint8 RGB image."""
        res = self._seg.process(np.ascontiguousarray(image_rgb))
        if res.segmentation_mask is None:
            return np.zeros(image_rgb.shape[:2], bool)
        return np.asarray(res.segmentation_mask) > self.threshold

    def close(self) -> None:
        self._seg.close()

    def __enter__(self) -> PersonSegmenter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
