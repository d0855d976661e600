"""Train a model for use: fit on every case, with a threshold chosen out of fold.

The decision threshold is chosen on out-of-fold predictions from a stratified group k-fold
*inside* the training cases (so the threshold never comes from predictions on cases the
predicting model was fitted on), at the reference specificity: the lowest threshold whose
out-of-fold specificity is >= the reference, which maximises sensitivity there. The final
model is then fitted on all training cases and saved with that threshold, its
out-of-fold operating point and the out-of-fold calibration (Brier, intercept, slope,
reliability bins) of the probabilities it will show. With a calibration method, each model
(fold and final) is recalibrated on held-out subjects of its own training cases.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import InputError
from strokescreen.evaluation.calibration import point_calibration, reliability_bins
from strokescreen.evaluation.engine import run_folds
from strokescreen.evaluation.fairness import attribute_columns
from strokescreen.evaluation.metrics import operating_point, roc_auc, threshold_for_specificity
from strokescreen.evaluation.splits import SplitSpec, make_folds
from strokescreen.jsonable import finite_or_none
from strokescreen.models.base import check_labels
from strokescreen.models.calibration import DEFAULT_CALIBRATION, calibrated_factory
from strokescreen.models.persist import save_model
from strokescreen.models.registry import model_factory, model_spec
from strokescreen.progress import Progress


@dataclass
class TrainedModel:
    """A model fitted on all training cases, with its out-of-fold operating point."""

    model: Any
    name: str
    params: dict
    threshold: float
    operating_point: dict
    training_cohort: dict
    oof: pd.DataFrame = field(repr=False)
    extra: dict = field(default_factory=dict)  # target, feature set (into model.json)


def cohort_summary(cases: pd.DataFrame, *, name: str, synthetic: bool) -> dict:
    """Counts describing a cohort: cases, subjects, classes, groups per attribute, dates."""
    y = cases["label"].astype(int)
    out: dict[str, Any] = {
        "name": name,
        "synthetic": bool(synthetic),
        "n_cases": int(len(cases)),
        "n_subjects": int(cases["subject_id"].astype(str).nunique()),
        "n_pos": int((y == 1).sum()),
        "n_neg": int((y == 0).sum()),
    }
    for attr, groups in attribute_columns(cases).items():
        out[f"{attr}_counts"] = {
            str(k): int(v) for k, v in groups.value_counts().sort_index().items()
        }
    if "recorded_at" in cases.columns:
        when = pd.to_datetime(cases["recorded_at"], errors="coerce", format="mixed").dropna()
        if len(when):
            out["recorded_from"] = str(when.min().date())
            out["recorded_to"] = str(when.max().date())
    return out


def train_model(
    cases_df: pd.DataFrame,
    model_name: str,
    *,
    params: dict | None = None,
    folds: int = 5,
    reference_specificity: float = TRIAGE_SPECIFICITY,
    seed: int = 0,
    cohort_name: str = "cohort",
    synthetic: bool = False,
    calibration: str = DEFAULT_CALIBRATION,
    progress: Progress | None = None,
) -> TrainedModel:
    """Choose the threshold out of fold, then fit ``model_name`` on all ``cases_df``.

    calibration : "sigmoid", "isotonic" or "none": every fitted model (each fold's and the
        final one) is recalibrated on held-out subjects of its own training cases
        (:class:`strokescreen.models.calibration.CalibratedModel`), so the threshold and
        the validation calibration saved with the model describe the probabilities that
        ``assess`` will show.
    """
    cases = cases_df.reset_index(drop=True)
    y = check_labels(cases["label"], len(cases))
    base_factory = model_factory(model_name, random_state=seed, **(params or {}))
    factory = calibrated_factory(base_factory, calibration, seed=seed)
    spec = SplitSpec(kind="group-kfold", folds=folds, seed=seed)
    fold_list = make_folds(cases, y, spec)
    runs = run_folds(
        cases, y, factory, fold_list, progress=progress, progress_total=len(fold_list) + 1
    )
    idx = np.concatenate([r.fold.test for r in runs])
    proba = np.concatenate([r.test_proba for r in runs])
    fold_names = np.concatenate(
        [np.full(r.fold.test.size, r.fold.name, dtype=object) for r in runs]
    )
    order = np.argsort(idx)
    oof = pd.DataFrame(
        {
            "case_id": cases["case_id"].astype(str).to_numpy()[idx[order]],
            "subject_id": cases["subject_id"].astype(str).to_numpy()[idx[order]],
            "fold": fold_names[order],
            "label": y[idx[order]],
            "probability": proba[order],
        }
    )
    scored = oof[np.isfinite(oof["probability"].to_numpy(dtype=float))]
    y_oof, p_oof = scored["label"].to_numpy(), scored["probability"].to_numpy()
    if len(np.unique(y_oof)) < 2:
        raise InputError(
            f"out-of-fold predictions cover {len(scored)} of {len(oof)} cases and hold a single "
            "class; no threshold can be chosen; check the cases' inputs"
        )
    threshold = threshold_for_specificity(y_oof, p_oof, reference_specificity)
    op = operating_point(y_oof, p_oof, threshold)
    op.update(
        {
            "reference_specificity": reference_specificity,
            "chosen_on": f"out-of-fold predictions, {spec.describe()}",
            "oof_auc": finite_or_none(roc_auc(y_oof, p_oof)),
            "n_cases": int(len(cases)),
            "n_unscored_oof": int(len(oof) - len(scored)),
            "n_subjects": int(cases["subject_id"].astype(str).nunique()),
            "cohort": cohort_name,
            "synthetic": bool(synthetic),
            "calibration_method": calibration,
            "calibration": {**point_calibration(y_oof, p_oof),
                            "bins": reliability_bins(y_oof, p_oof)},
        }
    )
    if progress is not None:
        progress(len(fold_list), len(fold_list) + 1, note="fitting the final model")
    model = factory().fit(cases, y)
    if progress is not None:
        progress(len(fold_list) + 1, len(fold_list) + 1, note="done")
    return TrainedModel(
        model=model,
        name=model_name,
        params=dict(base_factory.params),  # type: ignore[attr-defined]
        threshold=threshold,
        operating_point=op,
        training_cohort=cohort_summary(cases, name=cohort_name, synthetic=synthetic),
        oof=oof,
    )


def save_trained(trained: TrainedModel, model_dir: str | Path, *, overwrite: bool = False) -> Path:
    """Write ``trained`` as a model folder (weights + model.json); returns the folder."""
    save_model(
        trained.model,
        model_dir,
        name=trained.name,
        params=trained.params,
        kind=model_spec(trained.name).kind,
        threshold=trained.threshold,
        operating_point=trained.operating_point,
        training_cohort=trained.training_cohort,
        extra=trained.extra or None,
        overwrite=overwrite,
    )
    trained.oof.to_csv(Path(model_dir) / "oof_predictions.csv", index=False)
    return Path(model_dir)
