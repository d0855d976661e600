"""Figures for evaluation reports (matplotlib, Agg canvas; no global backend change)."""

from __future__ import annotations

from collections.abc import Sequence
from io import BytesIO
from typing import Any

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
    return _png(fig)


def _new_axes(figsize: tuple[float, float], dpi: int) -> tuple[Any, Any]:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=figsize, dpi=dpi)
    FigureCanvasAgg(fig)
    return fig, fig.add_subplot(1, 1, 1)


AID_NOTE = "strokescreen: a screening aid, not a diagnosis"


def _png(fig: Any) -> bytes:
    """The figure as PNG bytes, with :data:`AID_NOTE` drawn along its bottom edge."""
    fig.tight_layout(rect=(0.0, 0.035, 1.0, 1.0))
    fig.text(0.5, 0.008, AID_NOTE, ha="center", va="bottom", fontsize=6.5, color="0.35")
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def calibration_figure_png(
    calibration: dict,
    p: np.ndarray,
    *,
    synthetic: bool = False,
    title: str = "Calibration",
    dpi: int = 120,
) -> bytes:
    """Reliability diagram as PNG bytes: binned observed fractions (95 % Wilson bars),
    the smoothed curve with its subject-bootstrap band, the diagonal, and a rug of ``p``.

    calibration : a :func:`strokescreen.evaluation.calibration.calibration_summary` dict.
    p : ndarray, shape (n,), the predicted probabilities (for the rug).
    """
    fig, ax = _new_axes((5.2, 5.0), dpi)
    ax.plot([0, 1], [0, 1], ls="--", lw=0.8, color="0.6", label="perfect calibration")
    sm = calibration.get("smoothed") or {}
    if sm.get("predicted"):
        x = np.asarray(sm["predicted"], dtype=float)
        lo = np.asarray([np.nan if v is None else v for v in sm["observed_low"]], dtype=float)
        hi = np.asarray([np.nan if v is None else v for v in sm["observed_high"]], dtype=float)
        if np.isfinite(lo).any():
            ax.fill_between(x, lo, hi, color="tab:blue", alpha=0.18, lw=0,
                            label="smoothed, 95% subject-bootstrap band")
        ax.plot(x, sm["observed"], color="tab:blue", lw=2.0, label="smoothed (kernel)")
    bins = calibration.get("bins") or []
    if bins:
        bx = np.array([b["mean_predicted"] for b in bins])
        by = np.array([b["observed"] for b in bins])
        lo = np.array([b["observed_ci"][0] if b["observed_ci"][0] is not None else v
                       for b, v in zip(bins, by, strict=True)])
        hi = np.array([b["observed_ci"][1] if b["observed_ci"][1] is not None else v
                       for b, v in zip(bins, by, strict=True)])
        yerr = [np.maximum(by - lo, 0), np.maximum(hi - by, 0)]
        ax.errorbar(bx, by, yerr=yerr, fmt="o", color="black", ms=4,
                    capsize=2, lw=0.8, label="binned (95% Wilson)")
    p = np.asarray(p, dtype=float)
    p = p[np.isfinite(p)]
    if p.size:
        ax.plot(p, np.full(p.size, -0.02), "|", color="0.4", ms=6, alpha=0.5)
    parts = []
    for key, label in (("slope", "slope"), ("intercept", "intercept"), ("brier", "Brier")):
        v = calibration.get(key)
        if v is not None:
            parts.append(f"{label} {v:.2f}")
    ax.set_xlim(-0.01, 1.01)
    ax.set_ylim(-0.04, 1.01)
    ax.set_aspect("equal")
    ax.set_xlabel("predicted probability of stroke signs")
    ax.set_ylabel("observed fraction with stroke signs")
    ax.set_title(title + ("\n" + ", ".join(parts) if parts else "")
                 + ("\nSYNTHETIC data" if synthetic else ""), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper left", fontsize=6.5, framealpha=0.9)
    return _png(fig)


def decision_curve_png(
    curve: dict, *, synthetic: bool = False, title: str = "Decision curve", dpi: int = 120
) -> bytes:
    """Net benefit against threshold probability as PNG bytes: the model, treat all, treat
    none and the reference clinician operating points (dotted).

    curve : a :func:`strokescreen.evaluation.decision.decision_curve` dict.
    """
    fig, ax = _new_axes((5.6, 4.4), dpi)
    t = np.asarray(curve.get("thresholds") or [], dtype=float)

    def arr(values: Sequence[float | None]) -> np.ndarray:
        return np.asarray([np.nan if v is None else v for v in values], dtype=float)

    if t.size:
        model = arr(curve["model"])
        everyone = arr(curve["treat_all"])
        ax.plot(t, np.zeros_like(t), color="0.3", lw=1.0, label="treat none")
        ax.plot(t, everyone, color="0.55", lw=1.2, ls="--", label="treat all")
        colors = ("tab:red", "tab:orange", "tab:purple")
        for (name, c), color in zip((curve.get("reference") or {}).items(), colors, strict=False):
            label = (curve.get("reference_labels") or {}).get(name, name)
            ax.plot(t, arr(c), color=color, lw=1.0, ls=":", label=f"{label} (reference point)")
        ax.plot(t, model, color="tab:blue", lw=2.0, label="model")
        for lo, hi in curve.get("helps") or []:
            ax.axvspan(lo, hi, color="tab:blue", alpha=0.08, lw=0)
        prev = curve.get("prevalence") or 0.0
        ax.set_ylim(min(-0.05, -0.2 * prev), max(prev * 1.1, 0.05))
    ax.set_xlim(0, 1)
    ax.set_xlabel("threshold probability")
    ax.set_ylabel("net benefit")
    ax.set_title(title + ("\nSYNTHETIC data" if synthetic else ""), fontsize=9)
    ax.grid(alpha=0.3)
    ax.legend(loc="upper right", fontsize=6.5, framealpha=0.9)
    return _png(fig)
