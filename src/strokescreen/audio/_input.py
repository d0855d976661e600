"""Validation of audio input shared by every public audio function.

Decisions (documented here once, relied on everywhere in :mod:`strokescreen.audio`):

- **Sample rate.** strokescreen works at 16 kHz. A clip given at another rate is
  *resampled* to 16 kHz (soxr, high quality) rather than refused, so that callers
  holding 44.1/48 kHz audio need no extra step. Rates outside 8 kHz .. 384 kHz, or
  non-finite / non-positive rates, are refused with :class:`~strokescreen.errors.InputError`.
- **Channels.** A 2-D array is treated as multi-channel audio and averaged to mono.
  The channel axis is the short one (at most 8 channels): shape ``(n, 2)`` and
  ``(2, n)`` both work. Arrays with 3 or more dimensions are refused.
- **Sample type.** Floating-point samples are used as they are (full scale = 1.0).
  Integer PCM is scaled to [-1, 1) (``int16 / 32768``; unsigned 8-bit is offset by
  128 first). Boolean, complex, string and object arrays are refused.
- **Empty or non-finite.** An empty clip, or one containing NaN/inf, is refused.
"""

from __future__ import annotations

import math
from numbers import Real

import numpy as np

from strokescreen.errors import InputError

RATE_HZ = 16000
"""The one sampling rate used throughout strokescreen."""

MIN_RATE_HZ = 8000
MAX_RATE_HZ = 384000
MAX_CHANNELS = 8


def check_rate(rate_hz: object) -> int:
    """Return ``rate_hz`` as an int after checking it is a usable sampling rate (Hz)."""
    if isinstance(rate_hz, bool) or not isinstance(rate_hz, Real | np.number):
        raise InputError(
            f"rate_hz must be a number of samples per second, got {rate_hz!r}; pass e.g. 16000"
        )
    rate = float(rate_hz)
    if not math.isfinite(rate) or not MIN_RATE_HZ <= rate <= MAX_RATE_HZ:
        raise InputError(
            f"rate_hz={rate_hz!r} is outside {MIN_RATE_HZ}..{MAX_RATE_HZ} Hz; "
            "pass the recording's real sampling rate (strokescreen resamples to 16000 Hz)"
        )
    if abs(rate - round(rate)) > 1e-6:
        raise InputError(f"rate_hz={rate_hz!r} is not a whole number of Hz")
    return int(round(rate))


def _to_float(x: np.ndarray) -> np.ndarray:
    kind = x.dtype.kind
    if kind == "f":
        return x.astype(np.float32, copy=False)
    if kind == "i":
        scale = float(2 ** (8 * x.dtype.itemsize - 1))
        return (x.astype(np.float64) / scale).astype(np.float32)
    if kind == "u":
        half = float(2 ** (8 * x.dtype.itemsize - 1))
        return ((x.astype(np.float64) - half) / half).astype(np.float32)
    raise InputError(
        f"audio samples have dtype {x.dtype}; pass real-valued samples "
        "(float in [-1, 1] or integer PCM)"
    )


def _to_mono(x: np.ndarray) -> np.ndarray:
    if x.ndim == 1:
        return x
    if x.ndim != 2:
        raise InputError(
            f"audio samples have shape {x.shape}; pass a 1-D mono array or a 2-D "
            "(samples, channels) / (channels, samples) array"
        )
    n0, n1 = x.shape
    if n1 <= MAX_CHANNELS and n1 <= n0:
        return x.mean(axis=1)
    if n0 <= MAX_CHANNELS and n0 < n1:
        return x.mean(axis=0)
    raise InputError(
        f"audio samples have shape {x.shape}: cannot tell the channel axis (at most "
        f"{MAX_CHANNELS} channels); pass a 1-D mono array"
    )


def prepare_samples(samples: object, *, rate_hz: object = RATE_HZ) -> np.ndarray:
    """Check and convert audio to float32 mono at 16 kHz.

    Parameters
    ----------
    samples : array-like, shape (n,) or (n, channels) or (channels, n)
        Audio samples, float (full scale 1.0) or integer PCM.
    rate_hz : number
        Sampling rate of ``samples`` in Hz; resampled to 16000 Hz when different.

    Returns
    -------
    ndarray, shape (m,), float32, 16 kHz mono.

    Raises
    ------
    InputError
        empty, non-finite, wrong dtype/shape or unusable rate (see module docstring).
    """
    rate = check_rate(rate_hz)
    try:
        x = np.asarray(samples)
    except (TypeError, ValueError) as exc:
        raise InputError(f"audio samples could not be read as an array ({exc})") from exc
    if x.ndim == 0:
        raise InputError("audio samples are a scalar; pass a 1-D array of samples")
    x = _to_mono(_to_float(x))
    if x.size == 0:
        raise InputError("audio is empty (0 samples); pass a recording with sound in it")
    bad = int(np.count_nonzero(~np.isfinite(x)))
    if bad:
        raise InputError(
            f"audio has {bad} non-finite samples (NaN or inf) of {x.size}; "
            "check the decoder or replace them before analysis"
        )
    x = np.ascontiguousarray(x, dtype=np.float32)
    if rate != RATE_HZ:
        import librosa

        x = librosa.resample(x, orig_sr=rate, target_sr=RATE_HZ, res_type="soxr_hq")
        x = np.ascontiguousarray(x, dtype=np.float32)
        if x.size == 0:
            raise InputError(
                f"audio of {np.asarray(samples).shape} samples at {rate} Hz is empty "
                "after resampling to 16000 Hz"
            )
    return x
