"""Out-of-fold SHAP explanations of an evaluation, and their global summary figure.

Every case is explained by the fold model that did not see its subject (the same model
whose probability is in ``predictions.csv``); a hold-out case by every fold model, the
values averaged (the mean of the fold models' outputs is what they then add up to).
Written as ``explanations.parquet`` (one row per case and feature, see
:func:`strokescreen.models.explain.explanation_table`) and summarised in the report as
bars of mean |SHAP| per feature and per measure family.
"""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.models.explain import can_explain, explain, explanation_table, global_summary


def oof_explanations(units: Sequence[tuple[Any, np.ndarray, str]],
                     cases: pd.DataFrame) -> pd.DataFrame | None:
    """SHAP table of the cases ``idx`` explained by ``model``, for each (model, idx, fold)
    of ``units``; None when some model cannot be explained (deep models, the dummy)."""
    if not units or not all(can_explain(m) for m, _, _ in units):
        return None
    parts = []
    for model, idx, fold in units:
        idx = np.asarray(idx, dtype=int)
        if idx.size == 0:
            continue
        part = cases.iloc[idx].reset_index(drop=True)
        expl = explain(model, part)
        if expl is None:  # pragma: no cover - can_explain said yes
            return None
        parts.append(explanation_table(expl, part, fold=fold))
    if not parts:
        return None
    table = pd.concat(parts, ignore_index=True)
    if table.duplicated(["case_id", "feature"]).any():  # hold-out: every fold model
        first = table.groupby(["case_id", "feature"], sort=False, as_index=False).first()
        means = table.groupby(["case_id", "feature"], sort=False, as_index=False)[
            ["shap", "base_value"]].mean()
        table = first.drop(columns=["shap", "base_value"]).merge(means, on=["case_id", "feature"])
        table = table[["case_id", "subject_id", "fold", "feature", "family", "value", "shap",
                       "base_value", "method", "unit"]]
    order = {c: i for i, c in enumerate(cases["case_id"].astype(str))}
    table["_o"] = table["case_id"].map(order)
    return table.sort_values("_o", kind="stable").drop(columns="_o").reset_index(drop=True)


def shap_summary_png(table: pd.DataFrame, *, top: int = 15, synthetic: bool = False,
                     title: str = "SHAP summary", dpi: int = 110) -> bytes:
    """Bars of mean |SHAP| of the ``top`` features (coloured by family) and of every
    family, as PNG bytes."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    feat, fam = global_summary(table)
    feat = feat.head(top)
    unit = str(table["unit"].iloc[0]) if len(table) else ""
    fig = Figure(figsize=(10.5, 0.3 * max(len(feat), len(fam)) + 1.8), dpi=dpi)
    FigureCanvasAgg(fig)
    families = list(dict.fromkeys(fam["family"]))
    colours = {f: f"C{i % 10}" for i, f in enumerate(families)}
    ax = fig.add_subplot(1, 2, 1)
    ax.barh(np.arange(len(feat))[::-1], feat["mean_abs_shap"],
            color=[colours.get(f, "grey") for f in feat["family"]])
    ax.set_yticks(np.arange(len(feat))[::-1])
    ax.set_yticklabels([str(f) for f in feat["feature"]], fontsize=7)
    ax.set_xlabel(f"mean |SHAP| ({unit})")
    ax.set_title(f"top {len(feat)} features", fontsize=9)
    ax2 = fig.add_subplot(1, 2, 2)
    ax2.barh(np.arange(len(fam))[::-1], fam["mean_abs_shap"],
             color=[colours[f] for f in fam["family"]])
    ax2.set_yticks(np.arange(len(fam))[::-1])
    ax2.set_yticklabels([str(f) for f in fam["family"]], fontsize=8)
    ax2.set_xlabel(f"mean |sum of the family's SHAP| ({unit})")
    ax2.set_title("measure families", fontsize=9)
    head = title + (" (SYNTHETIC data)" if synthetic else "")
    fig.suptitle(head + " — screening aid, not a diagnosis", fontsize=9)
    fig.tight_layout()
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
