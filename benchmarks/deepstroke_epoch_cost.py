"""CPU cost of the DeepStroke `paper` and `default` presets, measured in optimiser steps,
and the CPU time of the full ablation table extrapolated from it.

    OMP_NUM_THREADS=1 nice python benchmarks/deepstroke_epoch_cost.py \\
        --manifest /work/cohorts/real60/manifest.csv --work /work/cohorts/real60_work \\
        --out /tmp/fidelity/epoch_cost.json [--steps 3] [--presets paper,default]

Full epochs at these sizes take many minutes each on one core, so the script times a
fixed number of optimiser steps on the real training table of one fold: the training
part of fold 1 of the stratified subject-grouped 5-fold split (seed 0) of the cohort,
each row's own network, preset sizes, batch, discriminator and table (so a batch holds
as many distinct recordings -- one audio image each -- as in the full run). One step is
left out as warm-up; the mean of the next ``--steps`` gives seconds per step, and an
epoch is that times the table's batches per epoch. Inference (the test part's
probabilities, and the identity probe's embeddings of every case) is timed per case on
a few cases. The extrapolation to the full table (``--size full`` of
``benchmarks/deepstroke_paper_table.py``: 5 folds, every row, the cross-group runs by sex
and age) adds those parts up per row; rows not timed are mapped to a timed one and the
JSON says which. The region-crop and 3-D video baselines (another issue) are left out.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

#: rows of the full table (deepstroke_paper_table.py --size full) -> the timed row whose
#: cost stands in for it (same networks and discriminator; a metadata MLP or a
#: first-layer difference adds little)
ROW_COST = {
    "deepstroke": "deepstroke",
    "deepstroke-no-lateral": "deepstroke-no-lateral",
    "deepstroke-no-adversarial": "deepstroke-no-adversarial",
    "deepstroke-no-transfer": "deepstroke-no-transfer",
    "deepstroke-featdiff": "deepstroke",
    "video-only": "video-only",
    "audio-only": "audio-only",
    "deepstroke-meta": "deepstroke",
}


def _fold_parts(manifest: Path, work: Path, seed: int):
    from strokescreen.evaluation.splits import stratified_group_kfold
    from strokescreen.io.manifest import read_manifest
    from strokescreen.preprocess.cohort import case_dir

    df = read_manifest(manifest, require_videos=False)
    df["case_dir"] = [str(case_dir(work, c)) for c in df["case_id"]]
    folds = stratified_group_kfold(df["label"].to_numpy(int),
                                   df["subject_id"].astype(str).to_numpy(), n_folds=5,
                                   seed=seed)
    f = folds[0]
    return (df, df.iloc[f.train].reset_index(drop=True),
            df.iloc[f.test].reset_index(drop=True))


def _time_steps(variant: str, preset: str, train, *, steps: int) -> dict:
    """Seconds per optimiser step of ``variant`` on ``train`` (one warm-up step left
    out), batches per epoch, rows of the table."""
    import numpy as np
    import torch

    from strokescreen.models.deep import DeepStrokeClassifier
    from strokescreen.models.deep_train import (
        _batch_step,
        _build_discriminator,
        _build_optimisers,
        _Run,
        build_table,
        epoch_batches,
        resolve_device,
    )

    clf = DeepStrokeClassifier(variant=variant, preset=preset, seed=0, num_threads=1)
    p, spec = clf._preset(), clf._spec()
    meta = clf._fit_metadata(train) if spec.metadata else None
    inputs = clf._inputs(train, p)
    table, _ = build_table(inputs, spec, labels=train["label"].to_numpy(float),
                           subjects=train["subject_id"].astype(str).to_numpy(),
                           spec_shape=p.spec_shape, meta=meta)
    device = resolve_device("cpu")
    gen = torch.Generator().manual_seed(0)
    net = clf._initial_net(p, spec, gen)
    settings = clf._train_settings(p)
    disc = _build_discriminator(net, table, settings, device, gen)
    opt, opt_d = _build_optimisers(net, disc, settings)
    run = _Run(net=net, disc=disc, opt=opt, opt_d=opt_d, table=table, settings=settings,
               device=device, adv_pairs=settings.adv_pairs if spec.video else "subject")
    rng = np.random.default_rng([0, 0])
    batches = epoch_batches(table, rng, settings.batch_size,
                            by=run.adv_pairs if disc is not None else "case")
    net.train()
    if disc is not None:
        disc.train()
    times = []
    distinct = []
    for rows in batches[:steps + 1]:
        t0 = time.perf_counter()
        _batch_step(run, rows, rng)
        times.append(time.perf_counter() - t0)
        distinct.append(len(np.unique(table.row_case[rows])))
    per_step = float(np.mean(times[1:])) if len(times) > 1 else float(times[0])
    return {"variant": variant, "preset": preset, "rows": int(len(table.row_case)),
            "batch_size": settings.batch_size, "batches_per_epoch": len(batches),
            "epochs": p.epochs, "step_s": times, "s_per_step": per_step,
            "distinct_recordings_per_step": distinct[1:],
            "epoch_s": per_step * len(batches), "net": clf._build_net(p, spec).__class__.__name__,
            "video_backbone": p.video_backbone if spec.video else None,
            "frozen": sorted(net.frozen), "_clf": clf, "_net": net, "_preset": p}


def _time_inference(t: dict, cases, n: int) -> float:
    """Seconds per case of predict_proba (inputs already in memory)."""
    clf, net = t["_clf"], t["_net"]
    clf.net_, clf.preset_ = net.eval(), t["_preset"]
    part = cases.iloc[:n].reset_index(drop=True)
    clf._inputs(part, t["_preset"])
    t0 = time.perf_counter()
    clf.predict_proba(part)
    return (time.perf_counter() - t0) / n


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--manifest", required=True)
    ap.add_argument("--work", required=True)
    ap.add_argument("--out", required=True, help="JSON file for the figures")
    ap.add_argument("--presets", default="paper,default")
    ap.add_argument("--rows", default=",".join(sorted(set(ROW_COST.values()))))
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--infer-cases", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    allcases, train, test = _fold_parts(Path(args.manifest), Path(args.work), args.seed)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    result: dict = {"manifest": args.manifest, "n_cases": len(allcases),
                    "n_train": len(train), "n_test": len(test), "steps": args.steps,
                    "threads": 1, "omp_num_threads": os.environ.get("OMP_NUM_THREADS"),
                    "cpu": os.cpu_count(), "torch": torch.__version__, "timed": []}
    for preset in args.presets.split(","):
        for variant in args.rows.split(","):
            t = _time_steps(variant, preset, train, steps=args.steps)
            t["infer_s_per_case"] = _time_inference(t, test, args.infer_cases)
            for k in [k for k in t if k.startswith("_")]:
                del t[k]
            result["timed"].append(t)
            print(json.dumps(t), flush=True)
            out.write_text(json.dumps(result, indent=2))
    result["extrapolation"] = extrapolate(result)
    out.write_text(json.dumps(result, indent=2))
    print(json.dumps(result["extrapolation"], indent=2))
    return 0


def extrapolate(result: dict, *, folds: int = 5) -> dict:
    """CPU seconds (one core) of the full table per preset, from the timed rows.

    Per row and fold: epochs x batches x s/step for training, inference on the test
    part, the identity probe's embeddings of every case (deep rows but audio-only's
    table has one row per case, so it is cheap either way). MMDL = video-only +
    audio-only fits. Cross-group runs (sex and age, two ordered pairs each) are four
    ``deepstroke`` fits on about half the cohort each. Transfer off for every row
    (the second table of the issue's "transfer on and off") costs the no-transfer row's
    time per row.
    """
    timed = {(t["preset"], t["variant"]): t for t in result["timed"]}
    n_all, n_test = result["n_cases"], result["n_test"]
    out: dict = {}
    for preset in sorted({t["preset"] for t in result["timed"]}):
        def fit_s(variant: str, share: float = 1.0, preset: str = preset) -> float:
            t = timed[(preset, variant)]
            return (t["epochs"] * t["batches_per_epoch"] * share * t["s_per_step"]
                    + (n_test + n_all) * t["infer_s_per_case"])

        try:
            rows = {row: folds * fit_s(v) for row, v in ROW_COST.items()}
            rows["mmdl-late-fusion"] = folds * (fit_s("video-only") + fit_s("audio-only"))
            rows["cross-group (sex, age)"] = 4 * fit_s("deepstroke",
                                                     share=0.5 * n_all / result["n_train"])
        except KeyError:
            continue
        total = sum(rows.values())
        # every row with a video branch again from scratch: six deep rows and MMDL's
        # video network, each at the no-transfer row's cost (the audio branch has no
        # pretrained weights offline, so audio-only is the same either way)
        off = folds * fit_s("deepstroke-no-transfer") * 7
        out[preset] = {"rows_s": {k: round(v) for k, v in rows.items()},
                       "table_s": round(total), "table_days": round(total / 86400, 2),
                       "transfer_off_table_s": round(off),
                       "on_and_off_days": round((total + off) / 86400, 2)}
    if out:
        out["both_presets_on_and_off_days"] = round(
            sum(v["on_and_off_days"] for k, v in out.items() if isinstance(v, dict)), 1)
    return out


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
    sys.exit(main())
