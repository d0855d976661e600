"""Face parsing, the `paper` preset on a GPU: train on a cohort, score held-out subjects.

For when a GPU is lent (the `paper` preset, 33 M parameters at 256 px, is not trainable
on the 2 CPU cores of the build machine):

    PYTHONPATH=src python benchmarks/parsing_paper_gpu.py --cohort /work/cohorts/real60 \\
        --out /tmp/pdev/paper --device cuda [--crop midline --symmetry]

A CPU dry run shows the script works end to end (it is not a result):

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_paper_gpu.py \\
        --cohort /work/cohorts/real60 --out /tmp/pdev/dry --device cpu \\
        --epochs 1 --subjects 6 --size 64 --frames-per-case 2

Records (OUT/results.json, also printed): the device and GPU, seconds per epoch (its
training steps and the validation pass before it; ``train_seconds``: all of training with
validation and the FPP threshold choice), the peak GPU memory
(``torch.cuda.max_memory_allocated``; on the CPU the process's peak resident memory
instead), per-class F1 / IoU / pixel accuracy and the FPP side agreement on the held-out
subjects (``parsing-eval``'s engine, model loaded on the CPU), and the inference time per
crop on the CPU and on the device. ``--subjects N`` keeps the first N subjects of the
cohort (a manifest beside a link to its ``truth/`` folder under OUT). Results on a
synthetic cohort describe the generator, not people; a screening aid, not a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import resource
import sys
import time
from pathlib import Path

import pandas as pd

from strokescreen.devices import check_device, resolve_device
from strokescreen.errors import StrokeScreenError
from strokescreen.parsing.model import load_parsing_model, preset
from strokescreen.workflows.parsing import evaluate_model, evaluate_parsing, train_parsing
from strokescreen.workflows.parsing_data import build_parsing_data, find_manifest


def subset_cohort(cohort: Path, n_subjects: int, out: Path) -> Path:
    """A manifest of the cohort's first ``n_subjects`` subjects (absolute video paths) in
    ``out``, with ``truth`` linked to the cohort's planted truth."""
    manifest = find_manifest(cohort)
    df = pd.read_csv(manifest)
    keep = sorted(df["subject_id"].astype(str).unique())[:n_subjects]
    df = df[df["subject_id"].astype(str).isin(keep)].copy()
    df["video"] = [str(v if Path(str(v)).is_absolute() else (manifest.parent / str(v)).resolve())
                   for v in df["video"]]
    out.mkdir(parents=True, exist_ok=True)
    df.to_csv(out / "manifest.csv", index=False)
    truth = out / "truth"
    if (manifest.parent / "truth").is_dir() and not truth.exists():
        truth.symlink_to((manifest.parent / "truth").resolve(), target_is_directory=True)
    return out / "manifest.csv"


class EpochClock:
    """A progress callback timing the epochs from the notes ``epoch e/E ...`` that
    :meth:`ParsingModel.fit` sends after each step: epoch e lasts from the last step of
    epoch e-1 (for the first, from the last crop built) to its own last step, so it holds
    its training steps and the validation pass of the epoch before it."""

    def __init__(self, log: Path):
        self.log = log
        self.last: dict[int, float] = {}
        self.ready = time.perf_counter()

    def __call__(self, done, total=None, note=None) -> None:
        now = time.perf_counter()
        if note and note.startswith("epoch "):
            self.last[int(note.split()[1].split("/")[0])] = now
        elif not self.last:
            self.ready = now  # crops still being built (or read from the cache)
        with open(self.log, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {done}/{total} {note or ''}\n")

    def figures(self) -> dict:
        epochs = sorted(self.last)
        secs = [self.last[e] - self.last.get(e - 1, self.ready) for e in epochs]
        return {"epochs_timed": len(epochs),
                "seconds_per_epoch": [round(s, 2) for s in secs],
                "median_seconds_per_epoch": round(sorted(secs)[len(secs) // 2], 2)
                if secs else None}


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--cohort", type=Path, required=True, help="cohort folder or manifest")
    ap.add_argument("--out", type=Path, required=True, help="work and results folder")
    ap.add_argument("--device", default="cuda", help="cpu, cuda, cuda:N or auto")
    ap.add_argument("--epochs", type=int, default=None, help="default: the preset's (60)")
    ap.add_argument("--size", type=int, default=None, help="crop px (default: 256)")
    ap.add_argument("--frames-per-case", type=int, default=None, help="default: 24")
    ap.add_argument("--subjects", type=int, default=None, help="first N subjects only")
    ap.add_argument("--crop", default=None, help="box | midline (default: the model's)")
    ap.add_argument("--symmetry", action="store_true", help="the left-right FPP path")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    args = ap.parse_args(argv)
    try:
        check_device(args.device, option="--device")
        return run(args)
    except StrokeScreenError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def run(args: argparse.Namespace) -> int:
    import torch

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    dev = resolve_device(args.device)
    cohort = subset_cohort(args.cohort, args.subjects, out / "cohort") if args.subjects \
        else find_manifest(args.cohort)
    cuda = dev.type == "cuda"
    if cuda:
        torch.cuda.reset_peak_memory_stats(dev)
    clock = EpochClock(out / "progress.log")
    t0 = time.perf_counter()
    info = train_parsing(cohort, out / "model", preset_name="paper", epochs=args.epochs,
                         frames_per_case=args.frames_per_case, size=args.size,
                         crop=args.crop, symmetry=args.symmetry, seed=args.seed,
                         threads=args.threads, device=args.device, overwrite=True,
                         cache_dir=out / "_data", progress=clock)
    train_wall = time.perf_counter() - t0
    memory = ({"peak_gpu_memory_mib": round(torch.cuda.max_memory_allocated(dev) / 2**20, 1)}
              if cuda else
              {"peak_gpu_memory_mib": None,
               "peak_process_rss_mib": round(resource.getrusage(
                   resource.RUSAGE_SELF).ru_maxrss / 1024, 1)})
    ev = evaluate_parsing(cohort, [out / "model"], out / "eval", cache_dir=out / "_data")
    row = ev["models"][0]
    on_device = None
    if cuda:  # the held-out crops once more, the model on the device: inference time there
        side = json.loads((out / "model" / "model.json").read_text())
        held = set(side["training"]["subjects"]["test"])
        model = load_parsing_model(out / "model", device=args.device)
        data = build_parsing_data(cohort, size=model.size_px,
                                  frames_per_case=side["training"]["frames_per_case"],
                                  subjects=held, align=model.crop, cache_dir=out / "_data")
        evaluate_model(model, data)  # warm-up (cuDNN kernels)
        on_device = evaluate_model(model, data)["inference_ms_per_crop"]
    p = preset("paper")
    result = {
        "label": ("GPU run" if cuda else
                  "CPU DRY RUN: shows the script works end to end; not a result"),
        "device": info["device"], "gpu": info.get("gpu"),
        "preset": "paper", "size_px": args.size or p.size_px,
        "epochs": args.epochs or p.epochs,
        "frames_per_case": info["frames_per_case"], "n_crops": info["n_crops"],
        "n_train_crops": info["n_train_crops"], "n_val_crops": info["n_val_crops"],
        "subjects": {k: len(v) for k, v in info["subjects"].items()},
        "parameters": row["parameters"],
        "data_seconds": info["data_seconds"], "train_seconds": info["train_seconds"],
        "train_wall_seconds_with_data": round(train_wall, 1),
        **clock.figures(), **memory,
        "held_out": {k: row[k] for k in ("mean_f1", "mean_iou", "pixel_accuracy",
                                         "fpp_side_agreement", "fpp_side_agreement_palsy")
                     if k in row},
        "per_class": [{k: r[k] for k in r if k not in ("model",)} for r in ev["per_class"]],
        "inference_ms_per_crop_cpu": round(row["inference_ms_per_crop"], 2),
        "inference_ms_per_crop_device": None if on_device is None else round(on_device, 2),
        "fpp_threshold_offset": (info.get("fpp_threshold") or {}).get("offset"),
        "synthetic": info["synthetic"],
        "note": "results on a synthetic cohort describe the generator, not people; "
                "strokescreen is a screening aid, not a diagnosis",
    }
    (out / "results.json").write_text(json.dumps(result, indent=2, default=str) + "\n")
    print(json.dumps(result, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
