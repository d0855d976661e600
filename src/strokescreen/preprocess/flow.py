"""Face-region optical flow between consecutive frames (OpenCV DIS, ultrafast preset).

The face box of the current frame (with a margin) is cut from both frames, shrunk to
``FLOW_BOX_PX`` wide (Gaussian pyramid, then bilinear), and dense flow is computed there.
The median flow vector (the rigid shift of the whole face) is removed, so the figure
measures motion *within* the face (speech, expressions, a passing hand) rather than head
translation. Units: pixels per frame on the face box rescaled to ``FLOW_BOX_PX`` pixels wide.
"""

from __future__ import annotations

import math
import threading

import cv2
import numpy as np

from strokescreen.face.landmarks import face_box

FLOW_BOX_PX = 112


_DIS = threading.local()


def _dis() -> cv2.DISOpticalFlow:
    """One DIS flow object per thread (they are not thread-safe)."""
    if not hasattr(_DIS, "obj"):
        _DIS.obj = cv2.DISOpticalFlow.create(cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST)
    return _DIS.obj


def face_crop_box(points: np.ndarray, *, width: int, height: int,
                  margin: float = 0.15) -> tuple[int, int, int, int]:
    """Integer (x0, y0, x1, y1) around landmarks with a relative margin, clipped to the image."""
    x0, y0, x1, y1 = face_box(points)
    mx, my = (x1 - x0) * margin, (y1 - y0) * margin
    return (max(int(x0 - mx), 0), max(int(y0 - my), 0),
            min(int(math.ceil(x1 + mx)), width), min(int(math.ceil(y1 + my)), height))


def shrink(gray: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Downscale a gray image to ``size`` (w, h): Gaussian pyramid halvings, then bilinear.

    The halvings filter what the final bilinear step would alias; together they cost a
    third of one non-integer area resize (which was the largest cost in ``face_flow``).
    """
    while gray.shape[1] >= 2 * size[0] and gray.shape[0] >= 2 * size[1]:
        gray = cv2.pyrDown(gray)
    return cv2.resize(gray, size, interpolation=cv2.INTER_LINEAR)


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
    flow = np.asarray(_dis().calc(shrink(a, size), shrink(b, size), None))  # type: ignore[call-overload]
    # the rigid shift of the face is the median vector; what remains moves within the face
    dx = flow[..., 0] - np.median(flow[..., 0])
    dy = flow[..., 1] - np.median(flow[..., 1])
    return float(cv2.magnitude(dx, dy).mean())
