"""Log-Mel spectrograms: one for analysis, one fixed-size image for the deep network.

Both use 25 ms Hann windows (400 samples, FFT of 512) every 10 ms at 16 kHz, Slaney-
scale triangular Mel filters of unit peak height from 0 Hz to 8 kHz, and dB re full
scale (a full-scale sine at a band centre reads 0 dB in that band) floored at
:data:`FLOOR_DB`. Levels are absolute, not
normalised per clip, so loudness differences between recordings stay visible; a
network should standardise its inputs with statistics from the training set.
"""

from __future__ import annotations

from typing import Literal

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.errors import InputError

FLOOR_DB = -100.0
"""Lowest value a log-Mel bin takes (digital silence)."""

_N_FFT = 512


def log_mel(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    n_mels: int = 64,
    hop_s: float = 0.010,
    win_s: float = 0.025,
) -> np.ndarray:
    """Log-Mel power spectrogram.

    Parameters
    ----------
    samples : ndarray, shape (n,), audio (see :func:`strokescreen.audio.prepare_samples`
        for accepted dtypes/shapes; other rates are resampled to 16 kHz).
    rate_hz : sampling rate of ``samples`` (Hz).
    n_mels : number of Mel bands (e.g. 64 or 128).
    hop_s, win_s : frame step and analysis window length (s).

    Returns
    -------
    ndarray, shape (n_mels, n_frames), float32, dB re full scale, >= ``FLOOR_DB``.
    Frame ``j`` is centred at ``j * hop_s`` seconds; ``n_frames = 1 + n // hop``.
    """
    if not 8 <= int(n_mels) <= 256:
        raise InputError(f"n_mels={n_mels}; use 8..256 Mel bands")
    if not 0.001 <= hop_s <= 0.1 or not 0.005 <= win_s <= 0.1:
        raise InputError(
            f"hop_s={hop_s}, win_s={win_s}; use hop 0.001..0.1 s and window 0.005..0.1 s"
        )
    import librosa

    x = prepare_samples(samples, rate_hz=rate_hz)
    hop = max(1, int(round(hop_s * RATE_HZ)))
    win = int(round(win_s * RATE_HZ))
    n_fft = max(_N_FFT, int(2 ** np.ceil(np.log2(win))))
    power = librosa.feature.melspectrogram(
        y=x,
        sr=RATE_HZ,
        n_fft=n_fft,
        hop_length=hop,
        win_length=win,
        window="hann",
        center=True,
        pad_mode="constant",
        power=2.0,
        n_mels=int(n_mels),
        fmin=0.0,
        fmax=RATE_HZ / 2,
        norm=None,
    )
    # A full-scale sine seen through a Hann window of `win` samples has a spectral peak
    # of win/4, so its power at a filter centre is (win/4)^2: that is 0 dB.
    ref = (win / 4.0) ** 2
    db = 10.0 * np.log10(np.maximum(power / ref, 10.0 ** (FLOOR_DB / 10.0)))
    return np.maximum(db, FLOOR_DB).astype(np.float32)


def resize_time(spec: np.ndarray, n_frames: int) -> np.ndarray:
    """Resample the time axis (last axis) of ``spec`` to ``n_frames`` columns.

    Shrinking averages the covered area of each input column exactly (box filter,
    no aliasing of short events); stretching interpolates linearly.

    spec : ndarray, shape (n_bins, n_in); returns ndarray (n_bins, n_frames) float32.
    """
    spec = np.asarray(spec, dtype=np.float64)
    n_in = spec.shape[-1]
    if n_in == n_frames:
        return spec.astype(np.float32)
    if n_in == 1:
        return np.repeat(spec, n_frames, axis=-1).astype(np.float32)
    if n_frames >= n_in:
        pos = (np.arange(n_frames) + 0.5) * n_in / n_frames - 0.5
        pos = np.clip(pos, 0.0, n_in - 1.0)
        lo = np.floor(pos).astype(int)
        hi = np.minimum(lo + 1, n_in - 1)
        w = pos - lo
        return (spec[:, lo] * (1 - w) + spec[:, hi] * w).astype(np.float32)
    # Exact area average: integrate the piecewise-constant columns and difference.
    cum = np.concatenate([np.zeros((spec.shape[0], 1)), np.cumsum(spec, axis=-1)], axis=-1)
    edges = np.linspace(0.0, n_in, n_frames + 1)
    idx = np.arange(n_in + 1, dtype=np.float64)
    integral = np.stack([np.interp(edges, idx, row) for row in cum])
    return (np.diff(integral, axis=-1) / np.diff(edges)).astype(np.float32)


def log_mel_image(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    n_mels: int = 128,
    n_frames: int = 512,
    mode: Literal["resize", "pad"] = "resize",
) -> np.ndarray:
    """Whole-clip log-Mel spectrogram as one fixed-size image for the audio network.

    Choice: by default (``mode="resize"``) the whole clip is always shown, its time axis
    rescaled to ``n_frames`` columns (box-averaged when shrinking, linear when
    stretching), as DeepStroke feeds the whole-clip spectrogram as global context.
    The time scale therefore differs between clips of different length (a 5.12 s clip
    keeps its 10 ms columns at the default 512); durations and rates are measured by
    :func:`strokescreen.audio.speech_measures`, not read off this image.
    ``mode="pad"`` keeps 10 ms columns instead: short clips are padded at the end with
    ``FLOOR_DB`` and long ones are cut to their first ``n_frames`` columns.

    Returns
    -------
    ndarray, shape (n_mels, n_frames), float32, dB re full scale.
    """
    if not 8 <= int(n_frames) <= 8192:
        raise InputError(f"n_frames={n_frames}; use 8..8192 columns")
    if mode not in ("resize", "pad"):
        raise InputError(f"mode={mode!r}; use 'resize' or 'pad'")
    spec = log_mel(samples, rate_hz=rate_hz, n_mels=n_mels)
    n_frames = int(n_frames)
    if mode == "resize":
        return resize_time(spec, n_frames)
    out = np.full((spec.shape[0], n_frames), FLOOR_DB, dtype=np.float32)
    k = min(n_frames, spec.shape[1])
    out[:, :k] = spec[:, :k]
    return out
