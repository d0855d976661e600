"""Calibration of case-level probabilities: can a probability be taken at its word?

Conventions as in :mod:`strokescreen.evaluation.metrics` (``y`` 0/1, ``p`` P(stroke)).

- **Brier score**: mean squared error of ``p`` against ``y``; **scaled Brier** is
  ``1 - Brier / (prevalence * (1 - prevalence))`` (1 perfect, 0 no better than always saying
  the prevalence, negative worse).
- **Calibration intercept** (calibration-in-the-large): ``a`` in
  ``logit P(y=1) = a + logit(p)`` (slope fixed at 1); 0 when the predictions are right on
  average, > 0 when they are too low.
- **Calibration slope**: ``b`` in ``logit P(y=1) = a' + b * logit(p)``; 1 ideal, < 1 when the
  predictions are too extreme (overfitting), > 1 when too modest.
- **Expected calibration error** (ECE): case-weighted mean |observed - predicted| over
  ``n_bins`` equal-width bins of ``p``.
- **Reliability diagram**: the binned points (observed fraction with its Wilson interval)
  and a smoothed curve: at each grid point ``g`` a Gaussian kernel (bandwidth ``h`` on the
  probability scale) weights the cases, and the curve point is (weighted mean of ``p``,
  weighted mean of ``y``); a perfectly calibrated score therefore lies on the diagonal
  even near 0 and 1, where a plain kernel average would be pulled inwards.

Confidence intervals come from the stratified cluster bootstrap by subject of
:func:`strokescreen.evaluation.metrics.subject_multiplicities` (the one the AUC uses).
Probabilities are clipped to ``[EPS, 1 - EPS]`` before taking logits; the logistic fits
are :func:`strokescreen.models.calibration.logistic_fit` (the recalibration's own).
"""

from __future__ import annotations

import numpy as np

from strokescreen.evaluation.metrics import _as_arrays, subject_multiplicities, wilson_interval
from strokescreen.jsonable import finite_or_none
from strokescreen.models.calibration import EPS, logistic_fit, logit

__all__ = [
    "EPS",
    "brier_score",
    "calibration_intercept_slope",
    "calibration_summary",
    "expected_calibration_error",
    "logistic_fit",
    "logit",
    "point_calibration",
    "reliability_bins",
    "smoothed_reliability",
]

N_BINS = 10
BANDWIDTH = 0.08


def brier_score(y: np.ndarray, p: np.ndarray, *, weights: np.ndarray | None = None) -> float:
    """Mean squared difference between ``p`` and ``y`` (case-weighted); NaN when empty."""
    y, p = _as_arrays(y, p)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    if w.sum() <= 0:
        return float("nan")
    return float(np.sum(w * (p - y) ** 2) / w.sum())


def _scaled_brier(brier: float, prevalence: float) -> float:
    ref = prevalence * (1.0 - prevalence)
    return 1.0 - brier / ref if ref > 0 else float("nan")


def calibration_intercept_slope(
    y: np.ndarray, p: np.ndarray, *, weights: np.ndarray | None = None
) -> tuple[float, float]:
    """(calibration intercept with slope fixed at 1, calibration slope); NaN for one class."""
    y, p = _as_arrays(y, p)
    w = np.ones(y.size) if weights is None else np.asarray(weights, dtype=float)
    if len(np.unique(y[w > 0])) < 2:
        return float("nan"), float("nan")
    lp = logit(p)
    intercept = float(logistic_fit(None, y, offset=lp, weights=w)[0])
    slope = float(logistic_fit(lp, y, weights=w)[1])
    return intercept, slope


def _bin_index(p: np.ndarray, n_bins: int) -> np.ndarray:
    return np.minimum((p * n_bins).astype(int), n_bins - 1)


def expected_calibration_error(y: np.ndarray, p: np.ndarray, *, n_bins: int = N_BINS) -> float:
    """Case-weighted mean |observed fraction - mean predicted| over equal-width bins."""
    y, p = _as_arrays(y, p)
    if y.size == 0:
        return float("nan")
    idx = _bin_index(p, n_bins)
    total = 0.0
    for b in np.unique(idx):
        m = idx == b
        total += m.sum() * abs(y[m].mean() - p[m].mean())
    return float(total / y.size)


def reliability_bins(y: np.ndarray, p: np.ndarray, *, n_bins: int = N_BINS) -> list[dict]:
    """One dict per non-empty equal-width bin: bounds, n, mean predicted, observed fraction
    and its 95 % Wilson interval."""
    y, p = _as_arrays(y, p)
    idx = _bin_index(p, n_bins)
    rows = []
    for b in np.unique(idx):
        m = idx == b
        k, n = int(y[m].sum()), int(m.sum())
        lo, hi = wilson_interval(k, n)
        rows.append({
            "bin_low": b / n_bins,
            "bin_high": (b + 1) / n_bins,
            "n": n,
            "n_pos": k,
            "mean_predicted": float(p[m].mean()),
            "observed": k / n,
            "observed_ci": [finite_or_none(lo), finite_or_none(hi)],
        })
    return rows


def _smooth(
    y: np.ndarray, p: np.ndarray, grid: np.ndarray, w: np.ndarray, bandwidth: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Kernel-weighted (mean p, mean y, effective n) at each grid point; w shape (B, n)."""
    k = np.exp(-0.5 * ((grid[:, None] - p[None, :]) / bandwidth) ** 2)  # (G, n)
    kw = w[:, None, :] * k[None]  # (B, G, n)
    tot = kw.sum(axis=2)
    with np.errstate(invalid="ignore", divide="ignore"):
        mp = (kw * p).sum(axis=2) / tot
        my = (kw * y).sum(axis=2) / tot
        n_eff = tot**2 / (kw**2).sum(axis=2)
    return mp, my, n_eff


def smoothed_reliability(
    y: np.ndarray,
    p: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    bandwidth: float = BANDWIDTH,
    n_grid: int = 25,
    n_bootstrap: int = 200,
    min_effective_n: float = 5.0,
    rng: np.random.Generator,
) -> dict:
    """The smoothed reliability curve with a pointwise 95 % subject-bootstrap band.

    Grid points outside the observed range of ``p`` or with fewer than ``min_effective_n``
    effective cases are left out. Returns {"predicted", "observed", "observed_low",
    "observed_high", "bandwidth"} (lists of equal length).
    """
    y, p = _as_arrays(y, p)
    grid = np.linspace(p.min(), p.max(), n_grid) if y.size else np.empty(0)
    mp, my, n_eff = _smooth(y, p, grid, np.ones((1, y.size)), bandwidth)
    keep = np.isfinite(my[0]) & (n_eff[0] >= min_effective_n)
    lows = highs = np.full(grid.size, np.nan)
    if n_bootstrap > 0 and len(np.unique(y)) == 2:
        codes, chunks = subject_multiplicities(y, groups, n_resamples=n_bootstrap, rng=rng,
                                               chunk=50)
        # the band is the spread of the smoothed observed fraction at the same grid point
        boots = np.concatenate([_smooth(y, p, grid, m[:, codes], bandwidth)[1] for m in chunks])
        with np.errstate(invalid="ignore"):
            lows, highs = np.nanquantile(boots, [0.025, 0.975], axis=0)
    sel = np.flatnonzero(keep)
    return {
        "predicted": [float(v) for v in mp[0][sel]],
        "observed": [float(v) for v in my[0][sel]],
        "observed_low": [finite_or_none(float(v)) for v in lows[sel]],
        "observed_high": [finite_or_none(float(v)) for v in highs[sel]],
        "bandwidth": bandwidth,
    }


def point_calibration(y: np.ndarray, p: np.ndarray) -> dict:
    """Brier, scaled Brier, intercept, slope, ECE and O/E of one set of predictions (no CI).

    JSON-ready: undefined values are None.
    """
    y, p = _as_arrays(y, p)
    if y.size == 0:
        return {"brier": None, "scaled_brier": None, "intercept": None, "slope": None,
                "ece": None, "observed_expected": None}
    brier = brier_score(y, p)
    intercept, slope = calibration_intercept_slope(y, p)
    expected = float(p.sum())
    return {
        "brier": finite_or_none(brier),
        "scaled_brier": finite_or_none(_scaled_brier(brier, float(y.mean()))),
        "intercept": finite_or_none(intercept),
        "slope": finite_or_none(slope),
        "ece": finite_or_none(expected_calibration_error(y, p)),
        "observed_expected": finite_or_none(y.sum() / expected) if expected > 0 else None,
    }


def calibration_summary(
    y: np.ndarray,
    p: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    n_bootstrap: int = 1000,
    n_bins: int = N_BINS,
    rng: np.random.Generator,
) -> dict:
    """Every calibration measure of pooled predictions, with subject-bootstrap 95 % CIs.

    Keys: those of :func:`point_calibration`, ``*_ci`` for brier, scaled_brier, intercept
    and slope, ``bins`` (:func:`reliability_bins`), ``smoothed``
    (:func:`smoothed_reliability`), ``ci_method`` and ``definitions``.
    """
    y, p = _as_arrays(y, p)
    out = point_calibration(y, p)
    names = ("brier", "scaled_brier", "intercept", "slope")
    for name in names:
        out[f"{name}_ci"] = None
    if n_bootstrap > 0 and len(np.unique(y)) == 2:
        codes, chunks = subject_multiplicities(y, groups, n_resamples=n_bootstrap, rng=rng)
        draws: dict[str, list[float]] = {name: [] for name in names}
        for mult in chunks:
            for w in mult[:, codes]:
                b = brier_score(y, p, weights=w)
                a, s = calibration_intercept_slope(y, p, weights=w)
                prev = float(np.sum(w * y) / w.sum())
                for name, x in zip(names, (b, _scaled_brier(b, prev), a, s), strict=True):
                    draws[name].append(x)
        for name in names:
            vals = np.asarray(draws[name])
            vals = vals[np.isfinite(vals)]
            if vals.size:
                lo, hi = np.quantile(vals, [0.025, 0.975])
                out[f"{name}_ci"] = [finite_or_none(lo), finite_or_none(hi)]
    out["bins"] = reliability_bins(y, p, n_bins=n_bins) if y.size else []
    out["smoothed"] = (
        smoothed_reliability(y, p, groups=groups, n_bootstrap=min(n_bootstrap, 200), rng=rng)
        if y.size else {}
    )
    out["n_bins"] = n_bins
    out["ci_method"] = (
        f"stratified cluster bootstrap by subject, {n_bootstrap} resamples, 95% percentile"
    )
    out["definitions"] = {
        "intercept": "calibration-in-the-large: a in logit P(y) = a + logit(p); ideal 0",
        "slope": "b in logit P(y) = a + b logit(p); ideal 1, below 1: predictions too extreme",
        "scaled_brier": "1 - Brier / (prevalence (1 - prevalence)); 1 perfect, 0 uninformative",
        "ece": f"case-weighted mean |observed - predicted| over {n_bins} equal-width bins",
        "observed_expected": "observed strokes / sum of predicted probabilities; ideal 1",
    }
    return out
