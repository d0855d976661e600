"""Intensity contour, syllable nuclei (de Jong & Wempe 2009) and /pa-ta-ka/ timing.

Syllable nuclei follow the algorithm of de Jong N.H. & Wempe T. (2009), "Praat script
to detect syllable nuclei and measure speech rate automatically", Behavior Research
Methods 41(2):385-390, re-implemented from the paper's description (not from the GPL
script): an intensity contour (Praat-style, Kaiser-20 window of 3.2 / 50 Hz = 64 ms);
candidate peaks are local maxima above (0.99 quantile of intensity - 25 dB); a
candidate is kept when the intensity dips by more than 2 dB between it and the next
candidate (for the last candidate: before the end of the clip); a kept peak is a
nucleus when the pitch track is voiced there. Two changes: peaks outside speech
segments (VAD) are ignored when segments are given, and peak times are refined by
parabolic interpolation (sub-frame timing matters for /pa-ta-ka/ regularity).
"""

from __future__ import annotations

import numpy as np
from scipy.signal import fftconvolve, find_peaks
from scipy.signal.windows import kaiser

from strokescreen.audio._input import RATE_HZ

FLOOR_DB = -120.0


def intensity_db(
    x: np.ndarray, *, hop_s: float = 0.010, window_s: float = 0.064
) -> tuple[np.ndarray, np.ndarray]:
    """Praat-style intensity contour of a 16 kHz signal.

    The mean is removed, the squared signal is averaged under a Kaiser (beta = 20)
    window of physical length ``window_s`` centred on each frame, and expressed in dB
    re full scale (floored at -120 dB).

    x : ndarray, shape (n,), float, 16 kHz.
    Returns ``t_s`` (frame centres, s) and ``level_db``, both shape (1 + n // hop,).
    """
    x = np.asarray(x, dtype=np.float64)
    x = x - x.mean() if x.size else x
    hop = max(1, int(round(hop_s * RATE_HZ)))
    win = max(3, int(round(window_s * RATE_HZ)) | 1)
    w = kaiser(win, 20.0)
    w /= w.sum()
    half = win // 2
    n_frames = 1 + x.size // hop
    sq = np.concatenate([np.zeros(half), x * x, np.zeros(half + hop)])
    # 'valid' output k is the window centred on sample k of x (w is symmetric)
    ms = fftconvolve(sq, w, mode="valid")[: n_frames * hop : hop]
    ms = np.maximum(ms, 0.0)
    level = 10.0 * np.log10(np.maximum(ms, 10 ** (FLOOR_DB / 10)))
    return np.arange(n_frames) * hop / RATE_HZ, level


def _parabolic_offset(y: np.ndarray, i: np.ndarray) -> np.ndarray:
    """Sub-sample offset of the maximum of a parabola through y[i-1], y[i], y[i+1]."""
    i = np.clip(i, 1, y.size - 2)
    a, b, c = y[i - 1], y[i], y[i + 1]
    den = a - 2 * b + c
    with np.errstate(divide="ignore", invalid="ignore"):
        off = np.where(den < 0, 0.5 * (a - c) / den, 0.0)
    return np.clip(off, -0.5, 0.5)


def nearest_index(grid: np.ndarray, t: np.ndarray) -> np.ndarray:
    """Index of the nearest point of the sorted, non-empty ``grid`` for each ``t``."""
    grid = np.asarray(grid, dtype=np.float64)
    t = np.asarray(t, dtype=np.float64)
    if grid.size == 1:
        return np.zeros(t.size, dtype=int)
    j = np.clip(np.searchsorted(grid, t), 1, grid.size - 1)
    return np.where(np.abs(grid[j - 1] - t) <= np.abs(grid[j] - t), j - 1, j)


def _in_segments(t: np.ndarray, segments: list[tuple[float, float]] | None) -> np.ndarray:
    if segments is None:
        return np.ones(t.size, dtype=bool)
    keep = np.zeros(t.size, dtype=bool)
    for s, e in segments:
        keep |= (t >= s) & (t <= e)
    return keep


def syllable_nuclei(
    level_db: np.ndarray,
    *,
    hop_s: float = 0.010,
    voicing_t_s: np.ndarray | None = None,
    voiced: np.ndarray | None = None,
    segments: list[tuple[float, float]] | None = None,
    silence_db: float = -25.0,
    min_dip_db: float = 2.0,
) -> np.ndarray:
    """Times of syllable nuclei (s) from an intensity contour.

    Parameters
    ----------
    level_db : ndarray, shape (n_frames,), intensity (dB) every ``hop_s`` from t = 0.
    voicing_t_s, voiced : voicing track (times in s, bool or F0 with NaN = unvoiced); a
        peak is kept only when the nearest voicing frame (within 0.6 of its step) is
        voiced. Without a track no voicing check is made.
    segments : speech segments ``[(start_s, end_s)]``; peaks outside them are ignored.
    silence_db, min_dip_db : see the module docstring (de Jong & Wempe defaults).

    Returns
    -------
    ndarray, shape (n_nuclei,), sorted nucleus times (s).
    """
    level = np.asarray(level_db, dtype=np.float64)
    if level.size < 3 or not np.any(level > FLOOR_DB):
        return np.zeros(0)
    threshold = max(float(np.quantile(level, 0.99)) + silence_db, float(level.min()))
    peaks, _ = find_peaks(level, plateau_size=1)
    peaks = peaks[level[peaks] > threshold]
    if peaks.size == 0:
        return np.zeros(0)
    bounds = np.append(peaks[1:], level.size - 1)
    dips = np.array([level[p : b + 1].min() for p, b in zip(peaks, bounds, strict=True)])
    valid = peaks[(level[peaks] - dips) > min_dip_db]
    times = (valid + _parabolic_offset(level, valid)) * hop_s
    keep = _in_segments(times, segments)
    if voiced is not None and voicing_t_s is not None:
        vt = np.asarray(voicing_t_s, dtype=np.float64)
        vv = np.asarray(voiced)
        vv = vv if vv.dtype == bool else np.isfinite(vv) & (vv > 0)
        if vt.size == 0:
            return np.zeros(0)
        j = nearest_index(vt, times)
        step = float(np.median(np.diff(vt))) if vt.size > 1 else 0.02
        keep &= vv[j] & (np.abs(vt[j] - times) <= 0.6 * step + 1e-9)
    return np.sort(times[keep])


def ddk_timing(
    nuclei_s: np.ndarray, segments: list[tuple[float, float]] | None = None
) -> dict[str, float]:
    """Diadochokinetic rate and regularity from syllable nucleus times.

    Intervals are taken between consecutive nuclei inside the same speech segment
    (breath pauses between runs are not intervals). ``ddk_rate`` = 1 / mean interval
    (syllables/s); ``ddk_interval_cv`` = standard deviation / mean of the intervals,
    in percent (0 = perfectly regular; grows with timing irregularity);
    ``ddk_syllables`` = nuclei in runs of at least 3. NaN with fewer than 2 intervals.
    """
    t = np.sort(np.asarray(nuclei_s, dtype=np.float64))
    if segments is None:
        groups = [t]
    else:
        groups = [t[(t >= s) & (t <= e)] for s, e in segments]
    groups = [g for g in groups if g.size >= 3]
    nan = float("nan")
    if not groups:
        return {"ddk_rate": nan, "ddk_interval_cv": nan, "ddk_syllables": 0.0}
    intervals = np.concatenate([np.diff(g) for g in groups])
    mean = float(intervals.mean())
    return {
        "ddk_rate": 1.0 / mean,
        "ddk_interval_cv": 100.0 * float(intervals.std(ddof=1)) / mean,
        "ddk_syllables": float(sum(g.size for g in groups)),
    }
