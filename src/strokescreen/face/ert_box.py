"""Where dlib's HOG detector would box a face, from its iBUG-68 points (pure functions).

dlib's ERT 68-point predictor was trained on faces boxed by dlib's HOG detector; given a
box placed differently (shifted, larger or smaller), its cascade starts from a mean shape
that does not sit where it learnt to expect it and its error grows. A box relation turns
68 points (from MediaPipe's mesh, or from a previous ERT pass) into the box the HOG
detector would most likely have drawn around that face:

    centre = eye centre + a * (mouth centre - eye centre) + b * (left eye - right eye)
    side   = s_eye * |left eye - right eye| + s_mouth * |mouth centre - eye centre|

(fitted with s_eye = s_mouth: one scale on the mean of the two lengths).

Only eye and mouth centres are used: MediaPipe and dlib place them alike, whereas their
jaw contours differ. The form is rotation-covariant (a rolled face gives a box centred the
same way on the face). The coefficients are fitted by least squares on faces where both
the HOG detector and the points are available (``benchmarks/fit_ert_box.py``, real video
frames; no manual annotation) and shipped in ``strokescreen/data/ert_box_relation.json``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

import numpy as np

from strokescreen.errors import InputError

BOX_FILE = Path(__file__).resolve().parents[1] / "data" / "ert_box_relation.json"
KEYS = ("a", "b", "s_eye", "s_mouth")
#: the relation the first ERT landmarker used (fitted on 50 frames, no eye-axis term)
LEGACY = {"a": 0.44, "b": 0.0, "s_eye": 1.13, "s_mouth": 1.13}


def _anchors(points68: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(eye centre, mouth - eye vector, left - right eye vector), each (..., 2), pixels."""
    p = np.asarray(points68, dtype=float)[..., :2]
    if p.shape[-2] != 68:
        raise InputError(f"box relation needs iBUG-68 points, shape (68, 2); got {p.shape}")
    eye_r, eye_l = p[..., 36:42, :].mean(-2), p[..., 42:48, :].mean(-2)
    eye = (eye_r + eye_l) / 2
    return eye, p[..., 48:68, :].mean(-2) - eye, eye_l - eye_r


def apply_box_relation(points68: np.ndarray, relation: dict[str, float]
                       ) -> tuple[float, float, float, float]:
    """Square box (left, top, right, bottom), pixels, for one face's (68, 2+) points."""
    eye, v, w = _anchors(points68)
    centre = eye + relation["a"] * v + relation["b"] * w
    side = relation["s_eye"] * np.linalg.norm(w) + relation["s_mouth"] * np.linalg.norm(v)
    h = float(side) / 2
    return (float(centre[0] - h), float(centre[1] - h), float(centre[0] + h),
            float(centre[1] + h))


def fit_box_relation(points68: np.ndarray, boxes: np.ndarray) -> dict[str, float]:
    """Least-squares relation from faces' points (n, 68, 2) to their boxes (n, 4) (l, t, r, b).

    Centre and side are fitted separately (each is linear in its coefficients).
    """
    pts = np.asarray(points68, dtype=float)
    bx = np.asarray(boxes, dtype=float)
    if pts.ndim != 3 or bx.shape != (len(pts), 4) or len(pts) < 3:
        raise InputError(f"need n >= 3 faces of (68, 2) points and (n, 4) boxes; got "
                         f"{pts.shape} and {bx.shape}")
    eye, v, w = _anchors(pts)
    centre = (bx[:, :2] + bx[:, 2:]) / 2
    design = np.stack([v.reshape(-1), w.reshape(-1)], axis=1)  # x and y rows interleaved
    (a, b), *_ = np.linalg.lstsq(design, (centre - eye).reshape(-1), rcond=None)
    side = (bx[:, 2] - bx[:, 0] + bx[:, 3] - bx[:, 1]) / 2
    # one scale on the mean of the two lengths: fitting both weights separately overfits
    # (across videos they trade off against each other: leave-one-video-out side error
    # 8.5 % of the side against 7.3 % with one)
    half = (np.linalg.norm(w, axis=1) + np.linalg.norm(v, axis=1)) / 2
    s = float(half @ side / (half @ half))
    return {"a": float(a), "b": float(b), "s_eye": s / 2, "s_mouth": s / 2}


@lru_cache(maxsize=1)
def shipped_relations() -> dict[str, dict[str, float]]:
    """The fitted relations: ``mesh`` (from MediaPipe's 68 points) and ``ert`` (from dlib's)."""
    try:
        meta = json.loads(BOX_FILE.read_text())
        return {k: {kk: float(meta[k][kk]) for kk in KEYS} for k in ("mesh", "ert")}
    except (OSError, KeyError, ValueError, TypeError) as exc:
        raise InputError(f"{BOX_FILE}: box relation file missing or damaged ({exc}); "
                         "reinstall strokescreen or run benchmarks/fit_ert_box.py --write"
                         ) from None
