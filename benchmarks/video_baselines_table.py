"""Ablation rows of the region-crop and 3-D video baselines: region-cnn, I3D, SlowFast.

Runs those rows of `strokescreen ablate` (:func:`strokescreen.workflows.ablation.
run_ablation` with ``only=...``) on one cohort with the same stratified subject-grouped
folds as the rest of the table, and prints per row the AUC with its subject-cluster
bootstrap 95 % CI and the sensitivity / specificity / accuracy at the reference
(triage) specificity, as the ablation table does, with the fit seconds.

    # a preprocessed cohort (read only: finished fold runs go to OUT/work)
    python benchmarks/video_baselines_table.py --size full --manifest M.csv --work W --out OUT
    # fake case folders (tools.deep_fake), 1-epoch fits: shows that it runs
    python benchmarks/video_baselines_table.py --size tiny --out /tmp/vb

``--rows`` adds e.g. ``video-only`` (the full-face DeepStroke video branch) for the
full-face comparison. Screening aid, not a diagnosis; synthetic cohorts describe
generated data, not patients.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd


def _cases(args: argparse.Namespace, tmp: Path) -> tuple[pd.DataFrame, str, bool]:
    if args.size == "tiny":
        from tools.deep_fake import fake_cohort

        cases = fake_cohort(tmp / "cohort", n_subjects=8, n_recordings=2, seed=3,
                            n_video_frames=40, audio_seconds=0.5)
        return cases, "fake artifact folders (tools.deep_fake)", True
    from strokescreen.io.cohort_checks import is_synthetic
    from strokescreen.io.manifest import read_manifest
    from strokescreen.preprocess.cohort import case_dir

    manifest = Path(args.manifest)
    df = read_manifest(manifest, require_videos=False)
    df["case_dir"] = [str(case_dir(Path(args.work), c)) for c in df["case_id"]]
    missing = [d for d in df["case_dir"] if not (Path(d) / "meta.json").is_file()]
    if missing:
        print(f"{len(missing)} of {len(df)} cases are not preprocessed (e.g. {missing[0]})",
              file=sys.stderr)
    return df, manifest.parent.name, is_synthetic(df, manifest_path=manifest)


def _fmt(x: object, pct: bool = False) -> str:
    if x is None or x != x:
        return "–"
    return f"{100 * float(x):.1f}" if pct else f"{float(x):.3f}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size", choices=("tiny", "full"), default="tiny")
    ap.add_argument("--out", required=True)
    ap.add_argument("--manifest")
    ap.add_argument("--work")
    ap.add_argument("--rows", default="region-cnn,I3D,SlowFast")
    ap.add_argument("--preset", default="tiny")
    ap.add_argument("--folds", type=int)
    ap.add_argument("--epochs", type=int)
    ap.add_argument("--bootstrap", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    if args.size == "full" and not (args.manifest and args.work):
        print("--size full needs --manifest and --work (a preprocessed cohort)", file=sys.stderr)
        return 2
    from strokescreen.workflows.ablation import run_ablation, write_ablation

    tiny = args.size == "tiny"
    folds = args.folds or (2 if tiny else 5)
    epochs = args.epochs or (1 if tiny else None)
    rows = tuple(r.strip() for r in args.rows.split(",") if r.strip())
    out = Path(args.out)
    t_start = time.perf_counter()

    def progress(done: int, total: int | None = None, note: str | None = None) -> None:
        if note and (note.endswith("done") or "fits to run" in note):
            print(f"[{time.perf_counter() - t_start:7.0f} s] {done}/{total} {note}", flush=True)

    with tempfile.TemporaryDirectory() as tmp:
        cases, cohort, synthetic = _cases(args, Path(tmp))
        print(f"{cohort}: {len(cases)} cases, {cases['subject_id'].nunique()} subjects, "
              f"{folds} subject-grouped folds, preset {args.preset}, epochs "
              f"{epochs or 'preset'}, rows {', '.join(rows)}", flush=True)
        res = run_ablation(cases, work_dir=out / "work", preset=args.preset, epochs=epochs,
                           folds=folds, seed=args.seed, adv_stages=(), probe=False,
                           n_bootstrap=args.bootstrap, only=rows, progress=progress)
        paths = write_ablation(res, out, synthetic=synthetic, cohort=cohort)
    ref = res.settings["reference_specificity"]
    print(f"\n{'model':<12} {'AUC [95 % CI]':<24} sens@ref spec@ref acc@ref  thr    fit s  "
          f"n  (reference specificity {100 * ref:.2f} %, at least)")
    for r in res.table.to_dict("records"):
        auc = (f"{_fmt(r['auc'])} [{_fmt(r['auc_ci_low'])}, {_fmt(r['auc_ci_high'])}]"
               if r["auc"] == r["auc"] and r["auc"] is not None else "–")
        print(f"{r['model']:<12} {auc:<24} {_fmt(r['sensitivity_ref'], True):>8} "
              f"{_fmt(r['specificity_ref'], True):>8} {_fmt(r['accuracy_ref'], True):>7} "
              f"{_fmt(r['threshold_ref']):>6} {r['fit_seconds']:>7.0f} {r['n_evaluated']:>3}"
              f"  {r['note'] or ''}")
    print(f"\nwrote {paths['md']}; total {time.perf_counter() - t_start:.0f} s")
    if synthetic:
        print("synthetic cohort: results describe generated data, not patients")
    if tiny:
        print("tiny size: 1-epoch fits on fake folders show the script runs, not accuracy")
    print("strokescreen is a screening aid, not a diagnosis.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
