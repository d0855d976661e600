"""Cohort preprocessing on the local engine and on Dask, side by side in one run.

Builds a cohort of generated clips (a real portrait moved gently, with a soundtrack), then
preprocesses it from scratch (a fresh work folder each time) with:
  local engine, 1 process and 2 processes (today's process pool);
  dask engine, a LocalCluster on 127.0.0.1 with 1 worker and with 2 workers (1 thread each);
and prints, for each: wall seconds, seconds per case, the slope of task completion times
(seconds per finished case once work flows, from a least-squares line through the times
at which cases finished; the projection uses it), and the dask/local ratio at the same
worker count. It then measures the scheduler's overhead per task: 400 no-op tasks through
the Dask runner against the same tasks in this process.

Projection: T(n cases) ~= startup + slope * n, with the slope measured here; the 1 -> 2
worker speed-up is slope(1) / slope(2).

Usage: python benchmarks/cluster_scaling.py [--cases 8] [--seconds 2.0]
"""

from __future__ import annotations

import argparse
import logging
import math
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd


def build_cohort(folder: Path, *, n_cases: int, seconds: float) -> Path:
    import cv2
    import skimage.data

    from strokescreen.io.video import write_video

    portrait = skimage.data.astronaut()
    (folder / "videos").mkdir(parents=True, exist_ok=True)
    fps, width, height = 30.0, 480, 360
    rows = []
    for c in range(n_cases):
        rng = np.random.default_rng(c)

        def frames(rng=rng, c=c):
            for i in range(int(seconds * fps)):
                scale = height / portrait.shape[0]
                m = cv2.getRotationMatrix2D((256.0, 256.0), 1.5 * math.sin(i / 7.0 + c), scale)
                m[0, 2] += width / 2 - 256 + 2.0 * math.sin(i / 3.0)
                m[1, 2] += height / 2 - 256 + 1.5 * math.cos(i / 4.0)
                img = cv2.warpAffine(portrait, m, (width, height), borderMode=cv2.BORDER_REPLICATE)
                noise = rng.integers(-3, 4, size=img.shape)
                yield np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)

        t = np.arange(int(seconds * 16000)) / 16000
        audio = (0.3 * (np.sin(2 * np.pi * 4 * t) > 0) * np.sin(2 * np.pi * (140 + 5 * c) * t))
        write_video(folder / "videos" / f"c{c}.mp4", frames(), fps=fps,
                    audio=audio.astype(np.float32))
        rows.append(dict(case_id=f"c{c}", subject_id=f"s{c}", video=f"videos/c{c}.mp4",
                         label=c % 2))
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder / "manifest.csv"


def timed_run(manifest: Path, work: Path, runner) -> dict:
    from strokescreen.io.manifest import read_manifest
    from strokescreen.preprocess.cohort import preprocess_cohort

    df = read_manifest(manifest, require_videos=False)
    finished: list[float] = []
    t0 = time.perf_counter()

    def progress(done, total=None, note=None):
        if done:
            finished.append(time.perf_counter() - t0)

    table = preprocess_cohort(df, work, runner=runner, progress=progress)
    wall = time.perf_counter() - t0
    assert not table["cached"].any() and (table["status"] != "failed").all(), table
    n = np.arange(1, len(finished) + 1)
    slope = float(np.polyfit(n, finished, 1)[0]) if len(finished) > 2 else float("nan")
    return {"wall_s": wall, "per_case_s": wall / len(df), "slope_s": slope,
            "first_s": finished[0]}


def overhead_per_task(client, n: int = 400) -> tuple[float, float]:
    from strokescreen.tasks import SerialRunner
    from strokescreen.workflows.engine import DaskRunner

    items = list(range(n))
    t0 = time.perf_counter()
    SerialRunner().run(abs, items)
    serial = (time.perf_counter() - t0) / n
    runner = DaskRunner(client)
    runner.run(abs, items[:20])  # warm: functions and connections
    t0 = time.perf_counter()
    runner.run(abs, items, on_done=lambda i, r: None)
    return (time.perf_counter() - t0) / n, serial


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cases", type=int, default=8)
    ap.add_argument("--seconds", type=float, default=2.0, help="length of each clip")
    args = ap.parse_args()

    from distributed import Client, LocalCluster

    from strokescreen.tasks import local_runner
    from strokescreen.workflows.engine import DaskRunner

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        manifest = build_cohort(root / "cohort", n_cases=args.cases, seconds=args.seconds)
        print(f"cohort: {args.cases} generated clips of {args.seconds:g} s, 480x360, 30 fps")
        results: dict[str, dict] = {}
        for w in (1, 2):
            results[f"local {w}"] = timed_run(manifest, root / f"local{w}", local_runner(w))
        overhead = (float("nan"), float("nan"))
        for w in (1, 2):
            t0 = time.perf_counter()
            with LocalCluster(n_workers=w, threads_per_worker=1, processes=True,
                              host="127.0.0.1", dashboard_address="127.0.0.1:0",
                              silence_logs=logging.ERROR) as cluster, Client(cluster) as client:
                start = time.perf_counter() - t0
                res = timed_run(manifest, root / f"dask{w}", DaskRunner(client))
                res["cluster_start_s"] = start
                results[f"dask {w}"] = res
                if w == 2:
                    overhead = overhead_per_task(client)

    print(f"\n{'engine':<10} {'workers':>7} {'wall s':>8} {'s/case':>7} {'slope s/case':>13} "
          f"{'first case s':>13} {'dask/local':>11}")
    for name, r in results.items():
        kind, w = name.split()
        ratio = (f"{r['wall_s'] / results[f'local {w}']['wall_s']:.2f}" if kind == "dask"
                 else "")
        print(f"{kind:<10} {w:>7} {r['wall_s']:>8.1f} {r['per_case_s']:>7.2f} "
              f"{r['slope_s']:>13.2f} {r['first_s']:>13.1f} {ratio:>11}")
    for w in (1, 2):
        print(f"LocalCluster start with {w} worker(s): {results[f'dask {w}']['cluster_start_s']:.1f} s "
              "(not in the wall time above)")
    dask_s, serial_s = overhead
    print(f"\nscheduler overhead per task (400 no-op tasks, 2 workers): {1000 * dask_s:.2f} ms "
          f"(in-process: {1000 * serial_s:.4f} ms)")
    print("\nprojection T(n) = startup + slope * n (slopes measured above):")
    for name in ("local 1", "local 2", "dask 1", "dask 2"):
        r = results[name]
        startup = r["wall_s"] - r["slope_s"] * args.cases
        print(f"  {name:<8}: startup {startup:5.1f} s + {r['slope_s']:.2f} s/case -> "
              f"100 cases {startup + 100 * r['slope_s']:7.0f} s, "
              f"1000 cases {startup + 1000 * r['slope_s']:8.0f} s")
    speedup = results["dask 1"]["slope_s"] / results["dask 2"]["slope_s"]
    print(f"  dask 1 -> 2 workers: slope ratio {speedup:.2f} (2.00 = linear); "
          f"per-task overhead is {100 * dask_s / results['dask 2']['slope_s']:.2f} % of a case")


if __name__ == "__main__":
    main()
