"""Metrics: AUC, its cluster bootstrap CI, operating points and threshold choice."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from strokescreen.evaluation.metrics import (
    bootstrap_auc,
    operating_point,
    roc_auc,
    roc_curve_points,
    threshold_for_sensitivity,
    threshold_for_specificity,
    wilson_interval,
    youden_threshold,
)


def _gaussians(n_per_class: int, d: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n_per_class, int), np.ones(n_per_class, int)]
    p = np.r_[rng.normal(0, 1, n_per_class), rng.normal(d, 1, n_per_class)]
    return y, p


def test_auc_matches_sklearn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 300)
    p = np.round(rng.random(300) + 0.3 * y, 1)  # many ties
    assert roc_auc(y, p) == pytest.approx(roc_auc_score(y, p), abs=1e-12)


def test_auc_of_single_class_is_nan_not_error():
    assert np.isnan(roc_auc(np.ones(5), np.linspace(0, 1, 5)))


def test_bootstrap_ci_contains_true_auc_for_planted_separation(auc_for_d):
    d = 1.0
    y, p = _gaussians(2000, d, seed=3)
    lo, hi, aucs = bootstrap_auc(y, p, n_resamples=1000, rng=np.random.default_rng(0))
    truth = auc_for_d(d)  # 0.760
    assert lo < truth < hi
    assert hi - lo < 0.04  # n = 4000: the interval is tight
    assert aucs.size == 1000


def test_bootstrap_is_reproducible_with_seed():
    y, p = _gaussians(100, 1.0, seed=4)
    a = bootstrap_auc(y, p, n_resamples=200, rng=np.random.default_rng(7))
    b = bootstrap_auc(y, p, n_resamples=200, rng=np.random.default_rng(7))
    assert a[:2] == b[:2]


def test_cluster_bootstrap_resamples_subjects_not_cases():
    # 80 subjects, each recorded 6 times with the same score: the information is that of
    # 80 cases. A case bootstrap would pretend it is 480 and give a far narrower interval.
    y1, p1 = _gaussians(40, 1.0, seed=5)
    subjects = np.repeat(np.arange(80), 6)
    y, p = np.repeat(y1, 6), np.repeat(p1, 6)
    rng = np.random.default_rng(0)
    lo_c, hi_c, _ = bootstrap_auc(y, p, groups=subjects, n_resamples=1000, rng=rng)
    lo_1, hi_1, _ = bootstrap_auc(y1, p1, n_resamples=1000, rng=np.random.default_rng(0))
    lo_n, hi_n, _ = bootstrap_auc(y, p, n_resamples=1000, rng=np.random.default_rng(0))
    assert (hi_c - lo_c) == pytest.approx(hi_1 - lo_1, rel=0.2)
    assert (hi_n - lo_n) < 0.6 * (hi_c - lo_c)


def test_operating_point_counts_on_hand_example():
    y = np.array([0, 0, 0, 0, 1, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.6, 0.4, 0.7, 0.5, 0.3, 0.9])
    op = operating_point(y, p, 0.5)
    assert (op["tp"], op["fp"], op["tn"], op["fn"]) == (3, 1, 3, 1)
    assert op["sensitivity"] == 0.75 and op["specificity"] == 0.75 and op["accuracy"] == 0.75
    assert op["ppv"] == 0.75 and op["npv"] == 0.75


@pytest.mark.parametrize("seed", range(5))
def test_threshold_at_reference_specificity_is_feasible_and_optimal(seed):
    y, p = _gaussians(60, 0.8, seed=seed)
    p = np.round(p, 1)  # ties
    ref = 0.4571
    t = threshold_for_specificity(y, p, ref)
    op = operating_point(y, p, t)
    assert op["specificity"] >= ref
    # brute force over every cut: none with specificity >= ref has higher sensitivity
    best = max(
        operating_point(y, p, c)["sensitivity"]
        for c in np.r_[np.unique(p), np.inf]
        if operating_point(y, p, c)["specificity"] >= ref
    )
    assert op["sensitivity"] == pytest.approx(best)


def test_threshold_at_reference_sensitivity():
    y, p = _gaussians(50, 1.0, seed=8)
    t = threshold_for_sensitivity(y, p, 0.7019)
    op = operating_point(y, p, t)
    assert op["sensitivity"] >= 0.7019
    best = max(
        operating_point(y, p, c)["specificity"]
        for c in np.r_[np.unique(p), np.inf]
        if operating_point(y, p, c)["sensitivity"] >= 0.7019
    )
    assert op["specificity"] == pytest.approx(best)


def test_youden_on_perfect_separation():
    y = np.array([0, 0, 0, 1, 1, 1])
    p = np.array([0.1, 0.2, 0.3, 0.7, 0.8, 0.9])
    t = youden_threshold(y, p)
    assert 0.3 < t <= 0.7
    op = operating_point(y, p, t)
    assert op["sensitivity"] == 1.0 and op["specificity"] == 1.0


def test_wilson_interval_known_value():
    lo, hi = wilson_interval(7, 10)
    assert lo == pytest.approx(0.3968, abs=1e-3) and hi == pytest.approx(0.8922, abs=1e-3)


def test_roc_curve_endpoints():
    y, p = _gaussians(30, 1.0, seed=2)
    fpr, tpr, thr = roc_curve_points(y, p)
    assert (fpr[0], tpr[0]) == (0.0, 0.0) and (fpr[-1], tpr[-1]) == (1.0, 1.0)
    assert np.all(np.diff(thr[1:]) < 0)
