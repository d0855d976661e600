"""Why does adversarial training lower the identity probe so little?

Trains the DeepStroke network (``tiny`` preset) on the same subject-grouped folds as
``strokescreen ablate`` under a grid of settings: the adversarial weight lambda, what a
"same" pair is for the discriminator (two frame pairs of one recording, as in the paper,
or of one subject's two recordings), the encoder stage it watches, the number of epochs,
lateral connections on/off, and the seed. For every fit it records the test AUC, the
identity probe on the fold's training subjects and on its new subjects (see
``strokescreen.models.deep_probe``), and the discriminator's accuracy in the last epoch
(0.5 = fooled). An untrained (randomly initialised) encoder gives the probe's floor of
"identity present before any training".

    python benchmarks/identity_probe_study.py MANIFEST --work WORK --out DIR [--jobs 2]
    python benchmarks/identity_probe_study.py MANIFEST --work WORK --out DIR --configs lam0,lam10

Every finished fit is written to ``DIR/runs/<config>__fold<k>.json``, so an interrupted
study resumes. The summary goes to ``DIR/study.csv`` and ``DIR/study.md`` and is printed.
Figures from a synthetic cohort describe generated data, not patients.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

# name -> (variant, classifier params, seed); "untrained" = random initialisation, no fit
_SIG = {"adv_output": "sigmoid"}  # the discriminator as first built (sigmoid output)
CONFIGS: dict[str, tuple[str, dict, int]] = {
    "untrained": ("deepstroke", {"untrained": True}, 0),
    "untrained-no-lateral": ("deepstroke-no-lateral", {"untrained": True}, 0),
    # sigmoid-output discriminator (the first implementation)
    "lam0": ("deepstroke", {**_SIG, "lambda_adv": 0.0}, 0),
    "lam1": ("deepstroke", {**_SIG, "lambda_adv": 1.0}, 0),
    "lam10": ("deepstroke", {**_SIG, "lambda_adv": 10.0}, 0),
    "lam30": ("deepstroke", {**_SIG, "lambda_adv": 30.0}, 0),
    "lam100": ("deepstroke", {**_SIG, "lambda_adv": 100.0}, 0),
    "lam0-seed1": ("deepstroke", {**_SIG, "lambda_adv": 0.0}, 1),
    "lam10-seed1": ("deepstroke", {**_SIG, "lambda_adv": 10.0}, 1),
    "lam0-seed2": ("deepstroke", {**_SIG, "lambda_adv": 0.0}, 2),
    "lam10-seed2": ("deepstroke", {**_SIG, "lambda_adv": 10.0}, 2),
    "subject-lam10": ("deepstroke", {**_SIG, "lambda_adv": 10.0, "adv_pairs": "subject"}, 0),
    "subject-lam100": ("deepstroke", {**_SIG, "lambda_adv": 100.0, "adv_pairs": "subject"}, 0),
    "stage2-lam0": ("deepstroke", {**_SIG, "lambda_adv": 0.0, "adv_stage": 2}, 0),
    "stage2-lam10": ("deepstroke", {**_SIG, "lambda_adv": 10.0, "adv_stage": 2}, 0),
    "no-lateral-lam0": ("deepstroke-no-lateral", {**_SIG, "lambda_adv": 0.0}, 0),
    "no-lateral-lam10": ("deepstroke-no-lateral", {**_SIG, "lambda_adv": 10.0}, 0),
    "lam0-12ep": ("deepstroke", {**_SIG, "lambda_adv": 0.0, "epochs": 12}, 0),
    "lam10-12ep": ("deepstroke", {**_SIG, "lambda_adv": 10.0, "epochs": 12}, 0),
    "subject-lam10-12ep": ("deepstroke", {**_SIG, "lambda_adv": 10.0, "adv_pairs": "subject",
                                          "epochs": 12}, 0),
    # linear-output discriminator (least squares on the raw score, as in LSGAN): the default
    "lin-lam1": ("deepstroke", {"lambda_adv": 1.0}, 0),
    "lin-lam10": ("deepstroke", {"lambda_adv": 10.0}, 0),
    "lin-lam100": ("deepstroke", {"lambda_adv": 100.0}, 0),
    "lin-lam10-seed1": ("deepstroke", {"lambda_adv": 10.0}, 1),
    "lin-lam10-seed2": ("deepstroke", {"lambda_adv": 10.0}, 2),
    "lin-subject-lam10": ("deepstroke", {"lambda_adv": 10.0, "adv_pairs": "subject"}, 0),
    "lin-subject-lam100": ("deepstroke", {"lambda_adv": 100.0, "adv_pairs": "subject"}, 0),
    "lin-stage2-lam10": ("deepstroke", {"lambda_adv": 10.0, "adv_stage": 2}, 0),
    "lin-no-lateral-lam10": ("deepstroke-no-lateral", {"lambda_adv": 10.0}, 0),
    "lin-lam10-12ep": ("deepstroke", {"lambda_adv": 10.0, "epochs": 12}, 0),
}
# the configs above ran before the linear D started from a zeroed last layer; these
# ("zero-...") run the shipped default
CONFIGS.update({
    "zero-lam10": ("deepstroke", {"lambda_adv": 10.0}, 0),
    "zero-lam10-seed1": ("deepstroke", {"lambda_adv": 10.0}, 1),
    "zero-lam10-seed2": ("deepstroke", {"lambda_adv": 10.0}, 2),
    "zero-subject-lam10": ("deepstroke", {"lambda_adv": 10.0, "adv_pairs": "subject"}, 0),
})


def _cases(manifest: Path, work: Path):
    from strokescreen.io.manifest import read_manifest
    from strokescreen.preprocess.cohort import case_dir

    df = read_manifest(manifest, require_videos=False)
    df["case_dir"] = [str(case_dir(work, c)) for c in df["case_id"]]
    return df.reset_index(drop=True)


def _untrained(variant: str, params: dict, seed: int):
    """A classifier whose network is randomly initialised and never trained."""
    import numpy as np
    import torch

    from strokescreen.models.deep import DeepStrokeClassifier

    clf = DeepStrokeClassifier(variant=variant, preset="tiny", seed=seed,
                               **{k: v for k, v in params.items() if k != "untrained"})
    preset, spec = clf._preset(), clf._spec()
    net = clf._build_net(preset, spec)
    net.init_weights(torch.Generator().manual_seed(seed))
    net.eval()
    clf.net_, clf.preset_, clf.classes_ = net, preset, np.array([0, 1])
    return clf


def _embeddings(clf, df):
    """Encoder embeddings (rows, C, h, w) at the discriminator's stage, and the table."""
    import numpy as np
    import torch

    from strokescreen.models.deep_train import batch_tensors, build_table

    p = clf.preset_
    table, _ = build_table(clf._inputs(df, p), clf.net_.spec,
                           subjects=df["subject_id"].astype(str).to_numpy(),
                           spec_shape=(p.n_mels, p.n_frames))
    out = []
    with torch.no_grad():
        clf.net_.eval()
        for i in range(0, len(table.row_case), 128):
            rows = np.arange(i, min(i + 128, len(table.row_case)))
            out.append(clf.net_(**batch_tensors(clf.net_, table, rows,
                                                torch.device("cpu")))["embedding"])
    return torch.cat(out), table


def _pair_batches(table, rng, n_batches: int, same: str):
    """Batches like training's: 12 cases (or subjects) x 2 rows, partners by ``same``."""
    import numpy as np

    from strokescreen.models.nets.discriminator import sample_partners

    usable = np.flatnonzero(table.usable)
    for _ in range(n_batches):
        if same == "subject":
            subs = np.unique(table.subjects[usable])
            pick = rng.choice(subs, min(12, len(subs)), replace=False)
            rows = []
            for sj in pick:
                for c in np.flatnonzero(table.usable & (table.subjects == sj))[:2]:
                    rows.append(rng.choice(np.flatnonzero(table.row_case == c)))
            rows = np.asarray(rows)
        else:
            cs = rng.choice(usable, min(12, len(usable)), replace=False)
            rows = np.concatenate([rng.choice(np.flatnonzero(table.row_case == c), 2,
                                              replace=False) for c in cs])
        part, is_same = sample_partners(table.row_case[rows], table.subjects[table.row_case[rows]],
                                        rng, same=same)
        yield rows, rows[part], is_same


def posthoc(clf, train, test, seed: int = 0) -> dict:
    """After training, with the encoder frozen: (1) a fresh discriminator (same architecture)
    trained for 400 steps on the training subjects' pairs, tested on pairs of training and
    of new subjects; (2) a logistic regression on |e_i - e_j| of the spatially averaged
    embeddings, for "same recording" and for "same subject, other recording" pairs.
    Accuracy 0.5 = the embedding cannot tell the pairs apart."""
    import numpy as np
    import torch
    from sklearn.linear_model import LogisticRegression

    from strokescreen.models.nets.discriminator import SubjectDiscriminator, discriminator_loss

    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    e_tr, t_tr = _embeddings(clf, train)
    e_te, t_te = _embeddings(clf, test)
    d = SubjectDiscriminator(e_tr.shape[1], int(min(e_tr.shape[2:])))
    opt = torch.optim.Adam(d.parameters(), lr=2e-3, betas=(0.5, 0.999))
    d.train()
    for a, b, same in _pair_batches(t_tr, rng, 400, "case"):
        loss = discriminator_loss(d(e_tr[a], e_tr[b]), torch.from_numpy(same))
        opt.zero_grad()
        loss.backward()
        opt.step()
    d.eval()
    out = {}
    for key, e, t in (("train", e_tr, t_tr), ("new", e_te, t_te)):
        hits = []
        with torch.no_grad():
            for a, b, same in _pair_batches(t, rng, 60, "case"):
                hits.append(((d(e[a], e[b]) > 0.5).numpy() == same).mean())
        out[f"fresh_disc_{key}"] = float(np.mean(hits))
    m_tr, m_te = e_tr.mean(dim=(2, 3)).numpy(), e_te.mean(dim=(2, 3)).numpy()
    for same in ("case", "subject"):
        def xy(m, t, n, same=same):
            xs, ys = [], []
            for a, b, s_ in _pair_batches(t, rng, n, same):
                xs.append(np.abs(m[a] - m[b]))
                ys.append(s_)
            return np.concatenate(xs), np.concatenate(ys)
        x, yy = xy(m_tr, t_tr, 200)
        xt, yt = xy(m_te, t_te, 60)
        lr = LogisticRegression(max_iter=3000).fit(x, yy)
        out[f"pair_{same}_train"] = float(lr.score(x, yy))
        out[f"pair_{same}_new"] = float(lr.score(xt, yt))
    return out


def run_one(name: str, fold: int, manifest: str, work: str, out: str, n_folds: int) -> dict:
    """Fit config ``name`` on fold ``fold``; write and return its record."""
    import numpy as np
    from sklearn.metrics import roc_auc_score

    from strokescreen.evaluation.splits import stratified_group_kfold
    from strokescreen.models.deep import DeepStrokeClassifier
    from strokescreen.models.deep_probe import identity_probe

    key = Path(out) / "runs" / f"{name}__fold{fold}.json"
    if key.is_file():
        return json.loads(key.read_text())
    variant, params, seed = CONFIGS[name]
    cases = _cases(Path(manifest), Path(work))
    y = cases["label"].to_numpy(dtype=int)
    groups = cases["subject_id"].astype(str).to_numpy()
    f = stratified_group_kfold(y, groups, n_folds=n_folds, seed=0)[fold]
    train = cases.iloc[f.train].reset_index(drop=True)
    test = cases.iloc[f.test].reset_index(drop=True)
    t0 = time.perf_counter()
    rec: dict = {"config": name, "fold": fold, "variant": variant, "seed": seed,
                 "params": params}
    if params.get("untrained"):
        clf = _untrained(variant, params, seed)
        rec["probability"] = None
    else:
        clf = DeepStrokeClassifier(variant=variant, preset="tiny", seed=seed, **params)
        clf.fit(train, y[f.train])
        p = clf.predict_proba(test)[:, 1]
        rec["probability"] = [float(v) for v in p]
        rec["case_id"] = [str(c) for c in test["case_id"]]
        rec["label"] = [int(v) for v in y[f.test]]
        ok = np.isfinite(p)
        rec["fold_auc"] = float(roc_auc_score(y[f.test][ok], p[ok]))
        rec["history"] = clf.history_
    rec["probe"] = identity_probe(clf, train)
    rec["probe_new"] = identity_probe(clf, test)
    rec["posthoc"] = posthoc(clf, train, test)
    rec["seconds"] = time.perf_counter() - t0
    key.parent.mkdir(parents=True, exist_ok=True)
    tmp = key.with_suffix(".tmp")
    tmp.write_text(json.dumps(rec))
    os.replace(tmp, key)
    return rec


def summarise(records: list[dict], names: list[str]):
    import numpy as np
    import pandas as pd
    from sklearn.metrics import roc_auc_score

    rows = []
    for name in names:
        recs = [r for r in records if r["config"] == name]
        if not recs:
            continue

        def wmean(key: str, field: str, recs: list[dict] = recs) -> float:
            n = sum(r[key]["n_subjects"] for r in recs)
            return sum(r[key][field] * r[key]["n_subjects"] for r in recs) / n

        row = {"config": name, "variant": recs[0]["variant"], "seed": recs[0]["seed"],
               **{k: v for k, v in recs[0]["params"].items()}, "folds": len(recs)}
        if recs[0]["probability"] is not None:
            p = np.concatenate([r["probability"] for r in recs])
            yy = np.concatenate([r["label"] for r in recs])
            ok = np.isfinite(p)
            row["auc"] = roc_auc_score(yy[ok], p[ok])
            d_acc = [r["history"][-1].get("disc_accuracy") for r in recs]
            d_acc = [v for v in d_acc if v is not None]
            row["disc_accuracy_last_epoch"] = float(np.mean(d_acc)) if d_acc else None
            d_first = [r["history"][0].get("disc_accuracy") for r in recs]
            d_first = [v for v in d_first if v is not None]
            row["disc_accuracy_first_epoch"] = float(np.mean(d_first)) if d_first else None
            row["loss_cls_last"] = float(np.mean([r["history"][-1]["loss_cls"] for r in recs]))
        row["probe_train_subjects"] = wmean("probe", "accuracy")
        row["probe_train_chance"] = wmean("probe", "chance")
        row["probe_train_recording"] = wmean("probe", "case_accuracy")
        row["probe_new_subjects"] = wmean("probe_new", "accuracy")
        row["probe_new_chance"] = wmean("probe_new", "chance")
        for k in ("fresh_disc_train", "fresh_disc_new", "pair_case_new", "pair_subject_train",
                  "pair_subject_new"):
            vals = [r["posthoc"][k] for r in recs if r.get("posthoc")]
            row[k] = float(np.mean(vals)) if len(vals) == len(recs) else None
        row["seconds"] = float(sum(r["seconds"] for r in recs))
        rows.append(row)
    return pd.DataFrame(rows)


def _fmt(v, pct: bool = False) -> str:
    import math

    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    return f"{100 * v:.1f} %" if pct else f"{v:.3f}"


def markdown(df, *, cohort: str) -> str:
    lines = [f"# Identity-probe study: {cohort}", "",
             "**Synthetic cohort**: these figures describe generated data, not patients.", "",
             "| config | AUC | probe, training subjects (chance) | recording-level | "
             "probe, new subjects (chance) | D accuracy epoch 1 → last | fresh D: training / "
             "new subjects | pair \\|diff\\| same recording, new | same subject, training / "
             "new | fit s |",
             "|---|---|---|---|---|---|---|---|---|---|"]
    for r in df.to_dict("records"):
        d = (f"{_fmt(r.get('disc_accuracy_first_epoch'), True)} → "
             f"{_fmt(r.get('disc_accuracy_last_epoch'), True)}"
             if r.get("disc_accuracy_last_epoch") is not None else "–")
        lines.append(
            f"| {r['config']} | {_fmt(r.get('auc'))} | {_fmt(r['probe_train_subjects'], True)} "
            f"({_fmt(r['probe_train_chance'], True)}) | "
            f"{_fmt(r['probe_train_recording'], True)} | "
            f"{_fmt(r['probe_new_subjects'], True)} ({_fmt(r['probe_new_chance'], True)}) | "
            f"{d} | {_fmt(r.get('fresh_disc_train'), True)} / "
            f"{_fmt(r.get('fresh_disc_new'), True)} | {_fmt(r.get('pair_case_new'), True)} | "
            f"{_fmt(r.get('pair_subject_train'), True)} / {_fmt(r.get('pair_subject_new'), True)}"
            f" | {r['seconds']:.0f} |")
    lines += ["", "strokescreen is a screening aid, not a diagnosis.", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("manifest", type=Path)
    ap.add_argument("--work", type=Path, required=True, help="preprocessed work folder")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--folds", type=int, default=5)
    ap.add_argument("--jobs", type=int, default=1, help="fits run at once (1 thread each)")
    ap.add_argument("--configs", default=",".join(CONFIGS),
                    help=f"comma-separated subset of: {', '.join(CONFIGS)}")
    a = ap.parse_args(argv)
    names = [n.strip() for n in a.configs.split(",") if n.strip()]
    unknown = [n for n in names if n not in CONFIGS]
    if unknown:
        print(f"unknown config(s) {unknown}; choose from {list(CONFIGS)}", file=sys.stderr)
        return 2
    if not a.manifest.is_file():
        print(f"manifest not found: {a.manifest}", file=sys.stderr)
        return 2
    a.out.mkdir(parents=True, exist_ok=True)
    tasks = [(n, k) for n in names for k in range(a.folds)]
    records, t0 = [], time.perf_counter()
    with ProcessPoolExecutor(max_workers=max(1, a.jobs)) as pool:
        futs = {pool.submit(run_one, n, k, str(a.manifest), str(a.work), str(a.out), a.folds):
                (n, k) for n, k in tasks}
        for i, fut in enumerate(as_completed(futs), 1):
            n, k = futs[fut]
            rec = fut.result()
            records.append(rec)
            print(f"[{i}/{len(tasks)} {time.perf_counter() - t0:6.0f} s] {n} fold {k}: probe "
                  f"{rec['probe']['accuracy']:.3f} new {rec['probe_new']['accuracy']:.3f}"
                  + (f" auc {rec['fold_auc']:.3f}" if rec.get("fold_auc") is not None else ""),
                  flush=True)
    df = summarise(records, names)
    df.to_csv(a.out / "study.csv", index=False)
    stem = a.manifest.stem
    cohort = a.manifest.parent.name if stem.lower() in ("manifest", "cohort") else stem
    (a.out / "study.md").write_text(markdown(df, cohort=cohort))
    print(markdown(df, cohort=cohort))
    return 0


if __name__ == "__main__":
    sys.exit(main())
