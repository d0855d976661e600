"""Training and inference speed of the DeepStroke network, per preset and device.

Prints frame pairs per second while training (the first batch, with its one-time set-up,
is left out) and seconds per case for inference (model only, inputs in memory; and cold,
reading ``crops.npz`` + ``audio.wav`` and computing the log-Mel image). Runs the ``tiny``
and ``paper`` presets on CPU, and on CUDA when a GPU is available.

    python benchmarks/train_speed.py                      # both presets, cpu (+ cuda)
    python benchmarks/train_speed.py --presets tiny --cases 24 --epochs 2

Cases are fake artifact folders (224 px crops, 16 kHz audio; see
``tools.deep_fake``) written to a temporary folder.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from pathlib import Path


def _bench(cases, *, preset: str, device: str, epochs: int, threads: int | None,
           max_pairs: int | None) -> dict:
    from strokescreen.models.deep import DeepStrokeClassifier
    from strokescreen.models.deep_data import clear_input_cache, get_preset

    stamps: list[tuple[float, int]] = []

    def progress(done, total=None, note=None):
        if note and "AUC" not in note:  # one call per batch
            stamps.append((time.perf_counter(), done))

    clf = DeepStrokeClassifier(variant="deepstroke", preset=preset, epochs=epochs, seed=0,
                               device=device, num_threads=threads, max_pairs=max_pairs,
                               progress=progress)
    p = get_preset(preset, epochs=epochs, max_pairs=max_pairs)
    clf._inputs(cases, p)  # read inputs once so the timing is the network's
    t0 = time.perf_counter()
    clf.fit(cases)
    fit_s = time.perf_counter() - t0
    rows = sum(max(1, len(ci.pairs)) for ci in clf._inputs(cases, p))
    n_batches = len(stamps)
    per_epoch = n_batches // epochs
    # rows of every batch after the first: batches hold batch_size rows except the last of
    # an epoch, which holds the remainder
    last = rows - (per_epoch - 1) * p.batch_size
    sizes = ([p.batch_size] * (per_epoch - 1) + [last]) * epochs
    pairs_after_first = sum(sizes[1:])
    span = stamps[-1][0] - stamps[0][0] if n_batches > 1 else float("nan")
    t1 = time.perf_counter()
    clf.predict_proba(cases)
    warm_s = (time.perf_counter() - t1) / len(cases)
    clear_input_cache()
    t2 = time.perf_counter()
    clf.predict_proba(cases)
    cold_s = (time.perf_counter() - t2) / len(cases)
    return {"preset": preset, "device": device, "pairs_per_epoch": rows, "batches": n_batches,
            "train_pairs_per_s": pairs_after_first / span if span > 0 else float("nan"),
            "fit_s": fit_s, "infer_s_per_case": warm_s, "infer_cold_s_per_case": cold_s,
            "threads": clf._threads()}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--presets", default="tiny,paper")
    ap.add_argument("--devices", default="auto", help="cpu, cuda, or auto (cpu + cuda if any)")
    ap.add_argument("--cases", type=int, default=16, help="cases for the tiny preset")
    ap.add_argument("--paper-cases", type=int, default=4, help="cases for the paper preset on CPU")
    ap.add_argument("--epochs", type=int, default=2)
    ap.add_argument("--threads", type=int, default=None, help="torch CPU threads (preset's)")
    ap.add_argument("--frames", type=int, default=60, help="video frames per fake case")
    args = ap.parse_args()

    import torch

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tools/
    from tools.deep_fake import fake_cohort

    devices = ["cpu", "cuda"] if args.devices == "auto" else args.devices.split(",")
    devices = [d for d in devices if d != "cuda" or torch.cuda.is_available()]
    print(f"# DeepStroke train/infer speed  torch {torch.__version__}  "
          f"{platform.processor() or platform.machine()}  {os.cpu_count()} cpus  "
          f"cuda: {torch.cuda.get_device_name(0) if torch.cuda.is_available() else 'none'}")
    with tempfile.TemporaryDirectory() as tmp:
        n_max = max(args.cases, args.paper_cases)
        cohort = fake_cohort(tmp, n_subjects=n_max, n_recordings=1, seed=0, px=224,
                             n_video_frames=args.frames, audio_seconds=4.0)
        print(f"{'preset':<6} {'device':<6} {'thr':>3} {'pairs/ep':>8} {'train pairs/s':>14} "
              f"{'fit s':>7} {'infer s/case':>13} {'cold s/case':>12}")
        for preset in args.presets.split(","):
            for device in devices:
                n = args.paper_cases if (preset == "paper" and device == "cpu") else args.cases
                cases = cohort.iloc[:n].reset_index(drop=True)
                max_pairs = 16 if (preset == "paper" and device == "cpu") else None
                r = _bench(cases, preset=preset, device=device, epochs=args.epochs,
                           threads=args.threads, max_pairs=max_pairs)
                print(f"{r['preset']:<6} {r['device']:<6} {r['threads']:>3} "
                      f"{r['pairs_per_epoch']:>8} {r['train_pairs_per_s']:>14.1f} "
                      f"{r['fit_s']:>7.1f} {r['infer_s_per_case']:>13.3f} "
                      f"{r['infer_cold_s_per_case']:>12.3f}", flush=True)


if __name__ == "__main__":
    main()
