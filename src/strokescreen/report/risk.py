"""The risk model of one case: load, predict, explain, and describe the operating point.

Explanations say which measures pushed this case's probability most:

- every classical pipeline (impute -> standardise -> logistic regression, random forest or
  gradient boosting) gets its SHAP values (:mod:`strokescreen.models.explain`): exact
  linear SHAP, coefficient x standardised value (``method="shap-linear"``, log-odds), or
  tree SHAP (``method="shap-tree"``; probability for a forest, log-odds for boosting);
- any other model that reads the feature table gets a model-agnostic attribution: each
  feature in turn is replaced by its training median (the pipeline imputer's statistics)
  and the change in probability is the feature's contribution (``method="occlusion"``,
  contributions in probability);
- a model that reads the recording directly (deep models) gets none.

A positive contribution pushed the probability up (towards "screen positive").
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.errors import InputError

#: identifiers of the one-row case table a model predicts (no patient information)
CASE_ID = "recording"


@dataclass
class RiskModel:
    """A loaded model folder: the fitted model and its ``model.json`` sidecar."""

    model: Any
    sidecar: dict[str, Any]

    @property
    def threshold(self) -> float:
        return float(self.sidecar["threshold"])

    @property
    def synthetic(self) -> bool:
        """True when the model was trained (or its threshold chosen) on synthetic data."""
        cohort = self.sidecar.get("training_cohort") or {}
        op = self.sidecar.get("operating_point") or {}
        return bool(cohort.get("synthetic", False) or op.get("synthetic", False))

    @property
    def uses_features(self) -> bool:
        return bool(getattr(self.model, "uses_features", True)) and \
            getattr(self.model, "feature_names_in_", None) is not None


def load_risk_model(model_dir: str | Path) -> RiskModel:
    """Load a model folder written by ``strokescreen train``; InputError when unusable."""
    from strokescreen.models.persist import load_model

    folder = Path(model_dir)
    if not folder.is_dir():
        raise InputError(f"model folder {folder} not found; give a folder written by "
                         "`strokescreen train` (it holds model.json)")
    model, sidecar = load_model(folder)
    return RiskModel(model=model, sidecar=sidecar)


def model_info(risk: RiskModel) -> dict[str, Any]:
    """Name, kind, version and training cohort of a model, for result.json."""
    sc = risk.sidecar
    files = (sc.get("weights") or {}).get("files") or [{}]
    cohort = sc.get("training_cohort") or {}
    keep = ("name", "synthetic", "n_cases", "n_subjects", "n_pos", "n_neg",
            "recorded_from", "recorded_to")
    return {
        "name": (sc.get("model") or {}).get("name"),
        "kind": (sc.get("model") or {}).get("kind"),
        "version": f"strokescreen {sc.get('strokescreen_version', '?')}, "
                   f"weights {str(files[0].get('sha256', ''))[:12]}",
        "strokescreen_version": sc.get("strokescreen_version"),
        "created_at": sc.get("created_at"),
        "weights_sha256": files[0].get("sha256"),
        "params": (sc.get("model") or {}).get("params", {}),
        "training_cohort": {k: cohort[k] for k in keep if k in cohort},
    }


def _pct(x: Any) -> float | None:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return None
    return v if math.isfinite(v) else None


def operating_point_sentence(sensitivity: float | None, specificity: float | None) -> str:
    """``"At this threshold, 88 of 100 strokes in validation were flagged, and 55 of 100
    non-strokes were cleared."`` (fractions in, rounded to whole numbers per 100)."""
    if sensitivity is None or specificity is None:
        return "The validation operating point of this threshold is not recorded in the model."
    return (f"At this threshold, {round(sensitivity * 100)} of 100 strokes in validation were "
            f"flagged, and {round(specificity * 100)} of 100 non-strokes were cleared.")


def operating_point_info(risk: RiskModel) -> dict[str, Any]:
    """The validation operating point behind the threshold, with its sentence."""
    op = risk.sidecar.get("operating_point") or {}
    cohort = risk.sidecar.get("training_cohort") or {}
    sens, spec = _pct(op.get("sensitivity")), _pct(op.get("specificity"))
    return {
        "threshold": risk.threshold,
        "sensitivity": sens,
        "specificity": spec,
        "sensitivity_ci": op.get("sensitivity_ci"),
        "specificity_ci": op.get("specificity_ci"),
        "n_cases": op.get("n_cases", op.get("n")),
        "n_subjects": op.get("n_subjects"),
        "cohort": op.get("cohort", cohort.get("name")),
        "synthetic": bool(op.get("synthetic", cohort.get("synthetic", False))),
        "chosen_on": op.get("chosen_on"),
        "reference_specificity": op.get("reference_specificity"),
        "validation_auc": _pct(op.get("oof_auc")),
        "sentence": operating_point_sentence(sens, spec),
    }


def calibration_info(risk: RiskModel) -> dict[str, Any] | None:
    """How far the model's probabilities can be taken at their word, from its validation.

    The numbers come from the out-of-fold predictions saved at training (the probabilities
    ``assess`` shows, recalibrated when the model was). None when the model records none.
    """
    op = risk.sidecar.get("operating_point") or {}
    cal = op.get("calibration")
    if not isinstance(cal, dict):
        return None
    block = risk.sidecar.get("calibration") or {}
    method = block.get("method", "none")
    ppv, npv = _pct(op.get("ppv")), _pct(op.get("npv"))
    slope, intercept, brier = _pct(cal.get("slope")), _pct(cal.get("intercept")), \
        _pct(cal.get("brier"))
    where = "synthetic validation cases" if risk.synthetic else "validation cases"
    if slope is not None and intercept is not None:
        quality = ("well calibrated" if abs(slope - 1) <= 0.2 and abs(intercept) <= 0.2 else
                   "not well calibrated: read the probability as a ranking, not a chance")
        sentence = (f"On {where} (out of fold) the probability was {quality} (calibration "
                    f"slope {slope:.2f}, ideal 1; intercept {intercept:.2f}, ideal 0; Brier "
                    f"{brier:.3f}).")
    else:
        sentence = "The calibration of this probability could not be measured in validation."
    return {
        "method": method,
        "method_text": block.get("skipped") or {"none": "not recalibrated",
                        "sigmoid": "recalibrated (logistic) on held-out training subjects",
                        "isotonic": "recalibrated (isotonic) on held-out training subjects"}.get(
                            method, method),
        "brier": brier, "slope": slope, "intercept": intercept,
        "ece": _pct(cal.get("ece")),
        "ppv": ppv, "npv": npv,
        "bins": cal.get("bins") or [],
        "sentence": sentence,
        "synthetic": risk.synthetic,
    }


def result_sentences(info: dict[str, Any] | None, probability: float | None,
                     decision: str) -> list[str]:
    """What this result meant in validation: "Of 100 people with this result, about N had a
    stroke sign", and how often stroke signs were seen at probabilities like this one."""
    if info is None or probability is None:
        return []
    where = "in synthetic validation" if info.get("synthetic") else "in validation"
    out = []
    if decision == "screen positive" and info.get("ppv") is not None:
        out.append(f"Of 100 people with this result (screen positive) {where}, about "
                   f"{round(100 * info['ppv'])} had a stroke sign.")
    elif decision == "screen negative" and info.get("npv") is not None:
        out.append(f"Of 100 people with this result (screen negative) {where}, about "
                   f"{round(100 * (1 - info['npv']))} had a stroke sign.")
    for b in info.get("bins") or []:
        last = b["bin_high"] >= 1.0
        if b["bin_low"] <= probability < b["bin_high"] or (last and probability >= b["bin_low"]):
            out.append(f"Of the {b['n']} validation cases with a probability between "
                       f"{b['bin_low']:.1f} and {b['bin_high']:.1f}, {b['n_pos']} "
                       f"({round(100 * b['observed'])} of 100) had a stroke sign.")
            break
    return out


def case_table(features: dict[str, float | None], case_dir: str | Path) -> pd.DataFrame:
    """The one-row case table a model predicts from (ids carry no patient information)."""
    row: dict[str, Any] = {"case_id": CASE_ID, "subject_id": CASE_ID, "label": 0,
                           "case_dir": str(case_dir)}
    row.update({k: (np.nan if v is None else float(v)) for k, v in features.items()})
    return pd.DataFrame([row])


def predict(risk: RiskModel, cases: pd.DataFrame) -> float | None:
    """P(stroke) of the one case in ``cases``; None when the model gives no finite value."""
    p = float(np.asarray(risk.model.predict_proba(cases), dtype=float)[0, 1])
    return p if math.isfinite(p) else None


def attributions(risk: RiskModel, cases: pd.DataFrame) -> tuple[pd.DataFrame, str, str]:
    """Per-feature contributions to this case's prediction.

    Returns (table with columns feature, value, reference, contribution; method; unit of
    the contributions). SHAP values (:mod:`strokescreen.models.explain`) for the linear and
    tree pipelines; the occlusion fallback for other feature models; an empty table
    (method "none") for models without feature columns.
    """
    from strokescreen.models.explain import explain

    empty = pd.DataFrame(columns=["feature", "value", "reference", "contribution"])
    if not risk.uses_features:
        return empty, "none", ""
    names = [str(n) for n in risk.model.feature_names_in_]
    x = cases[names].to_numpy(dtype=float)[0]
    pipe = getattr(risk.model, "pipeline_", None)
    imputer = dict(getattr(pipe, "steps", []) or []).get("impute")
    reference = np.full(len(names), np.nan)
    if imputer is not None and hasattr(imputer, "statistics_"):
        reference = np.asarray(imputer.statistics_, dtype=float)
    ex = explain(risk.model, cases.iloc[:1])
    if ex is not None:
        return (pd.DataFrame({"feature": names, "value": x, "reference": reference,
                              "contribution": ex.values[0]}), ex.method, ex.unit)
    if not np.isfinite(reference).any():
        return empty, "none", ""
    base = predict(risk, cases)
    if base is None:
        return empty, "none", ""
    occluded = pd.concat([cases] * len(names), ignore_index=True)
    for j, name in enumerate(names):
        occluded.loc[j, name] = reference[j]
    p = np.asarray(risk.model.predict_proba(occluded), dtype=float)[:, 1]
    return (pd.DataFrame({"feature": names, "value": x, "reference": reference,
                          "contribution": base - p}), "occlusion", "probability")


METHOD_TEXT = {
    "shap-linear": "exact SHAP values of the logistic regression: coefficient × standardised "
                   "value (log-odds; with the base value they add up to the logit of the "
                   "probability)",
    "shap-tree": "tree SHAP values of the tree ensemble (with the base value they add up to "
                 "the model's output)",
    "occlusion": "change in probability when the measure is replaced by its training median",
    "none": "not available: this model reads the recording directly, not the measures",
}
