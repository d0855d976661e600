"""Portraits the synthetic faces are made from: the bundled one plus a user's own.

The default is the public-domain astronaut portrait (Eileen Collins, NASA) bundled with
scikit-image (``skimage.data.astronaut()``, offline). Each portrait is measured once
with MediaPipe FaceMesh (478 points, refined iris) and MediaPipe selfie segmentation
(person mask), in both orientations (the mirrored image is measured afresh, so its mesh
indices keep their anatomical meaning). This runs in the main process only; workers get
the arrays.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strokescreen.errors import InputError

PORTRAIT_SUFFIXES = (".jpg", ".jpeg", ".png")
MIN_FACE_PX = 60


@dataclass(frozen=True)
class Portrait:
    """One portrait in one orientation.

    image : uint8 (H, W, 3) RGB. mesh_px : (478, 3) MediaPipe landmarks in pixels
    (z scaled like x). mask : float32 (H, W) person mask in [0, 1].
    """

    name: str
    mirrored: bool
    image: np.ndarray
    mesh_px: np.ndarray
    mask: np.ndarray


def _measure(image: np.ndarray, name: str) -> tuple[np.ndarray, np.ndarray]:
    import mediapipe as mp

    h, w = image.shape[:2]
    with mp.solutions.face_mesh.FaceMesh(static_image_mode=True, refine_landmarks=True,
                                         max_num_faces=1, min_detection_confidence=0.5) as fm:
        res = fm.process(np.ascontiguousarray(image))
    if not res.multi_face_landmarks:
        raise InputError(
            f"portrait {name}: no face found; use a sharp, well-lit frontal portrait "
            "(jpg/png) with the face at least 100 px wide, or remove it from --portraits"
        )
    lm = res.multi_face_landmarks[0].landmark
    mesh = np.array([[p.x * w, p.y * h, p.z * w] for p in lm], dtype=np.float64)
    face_w = float(np.ptp(mesh[:468, 0]))
    if face_w < MIN_FACE_PX:
        raise InputError(
            f"portrait {name}: the face is only {face_w:.0f} px wide (need >= {MIN_FACE_PX}); "
            "use a larger portrait"
        )
    with mp.solutions.selfie_segmentation.SelfieSegmentation(model_selection=0) as seg:
        mask = seg.process(np.ascontiguousarray(image)).segmentation_mask
    mask = np.clip(np.asarray(mask, np.float32), 0.0, 1.0)
    return mesh, mask


def measure_portrait(image: np.ndarray, name: str) -> tuple[Portrait, Portrait]:
    """Measure ``image`` (uint8 RGB) as given and mirrored; InputError when no face."""
    img = np.ascontiguousarray(image[..., :3]).astype(np.uint8)
    mesh, mask = _measure(img, name)
    flipped = np.ascontiguousarray(img[:, ::-1])
    mesh_f, mask_f = _measure(flipped, f"{name} (mirrored)")
    return (Portrait(name, False, img, mesh, mask), Portrait(name, True, flipped, mesh_f, mask_f))


def bundled_portrait() -> np.ndarray:
    """The astronaut portrait bundled with scikit-image (512 x 512 RGB, public domain)."""
    from skimage import data

    return np.asarray(data.astronaut())


def _read_image(path: Path) -> np.ndarray:
    import cv2

    bgr = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if bgr is None:
        raise InputError(f"portrait {path}: cannot be read as an image; use jpg or png files")
    return bgr[:, :, ::-1].copy()


def portrait_files(portraits_dir: str | Path) -> list[Path]:
    """The jpg/png files of a --portraits folder (sorted); InputError when none."""
    folder = Path(portraits_dir)
    if not folder.is_dir():
        raise InputError(f"--portraits {folder}: not a folder; give a folder of jpg/png portraits")
    files = sorted(p for p in folder.iterdir() if p.suffix.lower() in PORTRAIT_SUFFIXES)
    if not files:
        raise InputError(f"--portraits {folder}: no .jpg/.jpeg/.png files in it")
    return files


_BUNDLED: tuple[Portrait, Portrait] | None = None


def load_portraits(portraits_dir: str | Path | None = None) -> list[tuple[Portrait, Portrait]]:
    """The bundled portrait first, then each file of ``portraits_dir``; both orientations.

    The bundled portrait's measurement is kept for the life of the process.
    """
    global _BUNDLED
    if _BUNDLED is None:
        _BUNDLED = measure_portrait(bundled_portrait(), "astronaut (scikit-image, public domain)")
    out = [_BUNDLED]
    if portraits_dir is not None:
        for path in portrait_files(portraits_dir):
            out.append(measure_portrait(_read_image(path), path.name))
    return out
