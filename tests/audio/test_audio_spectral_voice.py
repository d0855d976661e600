"""Spectral tilt, alpha ratio, flux; jitter, shimmer and HNR with planted values."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.audio import spectral_balance, spectral_flux, stft_magnitude, voice_quality
from strokescreen.audio.synthetic import vowel

RATE = 16000


def coloured_noise(exponent: float, n: int = 32000, seed: int = 0) -> np.ndarray:
    """Noise with power spectrum ~ 1 / f**exponent."""
    rng = np.random.default_rng(seed)
    spec = np.fft.rfft(rng.standard_normal(n))
    f = np.fft.rfftfreq(n, 1 / RATE)
    f[0] = f[1]
    x = np.fft.irfft(spec * f ** (-exponent / 2), n)
    return 0.3 * x / np.abs(x).max()


@pytest.mark.parametrize("exponent", [0.0, 1.0, 2.0])
def test_tilt_of_coloured_noise(exponent):
    bal = spectral_balance(stft_magnitude(coloured_noise(exponent)))
    # power ~ f^-a is -10 log10(2) * a dB per octave
    assert bal["spectral_tilt_db_per_oct"] == pytest.approx(-3.0103 * exponent, abs=0.3)


def test_alpha_ratio_of_white_noise():
    bal = spectral_balance(stft_magnitude(coloured_noise(0.0)))
    # flat spectrum: energy ratio = ratio of FFT bins (31.25 Hz apart) in 1-5 kHz and 50 Hz-1 kHz
    f = np.arange(257) * RATE / 512
    n_high = np.count_nonzero((f >= 1000) & (f <= 5000))
    n_low = np.count_nonzero((f >= 50) & (f < 1000))
    assert bal["alpha_ratio_db"] == pytest.approx(10 * np.log10(n_high / n_low), abs=0.3)


def test_balance_mask_and_empty():
    mag = stft_magnitude(coloured_noise(1.0))
    none = np.zeros(mag.shape[1], dtype=bool)
    assert np.isnan(spectral_balance(mag, none)["spectral_tilt_db_per_oct"])
    assert np.isnan(spectral_flux(mag, none))


def test_flux_steady_vs_switching_and_level_free():
    t = np.arange(32000) / RATE
    steady = np.sin(2 * np.pi * 440 * t)
    switching = np.where(
        (t * 10).astype(int) % 2 == 0, np.sin(2 * np.pi * 500 * t), np.sin(2 * np.pi * 2000 * t)
    )
    f_steady = spectral_flux(stft_magnitude(steady))
    f_switch = spectral_flux(stft_magnitude(switching))
    assert f_steady < 0.05 and f_switch > 10 * f_steady
    assert spectral_flux(stft_magnitude(0.1 * switching)) == pytest.approx(f_switch, rel=1e-3)


@pytest.fixture(scope="module")
def praat():
    return pytest.importorskip("parselmouth")


def test_planted_jitter(praat):
    clean = voice_quality(0.3 * vowel(150.0, 2.0))
    assert clean["jitter_local_pct"] < 0.1 and clean["hnr_db"] > 30
    jit = voice_quality(0.3 * vowel(150.0, 2.0, jitter=0.02, rng=np.random.default_rng(1)))
    # iid relative period deviations of sd s give local jitter 2 s / sqrt(pi)
    assert jit["jitter_local_pct"] == pytest.approx(100 * 0.02 * 2 / np.sqrt(np.pi), rel=0.2)


def test_planted_shimmer_rises(praat):
    values = [
        voice_quality(0.3 * vowel(150.0, 2.0, shimmer=s, rng=np.random.default_rng(2)))[
            "shimmer_local_pct"
        ]
        for s in (0.0, 0.05, 0.10)
    ]
    assert values[0] < 0.1 and values[0] < values[1] < values[2]
    assert values[2] == pytest.approx(100 * 0.10 * 2 / np.sqrt(np.pi), rel=0.35)


@pytest.mark.parametrize("snr_db", [20.0, 10.0])
def test_planted_hnr(praat, snr_db):
    v = 0.3 * vowel(150.0, 2.0)
    noise = np.random.default_rng(3).standard_normal(v.size)
    noise *= np.sqrt(np.mean(v**2) / np.mean(noise**2) / 10 ** (snr_db / 10))
    assert voice_quality(v + noise)["hnr_db"] == pytest.approx(snr_db, abs=1.5)


def test_voice_quality_of_silence_is_nan(praat):
    out = voice_quality(np.zeros(16000))
    assert np.isnan(out["jitter_local_pct"]) and np.isnan(out["hnr_db"]) and out["pulses"] == 0
