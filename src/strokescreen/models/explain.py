"""SHAP explanations of the classical models, per case, in the original feature space.

A classical model is one pipeline impute (median) -> standardise -> classifier. Both
preprocessing steps act on one column at a time, so the classifier's SHAP values over
the standardised columns are, one for one, the SHAP values of the original features:

- linear classifier (logistic regression): exact linear SHAP (``shap.LinearExplainer``,
  interventional) with the training distribution of the standardised features as
  background. Standardisation makes that background's mean 0, so the SHAP value of
  feature j is ``coef_j * z_j`` (z: the case's imputed, standardised value), computed in
  that closed form (the tests check it against ``shap.LinearExplainer``); the values plus
  the intercept add up to the log-odds; unit "log-odds".
- tree ensembles (random forest, gradient boosting): ``shap.TreeExplainer`` (exact tree
  SHAP, path-dependent: the training cover of every node is the background). Values
  plus the expected value add up to the model output: P(stroke) for a random forest
  (unit "probability"), the log-odds for gradient boosting ("log-odds").

A model recalibrated with the logistic map (``logit q = a + b logit p``) keeps an
additive split in log-odds: values are scaled by b and the base becomes ``a + b base``.
Any other recalibration (isotonic) is monotone: the values explain the model before it,
and their directions hold. Models that are not such a pipeline (extra steps, deep models,
the dummy) get ``None``: the caller decides what to do instead.

``shap`` is imported where used, so importing this module costs nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.errors import InputError
from strokescreen.features.families import feature_family
from strokescreen.models.columns import model_inputs

METHOD_TEXT = {
    "shap-linear": "exact SHAP values of the logistic regression (coefficient x standardised "
                   "value; with the base value they add up to the log-odds of the probability)",
    "shap-tree": "tree SHAP values (exact for the tree ensemble; with the base value they add "
                 "up to the model's output)",
}


@dataclass(frozen=True)
class Explanation:
    """SHAP values of n cases over p features.

    values : ndarray, shape (n, p), in ``unit``; base_values : shape (n,), the expected
    model output; data : shape (n, p), the cases' original feature values (NaN = missing);
    features : the p column names; method : "shap-linear" or "shap-tree"; unit :
    "log-odds" or "probability"; note : how recalibration was treated ("" if none).
    """

    values: np.ndarray
    base_values: np.ndarray
    data: np.ndarray
    features: list[str]
    method: str
    unit: str
    note: str = ""

    def output(self) -> np.ndarray:
        """base + sum of values per case: the explained model output, shape (n,)."""
        return self.base_values + self.values.sum(axis=1)


def _parts(model: Any) -> tuple[Any, Any, Any] | None:
    """(imputer or None, scaler or None, classifier) of a plain classical pipeline."""
    pipe = getattr(model, "pipeline_", None)
    steps = dict(getattr(pipe, "steps", []) or [])
    if not steps or set(steps) - {"magnitude", "impute", "scale", "clf"}:
        return None
    return steps.get("impute"), steps.get("scale"), steps["clf"]


def _is_tree_ensemble(clf: Any) -> bool:
    from sklearn.ensemble import (
        ExtraTreesClassifier,
        GradientBoostingClassifier,
        RandomForestClassifier,
    )
    from sklearn.tree import DecisionTreeClassifier

    kinds = (RandomForestClassifier, ExtraTreesClassifier, GradientBoostingClassifier,
             DecisionTreeClassifier)
    return isinstance(clf, kinds)


def can_explain(model: Any) -> bool:
    """True when :func:`explain` gives SHAP values for ``model`` (a fitted model)."""
    parts = _parts(model)
    if parts is None or getattr(model, "feature_names_in_", None) is None:
        return False
    _imputer, scaler, clf = parts
    linear = hasattr(clf, "coef_") and np.ravel(clf.coef_).size == len(model.feature_names_in_)
    return (linear and scaler is not None) or _is_tree_ensemble(clf)


def _import_shap() -> Any:
    try:
        import shap
    except ImportError as exc:  # pragma: no cover - shap is a main dependency
        raise InputError("SHAP explanations need the 'shap' package; reinstall strokescreen "
                         "(`make setup`)") from exc
    return shap


def explain(model: Any, cases: pd.DataFrame) -> Explanation | None:
    """SHAP values of ``model``'s P(stroke) for every row of ``cases``; None when the
    model is not a linear or tree pipeline over the feature table (see the module doc).

    cases : the case table (feature columns named as at ``fit``); shape (n, ...).
    """
    if not can_explain(model):
        return None
    imputer, scaler, clf = _parts(model)  # type: ignore[misc]
    names = [str(c) for c in model.feature_names_in_]
    missing = [c for c in names if c not in cases.columns]
    if missing:
        raise InputError(f"{len(missing)} feature column(s) the model was trained on are "
                         f"missing: {', '.join(missing[:10])}")
    x = model_inputs(model.pipeline_, cases[names].to_numpy(dtype=float))
    z = x if imputer is None else imputer.transform(x)
    if scaler is not None:
        z = scaler.transform(z)
    positive = list(getattr(clf, "classes_", [0, 1])).index(1)
    if hasattr(clf, "coef_"):
        # shap.LinearExplainer's interventional values against the standardised training
        # data (mean 0) are coef x z: computed in closed form, so that `assess` does not pay
        # shap's import (about 1 s); tests check both agree to 1e-10
        values = np.ravel(clf.coef_)[None, :] * z
        base = np.full(len(x), float(np.ravel(clf.intercept_)[0]))
        if positive == 0:  # a classifier whose coef_ points at class 0
            values, base = -values, -base
        method, unit = "shap-linear", "log-odds"
    else:
        shap = _import_shap()
        explainer = shap.TreeExplainer(clf)
        ex = explainer(z, check_additivity=False)
        values = np.asarray(ex.values, dtype=float)
        base = np.asarray(ex.base_values, dtype=float)
        if values.ndim == 3:  # one slice per class (random forest: probabilities)
            values, base = values[:, :, positive], base[:, positive]
            unit = "probability"
        else:  # one output: the log-odds of class 1 (gradient boosting)
            unit = "log-odds"
        base = np.broadcast_to(np.ravel(base) if base.size == len(x) else base.ravel()[0],
                               (len(x),)).astype(float)
        method = "shap-tree"
    note = ""
    calibrator = getattr(model, "calibrator_", None)
    cal_method = getattr(calibrator, "method", "none")
    if calibrator is not None and cal_method != "none":
        if cal_method == "sigmoid" and unit == "log-odds":
            a, b = float(calibrator.values["intercept"]), float(calibrator.values["slope"])
            values, base = b * values, a + b * base
            note = "scaled by the logistic recalibration's slope (log-odds after recalibration)"
        else:
            note = (f"of the model before its {cal_method} recalibration (a monotone map: the "
                    "directions hold)")
    return Explanation(values, base, x, names, method, unit, note)


def explanation_table(expl: Explanation, ids: pd.DataFrame, *, fold: str | list[str] = "")\
        -> pd.DataFrame:
    """Long table, one row per (case, feature): case_id, subject_id, fold, feature, family,
    value, shap, base_value, method, unit. ``ids`` has case_id and subject_id per case."""
    n, p = expl.values.shape
    folds = np.repeat(np.asarray(fold if isinstance(fold, list) else [fold] * n, dtype=object), p)
    families = [feature_family(f) for f in expl.features]
    return pd.DataFrame({
        "case_id": np.repeat(ids["case_id"].astype(str).to_numpy(), p),
        "subject_id": np.repeat(ids["subject_id"].astype(str).to_numpy(), p),
        "fold": folds,
        "feature": np.tile(np.asarray(expl.features, dtype=object), n),
        "family": np.tile(np.asarray(families, dtype=object), n),
        "value": expl.data.reshape(-1),
        "shap": expl.values.reshape(-1),
        "base_value": np.repeat(expl.base_values, p),
        "method": expl.method,
        "unit": expl.unit,
    })


def family_values(table: pd.DataFrame) -> pd.DataFrame:
    """Per case and family, the sum of the family's SHAP values (SHAP values add up):
    columns case_id, family, shap."""
    return table.groupby(["case_id", "family"], sort=False, as_index=False)["shap"].sum()


def global_summary(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(per feature, per family) mean |SHAP| over cases, largest first; columns
    feature|family, family (per feature only), mean_abs_shap, mean_shap."""
    feat = (table.assign(abs_shap=table["shap"].abs())
            .groupby(["feature", "family"], as_index=False)
            .agg(mean_abs_shap=("abs_shap", "mean"), mean_shap=("shap", "mean"))
            .sort_values("mean_abs_shap", ascending=False, kind="stable")
            .reset_index(drop=True))
    fam = family_values(table)
    fam = (fam.assign(abs_shap=fam["shap"].abs())
           .groupby("family", as_index=False)
           .agg(mean_abs_shap=("abs_shap", "mean"), mean_shap=("shap", "mean"))
           .sort_values("mean_abs_shap", ascending=False, kind="stable")
           .reset_index(drop=True))
    return feat, fam
