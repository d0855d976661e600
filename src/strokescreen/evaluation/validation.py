"""External validation of a trained model, unchanged, on a new cohort (another site or
period): discrimination, calibration before and after an optional logistic update, and
the decision curve.

The update re-estimates, on the new cohort, either the intercept (``"intercept"``:
``logit q = a + logit p``, recalibration-in-the-large) or intercept and slope
(``"slope"``: ``logit q = a + b logit p``, logistic recalibration). Measuring the updated
probabilities on the same cases that fitted the update would flatter it (its slope would be
exactly 1), so the *after* figures are cross-fitted: the cohort's subjects are split into
``folds`` class-stratified groups, and each group's probabilities are updated with the
coefficients fitted on the other groups. The coefficients fitted on the whole cohort are
reported too: they are the update a clinic would apply from then on.
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import ConfigError, InputError
from strokescreen.evaluation.calibration import calibration_summary
from strokescreen.evaluation.decision import decision_curve
from strokescreen.evaluation.metrics import operating_point
from strokescreen.evaluation.splits import stratified_group_kfold
from strokescreen.evaluation.summary import prediction_summary
from strokescreen.jsonable import finite_or_none
from strokescreen.models.calibration import logistic_fit, logit, sigmoid

UPDATES = ("none", "intercept", "slope")

__all__ = ["UPDATES", "apply_update", "external_validation", "fit_update"]


def fit_update(y: np.ndarray, p: np.ndarray, kind: str) -> tuple[float, float]:
    """(a, b) of the logistic update of ``p`` to ``y``; (0, 1) for ``"none"``."""
    if kind == "none":
        return 0.0, 1.0
    lp = logit(p)
    if kind == "intercept":
        return float(logistic_fit(None, y, offset=lp)[0]), 1.0
    a, b = logistic_fit(lp, y)
    return float(a), float(b)


def apply_update(p: np.ndarray, a: float, b: float) -> np.ndarray:
    """sigmoid(a + b logit p)."""
    return sigmoid(a + b * logit(p))


def external_validation(
    y: np.ndarray,
    p: np.ndarray,
    groups: np.ndarray,
    *,
    threshold: float,
    update: str = "slope",
    folds: int = 5,
    seed: int = 0,
    n_bootstrap: int = 1000,
    reference_specificity: float,
) -> tuple[dict, np.ndarray]:
    """Every external-validation figure of probabilities ``p`` on the new cohort.

    y, p, groups : shape (n,), labels, the model's unchanged P(stroke), subject ids.
    threshold : the model's saved (prespecified) threshold.
    Returns (block, updated): ``block`` holds discrimination (``prediction_summary`` keys),
    ``at_model_threshold``, ``calibration_before``, ``update`` (kind, coefficients on the
    whole cohort, how the after-figures were obtained), ``calibration_after``,
    ``decision_curve`` and ``decision_curve_after``; ``updated`` are the cross-fitted
    updated probabilities, shape (n,) (equal to ``p`` when ``update == "none"``).
    """
    if update not in UPDATES:
        raise ConfigError(f"update '{update}' is unknown; use one of {', '.join(UPDATES)}")
    y = np.asarray(y, dtype=int)
    p = np.asarray(p, dtype=float)
    groups = np.asarray(groups).astype(str)
    if len(np.unique(y)) < 2:
        raise InputError(f"the validation cohort's {y.size} scored cases hold a single class "
                         f"({int(y.sum())} stroke); discrimination and calibration need both")
    rng = np.random.default_rng(seed)
    block = prediction_summary(
        _frame(y, p, groups), reference_specificity=reference_specificity,
        n_bootstrap=n_bootstrap, rng=rng)
    block["at_model_threshold"] = {"chosen_on": "the model's training cohort (prespecified)",
                                   **operating_point(y, p, threshold)}
    block["calibration_before"] = calibration_summary(
        y, p, groups=groups, n_bootstrap=n_bootstrap, rng=np.random.default_rng((seed, 19)))
    block["decision_curve"] = decision_curve(y, p)
    updated = p.copy()
    a, b = fit_update(y, p, update)
    block["update"] = {"kind": update, "intercept": finite_or_none(a), "slope": finite_or_none(b),
                       "fitted_on": "the whole validation cohort (to apply from now on)"}
    if update != "none":
        k = int(min(folds, _min_class_subjects(y, groups)))
        if k < 2:
            raise InputError("the update needs at least 2 subjects of each class in the "
                             "validation cohort; use --update none")
        for f in stratified_group_kfold(y, groups, n_folds=k, seed=seed):
            fa, fb = fit_update(y[f.train], p[f.train], update)
            updated[f.test] = apply_update(p[f.test], fa, fb)
        block["update"]["after_figures"] = (
            f"cross-fitted: {k} subject-grouped folds of the validation cohort, each updated "
            "with coefficients fitted on the others")
        block["calibration_after"] = calibration_summary(
            y, updated, groups=groups, n_bootstrap=n_bootstrap,
            rng=np.random.default_rng((seed, 23)))
        block["auc_after_update"] = prediction_summary(
            _frame(y, updated, groups), reference_specificity=reference_specificity,
            n_bootstrap=0, rng=rng)["auc"]
        block["decision_curve_after"] = decision_curve(y, updated)
    return block, updated


def _min_class_subjects(y: np.ndarray, groups: np.ndarray) -> int:
    pos = set(groups[y == 1])
    neg = set(groups) - pos
    return min(len(pos), len(neg))


def _frame(y: np.ndarray, p: np.ndarray, groups: np.ndarray):  # type: ignore[no-untyped-def]
    import pandas as pd

    return pd.DataFrame({"label": y, "probability": p, "subject_id": groups})
