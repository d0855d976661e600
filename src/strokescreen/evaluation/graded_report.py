"""Files of a graded evaluation: predictions, metrics, a Bland-Altman plot, an HTML report.

``predictions.csv`` (case_id, subject_id, fold, target, prediction, training_mean),
``metrics.json``, ``bland_altman.png`` (difference prediction - reference against their
mean, with the bias and the 95 % limits of agreement), ``feature_importance.csv``
and ``report.html`` (one self-contained page; with a feature-set comparison when given).
"""

from __future__ import annotations

import base64
import html
import json
import math
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from strokescreen.jsonable import json_safe

if TYPE_CHECKING:
    from strokescreen.evaluation.graded_engine import GradedResult

_CSS = """body{font-family:system-ui,sans-serif;max-width:1000px;margin:1.5em auto;padding:0 1em;
color:#222;line-height:1.4} h1{font-size:1.5em} h2{font-size:1.15em;margin-top:1.6em;
border-bottom:1px solid #ddd} table{border-collapse:collapse;font-size:.85em;margin:.5em 0}
td,th{border:1px solid #ccc;padding:3px 7px;text-align:right} th{background:#f3f3f3}
td.l,th.l{text-align:left} .banner{padding:.6em 1em;border-radius:6px;margin:.6em 0;
font-weight:600} .disclaimer{background:#eef4ff;border:1px solid #9bb7e8}
.synthetic{background:#fff1d6;border:1px solid #e0a030;color:#7a4b00}
.note{color:#666;font-size:.85em}"""
DISCLAIMER_HTML = ('<div class="banner disclaimer">strokescreen is a screening aid, not a '
                   "diagnosis. These are research evaluation results, not clinical advice.</div>")
SYNTHETIC_HTML = ('<div class="banner synthetic">These results are computed on SYNTHETIC data '
                  "(generated faces and speech). They show that the pipeline works; they say "
                  "nothing about performance on real patients.</div>")


def _f(x: object, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def _ci(ci: object) -> str:
    if not isinstance(ci, (list, tuple)) or len(ci) != 2:
        return ""
    lo, hi = ci[0], ci[1]
    return f" (95% CI {_f(lo)} to {_f(hi)})"


def bland_altman_png(y: np.ndarray, pred: np.ndarray, ba: dict, *, synthetic: bool,
                     title: str, dpi: int = 110) -> bytes:
    """Bland-Altman plot: (pred - y) against (pred + y) / 2, bias and limits of agreement."""
    from io import BytesIO

    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    y, pred = np.asarray(y, float), np.asarray(pred, float)
    fig = Figure(figsize=(5.6, 4.2), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    rng = np.random.default_rng(0)  # a small horizontal jitter separates tied grades
    jitter = rng.uniform(-0.04, 0.04, y.size) if np.allclose(y, np.round(y)) else 0.0
    ax.scatter((pred + y) / 2 + jitter, pred - y, s=12, alpha=0.6, color="tab:blue")
    for key, style, label in (("bias", "-", "bias"), ("loa_low", "--", "95% limits"),
                              ("loa_high", "--", None)):
        v = ba.get(key)
        if v is not None and np.isfinite(v):
            ax.axhline(v, ls=style, color="tab:red", lw=1,
                       label=f"{label} {v:+.2f}" if label else f"{v:+.2f}")
    ax.axhline(0, color="0.6", lw=0.8)
    ax.set_xlabel("mean of prediction and reference")
    ax.set_ylabel("prediction - reference")
    ax.set_title(title + (" (SYNTHETIC data)" if synthetic else "")
                 + " — a screening aid, not a diagnosis", fontsize=9)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def table_html(df: pd.DataFrame) -> str:
    """A DataFrame as an HTML table (escaped cells, 3-decimal floats)."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = "".join(
            f"<td>{_f(v) if isinstance(v, float) else html.escape(str(v))}</td>" for v in rec)
        rows.append(f"<tr>{cells}</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def feature_set_line(metrics: dict) -> str:
    """One paragraph naming the feature set and its clinical metadata ('' when unknown)."""
    fs = metrics.get("feature_set")
    if not isinstance(fs, dict):
        return ""
    meta = ", ".join(fs.get("metadata_columns") or [])
    return (f"<p>Features: <b>{html.escape(str(fs.get('name')))}</b> "
            f"({fs.get('n_features', 0)} columns"
            + (f"; clinical metadata: {html.escape(meta)}" if meta else "") + ").</p>")


def comparison_section(comparison: pd.DataFrame | None) -> str:
    """The feature-set comparison as a report section ('' when there is none)."""
    if comparison is None or comparison.empty:
        return ""
    return ("<h2>Feature sets side by side</h2><p class='note'>Same model, same subject-grouped "
            "folds; only the features differ (face only, speech only, clinical metadata only, "
            "and all fused).</p>" + table_html(comparison))


def render_graded_report(result: GradedResult, ba_png: bytes, *,
                         comparison: pd.DataFrame | None = None) -> str:
    m = result.metrics
    esc = html.escape
    tgt = m["target"]
    ba = m["bland_altman"]
    parts = [f"<!doctype html><html lang='en'><head><meta charset='utf-8'><title>strokescreen "
             f"graded evaluation</title><style>{_CSS}</style></head><body>",
             f"<h1>strokescreen evaluation: {esc(result.model_name)} predicting "
             f"{esc(tgt['name'])} on {esc(result.cohort_name)}</h1>", DISCLAIMER_HTML]
    if result.synthetic:
        parts.append(SYNTHETIC_HTML)
    parts.append(
        f"<p>Target <b>{esc(tgt['name'])}</b> ({esc(tgt['kind'])}); {m['n_cases']} cases of "
        f"{m['n_subjects']} subjects. Split: {esc(m['split']['description'])}; no subject is in "
        f"both the training and the test part of any fold. strokescreen "
        f"{esc(str(m['strokescreen_version']))}, seed {m['seed']}.</p>")
    parts.append(feature_set_line(m))
    rows = [("MAE", _f(m["mae"]), _f(m["floor"]["mae"])),
            ("RMSE", _f(m["rmse"]), _f(m["floor"]["rmse"])),
            ("Spearman rho", _f(m["spearman"]) + _ci(m.get("spearman_ci")), "")]
    if "agreement" in m:
        rows += [("exact grade agreement", f"{100 * m['agreement']['exact']:.1f}%", ""),
                 ("within one grade", f"{100 * m['agreement']['within_one']:.1f}%", ""),
                 ("quadratic-weighted kappa",
                  _f(m["kappa_quadratic"]) + _ci(m.get("kappa_ci")),
                  _f(m["floor"]["kappa_quadratic"]))]
    rows.append(("Bland-Altman bias (limits of agreement)",
                 f"{_f(ba['bias'])} ({_f(ba['loa_low'])} to {_f(ba['loa_high'])})", ""))
    parts.append("<h2>Agreement with the reference grade</h2><table><tr><th class='l'>metric"
                 "</th><th>model</th><th>training mean (floor)</th></tr>" + "".join(
                     f"<tr><td class='l'>{a}</td><td>{b}</td><td>{c}</td></tr>"
                     for a, b, c in rows) + "</table>")
    parts.append("<p class='note'>CIs: percentile bootstrap over subjects (whole subjects "
                 "resampled). Grades: predictions rounded to the nearest grade within the "
                 "observed range.</p>")
    parts.append("<h2>Bland-Altman</h2><img alt='Bland-Altman plot' width='520' "
                 f"src='data:image/png;base64,{base64.b64encode(ba_png).decode('ascii')}'>")
    parts.append(comparison_section(comparison))
    if m.get("folds"):
        parts.append("<h2>Folds</h2>" + table_html(pd.DataFrame(m["folds"]).head(60)))
    if len(result.importance):
        parts.append("<h2>Feature importance (model-native, mean over folds)</h2>"
                     + table_html(result.importance.head(20)))
    for note in m.get("notes") or []:
        parts.append(f"<p class='note'>{esc(str(note))}</p>")
    parts.append(f"<p class='note'>{esc(m['disclaimer'])}</p></body></html>")
    return "\n".join(parts)


def write_graded_evaluation(result: GradedResult, out_dir: str | Path, *,
                            comparison: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write every file of a graded evaluation into ``out_dir`` (created)."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / f for name, f in (
        ("predictions", "predictions.csv"), ("metrics", "metrics.json"),
        ("bland_altman", "bland_altman.png"), ("importance", "feature_importance.csv"),
        ("report", "report.html"))}
    result.predictions.to_csv(paths["predictions"], index=False)
    metrics = dict(result.metrics)
    if comparison is not None:
        metrics["feature_sets"] = comparison.to_dict(orient="records")
        paths["feature_sets"] = out / "feature_sets.csv"
        comparison.to_csv(paths["feature_sets"], index=False)
    paths["metrics"].write_text(json.dumps(json_safe(metrics), indent=2, allow_nan=False) + "\n",
                                encoding="utf-8")
    p = result.predictions
    png = bland_altman_png(p["target"].to_numpy(), p["prediction"].to_numpy(),
                           result.metrics["bland_altman"], synthetic=result.synthetic,
                           title=f"{result.model_name}: {result.target.name}")
    paths["bland_altman"].write_bytes(png)
    result.importance.to_csv(paths["importance"], index=False)
    paths["report"].write_text(render_graded_report(result, png, comparison=comparison),
                               encoding="utf-8")
    return paths


__all__ = ["bland_altman_png", "comparison_section", "feature_set_line", "render_graded_report",
           "write_graded_evaluation"]
