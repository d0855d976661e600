"""Facial landmark schemes: MediaPipe 478 and iBUG 68, named anatomical points, 478 -> 68.

Two schemes are supported:

- ``"mp478"``: MediaPipe Face Mesh with ``refine_landmarks=True`` (468 mesh points plus
  5 iris points per eye, 468-472 and 473-477). A 468-point mesh (no iris) is accepted as
  ``"mp478"`` too; iris-based points are then unavailable.
- ``"ibug68"``: the iBUG 300-W 68-point markup (dlib's shape predictor, OpenFace).

Sides are always the *subject's* sides. In an unmirrored frontal image the subject's
right appears at small x (image left). MediaPipe names follow the subject too:
``FACEMESH_RIGHT_EYE`` holds 33/133 (small x) and ``FACEMESH_RIGHT_IRIS`` 469-472 with
centre 468; checked on ``skimage.data.astronaut()`` (468 lies at smaller x than 473).

Named points are tuples of indices whose coordinates are averaged (one index for most).
Suffix ``_r`` / ``_l`` is the subject's right / left.

The 478 -> 68 mapping (:data:`MP478_TO_IBUG68`) is one mesh index per iBUG point, chosen
left/right symmetric (iBUG mirror pairs map to MediaPipe mirror pairs). Against dlib's
68-point predictor on ``astronaut()`` the mapped points lie within (mean, % of the
inter-ocular distance): eyes 2.3, mouth 2.7, brows 4.1, nose 4.9, jaw 9.4 (jaw contours are
defined differently by the two models); see ``tests/face/test_schemes.py``.
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import InputError

SCHEMES = ("mp478", "ibug68")

# ---------------------------------------------------------------------------------------
# MediaPipe 478
# ---------------------------------------------------------------------------------------

#: iris centre and its 4 rim points (469/474: image +x, 470/475: top, 471/476: image -x,
#: 472/477: bottom), per subject side.
MP_IRIS = {"r": (468, 469, 470, 471, 472), "l": (473, 474, 475, 476, 477)}

POINTS_MP478: dict[str, tuple[int, ...]] = {
    "pupil_r": (468,),
    "pupil_l": (473,),
    "eye_outer_r": (33,),
    "eye_inner_r": (133,),
    "eye_inner_l": (362,),
    "eye_outer_l": (263,),
    "lid_upper_r": (159,),
    "lid_lower_r": (145,),
    "lid_upper_l": (386,),
    "lid_lower_l": (374,),
    "brow_r": (105,),  # upper brow edge, above the pupil
    "brow_l": (334,),
    "brow_inner_r": (107,),
    "brow_inner_l": (336,),
    "brow_outer_r": (70,),
    "brow_outer_l": (300,),
    "mouth_corner_r": (61,),
    "mouth_corner_l": (291,),
    "lip_upper_mid": (0,),
    "lip_lower_mid": (17,),
    "lip_upper_r": (37,),  # outer upper lip, between midline and corner
    "lip_upper_l": (267,),
    "lip_lower_r": (84,),
    "lip_lower_l": (314,),
    "lip_inner_upper_mid": (13,),
    "lip_inner_lower_mid": (14,),
    "lip_inner_upper_r": (82,),
    "lip_inner_upper_l": (312,),
    "lip_inner_lower_r": (87,),
    "lip_inner_lower_l": (317,),
    "nose_bridge": (168,),
    "nose_tip": (1,),
    "subnasale": (2,),
    "philtrum": (164,),
    "chin": (152,),
}

#: Eye contour points used as a pupil stand-in when a 468-point mesh has no iris.
_MP_EYE_RING = {"r": (33, 160, 158, 133, 153, 144), "l": (362, 385, 387, 263, 373, 380)}

# MediaPipe's canonical face model is exactly left/right symmetric: its 28 midline
# vertices map to themselves and the 220 other vertices with index < 248 pair, in order,
# with vertices 248..467. The iris points pair as below.
_MP_MIDLINE = (0, 1, 2, 4, 5, 6, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 94, 151, 152,
               164, 168, 175, 195, 197, 199, 200)


def _mp_mirror() -> np.ndarray:
    perm = np.arange(478)
    right = [i for i in range(248) if i not in _MP_MIDLINE]
    for k, i in enumerate(right):
        perm[i], perm[248 + k] = 248 + k, i
    for a, b in ((468, 473), (469, 476), (470, 475), (471, 474), (472, 477)):
        perm[a], perm[b] = b, a
    return perm


#: ``MIRROR_MP478[i]`` is the mesh point at the mirror position of point ``i``.
MIRROR_MP478: np.ndarray = _mp_mirror()

# ---------------------------------------------------------------------------------------
# iBUG 68 (0-based indices)
# ---------------------------------------------------------------------------------------

POINTS_IBUG68: dict[str, tuple[int, ...]] = {
    "pupil_r": (36, 37, 38, 39, 40, 41),  # centroid of the eye's 6 points
    "pupil_l": (42, 43, 44, 45, 46, 47),
    "eye_outer_r": (36,),
    "eye_inner_r": (39,),
    "eye_inner_l": (42,),
    "eye_outer_l": (45,),
    "lid_upper_r": (37, 38),
    "lid_lower_r": (40, 41),
    "lid_upper_l": (43, 44),
    "lid_lower_l": (46, 47),
    "brow_r": (19,),
    "brow_l": (24,),
    "brow_inner_r": (21,),
    "brow_inner_l": (22,),
    "brow_outer_r": (17,),
    "brow_outer_l": (26,),
    "mouth_corner_r": (48,),
    "mouth_corner_l": (54,),
    "lip_upper_mid": (51,),
    "lip_lower_mid": (57,),
    "lip_upper_r": (50,),
    "lip_upper_l": (52,),
    "lip_lower_r": (58,),
    "lip_lower_l": (56,),
    "lip_inner_upper_mid": (62,),
    "lip_inner_lower_mid": (66,),
    "lip_inner_upper_r": (61,),
    "lip_inner_upper_l": (63,),
    "lip_inner_lower_r": (67,),
    "lip_inner_lower_l": (65,),
    "nose_bridge": (27,),
    "nose_tip": (30,),
    "subnasale": (33,),
    "philtrum": (33, 51),
    "chin": (8,),
}


def _ibug_mirror() -> np.ndarray:
    pairs = [(i, 16 - i) for i in range(8)] + [(17 + i, 26 - i) for i in range(5)]
    pairs += [(31, 35), (32, 34), (36, 45), (37, 44), (38, 43), (39, 42), (40, 47), (41, 46)]
    pairs += [(48, 54), (49, 53), (50, 52), (55, 59), (56, 58), (60, 64), (61, 63), (65, 67)]
    perm = np.arange(68)
    for a, b in pairs:
        perm[a], perm[b] = b, a
    return perm


#: ``MIRROR_IBUG68[i]`` is the iBUG point at the mirror position of point ``i``.
MIRROR_IBUG68: np.ndarray = _ibug_mirror()

#: One MediaPipe mesh index per iBUG-68 point (shape (68,)). Jaw 0-16, brows 17-26,
#: nose 27-35, eyes 36-47, outer lips 48-59, inner lips 60-67.
MP478_TO_IBUG68: np.ndarray = np.array(
    [127, 227, 177, 215, 138, 136, 150, 148, 152, 377, 379, 365, 367, 435, 401, 447, 356,
     70, 63, 105, 66, 107, 336, 296, 334, 293, 300,
     168, 197, 195, 4, 75, 97, 2, 326, 305,
     33, 160, 158, 133, 153, 144, 362, 385, 387, 263, 373, 380,
     61, 39, 37, 0, 267, 269, 291, 321, 314, 17, 84, 91,
     78, 82, 13, 312, 308, 317, 14, 87],
    dtype=np.intp,
)

#: iBUG-68 regions (index ranges), for reporting agreement by region.
IBUG68_REGIONS = {
    "jaw": tuple(range(0, 17)),
    "brows": tuple(range(17, 27)),
    "nose": tuple(range(27, 36)),
    "eyes": tuple(range(36, 48)),
    "mouth": tuple(range(48, 68)),
}

_POINTS = {"mp478": POINTS_MP478, "ibug68": POINTS_IBUG68}


def check_scheme(scheme: str) -> str:
    """Return ``scheme`` if known, else raise :class:`InputError` naming the valid ones."""
    if scheme not in SCHEMES:
        raise InputError(f"unknown landmark scheme {scheme!r}; use one of {', '.join(SCHEMES)}")
    return scheme


def scheme_of(landmarks: np.ndarray) -> str:
    """Guess the scheme from the number of points (axis -2): 478/468 -> mp478, 68 -> ibug68."""
    n = np.shape(landmarks)[-2]
    if n in (468, 478):
        return "mp478"
    if n == 68:
        return "ibug68"
    raise InputError(f"landmarks have {n} points; expected 478 or 468 (MediaPipe) or 68 (iBUG)")


def _check_points(landmarks: np.ndarray, scheme: str) -> np.ndarray:
    arr = np.asarray(landmarks, dtype=float)
    check_scheme(scheme)
    if arr.ndim < 2 or arr.shape[-1] not in (2, 3):
        raise InputError(f"landmarks must have shape (..., n_points, 2|3); got {arr.shape}")
    n = arr.shape[-2]
    ok = n in (468, 478) if scheme == "mp478" else n == 68
    if not ok:
        raise InputError(f"landmarks have {n} points, which does not fit scheme {scheme!r}")
    return arr


def has_iris(landmarks: np.ndarray, *, scheme: str) -> bool:
    """True when the landmarks carry iris points (mp478 with 478 points)."""
    return scheme == "mp478" and np.shape(landmarks)[-2] >= 478


def point_indices(name: str, *, scheme: str) -> tuple[int, ...]:
    """Indices averaged for named point ``name`` in ``scheme``."""
    table = _POINTS[check_scheme(scheme)]
    if name not in table:
        raise InputError(f"unknown named point {name!r}; valid: {', '.join(sorted(table))}")
    return table[name]


def named_points(landmarks: np.ndarray, *, scheme: str) -> dict[str, np.ndarray]:
    """Named anatomical points of landmarks in ``scheme``.

    Parameters
    ----------
    landmarks : ndarray, shape (..., n_points, D), D = 2 or 3, any unit (pixels usually)

    Returns
    -------
    dict name -> ndarray, shape (..., D): the mean of the point's indices. For a 468-point
    MediaPipe mesh (no iris) the pupils are the centroid of 6 eye-contour points.
    """
    arr = _check_points(landmarks, scheme)
    table = dict(_POINTS[scheme])
    if scheme == "mp478" and arr.shape[-2] < 478:
        table["pupil_r"], table["pupil_l"] = _MP_EYE_RING["r"], _MP_EYE_RING["l"]
    return {name: arr[..., list(idx), :].mean(axis=-2) for name, idx in table.items()}


def to_ibug68(landmarks478: np.ndarray) -> np.ndarray:
    """Map MediaPipe landmarks to the iBUG-68 layout.

    Parameters
    ----------
    landmarks478 : ndarray, shape (..., 478 or 468, D)

    Returns
    -------
    ndarray, shape (..., 68, D), same unit; NaN stays NaN.
    """
    arr = _check_points(landmarks478, "mp478")
    return arr[..., MP478_TO_IBUG68, :]


def mirror_landmarks(landmarks: np.ndarray, *, scheme: str, width: float = 0.0) -> np.ndarray:
    """Landmarks as a detector would return them on the horizontally mirrored image.

    x becomes ``width - x`` and points are re-labelled with their mirror partners, so the
    subject's right side stays "right" in the labels while the face is the mirror image.

    Parameters
    ----------
    landmarks : ndarray, shape (..., n_points, D)
    width : image width in the landmarks' unit (0 reflects about x = 0)
    """
    arr = _check_points(landmarks, scheme).copy()
    arr[..., 0] = width - arr[..., 0]  # z (depth) is unchanged by a horizontal flip
    perm = MIRROR_MP478[: arr.shape[-2]] if scheme == "mp478" else MIRROR_IBUG68
    return arr[..., perm, :]
