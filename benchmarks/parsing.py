"""Face-parsing benchmark: train `tiny` on a synthetic cohort, ablations, real files.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing.py \\
        --cohort /work/cohorts/real60 --out /tmp/fpp/bench [--stage data|train|ablate|eval|real]

Stages (each resumable; results go to OUT/results_<stage>.json and are printed):
- data: build (and cache) the labelled crops once, timed, so later stages can run in parallel;
- train: the full `tiny` model with its preset schedule, timed (data building separately);
- ablate: each component removed (``--only`` some of them), at ``--ablation-epochs``
  (default: the preset's, so the full model of ``train`` is the table's full row; with
  fewer epochs a short full row is trained too), same seed, so the same subject split;
- eval: per-class F1 / IoU / pixel accuracy, FPP side agreement with the planted truth on
  the held-out subjects, inference time per crop, the ablation table;
- real: `parse` on the real photos and videos of ../shared/data/real/, and a montage PNG.
Results on a synthetic cohort describe the generator, not people; a screening aid, not a
diagnosis.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import cv2
import numpy as np
import pandas as pd

from strokescreen.errors import StrokeScreenError
from strokescreen.parsing.model import ABLATIONS, preset
from strokescreen.workflows.parse import parse_file
from strokescreen.workflows.parsing import EXTRA_FRAMES, evaluate_parsing, train_parsing
from strokescreen.workflows.parsing_data import build_parsing_data

REAL = Path(__file__).resolve().parents[1] / ".." / "shared" / "data" / "real"


def _log(tag: str):
    def cb(done, total=None, note=None):
        with open(OUT_LOG, "a") as f:
            f.write(f"{time.strftime('%H:%M:%S')} {tag} {done}/{total} {note or ''}\n")
    return cb


OUT_LOG = Path("/tmp/fpp/bench/progress.log")


def _dump(out: Path, stage: str, obj: dict) -> None:
    text = json.dumps(obj, indent=2, default=str)
    (out / f"results_{stage}.json").write_text(text + "\n")
    print(text)


#: real healthy faces used for training only (FPP none); the other real files stay unseen
REAL_TRAIN = ("video/grid/bbaf2n.mpg", "video/grid/brbk7n.mpg", "video/grid/lbax4n.mpg",
              "video/wolfgang_langer_pexels.mp4")


def real_manifest(out: Path) -> list[Path]:
    rows = [(f"real{i}", f"R{i}", str(REAL / f), 0, "healthy")
            for i, f in enumerate(REAL_TRAIN) if (REAL / f).exists()]
    if not rows:
        return []
    path = out / "real_train.csv"
    pd.DataFrame(rows, columns=["case_id", "subject_id", "video", "label", "condition"]).to_csv(
        path, index=False)
    return [path]


def stage_data(cohort: Path, out: Path) -> None:
    p = preset("tiny")
    t0, c0 = time.perf_counter(), time.process_time()
    data = build_parsing_data(cohort, size=p.size_px, frames_per_case=p.frames_per_case,
                              cache_dir=out / "_data", progress=_log("data"))
    extra = [build_parsing_data(m, size=p.size_px, frames_per_case=EXTRA_FRAMES
                                * p.frames_per_case, cache_dir=out / "_data")
             for m in real_manifest(out)]
    meta = data.meta
    palsy = meta[meta["side"] != ""]
    _dump(out, "data", {"wall_seconds": round(time.perf_counter() - t0, 1),
                        "cpu_seconds": round(time.process_time() - c0, 1),
                        "n_crops": int(len(meta)), "n_extra_crops": sum(len(e.meta) for e in extra),
                        "palsy_crops": int(len(palsy)),
                        "palsy_crops_fpp_drawn": int(palsy["fpp_drawn"].sum()),
                        "palsy_drop_px_quartiles": palsy["drop_px"].quantile(
                            [0.25, 0.5, 0.75]).round(2).tolist()})


def stage_train(cohort: Path, out: Path, threads: int) -> None:
    t0 = time.perf_counter()
    info = train_parsing(cohort, out / "full", preset_name="tiny", threads=threads,
                         cache_dir=out / "_data", overwrite=True, progress=_log("full"),
                         extra=real_manifest(out))
    _dump(out, "train", {"wall_seconds": round(time.perf_counter() - t0, 1), **info})


def stage_rescue(cohort: Path, out: Path) -> None:
    """Save the best epoch so far of an unfinished full run as a model folder (marked)."""
    import json as _json

    import torch

    from strokescreen.parsing.model import ParsingModel, preset, save_parsing_model
    from strokescreen.workflows.parsing_data import build_parsing_data, split_subjects

    ck = torch.load(out / "full" / "checkpoint.pt", weights_only=True)
    state = _json.loads(ck["state"])
    model = ParsingModel(preset="tiny")
    net = model.build()
    net.load_state_dict(ck["best_net"])
    model.net_ = net.eval()
    model.history_ = state["history"]
    p = preset("tiny")
    data = build_parsing_data(cohort, size=p.size_px, frames_per_case=p.frames_per_case,
                              cache_dir=out / "_data")
    split = split_subjects(data.meta["subject_id"].tolist(), test_share=0.2, val_share=0.15,
                           seed=0)
    save_parsing_model(model, out / "full", overwrite=True, training={
        "cohort": str(cohort), "synthetic": True, "subjects": split,
        "frames_per_case": p.frames_per_case,
        "note": f"UNFINISHED run: best of {state['epoch']} of {p.epochs} epochs"})
    _dump(out, "rescue", {"epochs_done": state["epoch"], "history": state["history"]})


def stage_ablate(cohort: Path, out: Path, threads: int, epochs: int,
                 only: list[str] | None = None) -> None:
    rows = {}
    for name in only or ABLATIONS:
        if name == "full" and epochs == preset("tiny").epochs:
            continue  # the full model of `train` is that row
        t0 = time.perf_counter()
        folder = out / f"short_{name}"
        if (folder / "model.json").exists():
            continue
        train_parsing(cohort, folder, preset_name="tiny", ablation=name, epochs=epochs,
                      threads=threads, cache_dir=out / "_data", overwrite=True,
                      progress=_log(name), extra=real_manifest(out))
        rows[name] = round(time.perf_counter() - t0, 1)
    _dump(out, f"ablate_{'_'.join(only) if only else 'all'}", {"epochs": epochs, "seconds": rows})


def stage_eval(cohort: Path, out: Path) -> None:
    models = [out / "full"] + [out / f"short_{n}" for n in ABLATIONS]
    models = [m for m in models if (m / "model.json").exists()]
    res = evaluate_parsing(cohort, models, out / "eval", cache_dir=out / "_data")
    full = [r for r in res["per_class"] if r["model"] == str(out / "full")]
    _dump(out, "eval", {"held_out_subjects": res["held_out_subjects"], "n_crops": res["n_crops"],
                        "ablation_table": res["models"], "full_per_class": full})


def stage_real(out: Path, model: Path, max_frames: int, fpp_threshold: bool = False) -> None:
    """Every real file; those in REAL_TRAIN were seen in training (marked). fpp_threshold:
    use the model's validation-chosen FPP offset."""
    files = [REAL / "landmarks" / "takeo.png", REAL / "video" / "single_face.mp4",
             REAL / "video" / "face_noface.mov", REAL / "video" / "no_face.mp4",
             REAL / "video" / "grid" / "pwij3p.mpg", REAL / "video" / "grid" / "id2_vcd_swwp2s.mpg",
             *[REAL / f for f in REAL_TRAIN]]
    rows, tiles = [], []
    for f in files:
        if not f.exists():
            continue
        dest = out / "real" / f.stem
        t0 = time.perf_counter()
        try:
            r = parse_file(f, model, dest, max_frames=max_frames, fpp_threshold=fpp_threshold)
        except StrokeScreenError as exc:
            rows.append({"file": f.name, "error": str(exc)})
            continue
        sec = time.perf_counter() - t0
        seen = any(str(f).endswith(x) for x in REAL_TRAIN)
        rows.append({"file": f.name, "seen_in_training": seen,
                     "frames": len(r["frames"]), "seconds": round(sec, 2),
                     "fpp_side": r["fpp_side"], "fpp_share_left": r["fpp_share_left"],
                     "fpp_share_right": r["fpp_share_right"],
                     "mean_shares": {c: float(np.mean([fr["categories"][c]["share"]
                                                       for fr in r["frames"]]))
                                     for c in ("skin", "hair", "brows", "eyes", "mouth", "fpp")}})
        sheet = cv2.imread(str(dest / "overlay.png"))
        tiles.append(sheet[:, : sheet.shape[0] // 2 * 2])  # the first crop pairs
    if tiles:
        h = max(t.shape[0] for t in tiles)
        row = [cv2.copyMakeBorder(t, 0, h - t.shape[0], 0, 4, cv2.BORDER_CONSTANT,
                                  value=(255, 255, 255)) for t in tiles]
        cv2.imwrite(str(out / "real_montage.png"), np.hstack(row))
    _dump(out, "real", {"model": str(model), "fpp_threshold": fpp_threshold, "files": rows})


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, default=Path("/work/cohorts/real60"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/fpp/bench"))
    ap.add_argument("--stage", choices=["data", "train", "ablate", "eval", "real", "all", "rescue"],
                    default="all")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--ablation-epochs", type=int, default=preset("tiny").epochs)
    ap.add_argument("--only", nargs="*", choices=ABLATIONS, help="ablate: these rows only")
    ap.add_argument("--max-frames", type=int, default=4)
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    global OUT_LOG
    OUT_LOG = a.out / f"progress_{a.stage}{'_' + '_'.join(a.only) if a.only else ''}.log"
    if a.stage in ("data", "all"):
        stage_data(a.cohort, a.out)
    if a.stage in ("train", "all"):
        stage_train(a.cohort, a.out, a.threads)
    if a.stage in ("ablate", "all"):
        stage_ablate(a.cohort, a.out, a.threads, a.ablation_epochs, a.only)
    if a.stage in ("eval", "all"):
        stage_eval(a.cohort, a.out)
    if a.stage == "rescue":
        stage_rescue(a.cohort, a.out)
    if a.stage in ("real", "all"):
        stage_real(a.out, a.out / "full", a.max_frames)


if __name__ == "__main__":
    main()
