"""Regenerate ``strokescreen/data/face_normals.json`` (a maintainer's script, not library code).

Usage::

    python -m tools.derive_normals [REAL_DIR] [OUT_JSON] [LANDMARK_CACHE]

REAL_DIR is the shared folder of real recordings (default ``../shared/data/real`` from the
working directory); OUT_JSON defaults to the packaged file; LANDMARK_CACHE (default
``landmark_cache``) holds the videos' landmarks, written there first when missing
(:mod:`tools.collect_landmarks`, several minutes on 2 cores). Steps:

1. Landmarks of every real healthy video: MediaPipe (every frame) and dlib 68 (every 2nd).
2. Landmarker noise per state and measure (:mod:`tools.landmark_noise`): frame
   repeatability, MediaPipe vs dlib on one frame (a photo's noise) and on the medians over
   a video's frames in the state (a video's noise).
3. Per-state values: the MEEI normals (expressions inferred), each video person's medians
   per state, takeo's hand-placed points at rest; tolerance intervals per state
   (:mod:`tools.state_normals`).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from tools.collect_landmarks import HEALTHY_VIDEOS
from tools.collect_landmarks import main as collect
from tools.landmark_noise import load_videos, static_measure_names
from tools.state_normals import build_state_normals, state_noise, video_state_values

TAKEO = "takeo"


def takeo_values(real_dir: Path) -> dict[str, float] | None:
    """Static measures of takeo's 68 hand-placed points (a healthy face at rest)."""
    from strokescreen.features.face_measures import face_measures
    from strokescreen.io.pts import read_pts

    path = real_dir / "landmarks" / "takeo.pts"
    if not path.is_file():
        return None
    m = face_measures(read_pts(path), scheme="ibug68")
    return {k: float(m[k][0]) for k in static_measure_names()}


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    real_dir = Path(args[0]) if args else Path("../shared/data/real")
    default_out = (Path(__file__).resolve().parents[1] / "src" / "strokescreen" / "data"
                   / "face_normals.json")
    out = Path(args[1]) if len(args) > 1 else default_out
    cache = Path(args[2]) if len(args) > 2 else Path("landmark_cache")
    collect([str(real_dir), str(cache)])
    videos = load_videos(cache, HEALTHY_VIDEOS)
    noise = state_noise(videos, HEALTHY_VIDEOS)
    values = video_state_values(videos, HEALTHY_VIDEOS)
    takeo = takeo_values(real_dir)
    if takeo is not None:
        values["rest"][TAKEO] = takeo
    people = sorted(set(HEALTHY_VIDEOS[v] for v in videos))
    source = (f"MediaPipe 478 (tracking) vs dlib 68 on the near-frontal frames of "
              f"{len(videos)} real healthy videos of {len(people)} people "
              f"({', '.join(people)}), per state")
    content = build_state_normals(real_dir / "landmarks" / "meei_normals_68.csv",
                                  video_values=values, noise=noise, noise_source=source)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(content, indent=1, sort_keys=True) + "\n")
    n = {s: r["n_subjects"] for s, r in content["provenance"]["states"].items()}
    sys.stdout.write(f"wrote {out} (subjects per state: {n}; {source})\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
