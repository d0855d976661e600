"""Decision curve analysis: is acting on the model better than acting on everyone or no one?

At a threshold probability ``t`` (the risk at which a triage team would send someone to a
stroke centre, i.e. the harm of a false alarm weighed against the benefit of catching a
stroke as ``t / (1 - t)``), the net benefit of a rule that flags cases is

    NB(t) = TP / n - FP / n * t / (1 - t)

- the model flags ``p >= t``;
- treat all flags everyone: ``NB = prevalence - (1 - prevalence) * t / (1 - t)``;
- treat none flags no one: ``NB = 0``;
- a fixed operating point with sensitivity ``se`` and specificity ``sp`` (the triage team's
  reference point, applied at this cohort's prevalence ``pi``):
  ``NB = se * pi - (1 - sp) * (1 - pi) * t / (1 - t)``.

The model *helps* at ``t`` when its net benefit exceeds both treat-all and treat-none.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from strokescreen.evaluation.metrics import REFERENCE_POINTS, ReferencePoint, _as_arrays
from strokescreen.jsonable import finite_or_none

__all__ = [
    "DEFAULT_THRESHOLDS",
    "TABLE_THRESHOLDS",
    "decision_curve",
    "helpful_ranges",
    "net_benefit",
    "net_benefit_reference",
    "net_benefit_treat_all",
]

#: The curve's grid of threshold probabilities.
DEFAULT_THRESHOLDS = np.round(np.arange(0.01, 0.991, 0.01), 2)
#: The thresholds listed in the report's table.
TABLE_THRESHOLDS = (0.05, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.6)


def _odds(t: np.ndarray) -> np.ndarray:
    t = np.asarray(t, dtype=float)
    if np.any((t <= 0) | (t >= 1)):
        raise ValueError("threshold probabilities must lie strictly between 0 and 1")
    return t / (1.0 - t)


def net_benefit(y: np.ndarray, p: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    """Net benefit of flagging ``p >= t`` at each threshold; shape (n_thresholds,)."""
    y, p = _as_arrays(y, p)
    t = np.asarray(thresholds, dtype=float)
    n = max(y.size, 1)
    flagged = p[None, :] >= t[:, None]
    tp = (flagged & (y[None, :] == 1)).sum(axis=1)
    fp = (flagged & (y[None, :] == 0)).sum(axis=1)
    return tp / n - fp / n * _odds(t)


def net_benefit_treat_all(prevalence: float, thresholds: np.ndarray) -> np.ndarray:
    """prevalence - (1 - prevalence) * t / (1 - t) at each threshold."""
    return prevalence - (1.0 - prevalence) * _odds(thresholds)


def net_benefit_reference(
    sensitivity: float, specificity: float, prevalence: float, thresholds: np.ndarray
) -> np.ndarray:
    """Net benefit of a fixed operating point (it flags the same people at every t)."""
    return sensitivity * prevalence - (1.0 - specificity) * (1.0 - prevalence) * _odds(thresholds)


def helpful_ranges(
    thresholds: np.ndarray, model: np.ndarray, all_: np.ndarray, *, margin: float = 1e-9
) -> list[list[float]]:
    """Contiguous runs of thresholds where the model beats treat-all and treat-none."""
    t = np.asarray(thresholds, dtype=float)
    better = (model > all_ + margin) & (model > margin)
    ranges: list[list[float]] = []
    start = None
    for i, ok in enumerate(better):
        if ok and start is None:
            start = i
        if start is not None and (not ok or i == len(better) - 1):
            end = i if ok else i - 1
            ranges.append([float(t[start]), float(t[end])])
            start = None
    return ranges


def _range_text(ranges: list[list[float]]) -> str:
    if not ranges:
        return ("At no threshold probability between 0.01 and 0.99 does acting on the model "
                "beat treating everyone or no one.")
    parts = [f"{lo:.2f}" if lo == hi else f"{lo:.2f}-{hi:.2f}" for lo, hi in ranges]
    return ("Acting on the model beats treating everyone and treating no one at threshold "
            f"probabilities {', '.join(parts)}.")


def decision_curve(
    y: np.ndarray,
    p: np.ndarray,
    *,
    thresholds: np.ndarray = DEFAULT_THRESHOLDS,
    reference_points: Sequence[ReferencePoint] = REFERENCE_POINTS,
    table_thresholds: Sequence[float] = TABLE_THRESHOLDS,
) -> dict:
    """The decision curve of pooled predictions, JSON-ready.

    Keys: prevalence, thresholds, model, treat_all, treat_none, reference (name -> curve of
    each clinician operating point at this prevalence), helps (threshold ranges where the
    model beats treat-all and treat-none), helps_text, table (rows at ``table_thresholds``:
    net benefit of each strategy and the model's advantage in true positives per 100 without
    extra false positives).
    """
    y, p = _as_arrays(y, p)
    t = np.asarray(thresholds, dtype=float)
    prev = float(y.mean()) if y.size else float("nan")
    model = net_benefit(y, p, t)
    all_ = net_benefit_treat_all(prev, t)
    refs = {r.name: net_benefit_reference(r.sensitivity, r.specificity, prev, t)
            for r in reference_points}
    ranges = helpful_ranges(t, model, all_)
    table = []
    for tt in table_thresholds:
        arr = np.array([tt])
        nb_m = float(net_benefit(y, p, arr)[0])
        nb_a = float(net_benefit_treat_all(prev, arr)[0])
        row = {
            "threshold": float(tt),
            "model": finite_or_none(nb_m),
            "treat_all": finite_or_none(nb_a),
            "treat_none": 0.0,
            "model_advantage_per_100": finite_or_none(100 * (nb_m - max(nb_a, 0.0))),
        }
        for r in reference_points:
            row[r.name] = finite_or_none(
                float(net_benefit_reference(r.sensitivity, r.specificity, prev, arr)[0]))
        table.append(row)
    return {
        "prevalence": finite_or_none(prev),
        "thresholds": [float(v) for v in t],
        "model": [finite_or_none(float(v)) for v in model],
        "treat_all": [finite_or_none(float(v)) for v in all_],
        "treat_none": [0.0] * t.size,
        "reference": {k: [finite_or_none(float(v)) for v in c] for k, c in refs.items()},
        "reference_labels": {r.name: r.label for r in reference_points},
        "helps": ranges,
        "helps_text": _range_text(ranges),
        "table": table,
        "definition": "net benefit = TP/n - FP/n * t/(1-t); treat all = prevalence - "
                      "(1 - prevalence) t/(1-t); reference points: the clinicians' sensitivity "
                      "and specificity from the literature, applied at this cohort's prevalence",
    }
