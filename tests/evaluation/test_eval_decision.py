"""Decision curves with planted answers: treat all, a perfect model, a useless one."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.evaluation.decision import (
    decision_curve,
    helpful_ranges,
    net_benefit,
    net_benefit_treat_all,
)

T = np.array([0.05, 0.1, 0.2, 0.3, 0.5, 0.8])


def test_treat_all_equals_prevalence_minus_weighted_false_positives():
    y = np.array([1] * 30 + [0] * 70)
    everyone = net_benefit(y, np.ones(100), T)  # a model that flags everyone
    expected = 0.3 - 0.7 * T / (1 - T)
    np.testing.assert_allclose(everyone, expected)
    np.testing.assert_allclose(net_benefit_treat_all(0.3, T), expected)


def test_perfect_model_gains_the_prevalence_and_a_constant_model_nothing():
    y = np.array([1] * 30 + [0] * 70)
    p = y.astype(float)
    np.testing.assert_allclose(net_benefit(y, p, T), 0.3)
    np.testing.assert_allclose(net_benefit(y, np.zeros(100), T), 0.0)


def test_curve_states_where_the_model_helps():
    rng = np.random.default_rng(0)
    p = rng.uniform(0, 1, 2000)
    y = (rng.random(2000) < p).astype(int)  # calibrated, informative
    c = decision_curve(y, p)
    assert c["prevalence"] == pytest.approx(y.mean())
    assert len(c["model"]) == len(c["thresholds"]) == len(c["treat_all"])
    # a calibrated informative score beats both strategies over a wide middle range
    assert c["helps"] and c["helps"][0][0] <= 0.15 and c["helps"][-1][1] >= 0.85
    assert "beats treating everyone" in c["helps_text"]
    row = next(r for r in c["table"] if r["threshold"] == 0.2)
    assert row["treat_all"] == pytest.approx(y.mean() - (1 - y.mean()) * 0.25)
    assert set(c["reference"]) == {"triage", "er_clinical"}


def test_useless_model_helps_nowhere():
    y = np.array([1, 0] * 50)
    c = decision_curve(y, np.full(100, 0.5))
    assert c["helps"] == []
    assert "At no threshold" in c["helps_text"]


def test_helpful_ranges_are_contiguous_runs():
    t = np.array([0.1, 0.2, 0.3, 0.4, 0.5])
    model = np.array([0.1, 0.2, -0.1, 0.3, 0.3])
    assert helpful_ranges(t, model, np.zeros(5)) == [[0.1, 0.2], [0.4, 0.5]]
