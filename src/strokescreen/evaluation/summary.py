"""Summaries of a set of predictions: the ``metrics.json`` blocks.

All values are JSON-ready: undefined numbers are ``None`` (never NaN), with a note saying why.
"""

from __future__ import annotations

from dataclasses import asdict

import numpy as np
import pandas as pd

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.evaluation.calibration import point_calibration
from strokescreen.evaluation.metrics import (
    REFERENCE_POINTS,
    bootstrap_auc,
    operating_point,
    roc_auc,
    threshold_for_sensitivity,
    threshold_for_specificity,
    youden_threshold,
)
from strokescreen.jsonable import finite_or_none

BOOTSTRAP_METHOD = (
    "stratified cluster bootstrap by subject (subjects resampled with replacement within "
    "subjects with / without a stroke case), percentile interval"
)


def prediction_summary(
    predictions: pd.DataFrame,
    *,
    reference_specificity: float = TRIAGE_SPECIFICITY,
    reference_sensitivity: float | None = None,
    n_bootstrap: int = 1000,
    rng: np.random.Generator,
    specificity_match: str = "at_least",
) -> dict:
    """AUC with its CI and operating points of pooled predictions.

    predictions : columns label (0/1), probability, subject_id; one row per case.

    Operating points: at 0.5; at the threshold whose specificity is >= the reference with
    the highest sensitivity (chosen on these same predictions: an *aligned* comparison with
    the reference, not a prospective estimate); optionally at a reference sensitivity; and
    at Youden's J. ``specificity_match``: ``"at_least"`` (specificity >= the reference)
    or ``"closest"`` (the specificity nearest to it, as the DeepStroke paper reads it).
    """
    y = predictions["label"].to_numpy(dtype=int)
    p = predictions["probability"].to_numpy(dtype=float)
    groups = predictions["subject_id"].astype(str).to_numpy()
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    out: dict = {
        "n_cases": int(y.size),
        "n_subjects": int(len(np.unique(groups))),
        "n_pos": n_pos,
        "n_neg": n_neg,
    }
    auc = roc_auc(y, p)
    out["auc"] = finite_or_none(auc)
    if out["auc"] is None:
        out["auc_ci"] = None
        out["auc_note"] = (
            f"AUC undefined: the evaluated cases hold a single class ({n_pos} stroke, "
            f"{n_neg} not stroke)"
        )
    else:
        lo, hi, _ = bootstrap_auc(y, p, groups=groups, n_resamples=n_bootstrap, rng=rng)
        out["auc_ci"] = [finite_or_none(lo), finite_or_none(hi)] if n_bootstrap > 0 else None
    out["auc_ci_method"] = f"{BOOTSTRAP_METHOD}, {n_bootstrap} resamples, 95%"
    out["at_0.5"] = operating_point(y, p, 0.5)
    if n_neg and n_pos:
        t = threshold_for_specificity(y, p, reference_specificity, match=specificity_match)
        out["at_reference_specificity"] = {
            "reference_specificity": reference_specificity,
            "match": specificity_match,
            "chosen_on": "these predictions (aligned comparison)",
            **operating_point(y, p, t),
        }
        if reference_sensitivity is not None:
            t = threshold_for_sensitivity(y, p, reference_sensitivity)
            out["at_reference_sensitivity"] = {
                "reference_sensitivity": reference_sensitivity,
                "chosen_on": "these predictions (aligned comparison)",
                **operating_point(y, p, t),
            }
        out["youden"] = operating_point(y, p, youden_threshold(y, p))
    else:
        out["at_reference_specificity"] = None
        out["operating_point_note"] = "operating points need both classes"
    out["reference_points"] = {r.name: asdict(r) for r in REFERENCE_POINTS}
    return out


def per_group_auc(predictions: pd.DataFrame, by: str) -> list[dict]:
    """AUC and calibration (Brier, intercept, slope) per value of column ``by`` (a fold or
    fold model), with class counts and notes.

    A group holding a single class gets ``auc: None`` and a note; it is never averaged.
    """
    rows = []
    for name, part in predictions.groupby(by, sort=False):
        y = part["label"].to_numpy(dtype=int)
        n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
        auc = finite_or_none(roc_auc(y, part["probability"].to_numpy(dtype=float)))
        row = {
            by: str(name),
            "n": int(y.size),
            "n_subjects": int(part["subject_id"].nunique()),
            "n_pos": n_pos,
            "n_neg": n_neg,
            "auc": auc,
        }
        cal = point_calibration(y, part["probability"].to_numpy(dtype=float))
        row.update({"brier": cal["brier"], "calibration_intercept": cal["intercept"],
                    "calibration_slope": cal["slope"]})
        if auc is None:
            only = "stroke (1)" if n_pos else "not stroke (0)"
            row["note"] = (
                f"single class in this {by}: all {y.size} case(s) {only}; "
                "AUC undefined, not averaged"
            )
        rows.append(row)
    return rows


def spread(values: list[float | None]) -> dict:
    """Mean, SD (ddof=1), min, max over the defined values, with counts."""
    v = np.array([x for x in values if x is not None], dtype=float)
    return {
        "n_defined": int(v.size),
        "n_undefined": int(len(values) - v.size),
        "mean": finite_or_none(v.mean()) if v.size else None,
        "sd": finite_or_none(v.std(ddof=1)) if v.size > 1 else None,
        "min": finite_or_none(v.min()) if v.size else None,
        "max": finite_or_none(v.max()) if v.size else None,
    }
