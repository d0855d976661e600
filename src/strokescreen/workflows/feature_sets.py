"""Evaluate one model on one target with one feature set, or on several feature sets side
by side (face only, speech only, metadata only, fused) on the same subject-grouped folds.

The target is ``label`` (the classifiers' 0/1 screening target, evaluated by
:func:`strokescreen.evaluation.engine.cross_validate`) or a graded column (severity, a
grade, a change since the last visit; :func:`strokescreen.evaluation.graded_engine.
cross_validate_graded`). Feature sets are those of :mod:`strokescreen.features.metadata`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pandas as pd

from strokescreen.errors import ConfigError, InputError
from strokescreen.evaluation import engine as label_engine
from strokescreen.evaluation.config import EvaluationConfig
from strokescreen.evaluation.engine import EvaluationResult
from strokescreen.evaluation.graded_engine import (
    GradedResult,
    check_model_target,
    cross_validate_graded,
)
from strokescreen.evaluation.graded_report import write_graded_evaluation
from strokescreen.evaluation.writer import write_evaluation
from strokescreen.features.metadata import COMPARED_SETS, FeatureSetInfo, apply_feature_set
from strokescreen.progress import Progress
from strokescreen.tasks import TaskRunner


def build_factory(model: str, params: dict[str, Any], *, seed: int, target: str,
                  calibration: str = "none") -> Callable[[], Any]:
    """A factory of fresh models ``model``, checked against ``target`` (one ConfigError
    line for a classifier given a graded target or the reverse); classifiers are wrapped
    with ``calibration``."""
    from strokescreen.models.calibration import calibrated_factory, check_method
    from strokescreen.models.registry import model_factory

    base = model_factory(model, random_state=seed, **params)
    check_model_target(base(), target, model)
    if target != "label":
        return base
    return calibrated_factory(base, check_method(calibration), seed=seed)


@dataclass
class Outcome:
    """One evaluation with the feature set it used."""

    result: EvaluationResult | GradedResult
    feature_set: FeatureSetInfo
    extra: dict = field(default_factory=dict)

    @property
    def graded(self) -> bool:
        return isinstance(self.result, GradedResult)


def evaluate_outcome(
    cases: pd.DataFrame,
    factory: Callable[[], Any],
    config: EvaluationConfig,
    *,
    target: str = "label",
    feature_set: str = "default",
    metadata_columns: Sequence[str] | None = None,
    model_name: str,
    uses_features: bool = True,
    synthetic: bool = False,
    cohort_name: str = "cohort",
    progress: Progress | None = None,
    runner: TaskRunner | None = None,
) -> Outcome:
    """Evaluate ``factory`` on ``cases`` restricted to ``feature_set``."""
    if uses_features:
        table, info = apply_feature_set(cases, feature_set, metadata_columns=metadata_columns,
                                        target=target)
    else:
        table, info = cases, FeatureSetInfo("case folders (deep model)")
    result: EvaluationResult | GradedResult
    if target == "label":
        # looked up on the module at call time, so a test can stand in for the engine
        result = label_engine.cross_validate(table, None, factory, config.split_spec(),
                                **config.engine_kwargs(), model_name=model_name,
                                synthetic=synthetic, cohort_name=cohort_name, progress=progress,
                                runner=runner)
    else:
        result = cross_validate_graded(table, target, factory, config.split_spec(),
                                       n_bootstrap=config.n_bootstrap, seed=config.seed,
                                       model_name=model_name, synthetic=synthetic,
                                       cohort_name=cohort_name, progress=progress,
                                       runner=runner)
    if uses_features:  # the columns the fold models read (shape-free face inputs, no
        info = _read_by_models(info, result)  # bookkeeping), not all the set's columns
    if not uses_features:  # deepstroke-meta: the metadata its fold models read
        fitted = [getattr(r, "model", None) for r in result.runs]
        used = sorted({str(c) for m in fitted for c in getattr(
            getattr(m, "estimator_", m), "meta_source_", None) or []})
        if used:
            info = FeatureSetInfo("case folders + clinical metadata (deep model)", tuple(used))
    result.metrics["feature_set"] = info.to_dict()
    result.metrics["notes"] = list(result.metrics.get("notes") or []) + list(info.notes)
    return Outcome(result, info)


def _read_by_models(info: FeatureSetInfo, result: EvaluationResult | GradedResult) -> FeatureSetInfo:
    """``info`` with only the feature columns some fold model read (unchanged when the
    models do not say: a model without a feature schema)."""
    read: set[str] = set()
    for run in result.runs:
        model = run[0] if isinstance(run, tuple) else getattr(run, "model", None)
        names = getattr(model, "feature_names_in_", None)
        read.update(str(c) for c in (names if names is not None else []))
    if not read:
        return info
    return replace(info, feature_columns=tuple(
        c for c in info.feature_columns if c in read))


def comparison_row(outcome: Outcome) -> dict:
    """One row of the feature-set table: the set, its size and the headline metrics."""
    m = outcome.result.metrics
    info = outcome.feature_set
    row: dict = {"feature_set": info.name, "n_features": len(info.feature_columns),
                 "metadata": ", ".join(info.metadata_columns) or "-"}
    if outcome.graded:
        ci = m.get("spearman_ci") or [None, None]
        row.update(mae=m["mae"], rmse=m["rmse"], spearman=m["spearman"], spearman_ci_low=ci[0],
                   spearman_ci_high=ci[1], bias=m["bland_altman"]["bias"])
        if "kappa_quadratic" in m:
            row.update(kappa_quadratic=m["kappa_quadratic"],
                       exact=m["agreement"]["exact"], within_one=m["agreement"]["within_one"])
    else:
        ci = m.get("auc_ci") or [None, None]
        cal = m.get("calibration") or {}
        row.update(auc=m.get("auc"), auc_ci_low=ci[0], auc_ci_high=ci[1],
                   brier=cal.get("brier"))
    return row


def compare_feature_sets(
    cases: pd.DataFrame,
    factory: Callable[[], Any],
    config: EvaluationConfig,
    *,
    sets: Sequence[str] = COMPARED_SETS,
    progress_for: Callable[[str], Progress | None] | None = None,
    **kwargs: Any,
) -> tuple[dict[str, Outcome], pd.DataFrame]:
    """Every feature set of ``sets`` on the same folds; (outcomes by set, comparison table).

    The folds depend only on the subjects, the target and the split's seed, so every set
    is tested on the same subjects.
    """
    if not kwargs.get("uses_features", True):
        raise ConfigError("--compare-feature-sets needs a model that reads feature columns "
                          "(a classical or graded model, not a deep one)")
    outcomes: dict[str, Outcome] = {}
    rows = []
    for name in sets:
        try:  # a set with no columns in this table (no metadata recorded) is a row, not a stop
            apply_feature_set(cases, name, metadata_columns=kwargs.get("metadata_columns"),
                              target=kwargs.get("target", "label"))
        except InputError as exc:
            rows.append({"feature_set": name, "n_features": 0, "note": f"not run: {exc}"})
            continue
        prog = progress_for(name) if progress_for is not None else None
        outcomes[name] = evaluate_outcome(cases, factory, config, feature_set=name,
                                          progress=prog, **kwargs)
        rows.append(comparison_row(outcomes[name]))
    if not outcomes:
        raise InputError("no feature set of " + ", ".join(sets) + " has feature columns; "
                         "build the table with `strokescreen features`")
    return outcomes, pd.DataFrame(rows)


def write_outcome(outcome: Outcome, out: Path, *,
                  comparison: pd.DataFrame | None = None) -> dict[str, Path]:
    """Write one evaluation's files (graded or label) into ``out``."""
    if isinstance(outcome.result, GradedResult):
        return write_graded_evaluation(outcome.result, out, comparison=comparison)
    return write_evaluation(outcome.result, out, comparison=comparison)


__all__ = ["Outcome", "build_factory", "compare_feature_sets", "comparison_row",
           "evaluate_outcome", "write_outcome"]
