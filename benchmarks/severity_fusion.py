"""Severity (or any graded target) from face only, speech only, metadata only and fused.

Given a feature table (from `strokescreen features`), optionally joined with its manifest
for columns the table lacks, prints for each model and feature set: MAE, RMSE, Spearman
rho with its subject-bootstrap 95 % CI, quadratic-weighted kappa, exact and within-one
agreement (integer grades only) and the training-mean floor, all from subject-grouped
out-of-fold predictions (the same folds for every feature set). With ``--label`` the
stroke label's AUC per feature set is printed too.

    python benchmarks/severity_fusion.py --table /work/cohorts/real60_features.parquet \\
        --manifest /work/cohorts/real60/manifest.csv --out /tmp/grade/severity_fusion.json

Results on synthetic cohorts are synthetic: they show the pipeline works, not how it
performs on patients. strokescreen is a screening aid, not a diagnosis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.evaluation.config import EvaluationConfig
from strokescreen.features.metadata import COMPARED_SETS, METADATA_COLUMNS
from strokescreen.io.cohort_checks import is_synthetic
from strokescreen.jsonable import json_safe
from strokescreen.workflows.cases import read_feature_table
from strokescreen.workflows.feature_sets import build_factory, compare_feature_sets


def _load(table: Path, manifest: Path | None) -> pd.DataFrame:
    df = read_feature_table(table)
    if manifest is not None:
        man = pd.read_csv(manifest, dtype={"case_id": str, "subject_id": str})
        extra = [c for c in man.columns if c not in df.columns and c != "video"]
        if extra:
            df = df.merge(man[["case_id", *extra]], on="case_id", how="left")
    return df


def _fmt(v: object) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "   n/a"
    return f"{float(v):6.3f}"  # type: ignore[arg-type]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, required=True, help="feature table (.parquet/.csv)")
    ap.add_argument("--manifest", type=Path, help="manifest CSV for columns the table lacks")
    ap.add_argument("--target", default="severity")
    ap.add_argument("--models", default="ridge,ordinal-logit,rf-regressor")
    ap.add_argument("--split", default="group-kfold", choices=["group-kfold", "loso"])
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bootstrap", type=int, default=500)
    ap.add_argument("--label", action="store_true", help="also the label's AUC per set")
    ap.add_argument("--out", type=Path, help="write every figure as JSON here")
    ap.add_argument("--param", action="append", default=[], metavar="KEY=VALUE",
                    help="a parameter for every model (e.g. face_inputs=all: the face "
                         "columns before shape-free inputs); repeatable")
    args = ap.parse_args(argv)

    params = dict(p.split("=", 1) for p in args.param)
    cases = _load(args.table, args.manifest)
    synthetic = is_synthetic(cases, manifest_path=args.manifest)
    present = [c for c in METADATA_COLUMNS if c in cases.columns]
    absent = [c for c in METADATA_COLUMNS if c not in cases.columns]
    print(f"cohort: {args.table} ({len(cases)} cases, {cases['subject_id'].nunique()} "
          f"subjects){' SYNTHETIC' if synthetic else ''}")
    print(f"metadata columns present: {', '.join(present) or 'none'}; absent: "
          f"{', '.join(absent) or 'none'}")
    config = EvaluationConfig(split=args.split, folds=args.folds, seed=args.seed,
                              n_bootstrap=args.bootstrap, importance="none")
    out: dict = {"table": str(args.table), "target": args.target, "split": args.split,
                 "folds": args.folds, "seed": args.seed, "synthetic": synthetic,
                 "metadata_present": present, "params": params, "results": {}}
    runs = [(m, args.target) for m in args.models.split(",") if m.strip()]
    if args.label:
        runs.append(("logreg", "label"))
    for model, target in runs:
        t0 = time.perf_counter()
        factory = build_factory(model.strip(), params, seed=args.seed, target=target,
                                calibration="none")
        outcomes, table = compare_feature_sets(
            cases, factory, config, sets=COMPARED_SETS, target=target, model_name=model,
            synthetic=synthetic, cohort_name=args.table.stem)
        secs = time.perf_counter() - t0
        m0 = next(iter(outcomes.values())).result.metrics
        print(f"\n{model} -> {target} ({m0.get('target', {}).get('kind', 'label')}), "
              f"{m0['n_cases']} cases, {m0['split']['description']} [{secs:.0f} s]")
        if target == "label":
            print("feature set  n_feat    AUC  95% CI")
            for r in table.to_dict(orient="records"):
                if isinstance(r.get("note"), str):
                    print(f"{r['feature_set']:<11} {r['note']}")
                    continue
                print(f"{r['feature_set']:<11} {r['n_features']:>6} {_fmt(r['auc'])} "
                      f"{_fmt(r['auc_ci_low'])}-{_fmt(r['auc_ci_high']).strip()}")
        else:
            print(f"floor (training mean): MAE {_fmt(m0['mae_of_training_mean']).strip()}")
            print("feature set  n_feat    MAE   RMSE    rho  rho 95% CI       kappa  exact "
                  " within1")
            for r in table.to_dict(orient="records"):
                if isinstance(r.get("note"), str):
                    print(f"{r['feature_set']:<11} {r['note']}")
                    continue
                print(f"{r['feature_set']:<11} {r['n_features']:>6} {_fmt(r['mae'])} "
                      f"{_fmt(r['rmse'])} {_fmt(r['spearman'])} {_fmt(r['spearman_ci_low'])}"
                      f" to {_fmt(r['spearman_ci_high']).strip():<6} "
                      f"{_fmt(r.get('kappa_quadratic'))} {_fmt(r.get('exact'))} "
                      f"{_fmt(r.get('within_one'))}")
        notes = sorted({n for o in outcomes.values() for n in o.result.metrics.get("notes", [])})
        for n in notes:
            print(f"  note: {n}")
        out["results"][f"{model}:{target}"] = {
            "seconds": secs, "table": table.to_dict(orient="records"),
            "floor_mae": m0.get("mae_of_training_mean"), "notes": notes}
    if synthetic:
        print("\nresults computed on SYNTHETIC data")
    print("strokescreen is a screening aid, not a diagnosis.")
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        args.out.write_text(json.dumps(json_safe(out), indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
