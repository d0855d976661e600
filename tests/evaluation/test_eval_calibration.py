"""Calibration measures with planted answers: a calibrated score, a squared score."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.evaluation.calibration import (
    brier_score,
    calibration_intercept_slope,
    calibration_summary,
    expected_calibration_error,
    logit,
    smoothed_reliability,
)
from strokescreen.evaluation.metrics import roc_auc


def calibrated(n: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """p uniform-ish on (0.02, 0.98) and y ~ Bernoulli(p): calibrated by construction."""
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = (rng.random(n) < p).astype(int)
    return y, p


def test_calibrated_score_has_slope_one_intercept_zero_and_a_flat_curve():
    y, p = calibrated()
    intercept, slope = calibration_intercept_slope(y, p)
    assert slope == pytest.approx(1.0, abs=0.1)
    assert intercept == pytest.approx(0.0, abs=0.1)
    assert expected_calibration_error(y, p) < 0.03
    curve = smoothed_reliability(y, p, n_bootstrap=0, rng=np.random.default_rng(0))
    gap = np.abs(np.asarray(curve["observed"]) - np.asarray(curve["predicted"]))
    assert len(curve["observed"]) > 15
    assert gap.max() < 0.06  # flat: observed - predicted is ~0 along the whole curve


def test_squared_score_is_miscalibrated_with_the_same_auc():
    y, p = calibrated()
    _, slope = calibration_intercept_slope(y, p**2)
    assert roc_auc(y, p**2) == pytest.approx(roc_auc(y, p), abs=1e-12)  # monotone: same AUC
    assert abs(slope - 1.0) > 0.25
    assert brier_score(y, p**2) > brier_score(y, p) + 0.01


def test_intercept_detects_probabilities_that_are_too_low():
    y, p = calibrated()
    low = 1 / (1 + np.exp(-(logit(p) - 1.0)))  # every log-odds 1 too low
    intercept, slope = calibration_intercept_slope(y, low)
    assert intercept == pytest.approx(1.0, abs=0.12)
    assert slope == pytest.approx(1.0, abs=0.1)


def test_brier_of_known_values():
    assert brier_score(np.array([1, 0]), np.array([0.8, 0.4])) == pytest.approx((0.04 + 0.16) / 2)


def test_summary_cis_cover_the_truth_and_resample_subjects():
    y, p = calibrated(n=600, seed=3)
    groups = np.repeat(np.arange(300), 2)  # two cases per subject
    s = calibration_summary(y, p, groups=groups, n_bootstrap=200, rng=np.random.default_rng(1))
    assert s["slope_ci"][0] < 1.0 < s["slope_ci"][1]
    assert s["intercept_ci"][0] < 0.0 < s["intercept_ci"][1]
    assert s["brier_ci"][0] <= s["brier"] <= s["brier_ci"][1]
    assert sum(b["n"] for b in s["bins"]) == 600
    sm = s["smoothed"]
    low = np.array(sm["observed_low"], dtype=float)
    high = np.array(sm["observed_high"], dtype=float)
    assert np.all(low <= np.array(sm["observed"]) + 1e-9)
    assert np.all(high >= np.array(sm["observed"]) - 1e-9)


def test_single_class_gives_undefined_slope_not_an_error():
    s = calibration_summary(np.zeros(5, int), np.full(5, 0.2), n_bootstrap=10,
                            rng=np.random.default_rng(0))
    assert s["slope"] is None and s["intercept"] is None
    assert s["brier"] == pytest.approx(0.04)
