"""Recordings over time: planted recovery courses and clinical metadata of synthetic subjects.

A longitudinal cohort (``SynthConfig.visits`` > 1) records every subject at several
visits. A stroke or Bell's palsy subject's signs fall exponentially from the first visit
at the subject's own recovery rate ``k`` (per day): droop, smile excursion loss, eye and
brow weakness and dysarthria (hence the speech slowing and the narrowed pitch range) are
each multiplied by ``exp(-k * (days - days_at_first_visit))``. A share of the subjects
does not recover (``k = 0``). A droop that falls under :data:`RESOLVED_MM` after the
first visit counts as resolved (0 mm, grade "none"). Healthy subjects stay as they are.

``days_since_onset`` counts from the subject's index date: the stroke or palsy onset, or
for a healthy subject an index date drawn the same way, so that neither the first visit's
day nor the visit spacing tells the condition.

Clinical metadata (hypertension, diabetes, atrial fibrillation; 0/1) come from a stream
of their own. By default they and the age are drawn independently of the condition, so
metadata alone carries no information on the outcome; ``metadata_linked`` makes them
depend on it as in real stroke cohorts (older, more vascular risk factors).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

VISIT_STREAM = 0x715175
RISK_STREAM = 0x215C
SEVERITY_GRADES = ("none", "subtle", "mild", "moderate")
RESOLVED_MM = 0.5
MAX_VISITS = 12  # the course draws are the same for any number of visits up to this
RISK_FACTORS = ("hypertension", "diabetes", "atrial_fibrillation")
# prevalence of each risk factor: everyone (independent), or by condition (linked)
RISK_P_ANY = (0.45, 0.18, 0.08)
RISK_P_LINKED = {"stroke": (0.70, 0.30, 0.25), "healthy": (0.35, 0.12, 0.04),
                 "bells_palsy": (0.30, 0.15, 0.03)}
AGE_ANY = (62.0, 15.0)
AGE_LINKED = {"stroke": (68.0, 12.0), "healthy": (52.0, 16.0), "bells_palsy": (45.0, 16.0)}


@dataclass(frozen=True)
class Course:
    """A subject's planted course over visits.

    days_since_onset : day of each visit, counted from the index date (onset).
    recovery_rate_per_day : k of ``exp(-k * days since the first visit)``; 0 = no recovery.
    recovering : whether the subject has a sign that recovers (False for healthy subjects
        and for the non-recovering share).
    """

    days_since_onset: tuple[float, ...]
    recovery_rate_per_day: float
    recovering: bool

    def factor(self, visit: int) -> float:
        """Multiplier of the first visit's signs at ``visit`` (0-based)."""
        dt = self.days_since_onset[visit] - self.days_since_onset[0]
        return float(np.exp(-self.recovery_rate_per_day * dt))


def draw_course(seed: int, subject: int, condition: str, n_visits: int, *,
                first_visit_days: tuple[float, float] = (1.0, 10.0),
                gap_days: tuple[float, float] = (14.0, 42.0),
                rate_median_per_day: float = 0.03, rate_sigma: float = 0.5,
                nonrecovery_share: float = 0.3) -> Course:
    """Draw subject ``subject``'s visit days and recovery rate (own random stream).

    A subject's course does not depend on ``n_visits`` (more visits extend it). The days
    are drawn the same way for every condition; a rate only for subjects with a
    condition that can recover (stroke, Bell's palsy): 0 with probability
    ``nonrecovery_share``, else log-normal with the given median (per day) and sigma.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, VISIT_STREAM, subject]))
    stays = rng.random() < nonrecovery_share
    rate = float(rate_median_per_day * np.exp(rate_sigma * rng.normal()))
    first = rng.uniform(*first_visit_days)
    gaps = rng.uniform(*gap_days, MAX_VISITS - 1)[: max(n_visits - 1, 0)]
    days = tuple(float(d) for d in np.round(first + np.concatenate([[0.0], np.cumsum(gaps)])))
    if condition == "healthy" or stays:
        return Course(days, 0.0, False)
    return Course(days, rate, True)


def severity_grade(droop_mm: float) -> str:
    """The facial severity grade of a planted droop: none / subtle / mild / moderate."""
    if droop_mm <= 0:
        return "none"
    if droop_mm < 1.5:
        return "subtle"
    if droop_mm < 3.0:
        return "mild"
    return "moderate"


def grade_index(grade: str) -> int:
    """0 (none) .. 3 (moderate)."""
    return SEVERITY_GRADES.index(grade)


def recovered_droop(droop_first_mm: float, factor: float) -> float:
    """The droop at a later visit: the first visit's times ``factor``, 0 once resolved."""
    droop = droop_first_mm * factor
    return 0.0 if factor < 1.0 and droop < RESOLVED_MM else float(droop)


def draw_age(rng: np.random.Generator, condition: str, *, linked: bool) -> int:
    """Age in years, 20..95: the same distribution for everyone unless ``linked``."""
    mu, sd = AGE_LINKED[condition] if linked else AGE_ANY
    return int(np.clip(round(rng.normal(mu, sd)), 20, 95))


def draw_risk_factors(seed: int, subject: int, condition: str, *,
                      linked: bool) -> dict[str, int]:
    """0/1 flags for :data:`RISK_FACTORS` from the subject's own stream."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, RISK_STREAM, subject]))
    p = RISK_P_LINKED[condition] if linked else RISK_P_ANY
    u = rng.random(len(RISK_FACTORS))
    return {name: int(u[i] < p[i]) for i, name in enumerate(RISK_FACTORS)}


def recovery_slope(days: np.ndarray, droop_mm: np.ndarray, *, floor_mm: float = 0.05) -> float:
    """Recovery rate (per day) fitted to a droop series: minus the slope of log(droop).

    days, droop_mm : shape (n_visits,); droops are floored at ``floor_mm`` before the log.
    Returns NaN with fewer than 2 distinct days.
    """
    d = np.asarray(days, dtype=float)
    y = np.log(np.maximum(np.asarray(droop_mm, dtype=float), floor_mm))
    if len(np.unique(d)) < 2:
        return float("nan")
    return float(-np.polyfit(d, y, 1)[0])


def subjects_table(table: pd.DataFrame) -> pd.DataFrame:
    """One row per subject of a longitudinal truth table (``truth/cases.csv``'s columns).

    Gives the planted recovery rate, each visit's day, planted droop (mm, mean over the
    visit's recordings), grade (0-3) and dysarthria (0-1), the recovery targets
    (``severity_first``, ``severity_last``, ``severity_change`` = last - first) and the
    rate fitted back from the planted droops (:func:`recovery_slope`).
    """
    per_visit = table.groupby(["subject_id", "visit"], sort=True).agg(
        days=("days_since_onset", "first"), droop_mm=("droop_mm", "mean"),
        grade=("severity_grade", "max"), dysarthria=("dysarthria", "mean"))
    wide = per_visit.unstack("visit")
    wide.columns = [f"{name}_v{v}" for name, v in wide.columns]
    first = table.groupby("subject_id", sort=True).first()
    out = pd.DataFrame({
        "subject_id": first.index, "condition": first.condition.to_numpy(),
        "side": first.side.to_numpy(), "recovering": first.recovering.astype(bool).to_numpy(),
        "recovery_rate_per_day": first.recovery_rate_per_day.astype(float).to_numpy(),
        "severity_first": first.severity_first.astype(int).to_numpy(),
        "severity_last": first.severity_last.astype(int).to_numpy()})
    out["severity_change"] = out.severity_last - out.severity_first
    days = per_visit.days.unstack("visit").to_numpy(float)
    droop = per_visit.droop_mm.unstack("visit").to_numpy(float)
    out["fitted_rate_per_day"] = [recovery_slope(d, y) if y[0] > 0 else float("nan")
                                  for d, y in zip(days, droop, strict=True)]
    return pd.concat([out, wide.reset_index(drop=True)], axis=1)
