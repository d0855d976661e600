"""Planted case tables for the evaluation tests.

``planted_cases`` builds a feature table whose feature ``face_signal`` separates the classes
as two unit-variance Gaussians ``d`` apart, so its true AUC is Phi(d / sqrt(2)).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import norm


def true_auc(d: float) -> float:
    """AUC of N(d, 1) against N(0, 1)."""
    return float(norm.cdf(d / np.sqrt(2.0)))


def planted_cases(
    n_subjects: int = 60,
    *,
    cases_per_subject: int = 1,
    d: float = 1.5,
    seed: int = 0,
    pos_fraction: float = 0.5,
    n_noise: int = 2,
    with_meta: bool = True,
) -> pd.DataFrame:
    """One row per case; subject s has label 1 for the first ``pos_fraction`` of subjects."""
    rng = np.random.default_rng(seed)
    n_pos = int(round(pos_fraction * n_subjects))
    order = rng.permutation(n_subjects)  # recording order, independent of the label
    rows = []
    for s in range(n_subjects):
        label = int(s < n_pos)
        for c in range(cases_per_subject):
            row = {
                "case_id": f"s{s:03d}c{c}",
                "subject_id": f"s{s:03d}",
                "label": label,
                "case_dir": f"/nonexistent/s{s:03d}c{c}",
                "face_signal": rng.normal(d * label, 1.0),
            }
            for k in range(n_noise):
                row[f"speech_noise{k}"] = rng.normal()
            if with_meta:
                row["sex"] = "F" if rng.random() < 0.5 else "M"
                row["age"] = float(rng.integers(30, 95))
                row["site"] = ["A", "B", "C"][s % 3]
                row["recorded_at"] = (
                    pd.Timestamp("2023-01-01") + pd.Timedelta(days=int(order[s] * 3 + c))
                ).strftime("%Y-%m-%d")
            rows.append(row)
    return pd.DataFrame(rows)


@pytest.fixture
def make_cases():
    return planted_cases


@pytest.fixture
def auc_for_d():
    return true_auc
