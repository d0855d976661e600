"""Write an :class:`~strokescreen.evaluation.engine.EvaluationResult` to a folder.

Files: ``predictions.csv`` (case_id, subject_id, fold, label, probability), ``metrics.json``,
``roc.png``, ``calibration.png`` (reliability diagram), ``decision_curve.png`` (net
benefit against treat all / none), ``fairness.csv``,
``feature_importance.csv``, ``report.html``; for models that SHAP explains (the classical
ones) ``explanations.parquet`` (out-of-fold SHAP values, one row per case and feature) and
``shap_summary.png``; for a hold-out
also ``holdout_fold_predictions.csv`` (each fold model on the hold-out) and
``training_oof_predictions.csv`` (out-of-fold predictions on the training part).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING

from strokescreen.evaluation.graded_report import comparison_section, feature_set_line
from strokescreen.evaluation.plots import (
    calibration_figure_png,
    decision_curve_png,
    roc_figure_png,
)
from strokescreen.evaluation.report import render_report
from strokescreen.jsonable import json_safe

if TYPE_CHECKING:
    import pandas as pd

    from strokescreen.evaluation.engine import EvaluationResult


def _short_split(result: EvaluationResult) -> str:
    spec = result.split
    if spec.kind == "group-kfold":
        return f"subject-grouped {spec.folds}-fold CV (pooled out-of-fold)"
    if spec.kind == "loso":
        return "leave-one-subject-out (pooled)"
    return f"hold-out ({spec.folds} fold models, mean probability)"


def roc_png_for(result: EvaluationResult) -> bytes:
    """The pooled ROC figure of ``result`` with per-fold (or per fold model) curves."""
    pred = result.predictions
    if result.fold_predictions is not None:
        source, label = result.fold_predictions, "fold model"
    else:
        source, label = pred, "fold"
    curves = [
        (part["label"].to_numpy(), part["probability"].to_numpy())
        for _, part in source.groupby("fold", sort=False)
    ]
    if label == "fold" and len(curves) > 20:  # LOSO: one subject per fold, curves mean little
        curves = []
    m = result.metrics
    return roc_figure_png(
        pred["label"].to_numpy(),
        pred["probability"].to_numpy(),
        auc=m.get("auc"),
        auc_ci=m.get("auc_ci"),
        operating_point=m.get("at_reference_specificity"),
        fold_curves=curves,
        fold_label=label,
        synthetic=result.synthetic,
        title=f"{result.model_name}, {_short_split(result)}",
    )


def calibration_png_for(result: EvaluationResult) -> bytes:
    """The reliability diagram of ``result``'s pooled predictions."""
    p = result.predictions["probability"].to_numpy(dtype=float)
    return calibration_figure_png(
        result.metrics.get("calibration") or {}, p, synthetic=result.synthetic,
        title=f"{result.model_name}, {_short_split(result)}")


def write_evaluation(
    result: EvaluationResult, out_dir: str | Path, *, title: str | None = None,
    comparison: pd.DataFrame | None = None,
) -> dict[str, Path]:
    """Write every evaluation file into ``out_dir`` (created); returns name -> path.

    comparison : a feature-set comparison table (``feature_sets.csv``, a report section
        and ``metrics.json["feature_sets"]``), from `evaluate --compare-feature-sets`.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths: dict[str, Path] = {}
    paths["predictions"] = out / "predictions.csv"
    result.predictions.to_csv(paths["predictions"], index=False)
    paths["metrics"] = out / "metrics.json"
    metrics = dict(result.metrics)
    if comparison is not None:
        metrics["feature_sets"] = comparison.to_dict(orient="records")
        paths["feature_sets"] = out / "feature_sets.csv"
        comparison.to_csv(paths["feature_sets"], index=False)
    paths["metrics"].write_text(
        json.dumps(json_safe(metrics), indent=2, allow_nan=False) + "\n", encoding="utf-8"
    )
    png = roc_png_for(result)
    paths["roc"] = out / "roc.png"
    paths["roc"].write_bytes(png)
    cal_png = calibration_png_for(result)
    paths["calibration"] = out / "calibration.png"
    paths["calibration"].write_bytes(cal_png)
    dca_png = decision_curve_png(result.metrics.get("decision_curve") or {},
                                 synthetic=result.synthetic,
                                 title=f"{result.model_name}, {_short_split(result)}")
    paths["decision_curve"] = out / "decision_curve.png"
    paths["decision_curve"].write_bytes(dca_png)
    paths["fairness"] = out / "fairness.csv"
    result.fairness.to_csv(paths["fairness"], index=False)
    paths["importance"] = out / "feature_importance.csv"
    result.importance.to_csv(paths["importance"], index=False)
    if result.fold_predictions is not None:
        paths["holdout_fold_predictions"] = out / "holdout_fold_predictions.csv"
        result.fold_predictions.to_csv(paths["holdout_fold_predictions"], index=False)
    if result.training_oof is not None:
        paths["training_oof"] = out / "training_oof_predictions.csv"
        result.training_oof.to_csv(paths["training_oof"], index=False)
    shap_png = None
    if result.explanations is not None and len(result.explanations):
        from strokescreen.evaluation.explanations import shap_summary_png

        paths["explanations"] = out / "explanations.parquet"
        result.explanations.to_parquet(paths["explanations"], index=False)
        shap_png = shap_summary_png(result.explanations, synthetic=result.synthetic,
                                    title=f"{result.model_name}, out-of-fold SHAP")
        paths["shap_summary"] = out / "shap_summary.png"
        paths["shap_summary"].write_bytes(shap_png)
    paths["report"] = out / "report.html"
    paths["report"].write_text(
        render_report(result, png, title=title, calibration_png=cal_png,
                      decision_png=dca_png, shap_png=shap_png,
                      extra_html=feature_set_line(result.metrics)
                      + comparison_section(comparison)),
        encoding="utf-8"
    )
    return paths
