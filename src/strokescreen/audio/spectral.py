"""Spectral balance and change: spectral tilt, alpha ratio, spectral flux.

All from one STFT (25 ms Hann windows, 10 ms step, 512-point FFT at 16 kHz).

- **Spectral tilt** (dB/octave): slope of the least-squares line through the long-term
  average spectrum (mean power over the selected frames, in dB) against log2 frequency,
  100 Hz .. 5 kHz. White noise reads 0, pink (1/f) noise -3.0; voiced speech is
  typically steeper (more negative) the more "breathy/soft", flatter when pressed.
- **Alpha ratio** (dB): energy 1-5 kHz over energy 50 Hz-1 kHz of the same LTAS
  (Frokjaer-Jensen & Prytz 1976; as in eGeMAPS, Eyben et al. 2016). Negative for voice.
- **Spectral flux**: mean over consecutive frame pairs of the L1 distance between the
  two frames' magnitude spectra, each normalised to sum 1 (so loudness does not enter);
  0 for a steady sound, up to 2 when the spectrum jumps between disjoint bands.
"""

from __future__ import annotations

import numpy as np

from strokescreen.audio._input import RATE_HZ

_N_FFT = 512
_WIN = 400
_HOP = 160


def stft_magnitude(x: np.ndarray) -> np.ndarray:
    """Magnitude STFT, shape (257, 1 + n // 160), frame j centred at j * 10 ms."""
    import librosa

    return np.abs(
        librosa.stft(
            np.asarray(x, dtype=np.float32),
            n_fft=_N_FFT,
            hop_length=_HOP,
            win_length=_WIN,
            window="hann",
            center=True,
            pad_mode="constant",
        )
    )


def _frames(mag: np.ndarray, mask: np.ndarray | None) -> np.ndarray:
    if mask is None:
        return mag
    m = np.asarray(mask, dtype=bool)
    n = min(m.size, mag.shape[1])
    return mag[:, :n][:, m[:n]]


def spectral_balance(mag: np.ndarray, mask: np.ndarray | None = None) -> dict[str, float]:
    """Spectral tilt (dB/octave) and alpha ratio (dB) of the selected frames.

    mag : ndarray, shape (257, n_frames), magnitude STFT (:func:`stft_magnitude`).
    mask : ndarray, shape (n_frames,), bool, frames to use (e.g. voiced speech); all if None.
    Returns ``spectral_tilt_db_per_oct`` and ``alpha_ratio_db`` (NaN without frames or energy).
    """
    nan = {"spectral_tilt_db_per_oct": float("nan"), "alpha_ratio_db": float("nan")}
    sel = _frames(mag, mask)
    if sel.shape[1] == 0:
        return nan
    ltas = np.mean(sel.astype(np.float64) ** 2, axis=1)
    freqs = np.arange(ltas.size) * RATE_HZ / _N_FFT
    band = (freqs >= 100.0) & (freqs <= 5000.0)
    if not np.all(ltas[band] > 0):
        return nan
    slope = np.polyfit(np.log2(freqs[band]), 10.0 * np.log10(ltas[band]), 1)[0]
    low = ltas[(freqs >= 50.0) & (freqs < 1000.0)].sum()
    high = ltas[(freqs >= 1000.0) & (freqs <= 5000.0)].sum()
    alpha = 10.0 * np.log10(high / low) if low > 0 and high > 0 else float("nan")
    return {"spectral_tilt_db_per_oct": float(slope), "alpha_ratio_db": float(alpha)}


def spectral_flux(mag: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Mean L1 distance between consecutive normalised spectra (dimensionless, 0..2).

    Only pairs where both frames are selected by ``mask`` count. NaN without such pairs.
    """
    m = np.ones(mag.shape[1], dtype=bool) if mask is None else np.asarray(mask, dtype=bool)
    n = min(m.size, mag.shape[1])
    mag, m = mag[:, :n].astype(np.float64), m[:n]
    total = mag.sum(axis=0)
    m = m & (total > 0)
    pairs = m[1:] & m[:-1]
    if not pairs.any():
        return float("nan")
    p = mag / np.where(total > 0, total, 1.0)
    d = np.abs(np.diff(p, axis=1)).sum(axis=0)
    return float(d[pairs].mean())
