"""Head pose from 2-D landmarks: solvePnP against a canonical 3-D face.

Angles are in degrees, in the camera's frame, with these signs (the subject faces the
camera; "left"/"right" are the subject's own):

- ``yaw``   > 0 when the subject turns towards their own left (the face's front swings
  to the image's right in an unmirrored video);
- ``pitch`` > 0 when the subject looks up (chin raised);
- ``roll``  > 0 when the face turns clockwise in the image (the subject's head tilts
  towards their own left shoulder... as the camera sees it, the eye on the image's
  right drops below the other).

The canonical face is a small set of points (mm) given below with how they were made;
only their ratios matter for the angles.
"""

from __future__ import annotations

import math

import cv2
import numpy as np

# MediaPipe 478 indices -> canonical 3-D position in mm. Axes: X towards the subject's
# left (image right), Y up, Z towards the camera. Nose tip at the origin. The values were
# derived for this project from MediaPipe's own 3-D output on the bundled public-domain
# portrait and a real frontal clip (each also mirrored), averaged, made symmetric, scaled
# to 88 mm between the outer eye corners, and levelled so that pitch 0 means the line
# from the nose bridge to the chin is vertical (a face looking straight ahead).
_CANONICAL = {
    1: (0.0, 0.0, 0.0),          # nose tip
    168: (0.0, 44.0, -27.4),     # nose bridge between the eyes
    152: (0.0, -80.4, -27.4),    # chin
    33: (-44.0, 36.2, -48.6),    # right eye, outer corner
    133: (-17.7, 35.0, -43.1),   # right eye, inner corner
    362: (17.7, 35.0, -43.1),    # left eye, inner corner
    263: (44.0, 36.2, -48.6),    # left eye, outer corner
    61: (-30.3, -27.7, -35.9),   # right mouth corner
    291: (30.3, -27.7, -35.9),   # left mouth corner
    2: (0.0, -8.0, -14.6),       # below the nose (subnasale)
    10: (0.0, 92.3, -38.9),      # top of the forehead
}
POSE_INDICES = np.array(list(_CANONICAL), dtype=int)
CANONICAL_MM = np.array(list(_CANONICAL.values()), dtype=np.float64)

# The same canonical points in the iBUG 68-point scheme (dlib); it has no forehead point.
_IBUG_OF_MP = {1: 30, 168: 27, 152: 8, 33: 36, 133: 39, 362: 42, 263: 45, 61: 48, 291: 54, 2: 33}
_POSE_POINTS = {
    478: (POSE_INDICES, CANONICAL_MM),
    68: (np.array(list(_IBUG_OF_MP.values()), dtype=int),
         np.array([_CANONICAL[k] for k in _IBUG_OF_MP], dtype=np.float64)),
}


def rotation_matrix(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation (3×3) in the canonical frame (X subject-left, Y up, Z to camera)."""
    y, p, r = (math.radians(a) for a in (yaw_deg, pitch_deg, roll_deg))
    # yaw about Y: positive swings the front (+Z) towards +X (subject's left).
    ry = np.array([[math.cos(y), 0, math.sin(y)], [0, 1, 0], [-math.sin(y), 0, math.cos(y)]])
    # pitch about X: positive lifts the front (+Z) towards +Y (looking up).
    rx = np.array([[1, 0, 0], [0, math.cos(p), math.sin(p)], [0, -math.sin(p), math.cos(p)]])
    # roll about Z: positive turns +X (subject's left) towards -Y (clockwise in the image).
    rz = np.array([[math.cos(r), math.sin(r), 0], [-math.sin(r), math.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def angles_from_matrix(R: np.ndarray) -> tuple[float, float, float]:
    """Inverse of :func:`rotation_matrix` (yaw, pitch, roll in degrees)."""
    # R = Ry Rx Rz: R[1,2] = sin(pitch); R[0,2] / R[2,2] = tan(yaw); R[1,0] / R[1,1] = -tan(roll)
    pitch = math.degrees(math.asin(max(-1.0, min(1.0, R[1, 2]))))
    yaw = math.degrees(math.atan2(R[0, 2], R[2, 2]))
    roll = math.degrees(math.atan2(-R[1, 0], R[1, 1]))
    return yaw, pitch, roll


def camera_matrix(width: int, height: int) -> np.ndarray:
    """A pinhole camera guess: focal length = image width (about a phone's 60° FOV)."""
    f = float(max(width, height))
    return np.array([[f, 0, width / 2.0], [0, f, height / 2.0], [0, 0, 1]], dtype=np.float64)


# Camera frame: x right, y down, z forward (away from camera). Canonical -> camera axes.
_TO_CAM = np.diag([1.0, -1.0, -1.0])


def project(yaw_deg: float, pitch_deg: float, roll_deg: float, *, width: int, height: int,
            distance_mm: float = 600.0, points_mm: np.ndarray = CANONICAL_MM) -> np.ndarray:
    """Project canonical points posed at (yaw, pitch, roll), facing the camera; pixels (n, 2)."""
    R = rotation_matrix(yaw_deg, pitch_deg, roll_deg)
    cam = (points_mm @ R.T) @ _TO_CAM.T + np.array([0.0, 0.0, distance_mm])
    K = camera_matrix(width, height)
    uvw = cam @ K.T
    return uvw[:, :2] / uvw[:, 2:3]


def head_pose(landmarks_px: np.ndarray, *, width: int, height: int) -> tuple[float, float, float]:
    """Yaw, pitch, roll in degrees from one face's landmarks.

    landmarks_px : ndarray, shape (478 or 68, 2 or 3), pixels (MediaPipe or iBUG 68
        scheme). NaN rows -> NaNs.
    """
    lm = np.asarray(landmarks_px, dtype=np.float64)
    if len(lm) not in _POSE_POINTS:
        raise ValueError(f"head_pose takes 478 (MediaPipe) or 68 (iBUG) points, not {len(lm)}")
    indices, canonical = _POSE_POINTS[len(lm)]
    pts = lm[indices, :2]
    if not np.all(np.isfinite(pts)):
        return (math.nan, math.nan, math.nan)
    K = camera_matrix(width, height)
    obj = canonical @ _TO_CAM.T
    no_distortion = np.zeros(4)
    ok, rvec, tvec = cv2.solvePnP(obj, pts, K, no_distortion, flags=cv2.SOLVEPNP_SQPNP)
    if not ok:
        return (math.nan, math.nan, math.nan)
    ok, rvec, tvec = cv2.solvePnP(obj, pts, K, no_distortion, rvec, tvec,
                                  useExtrinsicGuess=True, flags=cv2.SOLVEPNP_ITERATIVE)
    Rc, _ = cv2.Rodrigues(rvec)
    # Rc maps camera-axis object points; bring back to the canonical frame.
    R = _TO_CAM.T @ Rc @ _TO_CAM
    return angles_from_matrix(R)
