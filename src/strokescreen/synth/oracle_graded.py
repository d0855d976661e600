"""The oracle for graded targets: how well severity and recovery can be predicted at best.

As :mod:`strokescreen.synth.oracle` does for the label, the features are what a perfect
measurement of a recording would give (the absolute commissure height difference at
rest in mm, the smile excursion asymmetry in %, the speech rate in syllables/s; each with
the natural variation of healthy faces and the recording-to-recording variation) plus
the recording's ``days_since_onset``. A random forest regression is scored by
subject-grouped 5-fold cross-validation on the pooled out-of-fold predictions:

- ``severity_grade``: the recording's planted facial grade (0 none .. 3 moderate);
- ``severity_last``: the subject's planted grade at the last visit;
- ``severity_change``: last minus first visit's grade.

The recovery targets are scored twice: from every recording (as a manifest-wide
evaluation uses them) and from the first visit's recording only (a prognosis). Metrics:
MAE and Spearman rho of the continuous predictions; quadratic-weighted kappa, exact and
within-one agreement of the predictions rounded to the target's grades.
"""

from __future__ import annotations

import math

import numpy as np

from strokescreen.synth.params import CaseParams
from strokescreen.synth.visits import grade_index

GRADED_FEATURES = ("abs_dh_mm", "exc_asym_pct", "speech_rate_syl_s", "days_since_onset")
GRADED_TARGETS = ("severity_grade", "severity_last", "severity_change")


def graded_features(cases: list[CaseParams]) -> tuple[np.ndarray, dict[str, np.ndarray],
                                                      np.ndarray, np.ndarray]:
    """(X, targets, groups, first_visit): X shape (n_cases, 4) in GRADED_FEATURES order."""
    x = np.array([[abs(c.dh_total_mm), c.exc_asym_pct, c.speech_rate_syl_s,
                   float(c.days_since_onset or 0.0)] for c in cases]).reshape(-1, 4)
    grade = np.array([grade_index(c.severity) for c in cases], dtype=float)
    last = np.array([c.severity_last if c.severity_last is not None else np.nan
                     for c in cases], dtype=float)
    first = np.array([c.severity_first if c.severity_first is not None else np.nan
                      for c in cases], dtype=float)
    targets = {"severity_grade": grade, "severity_last": last, "severity_change": last - first}
    groups = np.array([c.subject_index for c in cases], dtype=int)
    first_visit = np.array([c.visit == 1 for c in cases], dtype=bool)
    return x, targets, groups, first_visit


def graded_metrics(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """MAE, Spearman rho, quadratic kappa, exact and within-one agreement (rounded)."""
    from scipy.stats import spearmanr
    from sklearn.metrics import cohen_kappa_score

    y = np.asarray(y, dtype=float)
    pred = np.asarray(pred, dtype=float)
    lo, hi = float(np.min(y)), float(np.max(y))
    rounded = np.clip(np.round(pred), lo, hi)
    rho = spearmanr(y, pred).statistic if np.ptp(y) > 0 and np.ptp(pred) > 0 else float("nan")
    kappa = (cohen_kappa_score(y.astype(int), rounded.astype(int), weights="quadratic")
             if np.ptp(y) > 0 else float("nan"))
    return dict(n=int(len(y)), mae=float(np.mean(np.abs(pred - y))), spearman=float(rho),
                kappa=float(kappa), exact=float(np.mean(rounded == y)),
                within_one=float(np.mean(np.abs(rounded - y) <= 1)))


def _oof(x: np.ndarray, y: np.ndarray, groups: np.ndarray, *, seed: int,
         n_folds: int) -> np.ndarray | None:
    from sklearn.ensemble import RandomForestRegressor
    from sklearn.model_selection import GroupKFold

    folds = min(n_folds, len(np.unique(groups)))
    if folds < 2:
        return None
    pred = np.full(len(y), np.nan)
    cv = GroupKFold(n_splits=folds, shuffle=True, random_state=seed)
    for train, test in cv.split(x, y, groups):
        model = RandomForestRegressor(n_estimators=200, min_samples_leaf=5, random_state=seed,
                                      n_jobs=1)
        model.fit(x[train], y[train])
        pred[test] = model.predict(x[test])
    return pred


def graded_oracle(cases: list[CaseParams], *, seed: int = 0,
                  n_folds: int = 5) -> dict[str, dict[str, float]]:
    """Oracle metrics per target; keys ``severity_grade``, ``severity_last``,
    ``severity_change`` (every recording) and ``severity_last@first_visit``,
    ``severity_change@first_visit``. A target with one value or < 2 subjects gets NaNs."""
    x, targets, groups, first_visit = graded_features(cases)
    out: dict[str, dict[str, float]] = {}
    for name in GRADED_TARGETS:
        for suffix, rows in (("", np.ones(len(x), bool)), ("@first_visit", first_visit)):
            if name == "severity_grade" and suffix:
                continue
            y = targets[name][rows]
            ok = ~np.isnan(y)
            pred = None
            if ok.sum() and np.ptp(y[ok]) > 0:
                pred = _oof(x[rows][ok], y[ok], groups[rows][ok], seed=seed, n_folds=n_folds)
            out[name + suffix] = (graded_metrics(y[ok], pred) if pred is not None else
                                  dict(n=int(ok.sum()), mae=math.nan, spearman=math.nan,
                                       kappa=math.nan, exact=math.nan, within_one=math.nan))
    return out
