"""The oracle: how separable a cohort is when measurement is perfect.

Features are the values a perfect measurement of a recording would give: the absolute
left-right commissure height difference at rest (mm), the smile excursion asymmetry (%)
and the speech rate (syllables/s), each including the natural variation of healthy
people. A logistic regression on them is scored by subject-grouped stratified 5-fold
cross-validation; the AUC of the pooled out-of-fold probabilities is the oracle AUC.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from strokescreen.synth.config import SynthConfig
from strokescreen.synth.params import CaseParams, draw_cohort

ORACLE_FEATURES = ("abs_dh_mm", "exc_asym_pct", "speech_rate_syl_s")


def oracle_features(cases: list[CaseParams]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Return (X, y, groups): X shape (n_cases, 3) in ORACLE_FEATURES order, labels, subjects."""
    x = np.array([[abs(c.dh_total_mm), c.exc_asym_pct, c.speech_rate_syl_s] for c in cases])
    y = np.array([c.label for c in cases], dtype=int)
    groups = np.array([c.subject_index for c in cases], dtype=int)
    return x.reshape(-1, 3), y, groups


def oracle_auc(cases: list[CaseParams], *, seed: int = 0, n_folds: int = 5) -> float:
    """Subject-grouped ``n_folds``-fold CV AUC of a logistic regression on the oracle features.

    Returns NaN when the cohort has a single class or fewer subjects than folds allow.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedGroupKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    x, y, groups = oracle_features(cases)
    n_subjects = len(np.unique(groups))
    if len(np.unique(y)) < 2:
        return float("nan")
    folds = min(n_folds, n_subjects, int(min(np.bincount(y))))
    if folds < 2:
        return float("nan")
    cv = StratifiedGroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    proba = np.full(len(y), np.nan)
    for train, test in cv.split(x, y, groups):
        if len(np.unique(y[train])) < 2:
            continue
        model = make_pipeline(StandardScaler(), LogisticRegression(C=1.0))
        model.fit(x[train], y[train])
        proba[test] = model.predict_proba(x[test])[:, 1]
    ok = ~np.isnan(proba)
    if len(np.unique(y[ok])) < 2:
        return float("nan")
    return float(roc_auc_score(y[ok], proba[ok]))


def reference_oracle_auc(config: SynthConfig, *, n_subjects: int = 200) -> float:
    """Oracle AUC of a fresh ``n_subjects`` draw with ``config``'s other settings."""
    ref = dataclasses.replace(config, n_subjects=n_subjects)
    return oracle_auc(draw_cohort(ref), seed=config.seed)
