"""Recalibration as part of training: a model whose probabilities are mapped, after the
fact, onto how often stroke signs were seen among the training subjects it did not see.

:class:`CalibratedModel` wraps any model with the case-table contract. ``fit(cases, y)``

1. splits the *training* cases into ``folds`` subject-grouped, class-stratified inner folds;
2. fits a fresh copy of the model on each inner training part and predicts the held-out
   inner part, so every training case gets a probability from a model that never saw its
   subject;
3. fits the calibrator on those held-out probabilities (``sigmoid``: logistic recalibration
   ``logit q = a + b logit p``, Platt-style; ``isotonic``: a monotone step function);
4. fits the model on all training cases.

``predict_proba`` is the calibrator applied to the final model's probability. The wrapper
only ever receives training cases: under cross-validation the test fold never reaches the
calibrator. ``method="none"`` leaves the probabilities as they are (no inner fits).

A saved calibrated model is the inner model's own weights plus the calibrator as plain
numbers in ``model.json`` (see :mod:`strokescreen.models.persist`).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, clone

from strokescreen.errors import ConfigError, InputError, NotFittedError
from strokescreen.models.base import check_labels

CALIBRATION_METHODS = ("none", "sigmoid", "isotonic")
#: Chosen by measurement (``benchmarks/calibration_measure.py``, realistic synthetic cohort,
#: subject-grouped 5-fold CV): the logistic map kept the AUC and brought the calibration
#: slope of every classical model nearest 1 with the lowest Brier; the isotonic step
#: function, fitted on a few hundred held-out training cases, puts probabilities of exactly
#: 0 or 1 on whole steps (over-confident: slope far below 1) and can tie scores (AUC moves).
DEFAULT_CALIBRATION = "sigmoid"
EPS = 1e-6

__all__ = [
    "CALIBRATION_METHODS",
    "DEFAULT_CALIBRATION",
    "CalibratedModel",
    "Calibrator",
    "calibrated_factory",
    "check_method",
    "logistic_fit",
    "logit",
]


def logit(p: np.ndarray) -> np.ndarray:
    """log(p / (1 - p)) of ``p`` clipped to [EPS, 1 - EPS]."""
    q = np.clip(np.asarray(p, dtype=float), EPS, 1.0 - EPS)
    return np.log(q) - np.log1p(-q)


def sigmoid(z: np.ndarray) -> np.ndarray:
    """1 / (1 + exp(-z)), overflow-free."""
    return 0.5 * (1.0 + np.tanh(0.5 * np.asarray(z, dtype=float)))


def logistic_fit(
    x: np.ndarray | None,
    y: np.ndarray,
    *,
    offset: np.ndarray | None = None,
    weights: np.ndarray | None = None,
    max_iter: int = 50,
    tol: float = 1e-10,
    ridge: float = 1e-8,
) -> np.ndarray:
    """Unpenalised logistic regression by Newton-Raphson.

    x : ndarray, shape (n,) one covariate, or None for an intercept-only model.
    offset : ndarray, shape (n,), added to the linear predictor with coefficient 1.
    weights : ndarray, shape (n,), case weights (e.g. bootstrap multiplicities).
    Returns the coefficients: [intercept] or [intercept, slope]. A tiny ridge keeps the
    Newton step defined under separation (the estimate then grows large, not infinite).
    """
    y = np.asarray(y, dtype=float)
    n = y.size
    design = np.ones((n, 1)) if x is None else np.column_stack([np.ones(n), np.asarray(x, float)])
    off = np.zeros(n) if offset is None else np.asarray(offset, dtype=float)
    w = np.ones(n) if weights is None else np.asarray(weights, dtype=float)
    beta = np.zeros(design.shape[1])
    for _ in range(max_iter):
        mu = sigmoid(design @ beta + off)
        grad = design.T @ (w * (y - mu)) - ridge * beta
        hess = (design * (w * mu * (1.0 - mu))[:, None]).T @ design
        hess[np.diag_indices_from(hess)] += ridge
        step = np.linalg.solve(hess, grad)
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            break
    return beta


def check_method(method: str) -> str:
    """``method`` if it is a calibration method; ConfigError naming the valid ones."""
    if method not in CALIBRATION_METHODS:
        raise ConfigError(f"calibration '{method}' is unknown; use one of "
                          f"{', '.join(CALIBRATION_METHODS)}")
    return method


class Calibrator:
    """A fitted map from a probability to a recalibrated probability, stored as numbers.

    sigmoid: ``q = sigmoid(a + b logit p)`` (``intercept`` a, ``slope`` b);
    isotonic: ``q = interp(p, x, y)`` over the step function's knots (flat outside them).
    NaN probabilities (a model that found no usable input) stay NaN.
    """

    def __init__(self, method: str, **values: Any) -> None:
        self.method = check_method(method)
        self.values = values

    @classmethod
    def fit(cls, method: str, p: np.ndarray, y: np.ndarray) -> Calibrator:
        p = np.asarray(p, dtype=float)
        y = np.asarray(y, dtype=int)
        ok = np.isfinite(p)
        p, y = p[ok], y[ok]
        if method == "none":
            return cls("none")
        if len(np.unique(y)) < 2:
            raise InputError(
                f"recalibration needs held-out predictions of both classes; got {y.size} "
                f"case(s) of label {sorted(set(y.tolist()))}; use --calibration none or a "
                "cohort with more subjects of each class")
        if method == "sigmoid":
            a, b = logistic_fit(logit(p), y)
            if not b > 0.0:
                # Recalibration may rescale a model's probabilities, never reorder them: a
                # slope <= 0 (held-out predictions that do not rank the classes, as happens
                # with a handful of training subjects) would invert or flatten the ranking
                # the final model learns from all of them. Keep its probabilities as they are.
                return cls("none", skipped=(
                    f"sigmoid recalibration skipped: the held-out training predictions did "
                    f"not rank the classes (fitted slope {b:.2f} <= 0)"))
            return cls("sigmoid", intercept=float(a), slope=float(b))
        from sklearn.isotonic import IsotonicRegression

        iso = IsotonicRegression(y_min=0.0, y_max=1.0, out_of_bounds="clip").fit(p, y)
        return cls("isotonic", x=[float(v) for v in iso.X_thresholds_],
                   y=[float(v) for v in iso.y_thresholds_])

    def transform(self, p: np.ndarray) -> np.ndarray:
        p = np.asarray(p, dtype=float)
        if self.method == "none":
            return p.copy()
        if self.method == "sigmoid":
            q = sigmoid(self.values["intercept"] + self.values["slope"] * logit(p))
        else:
            q = np.interp(p, self.values["x"], self.values["y"])
        return np.where(np.isfinite(p), q, np.nan)

    def to_dict(self) -> dict[str, Any]:
        return {"method": self.method, **self.values}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Calibrator:
        try:
            values = {k: v for k, v in data.items() if k != "method"}
            cal = cls(str(data["method"]), **values)
            cal.transform(np.array([0.5]))  # every number it needs is there
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise InputError(f"model.json: calibration block {data!r} is malformed ({exc}); "
                             "the model folder is damaged; retrain it") from None
        return cal


class CalibratedModel(BaseEstimator):
    """A model recalibrated on held-out training subjects (see the module docstring).

    Parameters
    ----------
    estimator : an unfitted model with the case-table contract (cloned at every fit).
    method : "sigmoid", "isotonic" or "none".
    folds : inner subject-grouped folds for the held-out probabilities.
    random_state : seed of the inner fold assignment.
    """

    def __init__(self, estimator: Any = None, *, method: str = DEFAULT_CALIBRATION,
                 folds: int = 3, random_state: int | None = 0) -> None:
        self.estimator = estimator
        self.method = method
        self.folds = folds
        self.random_state = random_state

    # --- the wrapped model's interface -------------------------------------------------
    @property
    def uses_features(self) -> bool:
        return bool(getattr(self.estimator, "uses_features", True))

    @property
    def weights_format(self) -> str:
        return str(getattr(self.estimator, "weights_format", "joblib"))

    def __getattr__(self, name: str) -> Any:
        # fitted attributes of the inner model (feature_names_in_, classes_, pipeline_)
        if name.endswith("_") and not name.startswith("__") and "estimator_" in self.__dict__:
            return getattr(self.__dict__["estimator_"], name)
        raise AttributeError(name)

    def _check_fitted(self) -> None:
        if "estimator_" not in self.__dict__:
            raise NotFittedError(f"{type(self).__name__} is not fitted yet; call fit(cases, y) "
                                 "before predicting")

    @property
    def feature_schema(self) -> list[str]:
        self._check_fitted()
        return list(self.estimator_.feature_schema)

    def feature_importance(self) -> pd.Series | None:
        self._check_fitted()
        fn = getattr(self.estimator_, "feature_importance", None)
        return fn() if callable(fn) else None

    # --- fit / predict -----------------------------------------------------------------
    def _inner_folds(self, cases: pd.DataFrame, y: np.ndarray) -> list[tuple[np.ndarray, ...]]:
        from sklearn.model_selection import StratifiedGroupKFold

        groups = cases["subject_id"].astype(str).to_numpy()
        subj_label = pd.Series(y).groupby(groups).max()
        n_min = int(subj_label.value_counts().reindex([0, 1], fill_value=0).min())
        k = min(int(self.folds), n_min)
        if k < 2:
            raise InputError(
                f"recalibration ({self.method}) needs at least 2 training subjects of each "
                f"class for its inner folds; the training part has {n_min} subject(s) of the "
                "rarer class; use --calibration none or a larger cohort")
        cv = StratifiedGroupKFold(n_splits=k, shuffle=True, random_state=self.random_state)
        return [(tr, te) for tr, te in cv.split(np.zeros(len(y)), y, groups)]

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> CalibratedModel:
        method = check_method(self.method)
        if self.estimator is None:
            raise ConfigError("CalibratedModel needs an estimator")
        cases = cases.reset_index(drop=True)
        y = check_labels(y, len(cases))
        held_out = np.full(len(cases), np.nan)
        if method != "none":
            for tr, te in self._inner_folds(cases, y):
                inner = clone(self.estimator).fit(cases.iloc[tr].reset_index(drop=True), y[tr])
                held_out[te] = np.asarray(
                    inner.predict_proba(cases.iloc[te].reset_index(drop=True)), float)[:, 1]
        self.calibrator_ = Calibrator.fit(method, held_out, y)
        self.held_out_proba_ = held_out
        self.fitted_case_ids_ = cases["case_id"].astype(str).to_numpy() \
            if "case_id" in cases.columns else np.array([], dtype=str)
        self.estimator_ = clone(self.estimator).fit(cases, y)
        return self

    @classmethod
    def from_fitted(cls, estimator: Any, calibrator: Calibrator) -> CalibratedModel:
        """Rebuild a calibrated model from a fitted inner model and its calibrator."""
        model = cls(estimator, method=calibrator.method)
        model.estimator_ = estimator
        model.calibrator_ = calibrator
        return model

    def predict_proba_uncalibrated(self, cases: pd.DataFrame) -> np.ndarray:
        """The inner model's P(stroke), shape (n_cases,)."""
        self._check_fitted()
        return np.asarray(self.estimator_.predict_proba(cases), dtype=float)[:, 1]

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """Recalibrated probabilities, shape (n_cases, 2); column 1 = P(stroke)."""
        q = self.calibrator_.transform(self.predict_proba_uncalibrated(cases))
        return np.column_stack([1.0 - q, q])

    def predict(self, cases: pd.DataFrame, *, threshold: float = 0.5) -> np.ndarray:
        return (self.predict_proba(cases)[:, 1] >= threshold).astype(int)


def calibrated_factory(factory: Callable[[], Any], method: str, *, folds: int = 3,
                       seed: int | None = 0) -> Callable[[], Any]:
    """``factory`` wrapped so every model it builds is recalibrated with ``method``.

    ``method == "none"`` returns ``factory`` itself. The returned factory keeps
    ``model_name`` and gets ``params`` plus ``calibration``.
    """
    check_method(method)
    if method == "none":
        return factory

    def build() -> CalibratedModel:
        return CalibratedModel(factory(), method=method, folds=folds, random_state=seed)

    build.model_name = getattr(factory, "model_name", "model")  # type: ignore[attr-defined]
    build.params = dict(getattr(factory, "params", {}))  # type: ignore[attr-defined]
    build.calibration = method  # type: ignore[attr-defined]
    return build
