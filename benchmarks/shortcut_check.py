"""Shortcut-check figures for each model on cohorts with and without a planted shortcut.

For every cohort and model, ``strokescreen shortcut-check``'s job
(:func:`strokescreen.workflows.shortcut.shortcut_check`) trains the model on
subject-grouped 5-fold CV (no recalibration: a monotone map changes no AUC) and scores
each fold's test cases with the facial regions masked, only the background kept, the
background masked, and left and right swapped. Prints one markdown row per (cohort,
model) and writes every figure as JSON.

Models: logreg, rf, gbm as registered (they read face_* and speech_* columns), the same
three with ``scene=True`` (they may also read the scene_* background statistics, so they
can learn a lighting shortcut), logreg with ``scene="only"`` (nothing but the background:
a model that can only cheat), and any deep model named with ``--deep`` (tiny preset).

    python benchmarks/shortcut_check.py \
        --cohort plain=real60/manifest.csv,real60_work,real60_features.parquet \
        --cohort lamp=sc30/manifest.csv,sc30_work,sc30_features.parquet \
        --deep video-only --deep deepstroke --out shortcut_check.json

Every figure is computed on SYNTHETIC cohorts. strokescreen is a screening aid, not a
diagnosis.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

CLASSICAL = (("logreg", {}), ("rf", {}), ("gbm", {}), ("logreg", {"scene": True}),
             ("rf", {"scene": True}), ("gbm", {"scene": True}), ("logreg", {"scene": "only"}))


def _label(name: str, params: dict) -> str:
    extra = ",".join(f"{k}={v}" for k, v in params.items() if k != "preset")
    return f"{name}[{extra}]" if extra else name


def main(argv: list[str] | None = None) -> int:
    from strokescreen.evaluation.splits import SplitSpec
    from strokescreen.jsonable import json_safe
    from strokescreen.models.registry import model_factory
    from strokescreen.workflows.cases import ablation_cases
    from strokescreen.workflows.shortcut import add_scene_features, shortcut_check

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cohort", action="append", required=True,
                    help="NAME=MANIFEST,WORK[,FEATURES] (repeatable)")
    ap.add_argument("--deep", action="append", default=[], help="deep model to add (tiny)")
    ap.add_argument("--no-classical", action="store_true", help="only the --deep models")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, required=True)
    args = ap.parse_args(argv)

    models = [] if args.no_classical else [(n, dict(p)) for n, p in CLASSICAL]
    models += [(d, {"preset": "tiny"}) for d in args.deep]
    results = []
    print("AUC: pooled out-of-fold (mean of the per-fold AUCs)")
    print("| cohort | model | AUC | face masked | background only | background masked | "
          "mirrored | mirrored: calls kept | mirrored: flagged kept |")
    print("|---|---|---|---|---|---|---|---|---|")
    for spec in args.cohort:
        name, _, paths = spec.partition("=")
        parts = paths.split(",")
        manifest, work = Path(parts[0]), Path(parts[1])
        features = Path(parts[2]) if len(parts) > 2 else None
        cases, _, synthetic = ablation_cases(manifest, work, features)
        cases = add_scene_features(cases)  # once per cohort, not once per model
        for model, params in models:
            t0 = time.perf_counter()
            factory = model_factory(model, random_state=args.seed, **params)
            res = shortcut_check(cases, factory, split=SplitSpec("group-kfold", folds=args.folds,
                                                                 seed=args.seed),
                                 model_name=_label(model, params), cohort_name=name,
                                 synthetic=synthetic)
            rows = {r["perturbation"]: r for r in res.rows}
            seconds = time.perf_counter() - t0
            results.append({"cohort": name, "model": _label(model, params), "seconds": seconds,
                            "n_cases": len(res.predictions), **res.to_dict()})

            def f(x: float) -> str:
                return "n/a" if x != x else f"{x:.3f}"

            def a(k: str, rows: dict = rows) -> str:  # pooled AUC (mean of per-fold AUCs)
                return f"{f(rows[k]['auc'])} ({f(rows[k]['fold_auc'])})"

            m = rows["mirrored"]
            print(f"| {name} | {_label(model, params)} | {f(m['auc_clean'])} "
                  f"({f(m['fold_auc_clean'])}) | {a('face-masked')} | {a('background-only')} | "
                  f"{a('background-masked')} | {a('mirrored')} | "
                  f"{f(m['calls_kept'])} | {f(m['flagged_kept'])} |", flush=True)
            args.out.write_text(json.dumps(json_safe(results), indent=2) + "\n")
    print("SYNTHETIC cohorts; strokescreen is a screening aid, not a diagnosis.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
