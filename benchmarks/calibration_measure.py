"""Calibration before / after recalibration per classical model, and site A -> B external
validation, on a feature table with a ``site`` column. Prints a table (synthetic data).

    python benchmarks/calibration_measure.py FEATURES.parquet [MORE.parquet ...] --out DIR

Site A is ``site_A``; site B is every other site (the synthetic generator draws site_A,
site_B and site_C per subject, so "not A" makes a two-site split).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.training import save_trained, train_model
from strokescreen.models.calibration import calibrated_factory
from strokescreen.models.registry import model_factory
from strokescreen.workflows.validate import validate_model


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("tables", nargs="+", type=Path)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--bootstrap", type=int, default=200)
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    parts = []
    for i, path in enumerate(args.tables):
        t = pd.read_parquet(path)
        if i:  # the generator numbers subjects from S0001 with every seed: keep them apart
            t["subject_id"] = f"c{i}_" + t["subject_id"].astype(str)
            t["case_id"] = f"c{i}_" + t["case_id"].astype(str)
        parts.append(t)
    cases = pd.concat(parts, ignore_index=True)
    per_subject_sites = cases.groupby("subject_id")["site"].nunique()
    assert (per_subject_sites == 1).all(), "a subject appears at two sites"
    cases["site2"] = np.where(cases["site"].astype(str) == "site_A", "A", "B")
    print(f"cohort: {len(cases)} cases, {cases['subject_id'].nunique()} subjects, "
          f"{int(cases['label'].sum())} stroke cases; SYNTHETIC")
    print(cases.groupby("site2").agg(cases=("case_id", "size"),
                                     subjects=("subject_id", "nunique"),
                                     stroke=("label", "sum")).to_string())
    rows = []
    for model in ("logreg", "rf", "gbm"):
        for method in ("none", "sigmoid", "isotonic"):
            f = calibrated_factory(model_factory(model, random_state=0), method, seed=0)
            r = cross_validate(cases, None, f, SplitSpec("group-kfold", folds=5, seed=0),
                               n_bootstrap=args.bootstrap, importance="none", model_name=model,
                               synthetic=True)
            c = r.metrics["calibration"]
            rows.append({"model": model, "calibration": method, "auc": r.metrics["auc"],
                         "brier": c["brier"], "slope": c["slope"], "intercept": c["intercept"],
                         "ece": c["ece"]})
            print(pd.DataFrame(rows[-1:]).round(3).to_string(header=len(rows) == 1, index=False),
                  flush=True)
    pd.DataFrame(rows).to_csv(args.out / "internal.csv", index=False)
    site_a = cases[cases["site2"] == "A"]
    site_b = cases[cases["site2"] == "B"]
    ext = []
    for model in ("logreg", "rf", "gbm"):
        trained = train_model(site_a, model, folds=5, seed=0, cohort_name="site A",
                              synthetic=True)
        with tempfile.TemporaryDirectory() as tmp:
            save_trained(trained, Path(tmp) / "m")
            v = validate_model(Path(tmp) / "m", site_b, args.out / f"validate_{model}",
                               cohort_name="site B", synthetic=True, update="slope",
                               n_bootstrap=args.bootstrap)
        m = v.summary["metrics"]
        b, a = m["calibration_before"], m["calibration_after"]
        ext.append({"model": model, "auc_B": m["auc"], "auc_ci": m["auc_ci"],
                    "brier": b["brier"], "slope": b["slope"], "intercept": b["intercept"],
                    "brier_upd": a["brier"], "slope_upd": a["slope"],
                    "intercept_upd": a["intercept"], "helps": m["decision_curve"]["helps"]})
        print(ext[-1], flush=True)
    pd.DataFrame(ext).to_csv(args.out / "external.csv", index=False)


if __name__ == "__main__":
    main()
