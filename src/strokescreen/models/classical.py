"""Classical models: scikit-learn pipelines over the case feature table.

Each model is impute (median) -> standardise -> classifier, fitted as one pipeline, so the
imputation medians and scaling statistics are learned from the training cases of a fold
only. Feature columns are the table's numeric ``face_*`` / ``speech_*`` columns less the
bookkeeping ones, with shape-free face inputs by default (``face_inputs``; per-side
absolute measures and face size left out, signed left-right comparisons as magnitudes:
:mod:`strokescreen.models.columns`). A column missing in more than ``max_missing`` (one
half) of the training rows is left out at ``fit`` (a mostly-imputed column is a protocol
indicator, not a sign; :func:`strokescreen.models.columns.observed_columns`); the kept
columns, in order, are the model's feature schema.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
from sklearn.base import clone
from sklearn.ensemble import GradientBoostingClassifier, RandomForestClassifier
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

from strokescreen.errors import InputError
from strokescreen.models.base import FEATURE_PREFIXES, CaseModel, check_labels
from strokescreen.models.columns import (
    MAX_MISSING,
    check_face_inputs,
    check_max_missing,
    magnitude_step,
    model_columns,
    observed_columns,
)

_CONTROLLER = None


def _one_blas_thread() -> Any:
    """Context limiting BLAS to one thread: on small tables, multi-threaded BLAS only adds
    contention (a 20x slow-down of L-BFGS fits was measured on 2 busy cores)."""
    global _CONTROLLER
    if _CONTROLLER is None:
        from threadpoolctl import ThreadpoolController

        _CONTROLLER = ThreadpoolController()  # scans loaded libraries once
    return _CONTROLLER.limit(limits=1, user_api="blas")


class SklearnModel(CaseModel):
    """A scikit-learn classifier behind the case-table interface.

    Parameters
    ----------
    estimator : sklearn classifier with ``predict_proba`` (cloned at every ``fit``).
    impute : SimpleImputer strategy for missing feature values ("median", "mean"), or
        None to pass NaN through (only for estimators that accept NaN).
    scale : standardise features (fitted inside the pipeline, i.e. on training cases only).
    feature_prefixes : which columns are features.
    extra_steps : optional list of (name, transformer) inserted before the classifier
        (for instance a feature selector); cloned at every ``fit``.
    face_inputs : "shape-free" (default) or "all": which face columns are inputs and
        whether signed left-right comparisons enter as magnitudes
        (:mod:`strokescreen.models.columns`).
    max_missing : largest share (0..1) of the training rows in which an input column may be
        missing; a column missing in more is left out at ``fit`` (default one half; 1
        keeps every column). The left-out columns are ``sparse_columns_`` after ``fit``.
    """

    def __init__(
        self,
        estimator=None,
        *,
        impute: str | None = "median",
        scale: bool = True,
        feature_prefixes: tuple[str, ...] = FEATURE_PREFIXES,
        extra_steps: list | None = None,
        face_inputs: str = "shape-free",
        max_missing: float = MAX_MISSING,
    ) -> None:
        self.estimator = estimator
        self.impute = impute
        self.scale = scale
        self.feature_prefixes = feature_prefixes
        self.extra_steps = extra_steps
        self.face_inputs = face_inputs
        self.max_missing = max_missing

    def __setstate__(self, state: dict) -> None:
        # a model saved before face_inputs existed read every face column, signed; one
        # saved before max_missing existed kept every column, however sparse
        state.setdefault("face_inputs", "all")
        state.setdefault("max_missing", 1.0)
        if "pipeline_" in state:
            state.setdefault("sparse_columns_", ())
        super().__setstate__(state)

    def _face_inputs(self) -> str:
        return check_face_inputs(self.face_inputs)

    def _columns(self, cases: pd.DataFrame) -> list[str]:
        """The model's input columns in ``cases``; InputError when there are none."""
        cols = model_columns(cases, prefixes=tuple(self.feature_prefixes),
                             face_inputs=self._face_inputs())
        if not cols:
            raise InputError(
                "the case table has no feature columns "
                f"({'/'.join(self.feature_prefixes)}*) a model may read; build it with "
                "`strokescreen features`"
            )
        return cols

    def _fit_matrix(self, cases: pd.DataFrame,
                    cols: list[str] | None = None) -> tuple[list[str], np.ndarray]:
        """(input columns, training matrix) for ``fit``: the model's columns (``cols`` when
        already found) less those missing in more than ``max_missing`` of the rows
        (recorded in ``sparse_columns_``)."""
        cols = self._columns(cases) if cols is None else cols
        kept, dropped = observed_columns(cases[cols].to_numpy(dtype=float), cols,
                                         check_max_missing(self.max_missing))
        if not kept:
            raise InputError(
                f"every one of the {len(cols)} feature columns is missing in more than "
                f"{self.max_missing:.0%} of the {len(cases)} training cases; train on cases "
                "with computed features (or set the model parameter max_missing=1)")
        self.sparse_columns_ = tuple(dropped)
        return kept, cases[kept].to_numpy(dtype=float)

    def _pipeline(self, columns: list[str] | None = None) -> Pipeline:
        steps: list = list(magnitude_step(columns or [], self._face_inputs()))
        if self.impute is not None:
            steps.append(("impute", SimpleImputer(strategy=self.impute, keep_empty_features=True)))
        if self.scale:
            steps.append(("scale", StandardScaler()))
        for name, step in self.extra_steps or []:
            steps.append((name, clone(step)))
        est = self.estimator if self.estimator is not None else LogisticRegression(max_iter=2000)
        steps.append(("clf", clone(est)))
        return Pipeline(steps)

    def fit(self, cases: pd.DataFrame, y: np.ndarray) -> SklearnModel:
        """Fit on ``cases`` (n_cases rows) and labels ``y`` (0/1, shape (n_cases,))."""
        cols = self._columns(cases)  # no feature columns: say so before the labels
        y = check_labels(y, len(cases))
        if len(np.unique(y)) < 2:
            raise InputError(
                f"all {len(y)} training cases have label {int(y[0])}; a model needs both classes"
            )
        cols, X = self._fit_matrix(cases, cols)
        with _one_blas_thread():
            self.pipeline_ = self._pipeline(cols).fit(X, y)
        self.feature_names_in_ = np.asarray(cols, dtype=object)
        self.n_features_in_ = len(cols)
        self.classes_ = np.array([0, 1])
        return self

    def _matrix(self, cases: pd.DataFrame) -> np.ndarray:
        self._check_fitted("pipeline_")
        missing = [c for c in self.feature_names_in_ if c not in cases.columns]
        if missing:
            raise InputError(
                f"{len(missing)} feature column(s) the model was trained on are missing: "
                f"{', '.join(missing[:10])}; compute features with the same strokescreen version"
            )
        return cases[list(self.feature_names_in_)].to_numpy(dtype=float)

    def predict_proba(self, cases: pd.DataFrame) -> np.ndarray:
        """P(not stroke), P(stroke) per case, shape (n_cases, 2)."""
        X = self._matrix(cases)
        with _one_blas_thread():
            proba = self.pipeline_.predict_proba(X)
        order = np.argsort(self.pipeline_.classes_)
        return proba[:, order]

    def feature_importance(self) -> pd.Series | None:
        """Coefficients on standardised features (linear) or impurity importance (trees)."""
        self._check_fitted("pipeline_")
        clf = self.pipeline_[-1]
        if len(self.pipeline_.steps) > 1 and any(
            n not in ("magnitude", "impute", "scale", "clf") for n, _ in self.pipeline_.steps
        ):
            return None  # extra steps may change the columns; no one-to-one mapping
        if hasattr(clf, "coef_"):
            values = np.ravel(clf.coef_)
        elif hasattr(clf, "feature_importances_"):
            values = np.asarray(clf.feature_importances_)
        else:
            return None
        return pd.Series(values, index=list(self.feature_names_in_), name="importance")


def _prefixes(scene: bool | str) -> tuple[str, ...]:
    """Feature prefixes of a classical model: ``face_``/``speech_``, plus ``scene_`` (the
    background statistics of :mod:`strokescreen.features.scene`, which carry no stroke
    sign) when ``scene`` is true: a model made able to learn a scene shortcut, for
    ``strokescreen shortcut-check``; ``scene="only"``: the scene columns alone (a model
    that can do nothing but cheat)."""
    if scene == "only":
        return ("scene_",)
    if scene not in (True, False):
        raise InputError(f"scene={scene!r}: use true, false or only")
    return FEATURE_PREFIXES + (("scene_",) if scene else ())


def make_logreg(
    *,
    C: float = 1.0,
    penalty: str = "l2",
    class_weight: str | dict | None = None,
    max_iter: int = 2000,
    random_state: int | None = None,
    scene: bool | str = False,
    face_inputs: str = "shape-free",
    max_missing: float = MAX_MISSING,
) -> SklearnModel:
    """L2 logistic regression on median-imputed, standardised features (``scene``: also
    the ``scene_*`` background columns, see :func:`_prefixes`)."""
    solver = "liblinear" if penalty == "l1" else "lbfgs"
    kwargs: dict = {
        "C": C,
        "class_weight": class_weight,
        "max_iter": max_iter,
        "random_state": random_state,
        "solver": solver,
    }
    if penalty == "l1":
        kwargs["l1_ratio"] = 1.0
    elif penalty != "l2":
        raise InputError(f"logreg penalty '{penalty}' is not supported; use 'l2' or 'l1'")
    return SklearnModel(LogisticRegression(**kwargs), feature_prefixes=_prefixes(scene),
                        face_inputs=check_face_inputs(face_inputs),
                        max_missing=check_max_missing(max_missing))


def make_rf(
    *,
    n_estimators: int = 300,
    max_depth: int | None = None,
    min_samples_leaf: int = 2,
    max_features: str | float = "sqrt",
    class_weight: str | dict | None = None,
    n_jobs: int = 1,
    random_state: int | None = None,
    scene: bool | str = False,
    face_inputs: str = "shape-free",
    max_missing: float = MAX_MISSING,
) -> SklearnModel:
    """Random forest on median-imputed features (scaling is harmless and kept uniform)."""
    return SklearnModel(
        RandomForestClassifier(
            n_estimators=n_estimators,
            max_depth=max_depth,
            min_samples_leaf=min_samples_leaf,
            max_features=max_features,
            class_weight=class_weight,
            n_jobs=n_jobs,
            random_state=random_state,
        ),
        feature_prefixes=_prefixes(scene),
        face_inputs=check_face_inputs(face_inputs),
        max_missing=check_max_missing(max_missing),
    )


def make_gbm(
    *,
    n_estimators: int = 150,
    learning_rate: float = 0.05,
    max_depth: int = 2,
    subsample: float = 0.8,
    random_state: int | None = None,
    scene: bool | str = False,
    face_inputs: str = "shape-free",
    max_missing: float = MAX_MISSING,
) -> SklearnModel:
    """Gradient-boosted shallow trees (scikit-learn GradientBoostingClassifier)."""
    return SklearnModel(
        GradientBoostingClassifier(
            n_estimators=n_estimators,
            learning_rate=learning_rate,
            max_depth=max_depth,
            subsample=subsample,
            random_state=random_state,
        ),
        feature_prefixes=_prefixes(scene),
        face_inputs=check_face_inputs(face_inputs),
        max_missing=check_max_missing(max_missing),
    )
