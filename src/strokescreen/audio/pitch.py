"""F0 (pitch) track and its summary: level in Hz and semitones, range in semitones.

Two trackers: Praat's autocorrelation method (Boersma 1993) through parselmouth, which
is fast (about 0.3 s for 60 s of audio) and the default when installed; and librosa's
probabilistic YIN (Mauch & Dixon 2014) on a quarter-semitone grid as the fallback
(about 1.5 s for 60 s). Both use a 10 ms step by default.

:func:`pitch_tracks` also returns a second, lenient voicing decision used only to
check syllable nuclei, with the settings of de Jong & Wempe (2009): Praat
autocorrelation pitch, 20 ms step, floor 30 Hz, ceiling 450 Hz, voicing threshold 0.25
(Praat's default 0.45 rejects creaky or low-pitched vowels, which undercounts
syllables of deep voices). With pyin, that check applies the same rule (normalised
autocorrelation above 0.25, Praat's silence rule) through :func:`.voicing.ac_voicing`:
pYIN's voiced probability is not a normalised autocorrelation (a probability of 0.25
means an autocorrelation near 0.86), so thresholding it undercounts syllables by half.
"""

from __future__ import annotations

import importlib.util
from dataclasses import dataclass
from typing import Any

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.errors import InputError, require_extra

MIN_VOICED_FRAMES = 5
"""Fewer voiced frames than this give NaN pitch summaries."""


def resolve_pitch_method(method: str) -> str:
    """``"auto"`` -> ``"praat"`` when parselmouth is importable, else ``"pyin"``."""
    if method not in ("auto", "praat", "pyin"):
        raise InputError(f"pitch method={method!r}; use 'auto', 'praat' or 'pyin'")
    if method == "auto":
        return "praat" if importlib.util.find_spec("parselmouth") is not None else "pyin"
    return method


def _praat_track(
    x: np.ndarray, hop_s: float, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray]:
    parselmouth: Any = require_extra("parselmouth", "praat")
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=RATE_HZ)
    # Praat needs 3 periods of the floor pitch in the clip; shorter clips are unvoiced.
    if x.size / RATE_HZ < 3.0 / fmin + hop_s:
        return np.zeros(0), np.zeros(0)
    pitch = snd.to_pitch_ac(time_step=hop_s, pitch_floor=fmin, pitch_ceiling=fmax)
    f0 = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    f0[f0 <= 0] = np.nan
    return np.asarray(pitch.xs(), dtype=np.float64), f0


def _praat_lenient_voicing(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """De Jong & Wempe's pitch settings: voiced (bool) every 20 ms."""
    parselmouth: Any = require_extra("parselmouth", "praat")
    if x.size / RATE_HZ < 3.0 / 30.0 + 0.02:
        return np.zeros(0), np.zeros(0, dtype=bool)
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=RATE_HZ)
    pitch = snd.to_pitch_ac(
        time_step=0.02,
        pitch_floor=30.0,
        max_number_of_candidates=4,
        very_accurate=False,
        silence_threshold=0.03,
        voicing_threshold=0.25,
        octave_cost=0.01,
        octave_jump_cost=0.35,
        voiced_unvoiced_cost=0.25,
        pitch_ceiling=450.0,
    )
    f0 = np.asarray(pitch.selected_array["frequency"], dtype=np.float64)
    return np.asarray(pitch.xs(), dtype=np.float64), f0 > 0


def _pyin_full(
    x: np.ndarray, hop_s: float, fmin: float, fmax: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """pyin: frame times (s), F0 (Hz, NaN unvoiced) and voicing probability."""
    import librosa

    hop = max(1, int(round(hop_s * RATE_HZ)))
    frame = 1024
    while frame < 2.2 * RATE_HZ / fmin:
        frame *= 2
    if x.size < frame // 2:
        return np.zeros(0), np.zeros(0), np.zeros(0)
    f0, voiced, prob = librosa.pyin(
        x,
        fmin=fmin,
        fmax=fmax,
        sr=RATE_HZ,
        frame_length=frame,
        hop_length=hop,
        resolution=0.25,
        n_thresholds=50,
        center=True,
    )
    f0 = np.where(voiced, f0, np.nan).astype(np.float64)
    t = np.arange(f0.size) * hop / RATE_HZ
    return t, f0, np.asarray(prob, dtype=np.float64)


def pitch_track(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    hop_s: float = 0.010,
    fmin_hz: float = 60.0,
    fmax_hz: float = 400.0,
    method: str = "auto",
) -> tuple[np.ndarray, np.ndarray]:
    """F0 contour.

    Parameters
    ----------
    samples : ndarray, shape (n,), audio (other rates resampled to 16 kHz).
    hop_s : time step (s). fmin_hz / fmax_hz : F0 search range (Hz).
    method : ``"praat"``, ``"pyin"`` or ``"auto"``.

    Returns
    -------
    t_s : ndarray, shape (n_frames,), frame centre times (s).
    f0_hz : ndarray, shape (n_frames,), F0 in Hz, NaN where unvoiced.
    A clip too short for one analysis window gives two empty arrays.
    """
    if not 30.0 <= fmin_hz < fmax_hz <= 1000.0:
        raise InputError(f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz}; use 30 <= fmin < fmax <= 1000")
    x = prepare_samples(samples, rate_hz=rate_hz)
    if resolve_pitch_method(method) == "praat":
        return _praat_track(x, hop_s, fmin_hz, fmax_hz)
    t, f0, _ = _pyin_full(x, hop_s, fmin_hz, fmax_hz)
    return t, f0


@dataclass(frozen=True)
class PitchTracks:
    """An F0 track and the lenient voicing track used to check syllable nuclei.

    t_s, f0_hz : ndarray (n,), frame times (s) and F0 (Hz, NaN where unvoiced).
    voicing_t_s, voiced : ndarray (m,), frame times (s) and bool voicing decisions.
    """

    t_s: np.ndarray
    f0_hz: np.ndarray
    voicing_t_s: np.ndarray
    voiced: np.ndarray


def pitch_tracks(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    hop_s: float = 0.010,
    fmin_hz: float = 60.0,
    fmax_hz: float = 400.0,
    method: str = "auto",
) -> PitchTracks:
    """F0 track (as :func:`pitch_track`) plus de Jong & Wempe's lenient voicing track."""
    if not 30.0 <= fmin_hz < fmax_hz <= 1000.0:
        raise InputError(f"fmin_hz={fmin_hz}, fmax_hz={fmax_hz}; use 30 <= fmin < fmax <= 1000")
    x = prepare_samples(samples, rate_hz=rate_hz)
    if resolve_pitch_method(method) == "praat":
        t, f0 = _praat_track(x, hop_s, fmin_hz, fmax_hz)
        vt, voiced = _praat_lenient_voicing(x)
        return PitchTracks(t, f0, vt, voiced)
    from strokescreen.audio.voicing import ac_voicing

    t, f0, _ = _pyin_full(x, hop_s, fmin_hz, fmax_hz)
    vt, voiced = ac_voicing(x)  # de Jong & Wempe's settings, as _praat_lenient_voicing
    return PitchTracks(t, f0, vt, voiced)


def hz_to_st(f_hz: np.ndarray | float, *, ref_hz: float = 100.0) -> np.ndarray:
    """Semitones re ``ref_hz``: ``12 * log2(f / ref)``."""
    return 12.0 * np.log2(np.asarray(f_hz, dtype=np.float64) / ref_hz)


def pitch_summary(f0_hz: np.ndarray) -> dict[str, float]:
    """Level and range of an F0 contour (NaN entries = unvoiced, ignored).

    Returns ``f0_median_hz``, ``f0_median_st`` (semitones re 100 Hz), ``f0_range_st``
    (5th to 95th percentile, semitones), ``f0_sd_st`` (standard deviation, semitones)
    and ``voiced_frames``. With fewer than :data:`MIN_VOICED_FRAMES` voiced frames
    the values are NaN. A glide exponential in time over ``R`` semitones reads
    ``0.9 * R`` as range (5th..95th percentile).
    """
    f0 = np.asarray(f0_hz, dtype=np.float64)
    f0 = f0[np.isfinite(f0) & (f0 > 0)]
    out = {"voiced_frames": float(f0.size)}
    if f0.size < MIN_VOICED_FRAMES:
        nan = float("nan")
        return {
            **out,
            "f0_median_hz": nan,
            "f0_median_st": nan,
            "f0_range_st": nan,
            "f0_sd_st": nan,
        }
    st = hz_to_st(f0)
    median_hz = float(np.median(f0))
    p5, p95 = np.percentile(st, [5, 95])
    return {
        **out,
        "f0_median_hz": median_hz,
        "f0_median_st": float(hz_to_st(median_hz)),
        "f0_range_st": float(p95 - p5),
        "f0_sd_st": float(np.std(st)),
    }
