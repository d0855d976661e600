"""Realism check: real healthy recordings against synthetic healthy faces, in mm and grades.

1. Movement sizes. For the synthetic HEALTHY cases of each feature table given (from
   `strokescreen features`) and for each real healthy recording (MediaPipe, via
   `strokescreen assess`): smile excursion per side (``smile_excursion_{l,r}_mm``: the
   95th percentile of the commissure's distance from its rest position), mouth-corner
   range of motion over the mouth-opening repetitions (``dyn_corner_rom_mm_{l,r}``) and
   the resting commissure-height difference (``mouth_corner_height_lr_mm``). Synthetic
   values are given as median [5th, 95th percentile].
2. Grades. On each table it trains a graded model (``--target severity``, face features;
   ordinal-logit and rf-regressor) and two label classifiers (logreg on face + speech, and
   on face only), then runs `strokescreen assess VIDEO --model CLF --severity-model SEV`
   on every real healthy recording: each one's estimated grade (0 none .. 3 moderate; a
   healthy face should be near 0) and its probability against the classifier's threshold.
   With ``--asymmetry`` the same again on each table's left-right comparisons only (the
   ``_lr`` / ``_nd`` measures, asymmetry indices and region scores), without the absolute
   sizes and positions that depend on a face's shape.

Real recordings are only judged here; no value of the generator comes from them.
Results on synthetic cohorts are synthetic, and strokescreen is a screening aid, not a
diagnosis.

    python benchmarks/synthetic_realism.py --table new=/tmp/realism/features.parquet \\
        --table old=/tmp/visits/features.parquet --out /tmp/realism/bench

Writes ``realism.json`` and ``realism.md`` into --out (and the trained models and assess
outputs below it).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real" / "video"
REAL_HEALTHY = ("single_face.mp4", "wolfgang_langer_pexels.mp4", "grid/bbaf2n.mpg",
                "grid/brbk7n.mpg", "grid/id2_vcd_swwp2s.mpg", "grid/pwij3p.mpg",
                "grid/lbax4n.mpg")
MEASURES = ("smile_excursion_l_mm", "smile_excursion_r_mm", "dyn_corner_rom_mm_l",
            "dyn_corner_rom_mm_r", "mouth_corner_height_lr_mm")
SEVERITY_MODELS = ("ordinal-logit", "rf-regressor")
CLASSIFIER = "logreg"


def _cli(*args: str, log: Path) -> None:
    """Run ``python -m strokescreen ARGS`` with this checkout's sources first on the path."""
    env = dict(os.environ, PYTHONPATH=str(REPO / "src"), OMP_NUM_THREADS="1")
    with log.open("a") as fh:
        fh.write("$ strokescreen " + " ".join(args) + "\n")
        fh.flush()
        done = subprocess.run([sys.executable, "-m", "strokescreen", *args], env=env,
                              stdout=fh, stderr=subprocess.STDOUT, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"strokescreen {args[0]} failed (exit {done.returncode}); see {log}")


def synthetic_healthy(table: Path) -> dict:
    """Median [p5, p95] of each measure over the healthy cases of ``table``."""
    df = pd.read_parquet(table) if table.suffix == ".parquet" else pd.read_csv(table)
    h = df[df["condition"] == "healthy"] if "condition" in df else df[df["label"] == 0]
    out: dict = {"n_healthy": int(len(h))}
    for m in MEASURES:
        v = h[f"face_{m}"].to_numpy(float)
        v = v[np.isfinite(v)]
        out[m] = {"median": float(np.median(v)), "p5": float(np.percentile(v, 5)),
                  "p95": float(np.percentile(v, 95)), "n": int(v.size)}
    dh = np.abs(h["face_mouth_corner_height_lr_mm"].to_numpy(float))
    dh = dh[np.isfinite(dh)]
    out["abs_dh_p95_mm"] = float(np.percentile(dh, 95))
    out["dh_rms_mm"] = float(np.sqrt(np.mean(dh**2)))
    return out


#: face columns that compare the two sides or score against healthy ranges (no absolute
#: size or position of one side, which depends on the face's shape)
ASYMMETRY_MARKS = ("_lr", "_nd", "asymmetry", "_score", "mouth_tilt_deg", "_deviation_")


def asymmetry_table(table: Path, out: Path) -> Path:
    """A copy of ``table`` whose face columns are only left-right comparisons."""
    df = pd.read_parquet(table) if table.suffix == ".parquet" else pd.read_csv(table)
    keep = [c for c in df.columns
            if not c.startswith("face_") or any(m in c for m in ASYMMETRY_MARKS)]
    out.parent.mkdir(parents=True, exist_ok=True)
    df[keep].to_parquet(out)
    return out


def train(table: Path, out: Path, log: Path) -> dict[str, Path]:
    """Graded models (face) and the label classifier (face + speech) on ``table``."""
    models: dict[str, Path] = {}
    for name in SEVERITY_MODELS:
        folder = out / f"severity_{name}"
        if not (folder / "model.json").exists():
            _cli("train", "--features", str(table), "--out", str(folder), "--overwrite",
                 "--target", "severity", "--model", name, "--feature-set", "face", log=log)
        models[f"severity_{name}"] = folder
    for key, feature_set in (("label", "default"), ("label_face", "face")):
        folder = out / f"{key}_{CLASSIFIER}"
        if not (folder / "model.json").exists():
            _cli("train", "--features", str(table), "--out", str(folder), "--overwrite",
                 "--model", CLASSIFIER, "--feature-set", feature_set, log=log)
        models[key] = folder
    return models


def assess(video: Path, models: dict[str, Path], out: Path, log: Path) -> dict:
    """Grades, probability and measures of one real recording under ``models``."""
    row: dict = {}
    for k, name in enumerate(SEVERITY_MODELS):
        folder = out / name
        result = folder / "result.json"
        if not result.exists():
            args = ["assess", str(video), "--out", str(folder), "--overwrite", "--no-pdf",
                    "--severity-model", str(models[f"severity_{name}"])]
            args += ["--model", str(models["label" if k == 0 else "label_face"])]
            _cli(*args, log=log)
        r = json.loads(result.read_text())
        sev = r.get("severity") or {}
        row[f"grade_{name}"] = sev.get("value")
        suffix = "" if k == 0 else "_face"
        row[f"probability{suffix}"] = r.get("probability")
        row[f"threshold{suffix}"] = r.get("threshold")
        if k == 0:
            row["quality"] = (r.get("quality") or {}).get("verdict")
            meas = r.get("measures") or {}
            for m in MEASURES:
                row[m] = (meas.get(m) or {}).get("value")
    return row


def _f(v: object, nd: int = 2) -> str:
    if v is None or (isinstance(v, float) and not np.isfinite(v)):
        return "n/a"
    return f"{float(v):.{nd}f}"  # type: ignore[arg-type]


def markdown(res: dict) -> str:
    lines = ["# Realism check (synthetic cohorts are synthetic; a screening aid, not a "
             "diagnosis)", ""]
    lines.append("| source | " + " | ".join(MEASURES) + " |")
    lines.append("|---" * (len(MEASURES) + 1) + "|")
    for name, s in res["synthetic"].items():
        cells = [f"{_f(s[m]['median'])} [{_f(s[m]['p5'])}, {_f(s[m]['p95'])}]"
                 for m in MEASURES]
        lines.append(f"| synthetic {name} healthy (n={s['n_healthy']}) | " + " | ".join(cells)
                     + " |")
    first = next(iter(res["real"].values()), {})
    for video, row in (first or {}).items():
        lines.append(f"| real {video} | " + " | ".join(_f(row.get(m)) for m in MEASURES)
                     + " |")
    lines += ["", "| table | recording | quality | " + " | ".join(
        f"grade {m}" for m in SEVERITY_MODELS)
        + " | p logreg face+speech / threshold | p logreg face / threshold |",
        "|---" * (5 + len(SEVERITY_MODELS)) + "|"]
    for name, rows in res["real"].items():
        for video, row in rows.items():
            lines.append(f"| {name} | {video} | {row.get('quality')} | " + " | ".join(
                _f(row.get(f"grade_{m}")) for m in SEVERITY_MODELS)
                + f" | {_f(row.get('probability'), 3)} / {_f(row.get('threshold'), 3)}"
                + f" | {_f(row.get('probability_face'), 3)} / "
                + f"{_f(row.get('threshold_face'), 3)} |")
    for name, s in res["oof"].items():
        lines.append("")
        lines.append(f"- {name}: " + "; ".join(f"{k} {v}" for k, v in s.items()))
    return "\n".join(lines) + "\n"


def out_of_fold(models: dict[str, Path]) -> dict:
    """Each model's out-of-fold figures from its model.json (operating point), and a
    classifier's AUC of its pooled out-of-fold probabilities (``auc_oof``)."""
    keys = ("mae", "spearman", "kappa_quadratic", "kappa", "auc", "threshold", "sensitivity",
            "specificity")
    out = {}
    for key, folder in models.items():
        op = json.loads((folder / "model.json").read_text()).get("operating_point") or {}
        out[key] = {k: (round(v, 3) if isinstance(v, float) else v)
                    for k, v in op.items() if k in keys}
        oof = folder / "oof_predictions.csv"
        if oof.exists():
            pred = pd.read_csv(oof)
            if "label" in pred and pred["label"].nunique() == 2:
                from sklearn.metrics import roc_auc_score

                out[key]["auc_oof"] = round(float(roc_auc_score(pred["label"],
                                                                pred["probability"])), 3)
    return out


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", action="append", required=True,
                    help="NAME=feature table of a synthetic cohort (repeatable)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--real", type=Path, default=REAL, help="folder of the real videos")
    ap.add_argument("--measures-only", action="store_true", help="skip training and assess")
    ap.add_argument("--asymmetry", action="store_true",
                    help="also train on each table's left-right comparisons only (NAME_asym)")
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    log = a.out / "commands.log"
    tables = dict(t.split("=", 1) for t in a.table)
    if a.asymmetry:
        for name, path in list(tables.items()):
            tables[f"{name}_asym"] = str(asymmetry_table(Path(path),
                                                         a.out / f"{name}_asym.parquet"))
    res: dict = {"synthetic": {}, "real": {}, "oof": {}, "seconds": {}}
    for name, path in tables.items():
        if not name.endswith("_asym"):
            res["synthetic"][name] = synthetic_healthy(Path(path))
    if not a.measures_only:
        for name, path in tables.items():
            t0 = time.time()
            models = train(Path(path), a.out / name / "models", log)
            res["oof"][name] = out_of_fold(models)
            rows = {}
            for rel in REAL_HEALTHY:
                video = a.real / rel
                if not video.exists():
                    continue
                stem = Path(rel).stem
                rows[stem] = assess(video, models, a.out / name / "assess" / stem, log)
                (a.out / "realism.json").write_text(json.dumps(res | {"real": res["real"] | {
                    name: rows}}, indent=2, default=str))
            res["real"][name] = rows
            res["seconds"][name] = round(time.time() - t0, 1)
    (a.out / "realism.json").write_text(json.dumps(res, indent=2, default=str))
    (a.out / "realism.md").write_text(markdown(res))
    print(markdown(res))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
