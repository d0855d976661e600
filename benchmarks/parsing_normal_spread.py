"""The FPP visibility rule's normal spread on a synthetic cohort, by task segment, with the
head roll it has to live with.

    PYTHONPATH=src python benchmarks/parsing_normal_spread.py --cohort /tmp/realism/cohort

Over every usable frame of the recordings without planted facial weakness: the RMS of the
commissure height difference as the rule measures it (the 2-D mesh, along the fitted
facial midline, mm by the iris), per task segment, the generator's own planted
``commissure_dh_mm`` for comparison, and the head roll (RMS, 90th percentile of |roll|).
Results describe the generator, not people.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.parsing.data import commissure_dh_mm
from strokescreen.workflows.parsing_data import _truth_points, case_spec


def rms(v) -> float:
    return float(np.sqrt(np.mean(np.square(v))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, default=Path("/tmp/realism/cohort"))
    a = ap.parse_args()
    df = pd.read_csv(a.cohort / "manifest.csv")
    rows = []
    for _, r in df.iterrows():
        t = pd.read_parquet(a.cohort / "truth" / f"{r.case_id}.parquet")
        if case_spec(r, t)[1] != "none":
            continue
        ok = ~t["occluded"].to_numpy(bool)
        dh = [commissure_dh_mm(p) for p in _truth_points(t)[ok]]
        tt = t[ok]
        rows += list(zip([r.case_id] * len(dh), tt["segment"], dh, tt["roll"],
                         tt["commissure_dh_mm"], strict=True))
    x = pd.DataFrame(rows, columns=["case", "segment", "dh", "roll", "truth_dh"])
    print(json.dumps({
        "n_frames": len(x), "n_cases": int(x["case"].nunique()), "rms_all_mm": rms(x["dh"]),
        "rms_by_segment_mm": {s: [rms(g["dh"]), len(g)] for s, g in x.groupby("segment")},
        "planted_commissure_dh_rms_mm": rms(x["truth_dh"]),
        "roll_rms_deg": rms(x["roll"]), "roll_abs_p90_deg": float(x["roll"].abs().quantile(0.9)),
    }, indent=1))


if __name__ == "__main__":
    main()
