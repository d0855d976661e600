"""Not a speed test: a realistic longitudinal synthetic cohort and its feature table.

Generates ``--subjects`` subjects x ``--visits`` visits (``strokescreen synth --visits``),
computes the feature table (``strokescreen features``) and prints the cohort card's oracle
for the label, the severity and the recovery targets, the planted recovery rates, and the
rate fitted back from the MEASURED droop (``face_mouth_corner_height_lr_mm``) over each
recovering subject's visits. Long: about 15 s of CPU per 4 s recording for each of the two
steps on the development machine. Run it in the background::

    nohup nice python benchmarks/longitudinal_cohort.py --out /tmp/visits > /tmp/visits/bench.txt &
"""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd


def run(args: list[str]) -> None:
    subprocess.run([sys.executable, "-m", "strokescreen", *args], check=True)


def measured_rates(features: pd.DataFrame, subjects: pd.DataFrame) -> pd.DataFrame:
    """Per recovering subject with a droop: planted rate and the rate fitted from the
    measured commissure height difference over visits (minus the slope of its log)."""
    from strokescreen.synth.visits import recovery_slope

    rows = []
    for sid, g in features.sort_values("visit").groupby("subject_id"):
        truth = subjects[subjects.subject_id == sid]
        if truth.empty or not bool(truth.recovering.iloc[0]) or truth.droop_mm_v1.iloc[0] <= 0:
            continue
        measured = g.face_mouth_corner_height_lr_mm.abs().to_numpy(float)
        if len(measured) < 2 or not np.isfinite(measured).all():
            continue
        last = [c for c in truth.columns if c.startswith("droop_mm_v")]
        resolved = float(truth[sorted(last, key=lambda c: int(c[10:]))[-1]].iloc[0]) <= 0
        rows.append({"subject_id": sid, "resolved": resolved,
                     "planted": float(truth.recovery_rate_per_day.iloc[0]),
                     "from_truth": float(truth.fitted_rate_per_day.iloc[0]),
                     "from_measured": recovery_slope(g.days_since_onset.to_numpy(float),
                                                     measured)})
    return pd.DataFrame(rows)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, default=Path("/tmp/visits"))
    ap.add_argument("--subjects", type=int, default=100)
    ap.add_argument("--visits", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--skip-generate", action="store_true", help="reuse an existing cohort")
    a = ap.parse_args()
    cohort, table = a.out / "cohort", a.out / "features.parquet"
    if not a.skip_generate:
        run(["synth", "--out", str(cohort), "--subjects", str(a.subjects), "--visits",
             str(a.visits), "--seconds", str(a.seconds), "--seed", str(a.seed)])
    if not table.exists():
        run(["features", str(cohort / "manifest.csv"), "--work", str(a.out / "work"),
             "--out", str(table)])
    card = (cohort / "cohort_card.md").read_text()
    print("SYNTHETIC cohort:", cohort)
    for line in card.splitlines():
        if line.startswith(("| severity", "- this cohort", "- recovering", "- recovery targets")):
            print(line)
    features = pd.read_parquet(table)
    subjects = pd.read_csv(cohort / "truth" / "subjects.csv")
    print(f"feature table: {table} ({len(features)} cases, {features.subject_id.nunique()} "
          "subjects)")
    rates = measured_rates(features, subjects)
    for name, part in (("droop not resolved by the last visit", rates[~rates.resolved]),
                       ("droop resolved (0 mm) by the last visit", rates[rates.resolved])):
        if not len(part):
            continue
        err_t = (part.from_truth - part.planted).abs()
        err_m = (part.from_measured - part.planted).abs()
        rho = part[["planted", "from_measured"]].corr(method="spearman").iloc[0, 1]
        print(f"recovery rate, {len(part)} recovering subjects, {name}: planted median "
              f"{part.planted.median():.4f}/day; fitted median from truth "
              f"{part.from_truth.median():.4f} (|error| median {err_t.median():.4f}), from "
              f"measured droop {part.from_measured.median():.4f} (|error| median "
              f"{err_m.median():.4f}); Spearman planted vs measured {rho:.2f}")
    print("synthetic data; strokescreen is a screening aid, not a diagnosis")


if __name__ == "__main__":
    main()
