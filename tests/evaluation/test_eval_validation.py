"""External validation: planted calibrated and miscalibrated cohorts."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import ConfigError, InputError
from strokescreen.evaluation.validation import apply_update, external_validation, fit_update


def cohort(n=600, seed=0):
    rng = np.random.default_rng(seed)
    p = rng.uniform(0.02, 0.98, n)
    y = (rng.random(n) < p).astype(int)
    return y, p, np.array([f"s{i // 2}" for i in range(n)])


def test_calibrated_model_stays_calibrated_and_needs_no_update():
    y, p, g = cohort()
    block, updated = external_validation(y, p, g, threshold=0.5, update="none",
                                         n_bootstrap=50, reference_specificity=0.4571)
    assert block["calibration_before"]["slope"] == pytest.approx(1.0, abs=0.2)
    assert "calibration_after" not in block and np.array_equal(updated, p)
    assert block["at_model_threshold"]["threshold"] == 0.5


def test_slope_update_repairs_a_miscalibrated_model_out_of_sample():
    y, p, g = cohort(seed=1)
    shifted = apply_update(p, -1.5, 2.0)  # too extreme and too low on the new site
    block, updated = external_validation(y, shifted, g, threshold=0.3, update="slope",
                                         n_bootstrap=50, reference_specificity=0.4571)
    before, after = block["calibration_before"], block["calibration_after"]
    assert abs(before["slope"] - 0.5) < 0.1 and before["intercept"] > 0.5
    assert after["slope"] == pytest.approx(1.0, abs=0.2)
    assert abs(after["intercept"]) < 0.2
    assert after["brier"] < before["brier"]
    assert block["update"]["slope"] == pytest.approx(0.5, abs=0.1)
    assert "cross-fitted" in block["update"]["after_figures"]
    assert block["auc_after_update"] == pytest.approx(block["auc"], abs=0.02)


def test_intercept_update_keeps_the_slope():
    y, p, _ = cohort(seed=2)
    a, b = fit_update(y, apply_update(p, -1.0, 1.0), "intercept")
    assert b == 1.0 and a == pytest.approx(1.0, abs=0.25)


def test_bad_update_and_single_class_are_clear_errors():
    y, p, g = cohort(n=20)
    with pytest.raises(ConfigError, match="update 'cubic' is unknown"):
        external_validation(y, p, g, threshold=0.5, update="cubic", reference_specificity=0.5)
    with pytest.raises(InputError, match="single class"):
        external_validation(np.zeros(20, int), p, g, threshold=0.5, reference_specificity=0.5)
