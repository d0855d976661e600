"""FPP sensitivity of the face-parsing network on a generator-v2 cohort (issue 17 follow-up).

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_sensitivity.py \\
        --cohort /tmp/realism/cohort --out /tmp/fpp2 --stage data|train|calibrate|eval|fit|speed|real \\
        [--crop box|midline] [--balance] [--mirror] [--fpp-balance] [--symmetry] \\
        [--ablation ...] [--seed 0] [--size 112]

Stages (results in OUT/results_<stage>[_NAME].json, printed too):
- data: the labelled crops of both crop geometries, the visibility rule's normal spread
  measured on the cohort's recordings without planted weakness, and how many crops of
  weak recordings carry the FPP;
- train: one `tiny` model (``--crop``, ``--balance``, ``--mirror``, ``--ablation``, ``--seed``,
  ``--size`` = crop side in px, default the preset's 96) into OUT/NAME, timed,
  with the real healthy training extras of benchmarks/parsing.py;
- calibrate: the FPP decision offset of each model of ``--models`` chosen on its validation
  subjects (maximum validation FPP F1), written into its model.json;
- eval: every model folder given by ``--models`` (under OUT, or an absolute path) on the
  held-out subjects of the first (same seed = same split), per-class F1 / IoU, FPP side
  agreement, ms per crop, against the FPP labels ``--labels`` (default: each model's own);
- fit: for each model of ``--models``, FPP pixels a crop on its training and held-out
  subjects' crops that carry the FPP, crops of weak recordings that do not, and crops
  without weakness (fitting the FPP on training crops only = memorised subjects);
- speed: ms per crop of each model of ``--models`` (batch 16, one thread), the fastest of
  five passes over 64 held-out crops, with the machine's load average;
- real: `parse` on the real files and a montage (benchmarks/parsing.py's real stage).
One training run at a time on this 2-core machine. Results on a synthetic cohort
describe the generator, not people; a screening aid, not a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

from strokescreen.parsing import masks as M
from strokescreen.parsing.model import ABLATIONS, preset
from strokescreen.workflows.parsing import evaluate_parsing, train_parsing
from strokescreen.workflows.parsing_data import build_parsing_data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parsing as base  # noqa: E402  (benchmarks/parsing.py: real extras, real stage)


def _dump(out: Path, stage: str, obj: dict) -> None:
    text = json.dumps(obj, indent=2, default=str)
    (out / f"results_{stage}.json").write_text(text + "\n")
    print(text)


def stage_data(cohort: Path, out: Path) -> None:
    p = preset("tiny")
    res = {}
    for crop in ("box", "midline"):
        t0, c0 = time.perf_counter(), time.process_time()
        data = build_parsing_data(cohort, size=p.size_px, frames_per_case=p.frames_per_case,
                                  cache_dir=out / "_data", align=crop, progress=base._log(crop))
        meta = data.meta
        weak = meta[meta["region"] != "none"]
        normal = meta[meta["region"] == "none"]
        res[crop] = {"wall_seconds": round(time.perf_counter() - t0, 1),
                     "cpu_seconds": round(time.process_time() - c0, 1),
                     "n_crops": int(len(meta)), "n_cases": int(meta["case_id"].nunique()),
                     "normal_sd_mm": float(meta["normal_sd_mm"].iloc[0]),
                     "crops_without_weakness_dh_mm_rms": float(np.sqrt(np.mean(
                         normal["dh_mm"] ** 2))),
                     "weak_crops": int(len(weak)),
                     "weak_crops_fpp_drawn": int(weak["fpp_drawn"].sum()),
                     "weak_recordings_with_a_drawn_crop": int(
                         weak.groupby("case_id")["fpp_drawn"].any().sum()),
                     "weak_recordings": int(weak["case_id"].nunique()),
                     "weak_drop_px_quartiles": weak["drop_px"].quantile(
                         [0.25, 0.5, 0.75]).round(2).tolist()}
        for m in base.real_manifest(out):
            build_parsing_data(m, size=p.size_px, frames_per_case=base.EXTRA_FRAMES
                               * p.frames_per_case, cache_dir=out / "_data", align=crop)
    _dump(out, "data", res)


def stage_train(cohort: Path, out: Path, name: str, crop: str, ablation: str, seed: int,
                epochs: int | None, balance: bool, mirror: bool, fpp_balance: bool,
                symmetry: bool = False, size: int | None = None,
                labels: int | None = None) -> None:
    t0, c0 = time.perf_counter(), time.process_time()
    more = {} if labels is None else {"labels": labels}
    info = train_parsing(cohort, out / name, preset_name="tiny", ablation=ablation, seed=seed,
                         **more,
                         crop=crop, epochs=epochs, balance=balance, mirror=mirror,
                         fpp_balance=fpp_balance, symmetry=symmetry, size=size,
                         cache_dir=out / "_data", overwrite=True,
                         progress=base._log(name), extra=base.real_manifest(out))
    _dump(out, f"train_{name}", {"wall_seconds": round(time.perf_counter() - t0, 1),
                                 "cpu_seconds": round(time.process_time() - c0, 1), **info})


def stage_calibrate(cohort: Path, out: Path, models: list[str], name: str,
                    rule: str = "healthy") -> None:
    """The validation-chosen FPP offset of each model, written into its model.json."""
    from strokescreen.workflows.parsing import calibrate_parsing

    res = {}
    for m in models:
        t0 = time.perf_counter()
        res[m] = calibrate_parsing(out / m, cohort, cache_dir=out / "_data", overwrite=True,
                                   rule=rule)
        res[m]["wall_seconds"] = round(time.perf_counter() - t0, 1)
    _dump(out, f"calibrate_{name}", res)


def stage_eval(cohort: Path, out: Path, models: list[str], name: str,
               fpp_threshold: bool = True, labels: int | None = None) -> None:
    res = evaluate_parsing(cohort, [out / m for m in models], out / f"eval_{name}",
                           cache_dir=out / "_data", fpp_threshold=fpp_threshold, labels=labels)
    _dump(out, f"eval_{name}", {"held_out_subjects": res["held_out_subjects"],
                                "fpp_labels": res.get("fpp_labels", labels),
                                "fpp_normal_sd_mm": res["fpp_normal_sd_mm"],
                                "n_crops": res["n_crops"], "table": res["models"],
                                "per_class": res["per_class"]})


def stage_fit(cohort: Path, out: Path, models: list[str], name: str,
              splits: tuple[str, ...] = ("train", "test")) -> None:
    from strokescreen.parsing.model import load_parsing_model

    res: dict = {}
    for mname in models:
        m = load_parsing_model(out / mname)
        fpp = m.classes.index("fpp")
        sub = m.sidecar_["training"]["subjects"]
        size = m.sidecar_["model"]["input_size_px"]
        fpc = m.sidecar_["training"]["frames_per_case"]
        for split in splits:
            d = build_parsing_data(cohort, size=size, frames_per_case=fpc, align=m.crop,
                                   cache_dir=out / "_data", subjects=set(sub[split]))
            prob = m.predict_proba(d.images)
            px = (prob.argmax(1) == fpp).reshape(len(prob), -1).sum(1)
            truth = d.labels == M.CLASSES.index("fpp")  # full codes
            inside = [float(prob[i, fpp][truth[i]].mean()) for i in range(len(prob))
                      if truth[i].any()]
            me = d.meta
            drawn = me["fpp_drawn"].to_numpy(bool)
            weak = (me["region"] != "none").to_numpy()
            for what, sel in (("fpp_drawn", drawn), ("weak_not_drawn", weak & ~drawn),
                              ("no_weakness", ~weak)):
                res[f"{mname}/{split}/{what}"] = {
                    "crops": int(sel.sum()), "fpp_px_per_crop": round(float(px[sel].mean()), 1),
                    "crops_over_50_px": int((px[sel] > 50).sum())}
            res[f"{mname}/{split}/fpp_prob_inside_truth_mean"] = round(float(np.mean(inside)), 3)
            # any model: does its mean FPP probability rank the crops carrying the FPP first?
            from sklearn.metrics import roc_auc_score

            mean_p = prob[:, fpp].reshape(len(prob), -1).mean(1)
            res[f"{mname}/{split}/auc_mean_fpp_prob_drawn_vs_not"] = round(float(
                roc_auc_score(drawn, mean_p)), 3) if drawn.any() and (~drawn).any() else None
            if m.symmetry:
                res[f"{mname}/{split}/half_logits"] = _half_logit_ranking(m, d, drawn)
    _dump(out, f"fit_{name}", res)


def _half_logit_ranking(m, d, drawn: np.ndarray) -> dict:
    """How the symmetry path's half logits rank the crops that carry the FPP above those
    that do not (ROC AUC of the larger half logit), and on the crops that carry it whether
    the larger logit is on the half the label paints."""
    import torch
    from sklearn.metrics import roc_auc_score

    with torch.no_grad():
        h = np.concatenate([m.net_(torch.from_numpy(d.images[i:i + 32]).permute(0, 3, 1, 2)
                                   .float() / 255 - 0.5)["fpp_half"].numpy()
                            for i in range(0, len(d.images), 32)])
    fpp = d.labels == M.CLASSES.index("fpp")
    w = fpp.shape[-1]
    painted_left = fpp[..., : w // 2].sum((1, 2)) > fpp[..., w // 2:].sum((1, 2))
    top = h.max(1)
    both = drawn.any() and (~drawn).any()
    return {"auc_drawn_vs_not": round(float(roc_auc_score(drawn, top)), 3) if both else None,
            "drawn_half_right": int((painted_left == (h[:, 0] > h[:, 1]))[drawn].sum()),
            "drawn": int(drawn.sum()),
            "top_logit_quartiles_drawn": np.percentile(top[drawn], [25, 50, 75]).round(2)
            .tolist() if drawn.any() else None,
            "top_logit_quartiles_not_drawn": np.percentile(top[~drawn], [25, 50, 75, 95])
            .round(2).tolist()}


def stage_speed(cohort: Path, out: Path, models: list[str], name: str) -> None:
    import os

    from strokescreen.parsing.model import load_parsing_model

    res: dict = {"load_average_1min_before": os.getloadavg()[0]}
    for mname in models:
        m = load_parsing_model(out / mname)
        held = set(m.sidecar_["training"]["subjects"]["test"])
        d = build_parsing_data(cohort, size=m.sidecar_["model"]["input_size_px"],
                               frames_per_case=m.sidecar_["training"]["frames_per_case"],
                               align=m.crop, cache_dir=out / "_data", subjects=held)
        x = d.images[:64]
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            m.predict_proba(x)
            times.append(1000 * (time.perf_counter() - t0) / len(x))
        res[mname] = {"ms_per_crop_min": round(min(times), 1),
                      "ms_per_crop_median": round(float(np.median(times)), 1)}
    res["load_average_1min_after"] = os.getloadavg()[0]
    _dump(out, f"speed_{name}", res)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, default=Path("/tmp/realism/cohort"))
    ap.add_argument("--out", type=Path, default=Path("/tmp/fpp2"))
    ap.add_argument("--stage", choices=["data", "train", "eval", "fit", "speed", "real",
                                        "calibrate"],
                    required=True)
    ap.add_argument("--crop", choices=["box", "midline"], default="box")
    ap.add_argument("--ablation", choices=ABLATIONS, default="full")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--balance", action="store_true", help="median-frequency class weights")
    ap.add_argument("--mirror", action="store_true", help="mirrored image as extra channels")
    ap.add_argument("--fpp-balance", action="store_true",
                    help="FPP pixels weighted by crops without / with FPP")
    ap.add_argument("--symmetry", action="store_true",
                    help="FPP decided by the left-right comparison path (midline crop)")
    ap.add_argument("--size", type=int, default=None,
                    help="train: crop side in pixels (default: the preset's)")
    ap.add_argument("--no-fpp-threshold", action="store_true",
                    help="eval / real: ignore the validation-chosen FPP offset (plain arg-max)")
    ap.add_argument("--rule", choices=["healthy", "f1"], default="healthy",
                    help="calibrate: the FPP threshold rule (strokescreen.parsing.calibrate)")
    ap.add_argument("--labels", type=int, choices=[3, 4], default=None,
                    help="train / eval: the FPP label rule (4: corner heights without the "
                         "head's pose; 3: on the 2-D mesh); default: train with parsing-train's "
                         "(3), score each model with its own")
    ap.add_argument("--name", default=None, help="model folder / result name")
    ap.add_argument("--models", nargs="*", default=[], help="eval: model folders under OUT")
    ap.add_argument("--max-frames", type=int, default=4)
    ap.add_argument("--splits", nargs="+", choices=["train", "test"], default=["train", "test"],
                    help="fit: the model's subject sets to score (another cohort: test)")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    tags = ("_bal" if a.balance else "") + ("_mirror" if a.mirror else "") + (
        "_fppbal" if a.fpp_balance else "") + ("_sym" if a.symmetry else "") + (
        f"_{a.size}px" if a.size else "")
    name = a.name or f"{a.crop}{tags}_{a.ablation}_s{a.seed}"
    base.OUT_LOG = a.out / f"progress_{a.stage}_{name}.log"
    if a.stage == "data":
        stage_data(a.cohort, a.out)
    elif a.stage == "train":
        stage_train(a.cohort, a.out, name, a.crop, a.ablation, a.seed, a.epochs, a.balance,
                    a.mirror, a.fpp_balance, a.symmetry, a.size, a.labels)
    elif a.stage == "eval":
        stage_eval(a.cohort, a.out, a.models, name, not a.no_fpp_threshold, a.labels)
    elif a.stage == "calibrate":
        stage_calibrate(a.cohort, a.out, a.models, name, a.rule)
    elif a.stage == "speed":
        stage_speed(a.cohort, a.out, a.models, name)
    elif a.stage == "fit":
        stage_fit(a.cohort, a.out, a.models, name, tuple(a.splits))
    else:
        base.stage_real(a.out / name, a.out / a.models[0], a.max_frames,
                        fpp_threshold=not a.no_fpp_threshold)


if __name__ == "__main__":
    main()
