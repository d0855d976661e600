"""Subject-grouped evaluation of a graded target (severity, a grade, a change).

Group k-fold (stratified by grade, or by quartile of a continuous target, with whole
subjects in one fold) or leave-one-subject-out: one fresh model per fold, fitted on the
training part only; the held-out predictions are pooled and scored with
:func:`strokescreen.evaluation.graded_metrics.graded_summary`. Beside the model, each
fold's training mean is scored the same way (``floor``): a model that does not beat it has
learned nothing. A time-cutoff hold-out is not offered for graded targets.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import strokescreen
from strokescreen.errors import ConfigError, InputError
from strokescreen.evaluation.graded_metrics import graded_summary, mae, spearman
from strokescreen.evaluation.importance import native_importance
from strokescreen.evaluation.splits import (
    Fold,
    SplitSpec,
    check_subject_disjoint,
    leave_one_subject_out,
    stratified_group_kfold,
)
from strokescreen.evaluation.targets import Target, parse_target, strata
from strokescreen.models.base import FEATURE_PREFIXES
from strokescreen.models.graded import target_kind
from strokescreen.progress import Progress
from strokescreen.tasks import SerialRunner, TaskRunner

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."
GRADED_MODELS_HINT = "ridge, rf-regressor, ordinal-logit or dummy-grade"


def check_model_target(model: Any, target: str, model_name: str) -> None:
    """ConfigError when a classifier is given a graded target or a graded model the label."""
    kind = target_kind(model)
    if target == "label" and kind != "label":
        raise ConfigError(f"model '{model_name}' predicts a graded target and cannot predict the "
                          "0/1 label; give --target COLUMN (e.g. severity) or a classifier such "
                          "as logreg")
    if target != "label" and kind == "label":
        raise ConfigError(f"model '{model_name}' is a classifier of the 0/1 label and cannot "
                          f"predict the graded target {target!r}; use {GRADED_MODELS_HINT}")


@dataclass
class GradedResult:
    """Everything a graded evaluation produced; :func:`write_graded_evaluation` writes it."""

    model_name: str
    params: dict
    split: SplitSpec
    target: Target
    predictions: pd.DataFrame  # case_id, subject_id, fold, target, prediction, floor
    metrics: dict
    importance: pd.DataFrame
    cases: pd.DataFrame
    synthetic: bool = False
    cohort_name: str = "cohort"
    runs: list = field(default_factory=list, repr=False)


def graded_folds(cases: pd.DataFrame, y: np.ndarray, spec: SplitSpec) -> list[Fold]:
    """Subject-grouped folds for a graded target (``group-kfold`` or ``loso``)."""
    spec.validate()
    if spec.kind == "holdout":
        raise ConfigError("--split holdout is not offered for a graded target; use "
                          "--split group-kfold or --split loso")
    groups = cases["subject_id"].astype(str).to_numpy()
    if spec.kind == "loso":
        folds = leave_one_subject_out(groups)
    else:
        folds = stratified_group_kfold(strata(y), groups, n_folds=spec.folds, seed=spec.seed)
    for f in folds:
        check_subject_disjoint(f.train, f.test, groups)
    return folds


def _fit_graded_fold(shared: tuple[pd.DataFrame, np.ndarray, Callable[[], Any]],
                     fold: Fold) -> tuple[Any, np.ndarray]:
    cases, y, factory = shared
    model = factory()
    model.fit(cases.iloc[fold.train].reset_index(drop=True), y[fold.train])
    pred = model.predict(cases.iloc[fold.test].reset_index(drop=True))
    return model, np.asarray(pred, dtype=float)


def cross_validate_graded(
    cases_df: pd.DataFrame,
    target: str,
    model_factory: Callable[[], Any],
    split: SplitSpec | str = "group-kfold",
    *,
    n_bootstrap: int = 1000,
    seed: int = 0,
    model_name: str | None = None,
    params: dict | None = None,
    synthetic: bool = False,
    cohort_name: str = "cohort",
    progress: Progress | None = None,
    runner: TaskRunner | None = None,
) -> GradedResult:
    """Evaluate ``model_factory`` (a graded model) on the graded ``target`` column.

    Cases without a target value are left out (noted). ``seed`` seeds the subject-level
    bootstrap; the split has its own ``SplitSpec.seed``.
    """
    spec = SplitSpec(kind=split) if isinstance(split, str) else split
    name = str(model_name or getattr(model_factory, "model_name", "model"))
    check_model_target(model_factory(), target, name)
    tgt = parse_target(cases_df.reset_index(drop=True), target)
    if not tgt.graded:
        raise ConfigError("cross_validate_graded evaluates a graded target; for the label use "
                          "evaluation.engine.cross_validate")
    cases = cases_df.reset_index(drop=True).loc[tgt.keep].reset_index(drop=True)
    y = tgt.values
    folds = graded_folds(cases, y, spec)
    if progress is not None:
        progress(0, len(folds), note=f"fitting {len(folds)} folds")
    done = [0]

    def on_done(i: int, _r: Any) -> None:
        done[0] += 1
        if progress is not None:
            progress(done[0], len(folds), note=f"fold {folds[i].name} fitted")

    runs = (runner or SerialRunner()).run(
        _fit_graded_fold, folds, shared=(cases, y, model_factory), on_done=on_done,
        labels=[f.name for f in folds], task_name="fold")
    pred = np.full(len(cases), np.nan)
    floor = np.full(len(cases), np.nan)
    fold_of = np.empty(len(cases), dtype=object)
    fold_rows = []
    for f, (_, p) in zip(folds, runs, strict=True):
        pred[f.test] = p
        floor[f.test] = float(y[f.train].mean())
        fold_of[f.test] = f.name
        row: dict = {"fold": f.name, "n_cases": int(f.test.size), "mae": mae(y[f.test], p)}
        if spec.kind != "loso":
            row["spearman"] = spearman(y[f.test], p)
        fold_rows.append(row)
    groups = cases["subject_id"].astype(str).to_numpy()
    rng = np.random.default_rng(seed)
    scale = np.asarray(tgt.grades) if tgt.integer else None
    summary = graded_summary(y, pred, groups, integer=tgt.integer, grades=scale,
                             n_bootstrap=n_bootstrap, rng=rng)
    floor_summary = graded_summary(y, floor, groups, integer=tgt.integer, grades=scale,
                                   n_bootstrap=0, rng=rng)
    summary["mae_of_training_mean"] = floor_summary["mae"]
    notes = [tgt.note] if tgt.note else []
    metrics: dict = {
        "model": name,
        "params": dict(params if params is not None else getattr(model_factory, "params", {})),
        "target": tgt.describe(),
        "split": {**asdict(spec), "description": spec.describe(), "n_folds": len(folds)},
        "cohort": cohort_name,
        "synthetic": bool(synthetic),
        "seed": seed,
        "strokescreen_version": strokescreen.__version__,
        "disclaimer": DISCLAIMER,
        **summary,
        "floor": {k: floor_summary.get(k) for k in ("mae", "rmse", "kappa_quadratic")},
        "folds": fold_rows,
        "notes": notes,
    }
    predictions = pd.DataFrame({
        "case_id": cases["case_id"].astype(str), "subject_id": groups, "fold": fold_of,
        "target": y, "prediction": pred, "training_mean": floor})
    models = [m for m, _ in runs]
    imp = native_importance(models)
    if not imp.empty:
        imp = imp.sort_values("native_mean", key=np.abs, ascending=False).reset_index(drop=True)
    meta = cases[[c for c in cases.columns
                  if not (isinstance(c, str) and c.startswith(FEATURE_PREFIXES))]]
    if len(pred) and not np.isfinite(pred).all():
        raise InputError("the model gave no prediction for some cases")
    return GradedResult(name, metrics["params"], spec, tgt, predictions, metrics, imp,
                        meta.copy(), bool(synthetic), cohort_name, runs)


__all__ = ["GradedResult", "check_model_target", "cross_validate_graded", "graded_folds"]
