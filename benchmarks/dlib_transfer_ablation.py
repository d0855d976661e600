"""Transfer on vs off with the dlib-resnet29 video backbone: two `strokescreen ablate` runs.

Runs the ablation rows ``deepstroke`` (video branch initialised from dlib's
face-recognition ResNet, frozen) and ``deepstroke-no-transfer`` (the same networks from
scratch) on one preprocessed cohort, each row as its own `strokescreen ablate --rows ROW`
process (the two run side by side, one core each), and writes ``summary.md`` /
``summary.json`` under ``--out`` with pooled out-of-fold AUC, its bootstrap CI and each
run's wall time.

    nice python benchmarks/dlib_transfer_ablation.py --manifest M --work W --out O \\
        [--preset tiny] [--folds 5] [--epochs N] [--max-pairs N] [--features F]

``--work`` is only read when ``--features`` is given (the classical row is not run);
without it, ablate may build the feature table in ``--work``.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd

ROWS = ("deepstroke", "deepstroke-no-transfer")


def paired_difference(out: Path, n_boot: int, seed: int) -> dict | None:
    """AUC(transfer) - AUC(no transfer) on the same out-of-fold cases, with a subject
    cluster bootstrap (both rows resampled together); None when a run is missing."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    paths = [out / row / "ablation_predictions.csv" for row in ROWS]
    if not all(p.is_file() for p in paths):
        return None
    on, off = (pd.read_csv(p) for p in paths)
    m = on.merge(off[["case_id", "probability"]], on="case_id", suffixes=("_on", "_off"))
    m = m.dropna(subset=["probability_on", "probability_off"]).reset_index(drop=True)
    y, p_on, p_off = m["label"].to_numpy(), m["probability_on"], m["probability_off"]
    diff = roc_auc_score(y, p_on) - roc_auc_score(y, p_off)
    groups = [np.flatnonzero(m["subject_id"] == s) for s in m["subject_id"].unique()]
    rng = np.random.default_rng(seed)
    boot = []
    for _ in range(n_boot):
        idx = np.concatenate([groups[i] for i in rng.integers(0, len(groups), len(groups))])
        if len(set(y[idx])) == 2:
            boot.append(roc_auc_score(y[idx], p_on.to_numpy()[idx])
                        - roc_auc_score(y[idx], p_off.to_numpy()[idx]))
    lo, hi = np.percentile(boot, [2.5, 97.5])
    return {"auc_difference": float(diff), "ci_low": float(lo), "ci_high": float(hi),
            "share_of_resamples_le_0": float(np.mean(np.asarray(boot) <= 0)),
            "n_cases": int(len(m)), "n_resamples": len(boot)}


def _cmd(args: argparse.Namespace, row: str) -> list[str]:
    cmd = [sys.executable, "-m", "strokescreen", "ablate", str(args.manifest), "--work",
           str(args.work), "--out", str(args.out / row), "--preset", args.preset,
           "--folds", str(args.folds), "--seed", str(args.seed), "--adv-stages", "",
           "--video-backbone", "dlib-resnet29", "--rows", row,
           "--bootstrap", str(args.bootstrap)]
    if args.epochs:
        cmd += ["--epochs", str(args.epochs)]
    if args.max_pairs:
        cmd += ["--max-pairs", str(args.max_pairs)]
    if args.features:
        cmd += ["--features", str(args.features)]
    return cmd


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", type=Path, required=True)
    ap.add_argument("--work", type=Path, required=True)
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--features", type=Path)
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--max-pairs", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--summarise-only", action="store_true",
                    help="do not run; summarise the runs already under --out")
    args = ap.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, OMP_NUM_THREADS="1")
    procs, t0 = {}, {}
    previous = args.out / "summary.json"
    walls = ({row: r.get("wall_s") for row, r in json.loads(previous.read_text())["rows"].items()}
             if args.summarise_only and previous.is_file() else {})
    for row in ROWS if not args.summarise_only else ():
        log = open(args.out / f"{row}.log", "w")  # noqa: SIM115 - closed with the process
        t0[row] = time.time()
        procs[row] = (subprocess.Popen(_cmd(args, row), stdout=log, stderr=subprocess.STDOUT,
                                       env=env), log)
    results = {}
    for row in ROWS:
        rc = 0
        if row in procs:
            proc, log = procs[row]
            rc = proc.wait()
            log.close()
            walls[row] = round(time.time() - t0[row], 1)
        rec: dict = {"row": row, "exit_code": rc, "wall_s": walls.get(row)}
        csv = args.out / row / "ablation.csv"
        if rc == 0 and csv.is_file():
            r = pd.read_csv(csv).set_index("model").loc[row]
            rec.update({k: (None if pd.isna(r[k]) else float(r[k]))
                        for k in ("auc", "auc_ci_low", "auc_ci_high", "n_evaluated", "fit_seconds")
                        if k in r.index})
            rec["note"] = "" if pd.isna(r.get("note")) else str(r.get("note"))
        results[row] = rec
    paired = paired_difference(args.out, args.bootstrap, args.seed)
    settings = {"manifest": str(args.manifest), "preset": args.preset, "folds": args.folds,
                "epochs": args.epochs or "preset default",
                "max_pairs": args.max_pairs or "preset default", "seed": args.seed,
                "video_backbone": "dlib-resnet29", "bootstrap": args.bootstrap}
    (args.out / "summary.json").write_text(json.dumps(
        {"settings": settings, "rows": results, "paired": paired}, indent=2) + "\n")
    lines = ["# dlib-resnet29 transfer on vs off", "",
             f"Settings: {json.dumps(settings)}", "",
             "| row | AUC | 95% CI | cases | fit s (all folds) | wall s | note |",
             "|---|---|---|---|---|---|---|"]
    for row, r in results.items():
        auc = "n/a" if r.get("auc") is None else f"{r['auc']:.3f}"
        ci = ("n/a" if r.get("auc_ci_low") is None
              else f"{r['auc_ci_low']:.3f}-{r['auc_ci_high']:.3f}")
        lines.append(f"| {row} | {auc} | {ci} | {r.get('n_evaluated', 'n/a')} | "
                     f"{r.get('fit_seconds', 'n/a')} | {r['wall_s']} | {r.get('note', '')} |")
    if paired is not None:
        lines += ["", f"Paired (same cases, subject cluster bootstrap): AUC on - off = "
                  f"{paired['auc_difference']:+.3f} [{paired['ci_low']:+.3f}, "
                  f"{paired['ci_high']:+.3f}]; share of resamples <= 0: "
                  f"{paired['share_of_resamples_le_0']:.3f}"]
    lines += ["", "Synthetic cohort: figures describe generated data, not patients. "
              "A screening aid, not a diagnosis."]
    (args.out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
