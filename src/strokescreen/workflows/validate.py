"""External validation: a trained model folder, unchanged, on a new cohort.

Files written into ``out``: ``predictions.csv`` (case_id, subject_id, label, probability,
probability_updated), ``validation.json`` (discrimination, calibration before and after
the update, the update's coefficients, decision curves), ``calibration.png`` (as trained),
``calibration_updated.png`` (after the cross-fitted update, when there is one),
``decision_curve.png`` and ``report.html``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import InputError
from strokescreen.jsonable import json_safe
from strokescreen.progress import Progress

if TYPE_CHECKING:
    import pandas as pd

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."


@dataclass
class Validation:
    """What :func:`validate_model` computed and where it wrote it."""

    summary: dict[str, Any]
    predictions: pd.DataFrame
    paths: dict[str, Path]


def _predict(model: Any, cases: pd.DataFrame, schema: list[str]) -> np.ndarray:
    missing = [c for c in schema if c not in cases.columns]
    if missing:
        raise InputError(
            f"the validation cohort lacks {len(missing)} of the model's {len(schema)} feature "
            f"columns (first: {', '.join(missing[:5])}); build its feature table with the same "
            "strokescreen version the model was trained with")
    return np.asarray(model.predict_proba(cases), dtype=float)[:, 1]


def validate_model(
    model_dir: Path,
    cases: pd.DataFrame,
    out: Path,
    *,
    cohort_name: str,
    synthetic: bool,
    update: str = "slope",
    folds: int = 5,
    seed: int = 0,
    n_bootstrap: int = 1000,
    reference_specificity: float = TRIAGE_SPECIFICITY,
    progress: Progress | None = None,
) -> Validation:
    """Apply the model in ``model_dir`` unchanged to ``cases`` and write every figure."""
    import pandas as pd

    from strokescreen.evaluation.plots import calibration_figure_png, decision_curve_png
    from strokescreen.evaluation.validation import external_validation
    from strokescreen.evaluation.validation_report import render_validation_report
    from strokescreen.models.persist import load_model

    model, sidecar = load_model(model_dir)
    if progress is not None:
        progress(0, 3, note="predicting")
    cases = cases.reset_index(drop=True)
    schema = list((sidecar.get("feature_schema") or {}).get("columns") or [])
    p = _predict(model, cases, schema)
    y = cases["label"].astype(int).to_numpy()
    ok = np.isfinite(p)
    groups = cases["subject_id"].astype(str).to_numpy()
    if progress is not None:
        progress(1, 3, note="validation figures")
    block, updated = external_validation(
        y[ok], p[ok], groups[ok], threshold=float(sidecar["threshold"]), update=update,
        folds=folds, seed=seed, n_bootstrap=n_bootstrap,
        reference_specificity=reference_specificity)
    upd = np.full(p.size, np.nan)
    upd[ok] = updated
    preds = pd.DataFrame({"case_id": cases["case_id"].astype(str), "subject_id": groups,
                          "label": y, "probability": p, "probability_updated": upd})
    cohort = sidecar.get("training_cohort") or {}
    is_synth = bool(synthetic or cohort.get("synthetic"))
    summary: dict[str, Any] = {
        "cohort": cohort_name,
        "synthetic": is_synth,
        "model": {"folder": str(model_dir), "name": (sidecar.get("model") or {}).get("name"),
                  "training_cohort": cohort.get("name"),
                  "n_training_cases": cohort.get("n_cases"),
                  "recalibration": (sidecar.get("calibration") or {}).get("method", "none"),
                  "threshold": sidecar.get("threshold")},
        "validation_type": "external: the model applied unchanged to a cohort it never saw",
        "n_unscored": int((~ok).sum()),
        "metrics": block,
        "disclaimer": DISCLAIMER,
    }
    out.mkdir(parents=True, exist_ok=True)
    paths = {"predictions": out / "predictions.csv", "validation": out / "validation.json",
             "calibration": out / "calibration.png", "decision_curve": out / "decision_curve.png",
             "report": out / "report.html"}
    preds.to_csv(paths["predictions"], index=False)
    paths["validation"].write_text(json.dumps(json_safe(summary), indent=2, allow_nan=False)
                                   + "\n", encoding="utf-8")
    name = str(summary["model"]["name"])
    pngs = [calibration_figure_png(block["calibration_before"], p[ok],
                                   synthetic=is_synth,
                                   title=f"{name} on {cohort_name}, as trained")]
    if "calibration_after" in block:
        pngs.append(calibration_figure_png(block["calibration_after"], updated,
                                           synthetic=is_synth,
                                           title=f"after the {update} update (cross-fitted)"))
        paths["calibration_updated"] = out / "calibration_updated.png"
        paths["calibration_updated"].write_bytes(pngs[1])
    paths["calibration"].write_bytes(pngs[0])
    dca = decision_curve_png(block["decision_curve"], synthetic=is_synth,
                             title=f"{name} on {cohort_name}")
    paths["decision_curve"].write_bytes(dca)
    paths["report"].write_text(render_validation_report(
        summary, calibration_pngs=pngs, decision_png=dca,
        title=f"strokescreen external validation: {name} on {cohort_name}"), encoding="utf-8")
    if progress is not None:
        progress(3, 3, note="done")
    return Validation(summary, preds, paths)
