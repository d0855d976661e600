"""Train a model of a graded target for use: out-of-fold figures, then a fit on every case.

The out-of-fold predictions come from a subject-grouped k-fold inside the training cases
(stratified by grade); their MAE, Spearman, kappa and Bland-Altman block is saved with the
model as its validation figures. A graded model has no decision threshold: the saved
``threshold`` is 0 and unused, and ``extra.target`` says what the model predicts.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.evaluation.graded_engine import _fit_graded_fold, check_model_target, graded_folds
from strokescreen.evaluation.graded_metrics import graded_summary
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.targets import parse_target
from strokescreen.evaluation.training import TrainedModel, cohort_summary
from strokescreen.models.registry import model_factory
from strokescreen.progress import Progress


def train_graded_model(
    cases_df: pd.DataFrame,
    model_name: str,
    target: str,
    *,
    params: dict | None = None,
    folds: int = 5,
    seed: int = 0,
    cohort_name: str = "cohort",
    synthetic: bool = False,
    n_bootstrap: int = 200,
    progress: Progress | None = None,
) -> TrainedModel:
    """Out-of-fold figures of ``model_name`` on ``target``, then the model fitted on all."""
    factory = model_factory(model_name, random_state=seed, **(params or {}))
    check_model_target(factory(), target, model_name)
    tgt = parse_target(cases_df.reset_index(drop=True), target)
    cases = cases_df.reset_index(drop=True).loc[tgt.keep].reset_index(drop=True)
    y = tgt.values
    spec = SplitSpec(kind="group-kfold", folds=folds, seed=seed)
    fold_list = graded_folds(cases, y, spec)
    total = len(fold_list) + 1
    pred = np.full(len(cases), np.nan)
    fold_of = np.empty(len(cases), dtype=object)
    for k, f in enumerate(fold_list):
        _, p = _fit_graded_fold((cases, y, factory), f)
        pred[f.test] = p
        fold_of[f.test] = f.name
        if progress is not None:
            progress(k + 1, total, note=f"fold {f.name} fitted")
    groups = cases["subject_id"].astype(str).to_numpy()
    summary = graded_summary(y, pred, groups, integer=tgt.integer,
                             grades=np.asarray(tgt.grades) if tgt.integer else None,
                             n_bootstrap=n_bootstrap, rng=np.random.default_rng(seed))
    op = {**summary, "target": tgt.describe(), "chosen_on": f"out-of-fold predictions, "
          f"{spec.describe()}", "n_subjects": summary["n_subjects"], "cohort": cohort_name,
          "synthetic": bool(synthetic), "note": "a graded model has no decision threshold; "
          "the saved threshold is unused"}
    model = factory().fit(cases, y)
    if progress is not None:
        progress(total, total, note="done")
    oof = pd.DataFrame({"case_id": cases["case_id"].astype(str), "subject_id": groups,
                        "fold": fold_of, "target": y, "prediction": pred})
    summary_cases = cases.assign(label=pd.to_numeric(cases["label"], errors="coerce"))
    return TrainedModel(
        model=model, name=model_name, params=dict(factory.params),  # type: ignore[attr-defined]
        threshold=0.0, operating_point=op,
        training_cohort=cohort_summary(summary_cases, name=cohort_name, synthetic=synthetic),
        oof=oof, extra={"target": tgt.describe()})


__all__ = ["train_graded_model"]
