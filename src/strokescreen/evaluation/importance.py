"""Global feature importance from the evaluation's own fold models.

Permutation importance on the pooled held-out predictions: for feature j, its values are
permuted across all evaluated cases (a case receives another evaluated case's value), each
fold model re-predicts its own held-out cases, and the drop in pooled AUC is the feature's
importance (mean and SD over ``n_repeats`` permutations). Nothing is refitted, and no model
sees a case it was trained on as a test case. Model-native importance (standardised
coefficients, impurity importance) is averaged over the fold models alongside.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.evaluation.metrics import roc_auc

Unit = tuple[Any, np.ndarray]  # (fitted model, positions of the cases it predicts)


def _pooled(units: Sequence[Unit], evaluated: np.ndarray, values: list[np.ndarray]) -> np.ndarray:
    sums = np.zeros(evaluated.size)
    counts = np.zeros(evaluated.size)
    for (_, test), v in zip(units, values, strict=True):
        k = np.searchsorted(evaluated, test)
        sums[k] += v
        counts[k] += 1
    return sums / np.maximum(counts, 1)


def permutation_importance_pooled(
    units: Sequence[Unit],
    cases: pd.DataFrame,
    y: np.ndarray,
    features: Sequence[str],
    *,
    n_repeats: int = 3,
    rng: np.random.Generator,
    max_rows: int = 100_000,
) -> pd.DataFrame:
    """Drop in pooled AUC when each feature is permuted (see module docstring).

    units : (fitted model, test positions into ``cases``) per fold model.
    y : labels of all cases, shape (len(cases),).
    Returns columns feature, importance_mean, importance_sd (AUC units), sorted by mean,
    descending. Empty when the evaluated cases hold a single class.
    """
    features = list(features)
    evaluated = np.unique(np.concatenate([np.asarray(t) for _, t in units]))
    y_eval = np.asarray(y)[evaluated]
    empty = pd.DataFrame(columns=["feature", "importance_mean", "importance_sd"])
    if len(np.unique(y_eval)) < 2 or not features:
        return empty
    X = cases[features].to_numpy(dtype=float)
    n_f, n_eval = len(features), evaluated.size
    perms = rng.permuted(np.tile(np.arange(n_eval), (n_repeats, n_f, 1)), axis=2)
    base_vals, perm_vals = [], np.zeros((n_repeats, n_f, n_eval))
    counts = np.zeros(n_eval)
    pairs = [(r, j) for r in range(n_repeats) for j in range(n_f)]
    for model, test in units:
        test = np.asarray(test)
        k = np.searchsorted(evaluated, test)
        counts[k] += 1
        frame = pd.DataFrame(X[test], columns=features)
        base_vals.append(model.predict_proba(frame)[:, 1])
        per_chunk = max(1, max_rows // max(len(test), 1))
        for start in range(0, len(pairs), per_chunk):
            chunk = pairs[start : start + per_chunk]
            big = np.tile(X[test], (len(chunk), 1))
            for c, (r, j) in enumerate(chunk):
                src = evaluated[perms[r, j, k]]
                big[c * len(test) : (c + 1) * len(test), j] = X[src, j]
            pr = model.predict_proba(pd.DataFrame(big, columns=features))[:, 1]
            pr = pr.reshape(len(chunk), len(test))
            for c, (r, j) in enumerate(chunk):
                perm_vals[r, j, k] += pr[c]
    base_auc = roc_auc(y_eval, _pooled(units, evaluated, base_vals))
    drops = np.array(
        [
            [
                base_auc - roc_auc(y_eval, perm_vals[r, j] / np.maximum(counts, 1))
                for j in range(n_f)
            ]
            for r in range(n_repeats)
        ]
    )
    out = pd.DataFrame(
        {
            "feature": features,
            "importance_mean": drops.mean(axis=0),
            "importance_sd": drops.std(axis=0, ddof=1) if n_repeats > 1 else np.zeros(n_f),
        }
    )
    return out.sort_values("importance_mean", ascending=False, kind="stable").reset_index(drop=True)


def native_importance(models: Sequence[object]) -> pd.DataFrame:
    """Mean and SD over fold models of ``model.feature_importance()``; empty if none has it."""
    series = []
    for m in models:
        fi = getattr(m, "feature_importance", None)
        s = fi() if callable(fi) else None
        if s is not None:
            series.append(s)
    if not series:
        return pd.DataFrame(columns=["feature", "native_mean", "native_sd"])
    table = pd.concat(series, axis=1)
    return pd.DataFrame(
        {
            "feature": table.index.astype(str),
            "native_mean": table.mean(axis=1).to_numpy(),
            "native_sd": table.std(axis=1, ddof=1).fillna(0.0).to_numpy(),
        }
    )
