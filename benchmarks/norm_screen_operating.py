"""Operating characteristics of the norm-based screen's face part (screening aid, not a diagnosis).

Prints:

1. leave-one-subject-out coverage of every state's normal ranges (how many held-out
   healthy measures fall outside ranges built without that subject);
2. the share of healthy faces flagged at rest and the share flagged with a droop of 1.5,
   3 and 5 mm planted on their own landmarks (real faces, leave-one-subject-out ranges,
   measured landmarker noise drawn for annotated faces) -- no synthetic face;
3. with ``--cohort FEATURES.parquet TRUTH.csv``: the SYNTHETIC cohort's share of cases
   flagged by planted droop and by planted speech slowing (dysarthria), from its feature
   table (the screen run on each case's features; quality taken as good).

Usage: python benchmarks/norm_screen_operating.py [REAL_DIR] [--cache LANDMARK_CACHE]
       [--cohort FEATURES TRUTH [--cases CASE_DIRS]]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tools/

from tools.collect_landmarks import HEALTHY_VIDEOS
from tools.normal_ranges import infer_meei_expressions, read_meei_csv
from tools.screen_operating import (
    HeldOutFace,
    loso_coverage,
    loso_operating,
    shipped_inputs,
)

from strokescreen.features.states import STATES
from strokescreen.io.pts import read_pts
from strokescreen.screen import ScreenConfig, operating_point

DROOPS = (0.0, 1.5, 3.0, 5.0)


def rest_faces(real: Path, cache: Path | None) -> list[HeldOutFace]:
    lm, subj, expr = read_meei_csv(real / "landmarks" / "meei_normals_68.csv")
    names = infer_meei_expressions(lm, expr)
    faces = [HeldOutFace(f"meei{s}", lm[i][None], "ibug68", True)
             for i, s in enumerate(subj) if names[int(expr[i])] == "rest"]
    takeo = real / "landmarks" / "takeo.pts"
    if takeo.is_file():
        faces.append(HeldOutFace("takeo", read_pts(takeo)[None], "ibug68", True))
    if cache is not None:
        from tools.landmark_noise import load_videos, video_states

        per_person: dict[str, list[np.ndarray]] = {}
        for rel, (mp, _) in load_videos(cache, HEALTHY_VIDEOS).items():
            _, states, frontal = video_states(mp)
            sel = frontal & (states == "rest")
            if sel.sum() >= 6:
                per_person.setdefault(HEALTHY_VIDEOS[rel], []).append(mp[sel])
        faces += [HeldOutFace(p, np.concatenate(v), "mp478", False)
                  for p, v in per_person.items()]
    return faces


def cohort_rates(features: Path, truth: Path) -> None:
    import pandas as pd
    from tools.dynamic_operating import cohort_rows

    ft = pd.read_parquet(features).drop_duplicates("case_id", keep="last")
    tr = pd.read_csv(truth)
    df = ft.merge(tr[["case_id", "subject_id", "droop_mm", "dysarthria", "condition"]],
                  on="case_id", suffixes=("", "_truth"))
    feats = [c for c in ft.columns if c.startswith(("face_", "speech_"))]
    out = pd.DataFrame(cohort_rows(df, feats))
    out["droop_bin"] = pd.cut(out["droop_mm"], [-0.01, 0.01, 2.0, 4.0, 99],
                              labels=["none", "0-2 mm", "2-4 mm", ">4 mm"])
    print("\n## SYNTHETIC cohort: share flagged by planted droop (screening aid, not a "
          "diagnosis)\n")
    print("face sign / face sign or borderline / signs present (any family); baseline = the "
          "subject's other recording (for a stroke subject also after the stroke)\n")
    print("| planted droop | n | static only | with movement sign | with movement and "
          "baseline |")
    print("|---|---:|---:|---:|---:|")
    for b, g in out.groupby("droop_bin", observed=True):
        cells = [f"{g[f'{k}_sign'].mean():.0%} / {g[f'{k}_flag'].mean():.0%} / "
                 f"{g[f'{k}_present'].mean():.0%}" for k in ("static", "dynamic", "baseline")]
        print(f"| {b} | {len(g)} | " + " | ".join(cells) + " |")
    out["dys_bin"] = pd.cut(out["dys"], [-0.01, 0.01, 0.3, 1.01], labels=["none", "mild", "marked"])
    print("\n| planted speech slowing (dysarthria) | n | signs present: static / movement / "
          "baseline |")
    print("|---|---:|---:|")
    for b, g in out.groupby("dys_bin", observed=True):
        print(f"| {b} | {len(g)} | " + " / ".join(
            f"{g[f'{k}_present'].mean():.0%}" for k in ("static", "dynamic", "baseline")) + " |")


def dynamic_rates(real: Path, cache: Path) -> None:
    from tools.collect_landmarks import HEALTHY_VIDEOS
    from tools.dynamic_operating import real_baseline_rates, real_weakness_rates, smile_faces
    from tools.landmark_noise import load_videos

    from strokescreen.features.movement import movement_normals

    inputs = shipped_inputs(str(real / "landmarks" / "meei_normals_68.csv"))["rest"]
    videos = {HEALTHY_VIDEOS[rel]: mp for rel, (mp, _) in load_videos(cache, HEALTHY_VIDEOS).items()}
    move = movement_normals()["signs"]["smile_corner_movement_lr_nd"]["values"]
    smiling = {p: v for p, v in videos.items() if p in move}
    faces = smile_faces(str(real / "landmarks" / "meei_normals_68.csv"), smiling)
    res = real_weakness_rates(faces, inputs["values"], inputs["noise"],
                              inputs["noise_averaged"], move, droops_mm=DROOPS)
    print(f"\n## Real healthy faces with a rest and a smile ({len(faces)} faces x 2 sides), "
          "weakness planted (droop, weak corner's smile movement reduced 13 %/mm), "
          "leave-one-subject-out\n")
    print("| planted droop | static only: sign / sign or borderline | with movement sign "
          "alone | movement and rest droop combined (shipped) | median movement \\|z\\| |")
    print("|---|---:|---:|---:|---:|")
    for d, r in res.items():
        print(f"| {d:g} mm | {r['static_sign']:.0%} / {r['static_flag']:.0%} | "
              f"{r['dyn_sign']:.0%} / {r['dyn_flag']:.0%} | "
              f"{r['comb_sign']:.0%} / {r['comb_flag']:.0%} | {r['move_z']:.2f} |")
    single = {p: mp for p, mp in videos.items()}
    base = real_baseline_rates(single, droops_mm=DROOPS)
    print("\n## Real healthy videos against their own baseline (first half of each state's "
          "frames = baseline, second half = new recording, weakness planted)\n")
    print("| planted droop | clips x sides | baseline sign | sign or borderline |")
    print("|---|---:|---:|---:|")
    for d, r in base.items():
        print(f"| {d:g} mm | {r['n']} | {r['sign']:.0%} | {r['flag']:.0%} |")


def synthetic_planted(cases: Path, features: Path, truth: Path) -> None:
    import pandas as pd
    from tools.dynamic_operating import synthetic_planted_rows

    ft = pd.read_parquet(features)
    speech = {r["case_id"]: {k: v for k, v in r.items() if k.startswith("speech_")}
              for r in ft.to_dict("records")}
    out = pd.DataFrame(synthetic_planted_rows(cases, truth, droops_mm=DROOPS, speech=speech))
    print("\n## SYNTHETIC healthy subjects, weakness planted on the second recording's "
          "landmarks (as on the real faces), the first recording as baseline "
          f"({out['subject'].nunique()} subjects x 2 sides)\n")
    print("| planted droop | static only: face sign / or borderline | with movement | "
          "with movement and baseline |")
    print("|---|---:|---:|---:|")
    for d, g in out.groupby("droop_mm"):
        print(f"| {d:g} mm | " + " | ".join(
            f"{g[f'{k}_sign'].mean():.0%} / {g[f'{k}_flag'].mean():.0%}"
            for k in ("static", "dynamic", "baseline")) + " |")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("real", nargs="?", default=str(Path(__file__).resolve().parents[1].parent
                                                  / "shared" / "data" / "real"))
    ap.add_argument("--cache", default=None, help="landmark cache of tools.collect_landmarks")
    ap.add_argument("--cohort", nargs=2, default=None, metavar=("FEATURES", "TRUTH"))
    ap.add_argument("--cases", default=None, help="the cohort's preprocessed case folders: "
                    "plant weakness on its healthy subjects' second recordings")
    args = ap.parse_args(argv)
    real = Path(args.real)
    if not real.is_dir():
        print(f"real data folder not found: {real}", file=sys.stderr)
        return 2
    inputs = shipped_inputs(str(real / "landmarks" / "meei_normals_68.csv"))
    print("## Leave-one-subject-out coverage of the normal ranges\n")
    print("| state | subjects | observations | measures outside (of checked) |")
    print("|---|---:|---:|---:|")
    for state in STATES:
        inp = inputs[state]
        misses = loso_coverage(inp["values"], inp["noise"], inp["noise_averaged"],
                               video_subjects=inp["video_subjects"])
        n_subj = len({k.split("/")[0] for k in inp["values"]})
        checked = sum(len(v) for v in inp["values"].values())
        print(f"| {state} | {n_subj} | {len(inp['values'])} | {len(misses)} of {checked}"
              + (f": {', '.join(f'{k} {m}' for k, m, *_ in misses[:4])}" if misses else "")
              + " |")
    op = operating_point(ScreenConfig())
    level = op["face_states"]["rest"]["level"]
    faces = rest_faces(real, Path(args.cache) if args.cache else None)
    rest = inputs["rest"]
    res = loso_operating(faces, rest["values"], rest["noise"], rest["noise_averaged"],
                         droops_mm=DROOPS, level=level)
    print(f"\n## Real healthy faces at rest, droop planted on their own landmarks "
          f"(leave-one-subject-out, {len(faces)} faces x 2 sides; face family level "
          f"{level:.2%})\n")
    print("| planted droop | face sign (signs present) | sign or borderline (cannot tell) | "
          "median index |")
    print("|---|---:|---:|---:|")
    for d in DROOPS:
        r = res["per_droop"][d]
        print(f"| {d:g} mm | {r['sign']:.0%} | {r['borderline_or_sign']:.0%} | "
              f"{np.median(res['index'][d]):.2f} |")
    if args.cache:
        dynamic_rates(real, Path(args.cache))
    if args.cohort:
        cohort_rates(Path(args.cohort[0]), Path(args.cohort[1]))
        if args.cases:
            synthetic_planted(Path(args.cases), Path(args.cohort[0]), Path(args.cohort[1]))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
