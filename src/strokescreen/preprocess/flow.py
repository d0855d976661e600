"""Face-region optical flow between consecutive frames (OpenCV DIS, ultrafast preset).

The face box of the current frame (with a margin) is cut from both frames, resized to
``FLOW_BOX_PX`` wide, and dense flow is computed there. The median flow vector (the
rigid shift of the whole face) is removed, so the figure measures motion *within* the
face (speech, expressions, a passing hand) rather than head translation. Units: pixels
per frame on the face box rescaled to ``FLOW_BOX_PX`` pixels wide.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

FLOW_BOX_PX = 112


_DIS = threading.local()


def _dis() -> cv2.DISOpticalFlow:
    """One DIS flow object per thread (they are not thread-safe)."""
    if not hasattr(_DIS, "obj"):
        _DIS.obj = cv2.DISOpticalFlow_create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    return _DIS.obj


def face_crop_box(points: np.ndarray, *, width: int, height: int,
                  margin: float = 0.15) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) around landmarks with a relative margin, clipped to the image."""
    x0, y0 = np.nanmin(points[:, 0]), np.nanmin(points[:, 1])
    x1, y1 = np.nanmax(points[:, 0]), np.nanmax(points[:, 1])
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return (max(int(x0 - mx), 0), max(int(y0 - my), 0),
            min(int(math.ceil(x1 + mx)), width), min(int(math.ceil(y1 + my)), height))


def face_flow(prev: np.ndarray, image: np.ndarray, box: tuple[int, int, int, int]) -> float:
    """Mean non-rigid flow magnitude inside ``box`` (pixels/frame at FLOW_BOX_PX width).

    prev, image : ndarray uint8, the same size: (H, W) gray or (H, W, 3) RGB (only the
    box is converted to gray, which is cheaper than converting whole frames).
    """
    x0, y0, x1, y1 = box
    if x1 - x0 < 8 or y1 - y0 < 8:
        return math.nan
    a = prev[y0:y1, x0:x1]
    b = image[y0:y1, x0:x1]
    if a.ndim == 3:
        a = cv2.cvtColor(a, cv2.COLOR_RGB2GRAY)
        b = cv2.cvtColor(b, cv2.COLOR_RGB2GRAY)
    scale = FLOW_BOX_PX / float(x1 - x0)
    size = (FLOW_BOX_PX, max(int(round((y1 - y0) * scale)), 8))
    a = cv2.resize(a, size, interpolation=cv2.INTER_AREA)
    b = cv2.resize(b, size, interpolation=cv2.INTER_AREA)
    flow = _dis().calc(a, b, None).reshape(-1, 2)
    flow = flow - np.median(flow, axis=0)
    return float(np.mean(np.hypot(flow[:, 0], flow[:, 1])))
