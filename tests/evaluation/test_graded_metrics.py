"""Graded metrics against values computed by hand."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.evaluation.graded_metrics import (
    bland_altman,
    grade_agreement,
    graded_summary,
    mae,
    quadratic_weighted_kappa,
    rmse,
    round_to_grades,
    spearman,
    subject_bootstrap_ci,
)

Y = np.array([0.0, 1.0, 2.0, 3.0])
P = np.array([0.5, 1.0, 1.0, 4.0])


def test_mae_rmse_by_hand():
    # |d| = 0.5, 0, 1, 1 -> MAE 2.5 / 4; d^2 = 0.25, 0, 1, 1 -> RMSE sqrt(2.25 / 4)
    assert mae(Y, P) == pytest.approx(0.625)
    assert rmse(Y, P) == pytest.approx(0.75)


def test_bland_altman_by_hand():
    # d = P - Y = 0.5, 0, -1, 1: mean 0.125; squared deviations sum to 2.1875, SD sqrt(2.1875/3)
    ba = bland_altman(Y, P)
    sd = np.sqrt(2.1875 / 3)
    assert ba["bias"] == pytest.approx(0.125)
    assert ba["sd"] == pytest.approx(sd)
    assert ba["loa_low"] == pytest.approx(0.125 - 1.96 * sd)
    assert ba["loa_high"] == pytest.approx(0.125 + 1.96 * sd)
    assert ba["loa_low"] == pytest.approx(-1.54867, abs=1e-5)


def test_quadratic_kappa_by_hand():
    # observed (0,0) (1,2) (2,2) (3,3); weights (i-j)^2/9; sum W*O = 1/9, sum W*E = 10/9
    assert quadratic_weighted_kappa(Y, np.array([0, 2, 2, 3.0])) == pytest.approx(0.9)
    assert quadratic_weighted_kappa(Y, Y) == pytest.approx(1.0)


def test_quadratic_kappa_matches_sklearn():
    from sklearn.metrics import cohen_kappa_score

    rng = np.random.default_rng(3)
    a = rng.integers(0, 4, 60)
    b = np.clip(a + rng.integers(-1, 2, 60), 0, 3)
    ours = quadratic_weighted_kappa(a.astype(float), b.astype(float), grades=np.arange(4))
    assert ours == pytest.approx(cohen_kappa_score(a, b, weights="quadratic"))


def test_rounding_and_agreement():
    g = round_to_grades(P, np.arange(4))
    assert g.tolist() == [1.0, 1.0, 1.0, 3.0]  # halves go up; 4 is clipped to the top grade
    agree = grade_agreement(Y, g)
    assert agree == {"exact": 0.5, "within_one": 1.0}


def test_spearman_monotone_and_constant():
    assert spearman(Y, Y ** 3) == pytest.approx(1.0)
    assert spearman(Y, -Y) == pytest.approx(-1.0)
    assert spearman(Y, np.ones(4)) is None


def test_bootstrap_resamples_whole_subjects():
    # each subject has two rows holding its id; resampling subjects keeps every count even
    ids = np.repeat(np.arange(20.0), 2)

    def all_pairs(a: np.ndarray, _b: np.ndarray) -> float:
        _, counts = np.unique(a, return_counts=True)
        return float(np.all(counts % 2 == 0))

    ci = subject_bootstrap_ci(all_pairs, ids, ids, ids.astype(int), n_bootstrap=200,
                              rng=np.random.default_rng(0))
    assert ci == [1.0, 1.0]


def test_summary_continuous_has_no_grade_metrics():
    rng = np.random.default_rng(0)
    y = rng.normal(-1.5, 2.0, 40)
    s = graded_summary(y, y + rng.normal(0, 0.5, 40), np.arange(40) // 2, integer=False,
                       n_bootstrap=50, rng=rng)
    assert "kappa_quadratic" not in s and "agreement" not in s
    assert s["spearman"] > 0.8 and s["spearman_ci"][0] <= s["spearman"] <= s["spearman_ci"][1]
