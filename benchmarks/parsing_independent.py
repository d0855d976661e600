"""Not a speed test: face-parsing models scored on every subject of an independent cohort
(`parsing-eval --subjects all`), with and without the validation-chosen FPP threshold, and
the per-frame table of the threshold's calls against the visible corner drop.

For each model and threshold setting: parts mean F1 (skin, hair, brows, eyes, mouth) and
per part, FPP F1 / IoU, weak recordings named right / missed / on the wrong side,
recordings without weakness given a side, and the same side rule on the truth labels
(what a perfect parser reaches). Per frame: |corner-height difference| >= 2 x the labels'
normal spread ("visible droop") or not, against whether the frame calls a side, for weak
and healthy recordings, and whether a called side is the lower corner's side.
``--geometry``: only the labels' corner difference against the planted one on the
recordings without weakness (its gap, and how it follows yaw and roll), for labels v3
(2-D mesh) and v4 (the face turned frontal, perspective undone).
``--labels 3|4`` (default 4): the FPP label rule; ``--normal-sd-mm``: the labels' normal
spread (default: the model's recorded one when it was trained on the same labels, else the
cohort's own), so two models can be scored against the very same labels.

    python benchmarks/parsing_independent.py --cohort /tmp/pext/cohort \
        --model /tmp/fpp5/midline_sym_128px_full_s0 --model ... --out /tmp/pext

Writes ``eval_<model>_<thr|argmax>/`` (the `parsing-eval` outputs), ``frames_<...>.csv``
and ``results_<cohort|model>_spread_<models>.json`` (``results_labels<L>_sd<mm>_<models>.json``
with ``--normal-sd-mm``) under ``--out``. Results on a synthetic
cohort describe the generator, not people; strokescreen is a screening aid, not a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.io.video import probe
from strokescreen.jsonable import json_safe
from strokescreen.parsing.data import face_dh_mm
from strokescreen.parsing.metrics import fpp_areas, fpp_side
from strokescreen.parsing.model import load_parsing_model
from strokescreen.workflows.parsing import DATA_DIR, evaluate_parsing
from strokescreen.workflows.parsing_data import (
    _truth_points,
    build_parsing_data,
    case_spec,
)

PARTS = ("skin", "hair", "brows", "eyes", "mouth")


def frame_table(model_dir: Path, cohort: Path, cache: Path, threshold: bool,
                normal_sd_mm: float | None, labels: int = 4) -> pd.DataFrame:
    """One row per crop of the cohort: planted side, corner difference, the frame's call."""
    m = load_parsing_model(model_dir, fpp_threshold=threshold)
    tr = m.sidecar_["training"]
    data = build_parsing_data(cohort, size=m.sidecar_["model"]["input_size_px"],
                              frames_per_case=tr["frames_per_case"], align=m.crop,
                              normal_sd_mm=normal_sd_mm, cache_dir=cache, labels=labels)
    full = m.to_full_codes(m.predict(data.images))
    rows = []
    for i in range(len(full)):
        a = fpp_areas(full[i], data.points[i])
        rows.append({**data.meta.iloc[i].to_dict(), **a,
                     "call": fpp_side(a["fpp_share_left"], a["fpp_share_right"])})
    per = pd.DataFrame(rows)
    per["weak"] = per["side"].fillna("").astype(str) != ""
    per["visible"] = per["dh_mm"].abs() >= 2 * per["normal_sd_mm"]
    per["called"] = per["call"] != "none"
    # dh_mm = left minus right corner drop: positive = the subject's left corner lower
    per["lower_side"] = np.where(per["dh_mm"] > 0, "left", "right")
    return per


def frame_counts(per: pd.DataFrame) -> dict:
    out = {}
    for weak, wname in ((False, "without_weakness"), (True, "weak")):
        for vis, vname in ((True, "visible_droop"), (False, "no_visible_droop")):
            g = per[(per["weak"] == weak) & (per["visible"] == vis)]
            out[f"{wname}_{vname}"] = {"called": int(g["called"].sum()),
                                       "not_called": int((~g["called"]).sum())}
    called = per[per["called"]]
    out["called_on_lower_corner_side"] = int((called["call"] == called["lower_side"]).sum())
    out["called_total"] = int(len(called))
    weak_called = called[called["weak"]]
    out["weak_called_on_planted_side"] = int((weak_called["call"] ==
                                              weak_called["side"]).sum())
    out["weak_called_total"] = int(len(weak_called))
    return out


def label_geometry(cohort: Path) -> dict:
    """Recordings without planted weakness: the corner-height difference the FPP labels
    measure (labels v3: 2-D mesh; v4: face turned frontal, perspective undone; median over
    unoccluded frames, and every 4th frame one by one) against the generator's planted one
    (truth ``commissure_dh_mm``), and how the gap follows the head's yaw and roll."""
    man = pd.read_csv(cohort / "manifest.csv", keep_default_na=False)
    rows, frames = [], []
    for _, r in man.iterrows():
        t = pd.read_parquet(cohort / "truth" / f"{r['case_id']}.parquet")
        if case_spec(r, t)[1] != "none":
            continue
        info = probe(cohort / r["video"])
        size = (info.width, info.height)
        ok = ~t["occluded"].to_numpy(bool) if "occluded" in t else np.ones(len(t), bool)
        pts = _truth_points(t)[ok]
        v = {lab: np.array([face_dh_mm(p, labels=lab, frame_size=size) for p in pts])
             for lab in (3, 4)}
        planted = t["commissure_dh_mm"].to_numpy(float)[ok]
        yaw, roll = t["yaw"].to_numpy(float)[ok], t["roll"].to_numpy(float)[ok]
        rows.append({"v3": float(np.median(v[3])), "v4": float(np.median(v[4])),
                     "planted": float(np.median(planted)), "yaw": float(np.median(yaw)),
                     "roll": float(np.median(roll))})
        for i in range(0, len(pts), 4):
            frames.append({"case": r["case_id"], "v3": v[3][i], "v4": v[4][i],
                           "planted": planted[i], "yaw": yaw[i]})
    x, f = pd.DataFrame(rows), pd.DataFrame(frames)
    out: dict = {"n": len(x), "rms_planted_mm": float(np.sqrt((x["planted"] ** 2).mean()))}
    for lab in ("v3", "v4"):
        gap = x[lab] - x["planted"]
        # per frame, about each recording's own mean: how the gap moves as the head turns
        fg = f[lab] - f["planted"]
        fg = fg - fg.groupby(f["case"]).transform("mean")
        fy = f["yaw"] - f["yaw"].groupby(f["case"]).transform("mean")
        out[lab] = {"gap_median_mm": float(gap.median()),
                    "gap_rms_mm": float(np.sqrt((gap ** 2).mean())),
                    "gap_max_abs_mm": float(gap.abs().max()),
                    "corr_gap_yaw": float(gap.corr(x["yaw"])),
                    "corr_gap_roll": float(gap.corr(x["roll"])),
                    "rms_measured_mm": float(np.sqrt((x[lab] ** 2).mean())),
                    "frames_within_recording_corr_gap_yaw": float(fg.corr(fy)),
                    "frames_within_recording_gap_mm_per_deg_yaw": float(
                        np.polyfit(fy, fg, 1)[0]),
                    "n_frames": len(f)}
    return out


def summarise(res: dict) -> dict:
    row = res["models"][0]
    f1 = {r["class"]: r["f1"] for r in res["per_class"]}
    iou = {r["class"]: r["iou"] for r in res["per_class"]}
    return {"parts_mean_f1": float(np.mean([f1[p] for p in PARTS if p in f1])),
            "parts_f1": {p: f1.get(p) for p in PARTS}, "fpp_f1": f1.get("fpp"),
            "fpp_iou": iou.get("fpp"), "mean_f1_all": row["mean_f1"],
            "fpp_offset": row["fpp_offset"],
            "sides": {k[len("sides_"):]: v for k, v in row.items() if k.startswith("sides_")},
            "truth_label_sides": {k[len("truth_labels_sides_"):]: v for k, v in row.items()
                                  if k.startswith("truth_labels_sides_")},
            "n_subjects": len(res["evaluated_subjects"]), "n_crops": res["n_crops"],
            "fpp_normal_sd_mm": res["fpp_normal_sd_mm"]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, required=True)
    ap.add_argument("--model", type=Path, action="append", default=[])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--labels-spread", choices=("cohort", "model"), default="cohort",
                    help="the FPP labels' normal spread: measured on --cohort (as training "
                         "does on its cohort) or the one the model was trained with")
    ap.add_argument("--labels", type=int, choices=[3, 4], default=4,
                    help="the FPP label rule (4: corner heights without the head's pose)")
    ap.add_argument("--normal-sd-mm", type=float, default=None,
                    help="the labels' normal spread (overrides --labels-spread)")
    ap.add_argument("--geometry", action="store_true",
                    help="only the label-geometry check (measured vs planted corner difference "
                         "on recordings without weakness) into geometry_<cohort>.json")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    if args.geometry:
        geo = label_geometry(args.cohort)
        (args.out / f"geometry_{args.cohort.name}.json").write_text(json.dumps(geo, indent=2))
        print(json.dumps(geo), flush=True)
        return
    cache = args.out / DATA_DIR
    stamp = args.cohort / "generator.json"
    results: dict = {"cohort": str(args.cohort), "generator": json.loads(stamp.read_text())
                     if stamp.is_file() else None, "runs": {},
                     "note": "SYNTHETIC cohort: describes the generator, not people; "
                             "strokescreen is a screening aid, not a diagnosis"}
    for model in args.model:
        for threshold in (True, False):
            name = f"{model.name}_{'thr' if threshold else 'argmax'}"
            sd = args.normal_sd_mm
            if sd is not None:
                name += f"_labels{args.labels}_sd{sd:g}"
            elif args.labels_spread == "model":
                side = json.loads((model / "model.json").read_text())
                sd = float(side["training"]["fpp_normal_sd_mm"])
                name += "_model_spread"
            t0 = time.perf_counter()
            res = evaluate_parsing(args.cohort, [model], args.out / f"eval_{name}",
                                   cache_dir=cache, fpp_threshold=threshold, subjects="all",
                                   normal_sd_mm=sd, labels=args.labels)
            per = frame_table(model, args.cohort, cache, threshold,
                              sd if sd is not None else res["fpp_normal_sd_mm"], args.labels)
            per.to_csv(args.out / f"frames_{name}.csv", index=False)
            results["runs"][name] = {**summarise(res), "frames": frame_counts(per),
                                     "seconds": round(time.perf_counter() - t0, 1)}
            tag = (f"labels{args.labels}_sd{args.normal_sd_mm:g}" if args.normal_sd_mm
                   is not None else f"{args.labels_spread}_spread")
            path = args.out / f"results_{tag}_{'+'.join(m.name for m in args.model)}.json"
            path.write_text(json.dumps(json_safe(results), indent=2))
            print(name, json.dumps(json_safe(results["runs"][name])), flush=True)


if __name__ == "__main__":
    main()
