"""Speed of one assessment: a 60 s 1280×720 30 fps clip to a finished report on 2 cores.

Builds the clip from a real face video (upscaled, ping-pong looped; the same builder as
``benchmarks/preprocess_speed.py``), trains a small logistic regression on a planted
synthetic feature table with the case feature columns (so the model step runs), then runs
``strokescreen assess --model`` as a separate process pinned to 2 CPU cores and prints the
wall seconds and the split (process start, preprocess, measures, model, report, PDF) from
``result.json``. Target: the report in under 20 s.

Usage: python benchmarks/assess_speed.py [--source VIDEO] [--clip CLIP] [--cores 2]
       [--no-pdf] [--runs 3]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO / "benchmarks"))

from preprocess_speed import DEFAULT_SOURCE, build_clip  # noqa: E402


def feature_names() -> list[str]:
    """The columns of ``features.json`` (face + speech), as a classical model reads them."""
    from strokescreen.audio import speech_feature_names
    from strokescreen.features.case_features import case_face_features

    return list(case_face_features(np.full((3, 478, 3), np.nan))) + speech_feature_names()


def planted_model(model_dir: Path, *, seed: int = 0) -> Path:
    """A logistic regression on 60 planted cases (face asymmetry separates the classes)."""
    from strokescreen.evaluation.training import save_trained, train_model

    rng = np.random.default_rng(seed)
    names = feature_names()
    rows = []
    for s in range(60):
        label = s % 2
        row = {"case_id": f"c{s}", "subject_id": f"s{s}", "label": label,
               "case_dir": "/nonexistent"}
        row.update({n: rng.normal() for n in names})
        row["face_mouth_corner_height_lr_mm"] = rng.normal(3.0 * label, 1.5)
        rows.append(row)
    trained = train_model(pd.DataFrame(rows), "logreg", folds=5, seed=seed,
                          cohort_name="benchmark-planted", synthetic=True)
    return save_trained(trained, model_dir)


def pinned(cores: int):  # type: ignore[no-untyped-def]
    """preexec_fn pinning the child to the first ``cores`` CPUs it may use."""
    allowed = sorted(os.sched_getaffinity(0))
    chosen = set(allowed[:cores])

    def fn() -> None:
        os.sched_setaffinity(0, chosen)

    return fn, len(chosen)


def run_assess(clip: Path, out: Path, model: Path, *, cores: int,
               pdf: bool) -> tuple[float, float, dict]:
    """Run the CLI pinned to ``cores`` CPUs; (wall s, child CPU s, result.json)."""
    env = {**os.environ, "OMP_NUM_THREADS": str(cores), "OPENBLAS_NUM_THREADS": str(cores),
           "MKL_NUM_THREADS": str(cores), "PYTHONPATH": str(REPO / "src")}
    cmd = [sys.executable, "-m", "strokescreen.cli", "assess", str(clip), "--model", str(model),
           "--out", str(out), "--json"] + ([] if pdf else ["--no-pdf"])
    fn, _ = pinned(cores)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    proc = subprocess.run(cmd, capture_output=True, text=True, env=env, preexec_fn=fn)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode not in (0, 4):
        raise SystemExit(f"assess failed ({proc.returncode}):\n{proc.stderr[-2000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, json.loads((out / "result.json").read_text())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", type=Path, default=DEFAULT_SOURCE)
    ap.add_argument("--clip", type=Path, help="reuse an already built 60 s clip")
    ap.add_argument("--cores", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3, help="the median of the runs is reported too")
    ap.add_argument("--no-pdf", action="store_true")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as td:
        d = Path(td)
        clip = args.clip
        if clip is None:
            if not args.source.is_file():
                raise SystemExit(f"source video {args.source} not found; pass --source")
            print("building the 60 s 1280x720 30 fps clip ...", flush=True)
            clip = build_clip(args.source, d / "clip60.mp4", seconds=60)
        model = planted_model(d / "model")
        _, n_cores = pinned(args.cores)
        print(f"strokescreen assess on {n_cores} cores (load average now "
              f"{os.getloadavg()[0]:.1f}):", flush=True)
        to_report: list[float] = []
        for k in range(max(args.runs, 1)):
            wall, cpu, result = run_assess(clip, d / f"out{k}", model, cores=args.cores,
                                      pdf=not args.no_pdf)
            t = result["timings_s"]
            inside = t.get("total", 0.0)
            split = ", ".join(f"{name} {t[name]:.1f} s" for name in
                              ("preprocess", "measures", "model", "report", "pdf") if name in t)
            report_done = wall - t.get("pdf", 0.0)
            to_report.append(report_done)
            print(f"run {k + 1}: {wall:.1f} s wall ({report_done:.1f} s to report.html; "
                  f"target under 20 s); process start + imports {wall - inside:.1f} s, {split}; "
                  f"quality {result['quality']['verdict']}, decision {result['decision']}, "
                  f"{result['quality']['n_frames']} frames; CPU time {cpu:.1f} s "
                  f"(user + sys; on {n_cores} idle cores the wall time is at least "
                  f"{cpu / n_cores:.1f} s)")
        if len(to_report) > 1:
            print(f"median of {len(to_report)} runs: {float(np.median(to_report)):.1f} s to "
                  f"report.html (target under 20 s)")


if __name__ == "__main__":
    main()
