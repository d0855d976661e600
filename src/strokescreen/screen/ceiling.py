"""The best any norm-based screen can do: detection rates from signal detection theory.

A healthy measure ``x`` spreads with SD ``s`` around 0; a weakness of unknown side shifts it
by ``+delta`` or ``-delta``. The likelihood ratio of that two-sided shift,
``cosh(delta x / s^2)``, grows with ``|x|``, so the two-sided test on ``|x|`` is the most
sensitive test there is (Neyman-Pearson) and its detection rate at a healthy flag rate
``level`` is ``Phi(d' - z) + Phi(-d' - z)`` with ``d' = delta / s`` and
``z = Phi^-1(1 - level / 2)``. With several measures that a weakness shifts together, the
best test is the linear one along the shift (``d'^2 = mu' Sigma^-1 mu``); with independent
measures ``d' = sqrt(d1^2 + d2^2)``. Known healthy spreads are assumed (infinitely many
normal subjects): a real screen with ranges from n people does worse.

Pure functions; the figures for the norm-based screen are in ``docs/norm_screen.md``
(``benchmarks/norm_screen_ceiling.py``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from scipy import stats


def detection_rate(d_prime: float, *, level: float) -> float:
    """Share of weaknesses flagged by the two-sided test at healthy flag rate ``level``."""
    z = float(stats.norm.isf(level / 2.0))
    return float(stats.norm.cdf(d_prime - z) + stats.norm.cdf(-d_prime - z))


def required_d_prime(rate: float, *, level: float) -> float:
    """The d' at which the two-sided test at ``level`` flags ``rate`` of weaknesses."""
    lo, hi = 0.0, 20.0
    for _ in range(80):
        mid = (lo + hi) / 2.0
        lo, hi = (mid, hi) if detection_rate(mid, level=level) < rate else (lo, mid)
    return (lo + hi) / 2.0


def combined_d_prime(d_primes: Sequence[float], *, correlation: float = 0.0) -> float:
    """d' of the best linear test on measures a weakness shifts by ``d_primes`` (each in
    its own healthy SDs, oriented alike); ``correlation``: their healthy correlation
    (one value for every pair, two measures or independent ones)."""
    d = [float(v) for v in d_primes]
    if len(d) == 2:
        r = float(correlation)
        return math.sqrt((d[0] ** 2 + d[1] ** 2 - 2 * r * d[0] * d[1]) / (1.0 - r * r))
    return math.sqrt(sum(v * v for v in d))


def max_test_rate(d_primes: Sequence[float], *, level: float) -> float:
    """Detection rate of the max-|z| screen over independent measures, each tested at
    the Sidak share of ``level``."""
    k = max(len(d_primes), 1)
    each = -math.expm1(math.log1p(-level) / k)
    missed = 1.0
    for d in d_primes:
        missed *= 1.0 - detection_rate(float(d), level=each)
    return 1.0 - missed


def movement_ratio(droop_mm: float, *, loss_per_mm: float) -> float:
    """The smile movement ratio ``(strong - weak) / (strong + weak)`` of a weak corner
    that travels ``1 - loss_per_mm * droop_mm`` (at least 0.1) of the other's distance."""
    kept = 1.0 - min(loss_per_mm * droop_mm, 0.9)
    return (1.0 - kept) / (1.0 + kept)
