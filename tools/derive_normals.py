"""Regenerate ``strokescreen/data/face_normals.json`` (a maintainer's script, not library code).

Usage::

    python -m tools.derive_normals [REAL_DIR] [OUT_JSON]

REAL_DIR is the shared folder of real recordings (default ``../shared/data/real`` from the
working directory); OUT_JSON defaults to the packaged file. Steps:

1. MEEI normals (``landmarks/meei_normals_68.csv``): expressions inferred, per-subject
   values, tolerance intervals (:mod:`tools.normal_ranges`).
2. Landmarker noise: MediaPipe and dlib on the same images (``skimage.data.astronaut()``
   and every 6th frame of ``video/single_face.mp4`` and ``video/wolfgang_langer_pexels.mp4``),
   near-frontal ones only; the RMS disagreement per measure widens the ranges.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from strokescreen.features.photo import PhotoLandmarker, dlib68_landmarks
from tools.normal_ranges import build_face_normals, landmarker_noise

NOISE_VIDEOS = ("single_face.mp4", "wolfgang_langer_pexels.mp4")
FRAME_STEP = 6


def _noise_images(real_dir: Path) -> list[np.ndarray]:
    import av
    from skimage import data

    images = [data.astronaut()]
    for name in NOISE_VIDEOS:
        path = real_dir / "video" / name
        if not path.is_file():
            continue
        with av.open(str(path)) as container:
            for i, frame in enumerate(container.decode(video=0)):
                if i % FRAME_STEP == 0:
                    images.append(frame.to_ndarray(format="rgb24"))
    return images


def paired_landmarks(images: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray]:
    """MediaPipe (n, 478, 3) and dlib (n, 68, 2) landmarks of the images where both find a face."""
    mp, ib = [], []
    with PhotoLandmarker() as landmarker:
        for img in images:
            a, b = landmarker(img), dlib68_landmarks(img)
            if a is not None and b is not None:
                mp.append(a)
                ib.append(b)
    return np.array(mp), np.array(ib)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    real_dir = Path(args[0]) if args else Path("../shared/data/real")
    default_out = (Path(__file__).resolve().parents[1] / "src" / "strokescreen" / "data"
                   / "face_normals.json")
    out = Path(args[1]) if len(args) > 1 else default_out
    mp, ib = paired_landmarks(_noise_images(real_dir))
    noise, n_used = landmarker_noise(mp, ib)
    source = (f"MediaPipe 478 vs dlib 68 on {n_used} near-frontal images of {len(mp)} "
              f"(astronaut + every {FRAME_STEP}th frame of {', '.join(NOISE_VIDEOS)})")
    content = build_face_normals(real_dir / "landmarks" / "meei_normals_68.csv",
                                 noise=noise, noise_source=source)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n")
    sys.stdout.write(f"wrote {out} ({len(content['measures'])} measures; {source})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
