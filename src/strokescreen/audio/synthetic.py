"""Synthetic speech-like signals with planted, known properties (for tests and benchmarks).

These are not speech: a vowel-like sound is a harmonic glottal-like source (harmonic
amplitudes falling 12 dB/octave) shaped by three formant resonators, with a controllable
F0 contour and cycle-to-cycle period jitter / amplitude shimmer. A syllable train is a
sequence of such bursts with planted timing, pauses and optional consonant-like noise
onsets (for /pa-ta-ka/). Every random choice comes from the ``rng`` passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.signal import lfilter

from strokescreen.audio._input import RATE_HZ

_TABLE_N = 4096


def _resonator(x: np.ndarray, freq_hz: float, bw_hz: float) -> np.ndarray:
    """Two-pole resonator with unit gain at 0 Hz (Klatt 1980)."""
    r = np.exp(-np.pi * bw_hz / RATE_HZ)
    c = -(r**2)
    b = 2 * r * np.cos(2 * np.pi * freq_hz / RATE_HZ)
    a = 1 - b - c
    return lfilter([a], [1, -b, -c], x)


def _cycle_phase(
    f0_hz: np.ndarray, jitter: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Phase (in cycles) per sample and the cycle index per sample.

    Each glottal cycle's period is 1/f0 at its start times (1 + jitter * N(0, 1)), so
    the relative period perturbation has standard deviation ``jitter``.
    """
    n = f0_hz.size
    phase = np.empty(n)
    cycle = np.empty(n, dtype=np.int64)
    t0 = 0.0
    k = 0
    while t0 < n:
        i0 = min(int(t0), n - 1)
        period = RATE_HZ / f0_hz[i0] * (1.0 + jitter * rng.standard_normal())
        period = max(period, 2.0)
        t1 = t0 + period
        lo, hi = int(np.ceil(t0)), min(int(np.ceil(t1)), n)
        idx = np.arange(lo, hi)
        phase[lo:hi] = k + (idx - t0) / period
        cycle[lo:hi] = k
        t0, k = t1, k + 1
    return phase, cycle


def vowel(
    f0_hz: float | np.ndarray,
    duration_s: float,
    *,
    formants_hz: tuple[float, ...] = (700.0, 1220.0, 2600.0),
    bandwidths_hz: tuple[float, ...] = (80.0, 90.0, 120.0),
    jitter: float = 0.0,
    shimmer: float = 0.0,
    rng: np.random.Generator | None = None,
) -> np.ndarray:
    """A vowel-like sound at 16 kHz, peak amplitude 1.

    f0_hz : constant F0 (Hz) or ndarray of shape (n_samples,) with a contour (Hz).
    jitter / shimmer : standard deviation of the relative period / amplitude
        perturbation per glottal cycle (0.01 = 1 %).
    Returns ndarray, shape (round(duration_s * 16000),), float32.
    """
    rng = np.random.default_rng(0) if rng is None else rng
    n = int(round(duration_s * RATE_HZ))
    f0 = np.broadcast_to(np.asarray(f0_hz, dtype=np.float64), (n,)).copy()
    phase, cycle = _cycle_phase(f0, jitter, rng)
    n_harm = max(1, int(0.48 * RATE_HZ / float(f0.max())))
    u = np.arange(_TABLE_N) / _TABLE_N
    h = np.arange(1, n_harm + 1)[:, None]
    table = np.sum(np.sin(2 * np.pi * h * u) / h**2, axis=0)
    pos = (phase % 1.0) * _TABLE_N
    i0 = pos.astype(np.int64) % _TABLE_N
    frac = pos - np.floor(pos)
    src = table[i0] * (1 - frac) + table[(i0 + 1) % _TABLE_N] * frac
    if shimmer > 0:
        amps = np.clip(1.0 + shimmer * rng.standard_normal(int(cycle.max()) + 1), 0.05, None)
        src = src * amps[cycle]
    y = src
    for f, bw in zip(formants_hz, bandwidths_hz, strict=True):
        y = _resonator(y, f, bw)
    peak = float(np.max(np.abs(y))) if n else 1.0
    return (y / (peak if peak > 0 else 1.0)).astype(np.float32)


@dataclass
class SyllableTrain:
    """A synthetic syllable train and its planted truth (times in s)."""

    samples: np.ndarray
    onsets_s: np.ndarray
    offsets_s: np.ndarray
    pauses_s: list[float] = field(default_factory=list)
    rate_hz: int = RATE_HZ

    @property
    def duration_s(self) -> float:
        return self.samples.size / self.rate_hz


def _ramp(n: int, ramp: int) -> np.ndarray:
    env = np.ones(n)
    ramp = min(ramp, n // 2)
    if ramp > 0:
        r = 0.5 - 0.5 * np.cos(np.pi * np.arange(ramp) / ramp)
        env[:ramp] = r
        env[n - ramp :] = r[::-1]
    return env


def syllable_train(
    syllables_per_s: float,
    n_syllables: int,
    *,
    burst_s: float = 0.12,
    f0_hz: float = 150.0,
    pauses: dict[int, float] | None = None,
    lead_s: float = 0.5,
    tail_s: float = 0.5,
    interval_jitter: float = 0.0,
    consonants: bool = False,
    level: float = 0.3,
    noise_dbfs: float = -60.0,
    rng: np.random.Generator | None = None,
) -> SyllableTrain:
    """Vowel-like bursts at a planted rate, with planted pauses.

    syllables_per_s : burst onsets are ``1 / syllables_per_s`` apart (before jitter).
    pauses : ``{k: pause_s}`` puts a silence of exactly ``pause_s`` between the end of
        burst ``k`` and the onset of burst ``k + 1``.
    interval_jitter : relative standard deviation of the onset-to-onset intervals.
    consonants : start each burst with 15 ms of consonant-like noise and cycle the
        vowel formants /a/, /e/, /o/ (a /pa-ta-ka/-like train).
    noise_dbfs : RMS of white background noise (dB re full scale).
    """
    rng = np.random.default_rng(0) if rng is None else rng
    pauses = dict(pauses or {})
    period = 1.0 / syllables_per_s
    onsets = []
    t = lead_s
    for k in range(n_syllables):
        onsets.append(t)
        if k in pauses:
            t = t + burst_s + pauses[k]
        else:
            t = t + period * max(0.2, 1.0 + interval_jitter * rng.standard_normal())
    onsets_arr = np.array(onsets)
    offsets_arr = onsets_arr + burst_s
    n = int(np.ceil((offsets_arr[-1] + tail_s) * RATE_HZ))
    y = np.zeros(n)
    vowels = ((700.0, 1220.0, 2600.0), (530.0, 1840.0, 2480.0), (570.0, 840.0, 2410.0))
    n_burst = int(round(burst_s * RATE_HZ))
    cons = int(round(0.015 * RATE_HZ)) if consonants else 0
    for k, on in enumerate(onsets_arr):
        i = int(round(on * RATE_HZ))
        f0 = f0_hz * (1.0 + 0.02 * np.sin(np.pi * np.arange(n_burst - cons) / n_burst))
        v = vowel(
            f0, (n_burst - cons) / RATE_HZ, formants_hz=vowels[k % 3 if consonants else 0], rng=rng
        )
        seg = np.zeros(n_burst)
        if cons:
            noise = np.diff(rng.standard_normal(cons + 1))
            seg[:cons] = 0.25 * noise / np.max(np.abs(noise)) * _ramp(cons, cons // 3)
        seg[cons:] = v * _ramp(v.size, int(0.02 * RATE_HZ))
        y[i : i + n_burst] += level * seg[: max(0, min(n_burst, n - i))]
    y += 10 ** (noise_dbfs / 20.0) * rng.standard_normal(n)
    planted = [float(pauses[k]) for k in sorted(pauses) if k < n_syllables - 1]
    return SyllableTrain(y.astype(np.float32), onsets_arr, offsets_arr, planted)
