"""Models of a graded target (severity, a grade, a change since the last visit).

Same contract as the classifiers (``fit(cases, y) -> self``, learned state ending in
``_``, NotFittedError before ``fit``) with ``target_kind = "graded"``: ``y`` is a float
array and :meth:`predict` gives one number per case in the target's units. They read the
same feature columns (``face_*``, ``speech_*``, ``meta_*``; shape-free face inputs by
default, see :mod:`strokescreen.models.columns`; a column missing in more than
``max_missing``, one half, of the training rows left out), imputed with the training
medians and standardised inside the fold.

- ``ridge``: ridge regression (L2; the penalty chosen inside each training part);
- ``rf-regressor``: random-forest regression;
- ``ordinal-logit``: ordinal regression by thresholds (Frank & Hall, 2001): one logistic
  model of P(y > g) per cut between consecutive training grades, made monotone, and the
  expected grade g_0 + sum_k P(y > g_k) (g_{k+1} - g_k); integer grades only;
- ``dummy-grade``: the training mean, whatever the case (the floor to clear).
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np
import pandas as pd
from sklearn.dummy import DummyRegressor
from sklearn.ensemble import RandomForestRegressor
from sklearn.linear_model import LogisticRegression, Ridge, RidgeCV

from strokescreen.errors import InputError
from strokescreen.models.classical import SklearnModel, _one_blas_thread
from strokescreen.models.columns import MAX_MISSING, check_face_inputs, check_max_missing


def check_graded(y: np.ndarray | pd.Series, n_cases: int) -> np.ndarray:
    """``y`` as a finite float array of shape (n_cases,); InputError otherwise."""
    try:
        arr = np.asarray(y, dtype=float)
    except (TypeError, ValueError) as exc:
        raise InputError("a graded target must hold numbers") from exc
    if arr.shape != (n_cases,):
        raise InputError(f"target has shape {arr.shape}; expected ({n_cases},), one per case")
    if not np.isfinite(arr).all():
        raise InputError("the graded target has missing values; leave those cases out")
    return arr


class GradedSklearnModel(SklearnModel):
    """A scikit-learn regressor behind the case-table interface (see the module)."""

    target_kind: ClassVar[str] = "graded"

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> GradedSklearnModel:
        cols = self._columns(cases)
        y = check_graded(y, len(cases))
        cols, X = self._fit_matrix(cases, cols)
        with _one_blas_thread():
            self.pipeline_ = self._pipeline(cols).fit(X, y)
        self.feature_names_in_ = np.asarray(cols, dtype=object)
        self.n_features_in_ = len(cols)
        self.y_range_ = (float(y.min()), float(y.max()))
        return self

    def _check_fitted(self, attribute: str = "pipeline_") -> None:
        super()._check_fitted(attribute)

    def predict(self, cases: pd.DataFrame, **_: Any) -> np.ndarray:  # type: ignore[override]
        """Predicted target value per case, shape (n_cases,), in the target's units."""
        X = self._matrix(cases)
        with _one_blas_thread():
            return np.asarray(self.pipeline_.predict(X), dtype=float)

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        raise InputError("this model predicts a graded target, not a stroke probability; "
                         "assess and validate take a classifier (train one with --target "
                         "label), and a graded model's figures come from `evaluate --target`")


class OrdinalThresholds(GradedSklearnModel):
    """Ordinal regression by thresholds (one logistic model per cut between grades)."""

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> OrdinalThresholds:
        y = check_graded(y, len(cases))
        if not np.allclose(y, np.round(y)):
            raise InputError("ordinal-logit needs integer grades and this target has fractional"
                             " values; use ridge or rf-regressor for a continuous target")
        grades = np.unique(np.round(y))
        if grades.size < 2:
            raise InputError(f"all {y.size} training cases have grade {grades[0]:g}; an ordinal "
                             "model needs two grades or more")
        cols, X = self._fit_matrix(cases)
        pipes = []
        with _one_blas_thread():
            for g in grades[:-1]:
                pipes.append(self._pipeline(cols).fit(X, (y > g).astype(int)))
        self.pipelines_ = pipes
        self.pipeline_ = pipes[0]
        self.grades_ = grades
        self.feature_names_in_ = np.asarray(cols, dtype=object)
        self.n_features_in_ = len(cols)
        self.y_range_ = (float(grades[0]), float(grades[-1]))
        return self

    def grade_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """P(grade = g_k) per case and training grade, shape (n_cases, n_grades)."""
        X = self._matrix(cases)
        with _one_blas_thread():
            above = np.column_stack([p.predict_proba(X)[:, 1] for p in self.pipelines_])
        above = np.minimum.accumulate(above, axis=1)  # P(y > g) falls with g
        cum = np.column_stack([np.ones(len(X)), above, np.zeros(len(X))])
        return cum[:, :-1] - cum[:, 1:]

    def predict(self, cases: pd.DataFrame, **_: Any) -> np.ndarray:  # type: ignore[override]
        """Expected grade per case, shape (n_cases,)."""
        return self.grade_proba(cases) @ self.grades_

    def feature_importance(self) -> pd.Series | None:
        self._check_fitted("pipelines_")
        coef = np.mean([np.ravel(p[-1].coef_) for p in self.pipelines_], axis=0)
        return pd.Series(coef, index=list(self.feature_names_in_), name="importance")


#: Penalties that ``ridge`` chooses among (by efficient leave-one-out on the training part).
RIDGE_ALPHAS: tuple[float, ...] = tuple(float(a) for a in np.logspace(-2, 4, 13))


def make_ridge(*, alpha: float | None = None, random_state: int | None = None,
               face_inputs: str = "shape-free",
               max_missing: float = MAX_MISSING) -> GradedSklearnModel:
    """Ridge regression on median-imputed, standardised features; ``alpha`` None chooses
    the penalty among :data:`RIDGE_ALPHAS` inside each training part (generalised
    cross-validation), since a fixed small penalty overfits a table with more features
    than subjects."""
    return GradedSklearnModel(RidgeCV(alphas=RIDGE_ALPHAS) if alpha is None
                              else Ridge(alpha=alpha), face_inputs=check_face_inputs(face_inputs),
                              max_missing=check_max_missing(max_missing))


def make_rf_regressor(
    *,
    n_estimators: int = 300,
    max_depth: int | None = None,
    min_samples_leaf: int = 2,
    max_features: str | float = 1.0,
    n_jobs: int = 1,
    random_state: int | None = None,
    face_inputs: str = "shape-free",
    max_missing: float = MAX_MISSING,
) -> GradedSklearnModel:
    """Random-forest regression on median-imputed features."""
    return GradedSklearnModel(RandomForestRegressor(
        n_estimators=n_estimators, max_depth=max_depth, min_samples_leaf=min_samples_leaf,
        max_features=max_features, n_jobs=n_jobs, random_state=random_state),
        face_inputs=check_face_inputs(face_inputs),
        max_missing=check_max_missing(max_missing))


def make_ordinal_logit(*, C: float = 1.0, max_iter: int = 2000,
                       random_state: int | None = None,
                       face_inputs: str = "shape-free",
                       max_missing: float = MAX_MISSING) -> OrdinalThresholds:
    """Ordinal regression by thresholds with L2 logistic models."""
    return OrdinalThresholds(LogisticRegression(C=C, max_iter=max_iter,
                                                random_state=random_state),
                             face_inputs=check_face_inputs(face_inputs),
                             max_missing=check_max_missing(max_missing))


def make_dummy_grade(*, random_state: int | None = None,
                     face_inputs: str = "shape-free",
                     max_missing: float = MAX_MISSING) -> GradedSklearnModel:
    """The training mean for every case (reads the features only to check they exist)."""
    return GradedSklearnModel(DummyRegressor(strategy="mean"),
                              face_inputs=check_face_inputs(face_inputs),
                             max_missing=check_max_missing(max_missing))


def target_kind(model: Any) -> str:
    """``"label"`` for a classifier, ``"graded"`` for a model of a graded target."""
    return str(getattr(model, "target_kind", "label"))


__all__ = ["GradedSklearnModel", "OrdinalThresholds", "check_graded", "make_dummy_grade",
           "make_ordinal_logit", "make_rf_regressor", "make_ridge", "target_kind"]
