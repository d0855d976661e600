"""Figures for evaluation reports (matplotlib, Agg canvas; no global backend change)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO

import numpy as np

from strokescreen.evaluation.metrics import REFERENCE_POINTS, ReferencePoint, roc_curve_points


def roc_figure_png(
    y: np.ndarray,
    p: np.ndarray,
    *,
    auc: float | None = None,
    auc_ci: Sequence[float | None] | None = None,
    operating_point: dict | None = None,
    reference_points: Sequence[ReferencePoint] = REFERENCE_POINTS,
    fold_curves: Sequence[tuple[np.ndarray, np.ndarray]] = (),
    fold_label: str = "fold",
    synthetic: bool = False,
    title: str = "ROC",
    dpi: int = 120,
) -> bytes:
    """Pooled ROC curve as PNG bytes.

    y, p : ndarray, shape (n,), labels 0/1 and P(stroke) of the pooled predictions.
    operating_point : dict with ``sensitivity``/``specificity`` (fractions), drawn as a square.
    reference_points : clinician operating points drawn as dots (sensitivity vs 1 - spec).
    fold_curves : optional (y, p) per fold or fold model, drawn thin and faint.
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(5.2, 5.0), dpi=dpi)
    FigureCanvasAgg(fig)
    ax = fig.add_subplot(1, 1, 1)
    ax.plot([0, 1], [0, 1], ls="--", lw=0.8, color="0.6", label="chance")
    for i, (fy, fp_) in enumerate(fold_curves):
        if len(np.unique(fy)) < 2:
            continue
        fx, fty, _ = roc_curve_points(fy, fp_)
        ax.plot(
            fx,
            fty,
            lw=0.8,
            alpha=0.35,
            color="tab:blue",
            label=f"{fold_label}s" if i == 0 else None,
        )
    if len(np.unique(np.asarray(y))) == 2:
        fpr, tpr, _ = roc_curve_points(y, p)
        label = "model"
        if auc is not None and np.isfinite(auc):
            label += f" (AUC {auc:.3f}"
            if auc_ci is not None and all(v is not None and np.isfinite(v) for v in auc_ci):
                label += f", 95% CI {auc_ci[0]:.3f}-{auc_ci[1]:.3f}"
            label += ")"
        ax.plot(fpr, tpr, lw=2.0, color="tab:blue", label=label)
    colors = ("tab:red", "tab:orange", "tab:purple", "tab:brown")
    for ref, color in zip(reference_points, colors, strict=False):
        ax.plot(
            1 - ref.specificity,
            ref.sensitivity,
            "o",
            ms=8,
            color=color,
            label=f"{ref.label} (sens {ref.sensitivity:.1%}, spec {ref.specificity:.1%})",
        )
    if (
        operating_point
        and operating_point.get("sensitivity") is not None
        and (operating_point.get("specificity") is not None)
    ):
        ax.plot(
            1 - operating_point["specificity"],
            operating_point["sensitivity"],
            "s",
            ms=8,
            mfc="none",
            mec="black",
            mew=1.5,
            label=(
                f"model at matched spec (sens {operating_point['sensitivity']:.1%}, "
                f"spec {operating_point['specificity']:.1%})"
            ),
        )
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.01, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("1 - specificity (false positive rate)")
    ax.set_ylabel("sensitivity (true positive rate)")
    ax.set_title(title + ("\nSYNTHETIC data" if synthetic else ""), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", fontsize=6.5, framealpha=0.9)
    fig.tight_layout()
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()
