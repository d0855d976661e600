"""Classification metrics for case-level probabilities: AUC with a bootstrap CI,
operating points (threshold, accuracy, sensitivity, specificity) and threshold choice.

Conventions used throughout:

- ``y`` : ndarray, shape (n,), int 0/1 (1 = stroke, the positive class).
- ``p`` : ndarray, shape (n,), float, predicted probability of stroke.
- A case is called positive when ``p >= threshold``.
- Functions are pure; randomness comes from a passed :class:`numpy.random.Generator`.

The AUC confidence interval is a **stratified cluster bootstrap by subject** (percentile
method): subjects are resampled with replacement within two strata (subjects with at least
one stroke case, subjects with none), and every case of a drawn subject enters the resample
as often as its subject was drawn. Cases of one subject are correlated, so resampling
subjects rather than cases keeps the interval honest; when each subject has one case it is
the ordinary stratified case bootstrap. Every resample therefore holds both classes.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
from scipy.stats import norm

from strokescreen.config import TRIAGE_SPECIFICITY

__all__ = [
    "REFERENCE_POINTS",
    "ReferencePoint",
    "bootstrap_auc",
    "operating_point",
    "roc_auc",
    "roc_curve_points",
    "subject_multiplicities",
    "SPECIFICITY_MATCHES",
    "threshold_for_sensitivity",
    "threshold_for_specificity",
    "wilson_interval",
    "youden_threshold",
]


@dataclass(frozen=True)
class ReferencePoint:
    """A clinician operating point to compare with (fractions, not percent)."""

    name: str
    label: str
    sensitivity: float
    specificity: float
    accuracy: float


#: Reference operating points from the DeepStroke paper (ER cohort).
REFERENCE_POINTS: tuple[ReferencePoint, ...] = (
    ReferencePoint("triage", "Triage team", 0.7019, TRIAGE_SPECIFICITY, 0.6403),
    ReferencePoint("er_clinical", "ER clinical impression", 0.7610, 0.5161, 0.6923),
)


def _as_arrays(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y).astype(int).ravel()
    p = np.asarray(p, dtype=float).ravel()
    if y.shape != p.shape:
        raise ValueError(f"y has {y.size} values but p has {p.size}")
    if np.isnan(p).any():
        raise ValueError(f"{int(np.isnan(p).sum())} predicted probabilities are NaN")
    if not np.isin(y, (0, 1)).all():
        raise ValueError("labels must be 0 or 1")
    return y, p


def _weighted_auc(y: np.ndarray, p: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Mann-Whitney AUC (ties count one half) for each row of case weights.

    w : ndarray, shape (n_resamples, n) non-negative case weights (multiplicities).
    Returns ndarray, shape (n_resamples,); NaN where a class has zero total weight.
    """
    order = np.argsort(p, kind="mergesort")
    ps = p[order]
    starts = np.flatnonzero(np.r_[True, ps[1:] != ps[:-1]])  # first index of each tie group
    ys = y[order]
    ws = w[:, order]
    wpos = np.add.reduceat(ws * (ys == 1), starts, axis=1)  # (B, K) positive weight per score
    wneg = np.add.reduceat(ws * (ys == 0), starts, axis=1)
    neg_below = np.cumsum(wneg, axis=1) - wneg
    num = np.sum(wpos * (neg_below + 0.5 * wneg), axis=1)
    den = wpos.sum(axis=1) * wneg.sum(axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(den > 0, num / np.where(den > 0, den, 1.0), np.nan)


def roc_auc(y: np.ndarray, p: np.ndarray) -> float:
    """Area under the ROC curve; NaN when ``y`` holds a single class (never raises)."""
    y, p = _as_arrays(y, p)
    if y.size == 0:
        return float("nan")
    return float(_weighted_auc(y, p, np.ones((1, y.size)))[0])


def subject_multiplicities(
    y: np.ndarray,
    groups: np.ndarray | None,
    *,
    n_resamples: int,
    rng: np.random.Generator,
    chunk: int = 200,
) -> tuple[np.ndarray, Iterator[np.ndarray]]:
    """The stratified cluster bootstrap of this module, as subject multiplicities.

    Returns (codes, chunks): ``codes`` shape (n,) maps each case to its subject index;
    each chunk has shape (b, n_subjects), how often each subject was drawn in b resamples
    (``chunk[:, codes]`` are case weights). Subjects are resampled within two strata
    (with / without a stroke case), so every resample holds both classes.
    """
    y = np.asarray(y).astype(int).ravel()
    if groups is None:
        codes = np.arange(y.size)
    else:
        _, codes = np.unique(np.asarray(groups).astype(str), return_inverse=True)
    n_groups = int(codes.max()) + 1 if codes.size else 0
    group_pos = np.zeros(n_groups, dtype=bool)
    group_pos[codes[y == 1]] = True
    strata = [np.flatnonzero(group_pos), np.flatnonzero(~group_pos)]

    def draw() -> Iterator[np.ndarray]:
        done = 0
        while done < n_resamples:
            b = min(chunk, n_resamples - done)
            mult = np.zeros((b, n_groups))
            rows = np.arange(b)[:, None]
            for members in strata:
                if members.size == 0:
                    continue
                draws = members[rng.integers(0, members.size, size=(b, members.size))]
                np.add.at(mult, (np.broadcast_to(rows, draws.shape), draws), 1.0)
            yield mult
            done += b

    return codes, draw()


def bootstrap_auc(
    y: np.ndarray,
    p: np.ndarray,
    *,
    groups: np.ndarray | None = None,
    n_resamples: int = 1000,
    confidence: float = 0.95,
    rng: np.random.Generator,
    chunk: int = 200,
) -> tuple[float, float, np.ndarray]:
    """Percentile CI of the AUC by stratified cluster bootstrap over ``groups`` (subjects).

    groups : ndarray, shape (n,), subject ids; ``None`` resamples cases (each its own cluster).
    Returns (low, high, aucs) with ``aucs`` the resampled AUCs, shape (n_resamples,).
    (NaN, NaN, empty) when a class is missing or ``n_resamples`` is 0.
    """
    y, p = _as_arrays(y, p)
    if n_resamples <= 0 or y.size == 0 or len(np.unique(y)) < 2:
        return float("nan"), float("nan"), np.empty(0)
    codes, chunks = subject_multiplicities(y, groups, n_resamples=n_resamples, rng=rng,
                                           chunk=chunk)
    aucs = [_weighted_auc(y, p, mult[:, codes]) for mult in chunks]
    all_aucs = np.concatenate(aucs)
    all_aucs = all_aucs[np.isfinite(all_aucs)]
    alpha = (1.0 - confidence) / 2.0
    lo, hi = np.quantile(all_aucs, [alpha, 1.0 - alpha])
    return float(lo), float(hi), all_aucs


def roc_curve_points(y: np.ndarray, p: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """ROC curve: (fpr, tpr, thresholds), each shape (k,), thresholds decreasing.

    The first point is (0, 0) at threshold +inf; one point per distinct score after it.
    """
    y, p = _as_arrays(y, p)
    thr = np.r_[np.inf, np.unique(p)[::-1]]
    n_pos = max(int((y == 1).sum()), 1)
    n_neg = max(int((y == 0).sum()), 1)
    tpr = np.array([((p >= t) & (y == 1)).sum() / n_pos for t in thr])
    fpr = np.array([((p >= t) & (y == 0)).sum() / n_neg for t in thr])
    return fpr, tpr, thr


def wilson_interval(k: int, n: int, *, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion k/n; (NaN, NaN) when n == 0."""
    if n <= 0:
        return float("nan"), float("nan")
    z = float(norm.ppf(0.5 + confidence / 2.0))
    phat = k / n
    den = 1.0 + z * z / n
    centre = (phat + z * z / (2 * n)) / den
    half = z * math.sqrt(phat * (1 - phat) / n + z * z / (4 * n * n)) / den
    return max(0.0, centre - half), min(1.0, centre + half)


def _nan_to_none(x: float) -> float | None:
    return None if x is None or not math.isfinite(x) else float(x)


def operating_point(y: np.ndarray, p: np.ndarray, threshold: float) -> dict:
    """Metrics of the decision ``p >= threshold``, JSON-ready (undefined values are None).

    Keys: threshold, n, tp, fp, tn, fn, accuracy, sensitivity, specificity, ppv, npv,
    sensitivity_ci, specificity_ci (95 % Wilson intervals).
    """
    y, p = _as_arrays(y, p)
    pred = p >= threshold
    tp = int((pred & (y == 1)).sum())
    fn = int((~pred & (y == 1)).sum())
    tn = int((~pred & (y == 0)).sum())
    fp = int((pred & (y == 0)).sum())

    def ratio(a: int, b: int) -> float | None:
        return a / b if b else None

    sens_ci = wilson_interval(tp, tp + fn)
    spec_ci = wilson_interval(tn, tn + fp)
    return {
        "threshold": _nan_to_none(float(threshold)),
        "n": int(y.size),
        "tp": tp,
        "fp": fp,
        "tn": tn,
        "fn": fn,
        "accuracy": ratio(tp + tn, y.size),
        "sensitivity": ratio(tp, tp + fn),
        "specificity": ratio(tn, tn + fp),
        "ppv": ratio(tp, tp + fp),
        "npv": ratio(tn, tn + fn),
        "sensitivity_ci": [_nan_to_none(v) for v in sens_ci],
        "specificity_ci": [_nan_to_none(v) for v in spec_ci],
    }


def _midpoints(p: np.ndarray) -> np.ndarray:
    """Candidate thresholds, increasing: below every score, between neighbours, above all.

    Thresholds between observed scores classify the evaluated cases exactly as the
    scores themselves would, and generalise better to new cases.
    """
    u = np.unique(p)
    hi = np.nextafter(u[-1], np.inf) if u.size else 1.0
    mids = (u[:-1] + u[1:]) / 2.0
    return np.r_[u[:1], mids, hi] if u.size else np.array([0.5])


def _sens_spec(y: np.ndarray, p: np.ndarray, thr: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    pos = np.sort(p[y == 1])
    neg = np.sort(p[y == 0])
    # positives called positive: p >= t ; negatives called negative: p < t
    sens = 1.0 - np.searchsorted(pos, thr, side="left") / max(pos.size, 1)
    spec = np.searchsorted(neg, thr, side="left") / max(neg.size, 1)
    return sens, spec


SPECIFICITY_MATCHES = ("at_least", "closest")


def threshold_for_specificity(y: np.ndarray, p: np.ndarray, reference: float, *,
                              match: str = "at_least") -> float:
    """Threshold matched to a reference specificity.

    ``match="at_least"`` (default): the specificity is >= ``reference`` with the highest
    sensitivity; specificity rises and sensitivity falls with the threshold, so this is
    the lowest candidate threshold reaching the reference. ``match="closest"`` (the
    DeepStroke paper's reading): the specificity nearest to ``reference``, above or
    below, the highest sensitivity among equally near ones. Raises ValueError when ``y``
    has no negative case or ``match`` is unknown.
    """
    if match not in SPECIFICITY_MATCHES:
        raise ValueError(f"specificity match {match!r} is unknown; use one of "
                         f"{', '.join(SPECIFICITY_MATCHES)}")
    y, p = _as_arrays(y, p)
    if not (y == 0).any():
        raise ValueError("no negative case: specificity is undefined")
    if not 0.0 <= reference <= 1.0:
        raise ValueError(f"reference specificity {reference} is not in [0, 1]")
    thr = _midpoints(p)
    sens, spec = _sens_spec(y, p, thr)
    if match == "closest":
        gap = np.abs(spec - reference)
        ok = np.flatnonzero(gap <= gap.min() + 1e-12)
    else:
        ok = np.flatnonzero(spec >= reference - 1e-12)
    best = ok[np.argmax(sens[ok])]  # argmax takes the first (lowest) threshold on ties
    return float(thr[best])


def threshold_for_sensitivity(y: np.ndarray, p: np.ndarray, reference: float) -> float:
    """Threshold whose sensitivity is >= ``reference`` with the highest specificity."""
    y, p = _as_arrays(y, p)
    if not (y == 1).any():
        raise ValueError("no positive case: sensitivity is undefined")
    if not 0.0 <= reference <= 1.0:
        raise ValueError(f"reference sensitivity {reference} is not in [0, 1]")
    thr = _midpoints(p)
    sens, spec = _sens_spec(y, p, thr)
    ok = np.flatnonzero(sens >= reference - 1e-12)
    best = ok[::-1][np.argmax(spec[ok][::-1])]  # highest threshold on ties
    return float(thr[best])


def youden_threshold(y: np.ndarray, p: np.ndarray) -> float:
    """Threshold maximising Youden's J = sensitivity + specificity - 1."""
    y, p = _as_arrays(y, p)
    thr = _midpoints(p)
    sens, spec = _sens_spec(y, p, thr)
    return float(thr[int(np.argmax(sens + spec))])
