"""Frame-wise voicing decision by Praat's autocorrelation rule, without Praat.

The syllable-nucleus check of de Jong & Wempe (2009) asks one question per 20 ms frame:
is the sound periodic enough to be a vowel? Their answer is Praat's: the normalised
autocorrelation peak at a lag inside the pitch range must exceed a *voicing threshold*
of 0.25 (lenient; Praat's default is 0.45), and the frame must not be near-silent.

Why not pYIN's voicing. pYIN (Mauch & Dixon 2014) draws YIN's threshold from a
beta(2, 18) prior (mean 0.1) and reports as "voiced probability" the prior mass of
thresholds above the frame's aperiodicity (YIN's cumulative mean normalised difference,
about ``1 - r`` for a normalised autocorrelation ``r``). A probability of 0.25 therefore
needs an aperiodicity below 0.136, i.e. ``r`` above about 0.86: far stricter than the
0.25 that de Jong & Wempe ask for (a beta(2, 18) threshold exceeds 0.75 with probability
2e-10, so no pYIN probability expresses their rule). pYIN's own HMM voiced flag behaves
like Praat's default threshold, not the lenient one. Reading the lenient rule off
pYIN undercounts syllables by half or more; this module applies the rule itself.

The method follows Boersma P. (1993), "Accurate short-term analysis of the fundamental
frequency and the harmonics-to-noise ratio of a sampled sound", Proc. Institute of
Phonetic Sciences 17:97-110, as Praat's "To Pitch (ac)" does with its defaults:

- frames every ``step_s``; a Hanning window of 3 periods of the pitch floor; frame
  centres placed as Praat places them (only where the whole window fits, centred in
  the clip);
- the local mean is removed; the autocorrelation of the windowed frame is divided by
  that of the window (Boersma's eq. 9), normalised to 1 at lag 0;
- candidates are the local maxima of that function above half the voicing threshold,
  at lags from 2 samples to 1 / floor; like Praat, only the ``max_candidates - 1``
  highest are kept (de Jong & Wempe keep 4 including the unvoiced one), and a kept
  candidate above the ceiling counts as unvoiced, so a frame whose strongest
  periodicity is a short-lag (formant or noise) ripple is unvoiced;
- a candidate's strength is ``r - octave_cost * log2(ceiling / f)`` (octave cost 0.01);
  the frame's strength is that of its best in-range candidate;
- silence: Praat's unvoiced strength is ``vt + max(0, 2 - (local / global peak) /
  (st / (1 + vt)))`` with voicing threshold ``vt`` and silence threshold ``st``; the
  local peak is the largest absolute amplitude within half a longest period of the
  frame centre, the global peak that of the whole clip;
- a frame is voiced when its strength exceeds its unvoiced strength.

Praat then chooses a path through the candidates of all frames (with octave and
voiced/unvoiced transition costs); that smoothing is not reproduced, so isolated
borderline frames (strength within a few hundredths of the threshold) can differ.
"""

from __future__ import annotations

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.errors import InputError

_CHUNK_FRAMES = 256


def _frame_grid(n_samples: int, window: int, hop: int) -> np.ndarray:
    """First sample of each analysis window, Praat's way: whole windows, centred in the clip."""
    n_frames = (n_samples - window) // hop + 1
    if n_frames < 1:
        return np.zeros(0, dtype=np.int64)
    spare = n_samples - window - (n_frames - 1) * hop
    return spare // 2 + np.arange(n_frames, dtype=np.int64) * hop


def autocorrelation_strength(
    frames: np.ndarray,
    *,
    window: np.ndarray,
    min_lag: int,
    max_lag: int,
    voicing_threshold: float = 0.25,
    max_candidates: int = 4,
    octave_cost: float = 0.01,
) -> np.ndarray:
    """Strength of the best in-range pitch candidate of each frame, as Praat ranks them.

    frames : ndarray, shape (n_frames, n_window), mean-removed samples.
    window : ndarray, shape (n_window,), the analysis window.
    min_lag, max_lag : lags (samples) of the pitch ceiling and floor.
    Candidates are the local maxima of the window-corrected autocorrelation at lags from
    2 samples to ``max_lag`` that exceed half the voicing threshold; the
    ``max_candidates - 1`` highest are kept (one slot is the unvoiced candidate), and
    those above the ceiling (lag < ``min_lag``) count as unvoiced. A kept candidate's
    strength is ``r - octave_cost * log2(ceiling / f)``.
    Returns ndarray, shape (n_frames,); 0 where no candidate is in range.
    """
    n = window.size
    nfft = 1 << int(np.ceil(np.log2(2 * n)))
    r_w = np.fft.irfft(np.abs(np.fft.rfft(window, nfft)) ** 2, nfft)[: max_lag + 2]
    r_w = r_w / r_w[0]
    r_a = np.fft.irfft(np.abs(np.fft.rfft(frames * window, nfft, axis=1)) ** 2, nfft, axis=1)
    r_a = r_a[:, : max_lag + 2]
    energy = r_a[:, :1]
    with np.errstate(divide="ignore", invalid="ignore"):
        r = np.where(energy > 0, r_a / energy, 0.0) / r_w
    lags = np.arange(2, max_lag + 1)
    mid, left, right = r[:, 2 : max_lag + 1], r[:, 1:max_lag], r[:, 3 : max_lag + 2]
    is_peak = (mid > left) & (mid >= right) & (mid > 0.5 * voicing_threshold)
    ranked = np.where(is_peak, mid, -np.inf)
    k = max(1, min(max_candidates - 1, lags.size))
    top = np.argpartition(-ranked, k - 1, axis=1)[:, :k]
    r_top = np.take_along_axis(ranked, top, axis=1)
    lag_top = lags[top]
    ceiling_hz = RATE_HZ / min_lag
    cost = octave_cost * np.log2(ceiling_hz * lag_top / RATE_HZ)
    ok = np.isfinite(r_top) & (lag_top >= min_lag)
    strength = np.where(ok, r_top - cost, 0.0).max(axis=1)
    return np.clip(strength, 0.0, None)


def ac_voicing(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    step_s: float = 0.02,
    floor_hz: float = 30.0,
    ceiling_hz: float = 450.0,
    voicing_threshold: float = 0.25,
    silence_threshold: float = 0.03,
    max_candidates: int = 4,
    octave_cost: float = 0.01,
) -> tuple[np.ndarray, np.ndarray]:
    """Voiced / unvoiced per frame by Praat's autocorrelation rule (see module docstring).

    Defaults are de Jong & Wempe's (2009) settings for checking syllable nuclei.

    Parameters
    ----------
    samples : ndarray, shape (n,), audio (other rates resampled to 16 kHz).
    step_s : frame step (s). floor_hz / ceiling_hz : pitch range (Hz).
    voicing_threshold : minimum normalised autocorrelation of a voiced frame (0..1).
    silence_threshold : local peak, as a fraction of the clip's peak, below which
        frames are pushed towards unvoiced (Praat's rule).
    max_candidates, octave_cost : Praat's candidate count (including the unvoiced one)
        and octave cost per octave below the ceiling.

    Returns
    -------
    t_s : ndarray, shape (n_frames,), frame centres (s).
    voiced : ndarray, shape (n_frames,), bool.
    A clip shorter than one window (3 / floor_hz) gives two empty arrays.
    """
    if not 20.0 <= floor_hz < ceiling_hz <= 2000.0:
        raise InputError(f"floor_hz={floor_hz}, ceiling_hz={ceiling_hz}; use 20 <= floor < "
                         "ceiling <= 2000")
    if not 0.0 < voicing_threshold < 1.0 or not 0.0 <= silence_threshold < 1.0:
        raise InputError(f"voicing_threshold={voicing_threshold}, silence_threshold="
                         f"{silence_threshold}; use 0 < voicing < 1 and 0 <= silence < 1")
    if not 0.001 <= step_s <= 0.1:
        raise InputError(f"step_s={step_s}; use 0.001..0.1 s")
    x = prepare_samples(samples, rate_hz=rate_hz).astype(np.float64)
    n_win = int(round(3.0 / floor_hz * RATE_HZ))
    hop = max(1, int(round(step_s * RATE_HZ)))
    starts = _frame_grid(x.size, n_win, hop)
    t = (starts + 0.5 * (n_win - 1)) / RATE_HZ
    if starts.size == 0:
        return t, np.zeros(0, dtype=bool)
    window = np.hanning(n_win)
    min_lag = max(2, int(np.floor(RATE_HZ / ceiling_hz)))
    max_lag = min(n_win // 2, int(np.ceil(RATE_HZ / floor_hz)))
    half_period = int(round(0.5 * RATE_HZ / floor_hz))
    centre = n_win // 2
    global_peak = float(np.max(np.abs(x - x.mean())))
    strength = np.zeros(starts.size)
    local_peak = np.zeros(starts.size)
    for lo in range(0, starts.size, _CHUNK_FRAMES):
        idx = starts[lo : lo + _CHUNK_FRAMES, None] + np.arange(n_win)
        frames = x[idx]
        frames = frames - frames.mean(axis=1, keepdims=True)
        near = frames[:, max(0, centre - half_period) : centre + half_period + 1]
        local_peak[lo : lo + frames.shape[0]] = np.abs(near).max(axis=1)
        strength[lo : lo + frames.shape[0]] = autocorrelation_strength(
            frames, window=window, min_lag=min_lag, max_lag=max_lag,
            voicing_threshold=voicing_threshold, max_candidates=max_candidates,
            octave_cost=octave_cost,
        )
    if global_peak <= 0:
        return t, np.zeros(starts.size, dtype=bool)
    scale = silence_threshold / (1.0 + voicing_threshold)
    with np.errstate(divide="ignore"):
        quiet = np.maximum(0.0, 2.0 - (local_peak / global_peak) / scale) if scale > 0 else 0.0
    unvoiced_strength = voicing_threshold + quiet
    return t, strength > unvoiced_strength
