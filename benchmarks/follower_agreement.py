"""Following the patient in a window against scanning the whole frame, on real videos.

For each video, runs `preprocess` twice in this process, with ``landmarks.follow`` on
(the default) and off, and prints: frames with a face (each way), frames whose reject
reason differs, the median and worst per-frame median landmark distance as a share of the
inter-ocular distance (iris centres), the largest yaw/pitch/roll difference, and the
seconds each way. Not a test: a check that the faster path gives the same answers.

Usage: python benchmarks/follower_agreement.py [VIDEO ...]
       (default: every video in ../shared/data/real/video/ and the 60 s benchmark clip
       when /work/runs/speed/clip60.mp4 or --clip exists)
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real" / "video"


def run(video: Path, out: Path, follow: bool):  # type: ignore[no-untyped-def]
    """(seconds, frames table) or (nan, the error's message)."""
    import pandas as pd

    from strokescreen.config import PreprocessConfig
    from strokescreen.errors import InputError
    from strokescreen.preprocess.pipeline import preprocess_video

    cfg = PreprocessConfig()
    cfg = replace(cfg, landmarks=replace(cfg.landmarks, follow=follow))
    start = time.perf_counter()
    try:
        preprocess_video(video, out, config=cfg, raise_on_unusable=False)
    except InputError as exc:
        return float("nan"), str(exc)
    return time.perf_counter() - start, pd.read_parquet(out / "frames.parquet")


def compare(a, b) -> str:  # type: ignore[no-untyped-def]
    xs = [f"x_{i}" for i in range(478)]
    ys = [f"y_{i}" for i in range(478)]
    both = (a["face_found"] & b["face_found"]).to_numpy()
    differ = int((a["reject_reason"] != b["reject_reason"]).sum())
    found = f"face found {a['face_found'].mean():.1%} (follow) / {b['face_found'].mean():.1%} (scan)"
    if not both.any():
        return f"{found}; reasons differ in {differ} of {len(a)} frames"
    d = np.hypot(a[xs].to_numpy() - b[xs].to_numpy(), a[ys].to_numpy() - b[ys].to_numpy())
    iod = np.hypot(a["x_468"] - a["x_473"], a["y_468"] - a["y_473"]).to_numpy()
    rel = np.nanmedian(d[both], axis=1) / iod[both]
    pose = max(float(np.nanmax(np.abs(a[c] - b[c]))) for c in ("yaw", "pitch", "roll"))
    return (f"{found}; reasons differ in {differ} of {len(a)} frames; landmark distance "
            f"median {np.nanmedian(rel):.3%}, worst frame {np.nanmax(rel):.2%} of the "
            f"inter-ocular distance; largest pose difference {pose:.2f} deg")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("videos", nargs="*", type=Path)
    ap.add_argument("--clip", type=Path, default=Path("/work/runs/speed/clip60.mp4"))
    args = ap.parse_args()
    videos = args.videos or sorted(REAL.glob("*.mp4")) + sorted(REAL.glob("*.mov"))
    if not args.videos and args.clip.is_file():
        videos.append(args.clip)
    if not videos:
        raise SystemExit("no videos given and none found in ../shared/data/real/video/")
    with tempfile.TemporaryDirectory() as td:
        for k, video in enumerate(videos):
            t_f, a = run(video, Path(td) / f"f{k}", True)
            t_s, b = run(video, Path(td) / f"s{k}", False)
            if isinstance(a, str) or isinstance(b, str):
                print(f"{video.name}: not comparable ({a if isinstance(a, str) else b})")
                continue
            print(f"{video.name}: {compare(a, b)}; {t_f:.1f} s following, {t_s:.1f} s scanning",
                  flush=True)


if __name__ == "__main__":
    sys.exit(main())
