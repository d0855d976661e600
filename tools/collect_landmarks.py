"""Landmark every frame of the real healthy videos with two landmarkers (a maintainer's script).

Usage::

    python -m tools.collect_landmarks [REAL_DIR] [OUT_DIR]

For each healthy video in ``REAL_DIR/video`` (the GRID clips, ``single_face.mp4``,
``wolfgang_langer_pexels.mp4``, ``face_noface.mov``) writes ``OUT_DIR/<stem>.npz`` with
``t`` (s), ``mp478`` (n, 478, 3) MediaPipe in tracking mode (the pipeline's landmarker),
``dlib68`` (n, 68, 2) dlib's iBUG-68 predictor (every ``DLIB_EVERY``-th frame; NaN
elsewhere) and ``fps``. :mod:`tools.landmark_noise` and :mod:`tools.derive_normals` read
these files. Several minutes on 2 cores.
"""

from __future__ import annotations

import sys
from pathlib import Path

import numpy as np

#: healthy videos and the person in each (pwij3p and id2_vcd_swwp2s are the same man)
HEALTHY_VIDEOS: dict[str, str] = {
    "grid/bbaf2n.mpg": "grid_bbaf2n",
    "grid/brbk7n.mpg": "grid_brbk7n",
    "grid/id2_vcd_swwp2s.mpg": "grid_pwij3p",
    "grid/lbax4n.mpg": "grid_lbax4n",
    "grid/pwij3p.mpg": "grid_pwij3p",
    "single_face.mp4": "single_face",
    "wolfgang_langer_pexels.mp4": "wolfgang_langer",
    "face_noface.mov": "face_noface",
}
DLIB_EVERY = 2


def landmark_video(path: Path, *, dlib_every: int = DLIB_EVERY) -> dict[str, np.ndarray]:
    """MediaPipe 478 (every frame) and dlib 68 (every ``dlib_every``-th) of one video."""
    import av

    from strokescreen.face.landmarks import Dlib68Landmarker, MediaPipeLandmarker

    mp = MediaPipeLandmarker(static=False, max_faces=1)
    dl = Dlib68Landmarker(upsample=1)
    ts, a, b = [], [], []
    fps = 0.0
    try:
        with av.open(str(path)) as container:
            stream = container.streams.video[0]
            fps = float(stream.average_rate or 25)
            for i, frame in enumerate(container.decode(video=0)):
                img = frame.to_ndarray(format="rgb24")
                ts.append(float(frame.time) if frame.time is not None else i / fps)
                found = mp.detect(img)
                a.append(found[0] if found else np.full((478, 3), np.nan, np.float32))
                got = dl.detect(img) if i % dlib_every == 0 else []
                b.append(got[0][:, :2] if got else np.full((68, 2), np.nan, np.float32))
    finally:
        mp.close()
    return {"t": np.array(ts), "mp478": np.array(a, np.float32),
            "dlib68": np.array(b, np.float32), "fps": np.array(fps)}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    real = Path(args[0]) if args else Path("../shared/data/real")
    out = Path(args[1]) if len(args) > 1 else Path("landmark_cache")
    out.mkdir(parents=True, exist_ok=True)
    for rel in HEALTHY_VIDEOS:
        path = real / "video" / rel
        if not path.is_file():
            continue
        target = out / f"{Path(rel).stem}.npz"
        if target.is_file():
            continue
        np.savez_compressed(target, **landmark_video(path))
        sys.stdout.write(f"{rel}: written {target}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
