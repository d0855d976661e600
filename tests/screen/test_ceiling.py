"""Signal-detection ceiling of a norm-based screen: planted textbook answers."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.screen.ceiling import (
    combined_d_prime,
    detection_rate,
    max_test_rate,
    movement_ratio,
    required_d_prime,
)


def test_no_shift_is_flagged_at_the_level_and_the_textbook_d_prime_gives_90_percent():
    assert detection_rate(0.0, level=0.05) == pytest.approx(0.05)
    # one-sided textbook: d' = z(0.975) + z(0.90) = 1.960 + 1.2816; the far tail adds ~0
    assert detection_rate(1.959964 + 1.281552, level=0.05) == pytest.approx(0.90, abs=1e-4)
    assert required_d_prime(0.90, level=0.05) == pytest.approx(3.2415, abs=1e-3)


def test_two_sided_rate_matches_a_simulation():
    rng = np.random.default_rng(0)
    x = rng.normal(3.0 / 1.61, 1.0, 200_000) * rng.choice([-1, 1], 200_000)
    assert np.mean(np.abs(x) > 1.959964) == pytest.approx(detection_rate(3.0 / 1.61,
                                                                         level=0.05), abs=0.005)


def test_combination_of_independent_and_correlated_measures():
    assert combined_d_prime([3.0, 4.0]) == pytest.approx(5.0)
    # two measures that healthy faces share perfectly-ish add nothing beyond one
    assert combined_d_prime([2.0, 2.0], correlation=0.99) == pytest.approx(2.0, rel=0.01)
    # a negative healthy correlation with a same-direction shift helps
    assert combined_d_prime([2.0, 2.0], correlation=-0.5) > combined_d_prime([2.0, 2.0])


def test_max_of_two_tests_is_below_their_best_combination():
    d = [3.0 / 1.61, movement_ratio(3.0, loss_per_mm=0.13) / 0.101]
    assert max_test_rate(d, level=0.05) < detection_rate(combined_d_prime(d), level=0.05)
    assert max_test_rate([0.0, 0.0], level=0.05) == pytest.approx(0.05)


def test_movement_ratio_of_a_planted_loss():
    assert movement_ratio(0.0, loss_per_mm=0.13) == 0.0
    assert movement_ratio(3.0, loss_per_mm=0.13) == pytest.approx(0.39 / 1.61)
    assert movement_ratio(100.0, loss_per_mm=0.13) == pytest.approx(0.9 / 1.1)  # capped
