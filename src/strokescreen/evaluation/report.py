"""One-page, self-contained HTML report of an evaluation (ROC inlined as base64)."""

from __future__ import annotations

import base64
import html
import math
from typing import TYPE_CHECKING

import jinja2
import pandas as pd
from markupsafe import Markup

from strokescreen.evaluation.report_template import TEMPLATE
from strokescreen.evaluation.tripod import tripod_checklist

if TYPE_CHECKING:
    from strokescreen.evaluation.engine import EvaluationResult


def _fmt(x: object, digits: int = 3) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{float(x):.{digits}f}"  # type: ignore[arg-type]


def _pct(x: object) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "n/a"
    return f"{100 * float(x):.1f}%"  # type: ignore[arg-type]


def _table(df: pd.DataFrame) -> str:
    """A DataFrame as an HTML table with escaped cells and 3-decimal floats."""
    head = "".join(f"<th>{html.escape(str(c))}</th>" for c in df.columns)
    rows = []
    for rec in df.itertuples(index=False):
        cells = []
        for v in rec:
            txt = _fmt(v) if isinstance(v, float) else html.escape(str(v))
            cells.append(f"<td>{txt}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><tr>{head}</tr>{''.join(rows)}</table>"


def render_report(
    result: EvaluationResult,
    roc_png: bytes,
    *,
    title: str | None = None,
    n_importance: int = 20,
    calibration_png: bytes | None = None,
    decision_png: bytes | None = None,
    extra_html: str = "",
    shap_png: bytes | None = None,
) -> str:
    """The report HTML (one self-contained page); ``extra_html``: a section we wrote
    (e.g. the feature-set comparison), placed after the discrimination section."""
    m = result.metrics
    ops = [("at 0.5", m["at_0.5"])]
    if m.get("at_reference_specificity"):
        ref = m["at_reference_specificity"]["reference_specificity"]
        ops.append((f"matched specificity &ge; {ref:.2%}", m["at_reference_specificity"]))
    if m.get("at_reference_sensitivity"):
        ref = m["at_reference_sensitivity"]["reference_sensitivity"]
        ops.append((f"matched sensitivity &ge; {ref:.2%}", m["at_reference_sensitivity"]))
    if m.get("youden"):
        ops.append(("Youden's J", m["youden"]))
    if m.get("holdout", {}).get("at_prespecified_threshold"):
        ops.append(("prespecified (training OOF)", m["holdout"]["at_prespecified_threshold"]))
    env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
    env.globals.update(f=_fmt, pct=_pct)
    # labels containing entities are markup we wrote ourselves
    ops_safe = [(Markup(label), op) for label, op in ops]
    params = ", ".join(f"{k}={v}" for k, v in (result.params or {}).items())
    imp = result.importance.head(n_importance)
    return env.from_string(TEMPLATE).render(
        title=title or f"strokescreen evaluation: {result.model_name} on {result.cohort_name}",
        m=_Dot(m),
        params=params,
        synthetic=result.synthetic,
        roc_b64=base64.b64encode(roc_png).decode("ascii"),
        cal_b64=base64.b64encode(calibration_png).decode("ascii") if calibration_png else "",
        cal=_Dot(m.get("calibration") or {}),
        dca_b64=base64.b64encode(decision_png).decode("ascii") if decision_png else "",
        dca=_Dot(m.get("decision_curve") or {}),
        tripod=tripod_checklist(result),
        ops=ops_safe,
        refs=list(m["reference_points"].values()),
        fairness=_table(result.fairness) if len(result.fairness) else "",
        importance=_table(imp) if len(imp) else "",
        n_importance=min(n_importance, len(result.importance)),
        extra_html=Markup(extra_html),
        shap_b64=base64.b64encode(shap_png).decode("ascii") if shap_png else "",
        shap_families=_shap_families(result),
    )


def _shap_families(result: EvaluationResult) -> str:
    """Mean |SHAP| per measure family as an HTML table ("" without explanations)."""
    table = getattr(result, "explanations", None)
    if table is None or not len(table):
        return ""
    from strokescreen.models.explain import global_summary

    _feat, fam = global_summary(table)
    return _table(fam.rename(columns={"mean_abs_shap": f"mean |SHAP| ({table['unit'].iloc[0]})",
                                      "mean_shap": "mean SHAP"}))


class _Dot(dict):
    """dict whose keys also read as attributes in the template (missing keys -> None)."""

    def __getattr__(self, key: str) -> object:
        v = self.get(key)
        if isinstance(v, dict):
            return _Dot(v)
        if isinstance(v, list):
            return [_Dot(x) if isinstance(x, dict) else x for x in v]
        return v
