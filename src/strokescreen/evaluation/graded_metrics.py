"""Metrics of a graded prediction (severity, a grade, a change since the last visit).

Pure functions over arrays. ``y`` is the reference (clinician's grade), ``pred`` the
model's prediction, both float arrays of shape (n,).

- :func:`mae`, :func:`rmse`: in the target's units;
- :func:`spearman`: rank correlation; :func:`subject_bootstrap_ci` resamples whole
  subjects (a subject's recordings are not independent);
- :func:`round_to_grades`: a prediction as the nearest grade within the observed range;
- :func:`grade_agreement`: the share of exact and within-one-grade matches;
- :func:`quadratic_weighted_kappa`: Cohen's kappa with weights (i - j)^2 / (K - 1)^2 over
  the K grades from the lowest to the highest;
- :func:`bland_altman`: bias (mean of pred - y) and 95 % limits of agreement
  (bias +- 1.96 SD of the differences, SD with n - 1).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

LOA_Z = 1.96


def _pair(y: np.ndarray, pred: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y, float)
    pred = np.asarray(pred, float)
    if y.shape != pred.shape:
        raise ValueError(f"y {y.shape} and pred {pred.shape} differ in shape")
    return y, pred


def mae(y: np.ndarray, pred: np.ndarray) -> float:
    y, pred = _pair(y, pred)
    return float(np.mean(np.abs(pred - y)))


def rmse(y: np.ndarray, pred: np.ndarray) -> float:
    y, pred = _pair(y, pred)
    return float(np.sqrt(np.mean((pred - y) ** 2)))


def spearman(y: np.ndarray, pred: np.ndarray) -> float | None:
    """Spearman's rho (average ranks for ties); None when either side is constant."""
    from scipy.stats import rankdata

    y, pred = _pair(y, pred)
    if y.size < 3 or np.ptp(y) == 0 or np.ptp(pred) == 0:
        return None
    ry, rp = rankdata(y), rankdata(pred)
    return float(np.corrcoef(ry, rp)[0, 1])


def subject_bootstrap_ci(
    stat: Callable[[np.ndarray, np.ndarray], float | None],
    y: np.ndarray,
    pred: np.ndarray,
    groups: np.ndarray,
    *,
    n_bootstrap: int = 1000,
    rng: np.random.Generator,
    level: float = 0.95,
) -> list[float] | None:
    """Percentile CI of ``stat`` over resamples of whole subjects; None when fewer than
    half the resamples give a value or ``n_bootstrap`` is 0."""
    y, pred = _pair(y, pred)
    if n_bootstrap <= 0:
        return None
    g = np.asarray(groups).astype(str)
    subjects, inv = np.unique(g, return_inverse=True)
    rows = [np.flatnonzero(inv == k) for k in range(subjects.size)]
    vals = []
    for _ in range(n_bootstrap):
        pick = rng.integers(0, subjects.size, subjects.size)
        idx = np.concatenate([rows[k] for k in pick])
        v = stat(y[idx], pred[idx])
        if v is not None and np.isfinite(v):
            vals.append(v)
    if len(vals) < n_bootstrap / 2:
        return None
    a = (1 - level) / 2
    return [float(np.quantile(vals, a)), float(np.quantile(vals, 1 - a))]


def round_to_grades(pred: np.ndarray, grades: np.ndarray) -> np.ndarray:
    """Each prediction rounded to the nearest integer (halves up), clipped to [min, max] of
    ``grades``."""
    g = np.asarray(grades, float)
    return np.clip(np.floor(np.asarray(pred, float) + 0.5), g.min(), g.max())


def grade_agreement(y: np.ndarray, pred_grade: np.ndarray) -> dict[str, float]:
    """Share of cases graded exactly right and within one grade."""
    y, pred_grade = _pair(y, pred_grade)
    d = np.abs(pred_grade - y)
    return {"exact": float(np.mean(d < 0.5)), "within_one": float(np.mean(d < 1.5))}


def quadratic_weighted_kappa(
    y: np.ndarray, pred_grade: np.ndarray, *, grades: np.ndarray | None = None
) -> float | None:
    """Quadratic-weighted kappa of two integer gradings; None when undefined.

    grades : the grade scale (default: every integer from the lowest to the highest grade
        seen in either); weights are (i - j)^2 / (K - 1)^2 over its K grades.
    """
    y, pred_grade = _pair(y, pred_grade)
    yi, pi = np.round(y).astype(int), np.round(pred_grade).astype(int)
    if grades is None:
        lo, hi = int(min(yi.min(), pi.min())), int(max(yi.max(), pi.max()))
    else:
        lo, hi = int(np.min(grades)), int(np.max(grades))
    k = hi - lo + 1
    if k < 2 or yi.size == 0:
        return None
    observed = np.zeros((k, k))
    np.add.at(observed, (np.clip(yi, lo, hi) - lo, np.clip(pi, lo, hi) - lo), 1.0)
    expected = np.outer(observed.sum(1), observed.sum(0)) / observed.sum()
    i, j = np.indices((k, k))
    w = (i - j) ** 2 / (k - 1) ** 2
    denom = float((w * expected).sum())
    if denom == 0:
        return None
    return float(1.0 - (w * observed).sum() / denom)


def bland_altman(y: np.ndarray, pred: np.ndarray) -> dict[str, float]:
    """Bias (mean of pred - y), SD of the differences and the 95 % limits of agreement."""
    y, pred = _pair(y, pred)
    d = pred - y
    bias = float(d.mean())
    sd = float(d.std(ddof=1)) if d.size > 1 else 0.0
    return {"bias": bias, "sd": sd, "loa_low": bias - LOA_Z * sd, "loa_high": bias + LOA_Z * sd,
            "n": int(d.size)}


def graded_summary(
    y: np.ndarray,
    pred: np.ndarray,
    groups: np.ndarray,
    *,
    integer: bool,
    grades: np.ndarray | None = None,
    n_bootstrap: int = 1000,
    rng: np.random.Generator,
) -> dict:
    """Every graded metric of one set of predictions (the ``metrics.json`` block).

    integer : the target is integer-graded; only then are the rounded grade, exact and
        within-one agreement and the quadratic-weighted kappa reported.
    """
    y, pred = _pair(y, pred)
    g = np.asarray(groups).astype(str)
    out: dict = {
        "n_cases": int(y.size),
        "n_subjects": int(np.unique(g).size),
        "mae": mae(y, pred),
        "rmse": rmse(y, pred),
        "spearman": spearman(y, pred),
        "spearman_ci": subject_bootstrap_ci(spearman, y, pred, g, n_bootstrap=n_bootstrap,
                                            rng=rng),
        "bland_altman": bland_altman(y, pred),
        "mae_of_training_mean": None,
    }
    if integer:
        scale = np.asarray(grades if grades is not None else np.unique(np.round(y)), float)
        pg = round_to_grades(pred, scale)
        out["grades"] = [float(v) for v in scale]
        out["agreement"] = grade_agreement(y, pg)
        out["kappa_quadratic"] = quadratic_weighted_kappa(y, pg, grades=scale)
        out["kappa_ci"] = subject_bootstrap_ci(
            lambda a, b: quadratic_weighted_kappa(a, b, grades=scale), y, pg, g,
            n_bootstrap=n_bootstrap, rng=rng)
    return out


__all__ = ["bland_altman", "grade_agreement", "graded_summary", "mae",
           "quadratic_weighted_kappa", "rmse", "round_to_grades", "spearman",
           "subject_bootstrap_ci"]
