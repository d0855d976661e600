"""Why real healthy recordings grade as "mild": feature by feature, against synthetic healthy.

For every feature column of a trained ordinal-logit (and the logreg label classifier) this
puts each real healthy recording in the synthetic HEALTHY distribution of the training
table (percentile and robust z = (x - median) / (1.4826 MAD)) and computes its
contribution to the model's output on that recording: coefficient (mean over the ordinal
cuts) x (real value - synthetic healthy mean) / training sd, i.e. how far that one feature
moves the linear score away from where a typical synthetic healthy face sits. Features are
ranked by their mean contribution over the real recordings. Values are the model's inputs
(for shape-free models, signed left-right comparisons as magnitudes; models/columns.py).

The real recordings' features come from the ``features.json`` that
``benchmarks/synthetic_realism.py`` left under its assess folders. Real recordings are
only judged; no generator value comes from them. Synthetic results are synthetic; the
project is a screening aid, not a diagnosis.

    python benchmarks/realism_diagnosis.py --table /tmp/realism/features.parquet \\
        --bench /tmp/realism/bench_new/new --out /tmp/shape/diagnosis.md
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.models.columns import model_inputs
from strokescreen.models.persist import load_model


def real_features(bench: Path) -> pd.DataFrame:
    """One row per real recording (index = its stem) from the assess folders."""
    rows = {}
    for case in sorted((bench / "assess").glob("*/ordinal-logit/case/features.json")):
        feats = json.loads(case.read_text())["features"]
        rows[case.parents[2].name] = {k: (np.nan if v is None else v) for k, v in feats.items()}
    return pd.DataFrame.from_dict(rows, orient="index")


def linear_parts(model: object) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """(coef, scaler mean, scaler sd) of each logistic pipeline of ``model``."""
    pipes = getattr(model, "pipelines_", None) or [model.pipeline_]  # type: ignore[attr-defined]
    out = []
    for p in pipes:
        sc, clf = p.named_steps["scale"], p.named_steps["clf"]
        out.append((np.ravel(clf.coef_), sc.mean_, sc.scale_))
    return out


def as_inputs(model: object, frame: pd.DataFrame, cols: list[str]) -> pd.DataFrame:
    """``frame``'s ``cols`` as the model's pipeline reads them (signed left-right
    comparisons as magnitudes for shape-free models; models/columns.py)."""
    pipes = getattr(model, "pipelines_", None) or [model.pipeline_]  # type: ignore[attr-defined]
    x = frame.reindex(columns=cols).to_numpy(dtype=float)
    return pd.DataFrame(model_inputs(pipes[0], x), index=frame.index, columns=cols)


def contributions(model: object, cols: list[str], real: pd.DataFrame,
                  healthy: pd.DataFrame) -> pd.DataFrame:
    """Per feature and real recording: coef x (real - synthetic healthy mean) / sd."""
    parts = linear_parts(model)
    coef = np.mean([c for c, _, _ in parts], axis=0)
    sd = parts[0][2]
    h_mean = healthy[cols].astype(float).mean().to_numpy()
    x = real.reindex(columns=cols).astype(float)
    x = x.fillna(healthy[cols].astype(float).median().fillna(0.0))
    h_mean = np.nan_to_num(h_mean)
    contrib = coef * (x.to_numpy() - h_mean) / sd
    return pd.DataFrame(contrib, index=real.index, columns=cols)


def placement(cols: list[str], real: pd.DataFrame, healthy: pd.DataFrame) -> dict:
    """Percentile and robust z of each real value in the synthetic healthy values."""
    out = {}
    for c in cols:
        h = healthy[c].to_numpy(float)
        h = h[np.isfinite(h)]
        if h.size == 0:  # never measured on the synthetic healthy (imputed as 0)
            h = np.zeros(1)
        med = np.median(h)
        mad = 1.4826 * np.median(np.abs(h - med)) or (np.std(h) or 1.0)
        vals = real[c].to_numpy(float) if c in real else np.full(len(real), np.nan)
        out[c] = {"p5": np.percentile(h, 5), "p95": np.percentile(h, 95), "median": med,
                  "real": vals, "rz": (vals - med) / mad,
                  "pct": [float(np.mean(h <= v) * 100) if np.isfinite(v) else np.nan
                          for v in vals]}
    return out


def table(name: str, model_dir: Path, feats: pd.DataFrame, real: pd.DataFrame,
          top: int) -> str:
    model, _ = load_model(model_dir)
    cols = list(model.feature_names_in_)
    healthy = as_inputs(model, feats[feats["condition"] == "healthy"], cols)
    real = as_inputs(model, real, cols)
    con = contributions(model, cols, real, healthy)
    place = placement(cols, real, healthy)
    mean_c = con.mean(axis=0).sort_values(ascending=False)
    lines = [f"### {name} ({model_dir.name}): top {top} features pushing real healthy up",
             "", f"recordings (columns of 'real'): {', '.join(real.index)}", "",
             "| feature | real values | real robust z | synthetic healthy 5-95 % | "
             "mean contribution (logit) |", "|---|---|---|---|---|"]
    for c in mean_c.index[:top]:
        p = place[c]
        vals = ", ".join("n/a" if not np.isfinite(v) else f"{v:.3g}" for v in p["real"])
        zs = ", ".join("n/a" if not np.isfinite(v) else f"{v:+.1f}" for v in p["rz"])
        lines.append(f"| {c} | {vals} | {zs} | {p['p5']:.3g} .. {p['p95']:.3g} | "
                     f"{mean_c[c]:+.2f} |")
    total = con.sum(axis=1)
    lines += ["", "Summed contribution per recording (logit, vs the synthetic healthy mean): "
              + ", ".join(f"{k} {v:+.1f}" for k, v in total.items()), ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--table", type=Path, required=True, help="synthetic feature table")
    ap.add_argument("--bench", type=Path, required=True,
                    help="a synthetic_realism.py output folder of that table (models/, assess/)")
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--top", type=int, default=15)
    a = ap.parse_args(argv)
    feats = pd.read_parquet(a.table)
    real = real_features(a.bench)
    parts = ["# Realism diagnosis (synthetic training cohort; screening aid, not a diagnosis)",
             ""]
    for name in ("severity_ordinal-logit", "label_logreg", "label_face_logreg"):
        folder = a.bench / "models" / name
        if (folder / "model.json").exists():
            parts.append(table(name, folder, feats, real, a.top))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    text = "\n".join(parts)
    a.out.write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
