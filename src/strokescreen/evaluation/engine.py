"""The evaluation engine: subject-grouped cross-validation or a time-cutoff hold-out, for
any model with the fit / predict_proba contract.

Cross-validation (``group-kfold``, ``loso``): one fresh model per fold, fitted on the
training part only (so imputation, scaling and anything else inside the model never see the
test part); the held-out predictions are pooled and the primary ``auc`` is the AUC of the
pooled out-of-fold predictions. Per-fold AUCs are reported beside it.

Hold-out: k fold models are trained on k subject-grouped folds of the training part; each
scores the hold-out cases. The primary ``auc`` is the AUC of the fold models' mean
probability on the hold-out, and ``holdout.fold_model_auc`` gives the mean, SD and range of
the fold models' individual AUCs. The training part's out-of-fold predictions give a
*prespecified* threshold (at the reference specificity) applied unchanged to the hold-out.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

import strokescreen
from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import InputError
from strokescreen.evaluation.calibration import calibration_summary
from strokescreen.evaluation.decision import decision_curve
from strokescreen.evaluation.fairness import subgroup_table
from strokescreen.evaluation.importance import native_importance, permutation_importance_pooled
from strokescreen.evaluation.metrics import operating_point, threshold_for_specificity
from strokescreen.evaluation.splits import (
    Fold,
    SplitSpec,
    check_subject_disjoint,
    make_folds,
    make_holdout,
    stratified_group_kfold,
)
from strokescreen.evaluation.summary import per_group_auc, prediction_summary, spread
from strokescreen.models.base import FEATURE_PREFIXES, check_labels
from strokescreen.progress import Progress
from strokescreen.tasks import SerialRunner, TaskRunner

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."


@dataclass
class FoldRun:
    """One fitted fold model with its predictions."""

    fold: Fold
    model: Any
    test_proba: np.ndarray
    extra_test: np.ndarray = field(default_factory=lambda: np.empty(0, dtype=int))
    extra_proba: np.ndarray = field(default_factory=lambda: np.empty(0))


@dataclass
class EvaluationResult:
    """Everything an evaluation produced; :func:`write_evaluation` writes it to a folder."""

    model_name: str
    params: dict
    split: SplitSpec
    predictions: pd.DataFrame  # case_id, subject_id, fold, label, probability
    metrics: dict
    fairness: pd.DataFrame
    importance: pd.DataFrame
    cases: pd.DataFrame  # evaluated cases' identifying and metadata columns (no features)
    fold_predictions: pd.DataFrame | None = None  # hold-out: each fold model on the hold-out
    training_oof: pd.DataFrame | None = None  # hold-out: out-of-fold on the training part
    synthetic: bool = False
    cohort_name: str = "cohort"
    runs: list[FoldRun] = field(default_factory=list, repr=False)
    explanations: pd.DataFrame | None = None  # out-of-fold SHAP, one row per case x feature


def _fit_fold(shared: tuple[pd.DataFrame, np.ndarray, Callable[[], Any], np.ndarray],
              fold: Fold) -> FoldRun:
    """One fold's task: a fresh model fitted on its training part, its predictions."""
    cases, y, model_factory, extra = shared
    model = model_factory()
    model.fit(cases.iloc[fold.train].reset_index(drop=True), y[fold.train])
    proba = model.predict_proba(cases.iloc[fold.test].reset_index(drop=True))[:, 1]
    extra_p = (
        model.predict_proba(cases.iloc[extra].reset_index(drop=True))[:, 1]
        if extra.size
        else np.empty(0)
    )
    return FoldRun(fold, model, np.asarray(proba, float), extra, np.asarray(extra_p, float))


def run_folds(
    cases: pd.DataFrame,
    y: np.ndarray,
    model_factory: Callable[[], Any],
    folds: list[Fold],
    *,
    extra_test: np.ndarray | None = None,
    progress: Progress | None = None,
    progress_offset: int = 0,
    progress_total: int | None = None,
    runner: TaskRunner | None = None,
) -> list[FoldRun]:
    """Fit a fresh model per fold on its training part; predict its test part (and
    ``extra_test``, e.g. a hold-out). Subjects are checked never to cross.

    runner : where the folds are fitted (one task per fold); default: one after the
        other in this process. The runs come back in fold order whatever the runner."""
    groups = cases["subject_id"].astype(str).to_numpy()
    extra = np.asarray(extra_test if extra_test is not None else [], dtype=int)
    total = progress_total or len(folds)
    for fold in folds:
        check_subject_disjoint(fold.train, fold.test, groups)
        if extra.size:
            check_subject_disjoint(fold.train, extra, groups)
        y_tr = y[fold.train]
        if len(np.unique(y_tr)) < 2:
            raise InputError(
                f"fold {fold.name}: its training part ({fold.train.size} cases) holds only "
                f"label {int(y_tr[0]) if y_tr.size else '?'}; every training part needs both "
                "classes; use fewer folds, or a cohort with more subjects of the rare class"
            )
    done = [0]
    if progress is not None:
        progress(progress_offset, total, note=f"fitting {len(folds)} folds")

    def on_done(i: int, _run: FoldRun) -> None:
        done[0] += 1
        if progress is not None:
            progress(progress_offset + done[0], total, note=f"fold {folds[i].name} fitted")

    runs = (runner or SerialRunner()).run(
        _fit_fold, folds, shared=(cases, y, model_factory, extra), on_done=on_done,
        labels=[f.name for f in folds], task_name="fold")
    if progress is not None:
        progress(progress_offset + len(folds), total, note="folds done")
    return runs


def _pred_frame(
    cases: pd.DataFrame, y: np.ndarray, idx: np.ndarray, fold: str, proba: np.ndarray
) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "case_id": cases["case_id"].astype(str).to_numpy()[idx],
            "subject_id": cases["subject_id"].astype(str).to_numpy()[idx],
            "fold": fold,
            "label": y[idx],
            "probability": proba,
            "_pos": idx,
        }
    )


def _oof_frame(cases: pd.DataFrame, y: np.ndarray, runs: list[FoldRun]) -> pd.DataFrame:
    parts = [_pred_frame(cases, y, r.fold.test, r.fold.name, r.test_proba) for r in runs]
    return (
        pd.concat(parts, ignore_index=True)
        .sort_values("_pos", kind="stable")
        .reset_index(drop=True)
    )


def _scored(predictions: pd.DataFrame) -> pd.DataFrame:
    """Rows with a finite probability (deep models give NaN for unusable cases)."""
    return predictions[np.isfinite(predictions["probability"].to_numpy(dtype=float))]


def _metadata(cases: pd.DataFrame) -> pd.DataFrame:
    keep = [c for c in cases.columns if not (isinstance(c, str) and c.startswith(FEATURE_PREFIXES))]
    return cases[keep].copy()


@dataclass
class _SplitRun:
    """The fitted folds of one split and what was predicted with them."""

    folds: list[Fold]
    runs: list[FoldRun]
    predictions: pd.DataFrame
    fold_rows: list[dict]
    units: list[tuple[Any, np.ndarray]]
    fold_predictions: pd.DataFrame | None = None
    training_oof: pd.DataFrame | None = None
    holdout: dict | None = None


def _run_grouped_folds(cases: pd.DataFrame, y: np.ndarray, model_factory: Callable[[], Any],
                       spec: SplitSpec, *, progress: Progress | None,
                       progress_total_extra: int, runner: TaskRunner | None = None) -> _SplitRun:
    """Group k-fold or leave-one-subject-out: pooled out-of-fold predictions."""
    folds = make_folds(cases, y, spec)
    total = len(folds) + progress_total_extra
    runs = run_folds(cases, y, model_factory, folds, progress=progress, progress_total=total,
                     runner=runner)
    predictions = _oof_frame(cases, y, runs)
    fold_rows = per_group_auc(_scored(predictions), "fold")
    return _SplitRun(folds, runs, predictions, fold_rows, [(r.model, r.fold.test) for r in runs])


def _run_holdout(cases: pd.DataFrame, y: np.ndarray, model_factory: Callable[[], Any],
                 spec: SplitSpec, *, progress: Progress | None, progress_total_extra: int,
                 summary_kw: dict[str, Any], rng: np.random.Generator,
                 runner: TaskRunner | None = None) -> _SplitRun:
    """Time-cutoff hold-out: inner folds on the training part, each fold model scores the
    test part; the test prediction is the mean over fold models. ``holdout`` holds the
    training part's out-of-fold summary and the test part at a threshold fixed on it."""
    hs = make_holdout(cases, spec)
    inner = stratified_group_kfold(
        y[hs.train],
        cases["subject_id"].to_numpy()[hs.train],
        n_folds=spec.folds,
        seed=spec.seed,
    )
    folds = [Fold(f.name, hs.train[f.train], hs.train[f.test], f.note) for f in inner]
    total = len(folds) + progress_total_extra
    runs = run_folds(
        cases,
        y,
        model_factory,
        folds,
        extra_test=hs.test,
        progress=progress,
        progress_total=total,
        runner=runner,
    )
    training_oof = _oof_frame(cases, y, runs)
    oof_scored = _scored(training_oof)
    fold_predictions = pd.concat(
        [_pred_frame(cases, y, hs.test, r.fold.name, r.extra_proba) for r in runs],
        ignore_index=True,
    )
    stacked = np.array([r.extra_proba for r in runs])
    n_finite = np.isfinite(stacked).sum(axis=0)
    mean_p = np.where(
        n_finite > 0, np.nansum(stacked, axis=0) / np.maximum(n_finite, 1), np.nan
    )
    predictions = _pred_frame(cases, y, hs.test, "holdout", mean_p)
    fold_rows = per_group_auc(_scored(fold_predictions), "fold")
    excluded = cases["case_id"].astype(str).to_numpy()[hs.excluded].tolist()
    oof_y = oof_scored["label"].to_numpy()
    oof_p = oof_scored["probability"].to_numpy()
    holdout_block = {
        "n_train_cases": int(hs.train.size),
        "n_test_cases": int(hs.test.size),
        "n_excluded_cases": len(excluded),
        "excluded_cases": excluded,
        "note": hs.note,
        "fold_model_auc": spread([r["auc"] for r in fold_rows]),
        "training_oof": prediction_summary(oof_scored, **summary_kw, rng=rng),
    }
    if len(np.unique(oof_y)) == 2:
        reference_specificity = summary_kw["reference_specificity"]
        t = threshold_for_specificity(oof_y, oof_p, reference_specificity)
        test_scored = _scored(predictions)
        holdout_block["at_prespecified_threshold"] = {
            "reference_specificity": reference_specificity,
            "chosen_on": "out-of-fold predictions of the training part",
            **operating_point(
                test_scored["label"].to_numpy(), test_scored["probability"].to_numpy(), t
            ),
        }
    return _SplitRun(folds, runs, predictions, fold_rows, [(r.model, hs.test) for r in runs],
                     fold_predictions=fold_predictions, training_oof=training_oof,
                     holdout=holdout_block)


def _notes(split_run: _SplitRun, fold_aucs: dict, unscored: list) -> list[str]:
    """Notes for the reader: unscored cases, single-class folds, fold notes (no repeats)."""
    fold_rows = split_run.fold_rows
    notes = [r["note"] for r in fold_rows if "note" in r] + [
        f.note for f in split_run.folds if f.note]
    if fold_aucs["n_undefined"]:
        notes.insert(
            0,
            f"{fold_aucs['n_undefined']} of {len(fold_rows)} folds hold a single class; "
            "their AUC is undefined and left out of the fold mean",
        )
    if unscored:
        notes.insert(
            0,
            f"{len(unscored)} case(s) got no probability (the model found no usable "
            "input) and are left out of every metric; see unscored_cases",
        )
    return list(dict.fromkeys(notes))


def cross_validate(
    cases_df: pd.DataFrame,
    y: np.ndarray | None,
    model_factory: Callable[[], Any],
    split: SplitSpec | str = "group-kfold",
    *,
    reference_specificity: float = TRIAGE_SPECIFICITY,
    reference_sensitivity: float | None = None,
    n_bootstrap: int = 1000,
    seed: int = 0,
    importance: str = "permutation",
    importance_repeats: int = 3,
    model_name: str | None = None,
    params: dict | None = None,
    synthetic: bool = False,
    cohort_name: str = "cohort",
    progress: Progress | None = None,
    runner: TaskRunner | None = None,
) -> EvaluationResult:
    """Evaluate ``model_factory`` on ``cases_df`` with a subject-grouped ``split``.

    cases_df : one row per case: case_id, subject_id, label, (case_dir), metadata columns
        (sex, age, ethnicity, race, site, recorded_at) and feature columns.
    y : labels 0/1, shape (n_cases,); None takes ``cases_df["label"]``.
    model_factory : no-argument callable returning a fresh unfitted model.
    importance : "permutation" (pooled permutation + native), "native" or "none".
    seed : seeds the bootstrap and permutations (the split has its own ``SplitSpec.seed``).
    runner : where the fold models are fitted (one task per fold; see
        :mod:`strokescreen.tasks`); default: this process. Results do not depend on it.
    """
    spec = SplitSpec(kind=split) if isinstance(split, str) else split
    spec.validate()
    if importance not in ("permutation", "native", "none"):
        raise InputError(f"importance '{importance}' is unknown; use permutation, native or none")
    cases = cases_df.reset_index(drop=True)
    y = check_labels(cases["label"] if y is None else y, len(cases))
    rng = np.random.default_rng(seed)
    name = str(model_name or getattr(model_factory, "model_name", "model"))
    params = dict(params if params is not None else getattr(model_factory, "params", {}))
    summary_kw: dict[str, Any] = dict(
        reference_specificity=reference_specificity,
        reference_sensitivity=reference_sensitivity,
        n_bootstrap=n_bootstrap,
    )
    extra = int(importance != "none")  # the importance step counts as one more
    if spec.kind == "holdout":
        sr = _run_holdout(cases, y, model_factory, spec, progress=progress,
                          progress_total_extra=extra, summary_kw=summary_kw, rng=rng,
                          runner=runner)
    else:
        sr = _run_grouped_folds(cases, y, model_factory, spec, progress=progress,
                                progress_total_extra=extra, runner=runner)
    total = len(sr.folds) + extra

    metrics: dict = {
        "model": name,
        "params": params,
        "calibration_method": str(getattr(model_factory, "calibration", "none")),
        "split": {**asdict(spec), "description": spec.describe(), "n_folds": len(sr.folds)},
        "cohort": cohort_name,
        "synthetic": bool(synthetic),
        "seed": seed,
        "strokescreen_version": strokescreen.__version__,
        "disclaimer": DISCLAIMER,
    }
    predictions = sr.predictions
    scored = _scored(predictions)
    unscored = predictions["case_id"][~np.isfinite(predictions["probability"])].tolist()
    metrics.update(prediction_summary(scored, **summary_kw, rng=rng))
    # its own generator, so adding calibration leaves the AUC CI and permutations unchanged
    metrics["calibration"] = calibration_summary(
        scored["label"].to_numpy(dtype=int),
        scored["probability"].to_numpy(dtype=float),
        groups=scored["subject_id"].astype(str).to_numpy(),
        n_bootstrap=n_bootstrap,
        rng=np.random.default_rng((seed, 19)),
    )
    metrics["decision_curve"] = decision_curve(
        scored["label"].to_numpy(dtype=int), scored["probability"].to_numpy(dtype=float)
    )
    metrics["n_unscored"] = len(unscored)
    metrics["unscored_cases"] = unscored
    fold_aucs = spread([r["auc"] for r in sr.fold_rows])
    metrics["folds"] = sr.fold_rows
    metrics["fold_auc"] = fold_aucs
    metrics["notes"] = _notes(sr, fold_aucs, unscored)
    if sr.holdout is not None:
        metrics["holdout"] = sr.holdout

    op = metrics.get("at_reference_specificity") or {}
    fairness = subgroup_table(scored, cases, threshold=op.get("threshold"))
    imp = _importance(importance, sr.units, sr.runs, cases, y, importance_repeats, rng,
                      progress, total)
    metrics["importance_method"] = (
        "none"
        if imp.empty
        else ("pooled permutation (AUC drop) + native" if "importance_mean" in imp else "native")
    )
    explanations = _explanations(sr, cases)
    metrics["explanation_method"] = (
        "none" if explanations is None else str(explanations["method"].iloc[0]))
    return EvaluationResult(
        model_name=name,
        params=params,
        split=spec,
        predictions=predictions.drop(columns="_pos"),
        metrics=metrics,
        fairness=fairness,
        importance=imp,
        cases=_metadata(cases.iloc[predictions["_pos"].to_numpy()]),
        fold_predictions=None
        if sr.fold_predictions is None
        else sr.fold_predictions.drop(columns="_pos"),
        training_oof=None if sr.training_oof is None else sr.training_oof.drop(columns="_pos"),
        synthetic=bool(synthetic),
        cohort_name=cohort_name,
        runs=sr.runs,
        explanations=explanations,
    )


def _explanations(sr: _SplitRun, cases: pd.DataFrame) -> pd.DataFrame | None:
    """Out-of-fold SHAP values (hold-out: every fold model on the hold-out, averaged)."""
    from strokescreen.evaluation.explanations import oof_explanations

    if sr.holdout is not None:
        units = [(m, idx, "holdout") for m, idx in sr.units]
    else:
        units = [(r.model, r.fold.test, r.fold.name) for r in sr.runs]
    return oof_explanations(units, cases)


def _importance(kind, units, runs, cases, y, repeats, rng, progress, total) -> pd.DataFrame:
    models = [r.model for r in runs]
    if kind == "none" or not all(getattr(m, "uses_features", False) for m in models):
        return pd.DataFrame(columns=["feature", "importance_mean", "importance_sd"])
    native = native_importance(models)
    if kind == "native":
        return native.sort_values("native_mean", key=np.abs, ascending=False).reset_index(drop=True)
    if progress is not None:
        progress(total - 1, total, note="permutation importance")
    perm = permutation_importance_pooled(
        units, cases, y, models[0].feature_schema, n_repeats=repeats, rng=rng
    )
    if progress is not None:
        progress(total, total, note="done")
    if native.empty:
        return perm
    return perm.merge(native, on="feature", how="left")


__all__ = ["EvaluationResult", "FoldRun", "cross_validate", "run_folds"]
