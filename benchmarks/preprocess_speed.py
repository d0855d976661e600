"""Preprocessing speed and memory: strokescreen vs. the paper's reference pipeline.

Builds a 60 s, 1280×720, 30 fps clip from a real face video (looped, upscaled), then
runs in separate processes, one after the other:
  (a) `strokescreen preprocess` on it;
  (b) a reference reimplementation of the DeepStroke paper's preprocessing: dlib HOG face
      detection on every frame, 68-point landmarks, solvePnP head pose, Farneback flow
      on whole frames;
and prints wall seconds, frames per second and peak memory of each, and (b)/(a).
It then runs (a) on a 10-minute clip and prints its peak memory next to the 1-minute one.

(a) runs ``--repeat`` times (default 3) and its median is reported: a shared machine's
wall clock varies by a second or two between identical runs.

Usage: python benchmarks/preprocess_speed.py [--source VIDEO] [--skip-reference] [--skip-long]
       [--repeat N]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DEFAULT_SOURCE = REPO.parent / "shared" / "data" / "real" / "video" / "single_face.mp4"


def build_clip(source: Path, out: Path, *, seconds: float, width: int = 1280, height: int = 720,
               fps: int = 30) -> Path:
    import cv2

    from strokescreen.io.video import iter_frames, write_video

    base = [cv2.resize(f.image, (width, height), interpolation=cv2.INTER_LINEAR)
            for f in iter_frames(source)]
    n = int(seconds * fps)
    # ping-pong loop so there is no jump at the seam
    order = list(range(len(base))) + list(range(len(base) - 2, 0, -1))
    frames = (base[order[i % len(order)]] for i in range(n))
    t = np.arange(int(seconds * 16000)) / 16000
    audio = (0.2 * np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 4 * t) > 0)).astype(np.float32)
    return write_video(out, frames, fps=fps, audio=audio, threads=2)


def measure(cmd: list[str]) -> tuple[float, float, str]:
    """Run a command; returns (wall seconds, peak RSS MiB of the process tree, stdout)."""
    import psutil

    start = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    ps = psutil.Process(proc.pid)
    peak = 0
    while proc.poll() is None:
        try:
            rss = ps.memory_info().rss + sum(c.memory_info().rss for c in ps.children(True))
            peak = max(peak, rss)
        except psutil.Error:
            pass
        time.sleep(0.05)
    out, err = proc.communicate()
    wall = time.perf_counter() - start
    if proc.returncode not in (0, 4):
        raise SystemExit(f"command failed ({proc.returncode}): {' '.join(cmd)}\n{err[-2000:]}")
    return wall, peak / 2**20, out


REFERENCE = r'''
import sys, time, cv2, dlib, numpy as np
from strokescreen.io.video import iter_frames
from strokescreen.face.landmarks import dlib_model_dir
det = dlib.get_frontal_face_detector()
pred = dlib.shape_predictor(str(dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"))
model = np.array([(0.0, 0.0, 0.0), (0.0, -330.0, -65.0), (-225.0, 170.0, -135.0),
                  (225.0, 170.0, -135.0), (-150.0, -150.0, -125.0), (150.0, -150.0, -125.0)])
prev = None; n = 0
for f in iter_frames(sys.argv[1]):
    gray = cv2.cvtColor(f.image, cv2.COLOR_RGB2GRAY)
    rects = det(gray, 0)
    if rects:
        s = pred(gray, rects[0])
        pts = np.array([(s.part(i).x, s.part(i).y) for i in (30, 8, 36, 45, 48, 54)], float)
        h, w = gray.shape
        K = np.array([[w, 0, w / 2], [0, w, h / 2], [0, 0, 1]], float)
        cv2.solvePnP(model, pts, K, None)
    if prev is not None:
        cv2.calcOpticalFlowFarneback(prev, gray, None, 0.5, 3, 15, 3, 5, 1.2, 0)
    prev = gray; n += 1
print(n)
'''


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--skip-reference", action="store_true")
    ap.add_argument("--skip-long", action="store_true")
    ap.add_argument("--repeat", type=int, default=3, help="runs of (a); the median is reported")
    ap.add_argument("--reference-seconds", type=float, default=60.0,
                    help="clip length for the (slow) reference; its fps scales to 60 s")
    args = ap.parse_args()
    if not args.source.is_file():
        raise SystemExit(f"source video {args.source} not found; pass --source")
    exe = [sys.executable, "-m", "strokescreen.cli"]
    with tempfile.TemporaryDirectory() as td:
        d = Path(td)
        print("building the 60 s 1280x720 30 fps clip ...", flush=True)
        clip = build_clip(args.source, d / "clip60.mp4", seconds=60)
        n = 1800
        walls, mems = [], []
        for r in range(max(args.repeat, 1)):  # a shared machine: report every run
            out_a = d / f"a{r}"
            wall, mem, _ = measure([*exe, "preprocess", str(clip), "--out", str(out_a)])
            n = json.loads((out_a / "meta.json").read_text())["n_frames"]
            walls.append(wall)
            mems.append(mem)
        wall_a, mem_a = float(np.median(walls)), max(mems)
        runs = ", ".join(f"{w:.1f}" for w in walls)
        print(f"(a) strokescreen preprocess: {wall_a:.1f} s wall (median of {len(walls)} runs: "
              f"{runs}), {n / wall_a:.1f} frames/s, peak {mem_a:.0f} MiB (target: under 15 s)")
        if not args.skip_reference:
            ref_clip = clip
            if args.reference_seconds < 60:
                ref_clip = build_clip(args.source, d / "ref.mp4", seconds=args.reference_seconds)
            wall_b, mem_b, out = measure([sys.executable, "-c", REFERENCE, str(ref_clip)])
            n_b = int(out.strip().splitlines()[-1])
            fps_b = n_b / wall_b
            print(f"(b) paper reference (dlib HOG every frame, 68 pts, solvePnP, whole-frame "
                  f"Farneback): {wall_b:.1f} s wall for {n_b} frames, {fps_b:.1f} frames/s, "
                  f"peak {mem_b:.0f} MiB")
            print(f"ratio (b)/(a) in time per frame: {(n / wall_a) / fps_b:.1f}x")
        if not args.skip_long:
            print("building the 10-minute clip ...", flush=True)
            long_clip = build_clip(args.source, d / "clip600.mp4", seconds=600)
            wall_l, mem_l, _ = measure([*exe, "preprocess", str(long_clip), "--out", str(d / "l")])
            print(f"10-minute clip: {wall_l:.1f} s wall, peak {mem_l:.0f} MiB vs {mem_a:.0f} MiB "
                  f"for 1 minute ({(mem_l / mem_a - 1) * 100:+.1f} %; target within 20 %)")


if __name__ == "__main__":
    main()
