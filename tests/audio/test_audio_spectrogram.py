"""Log-Mel spectrograms: planted tones land in the right band at the right level."""

from __future__ import annotations

import librosa
import numpy as np
import pytest

from strokescreen.audio import log_mel, log_mel_image
from strokescreen.audio.spectrogram import FLOOR_DB, resize_time

RATE = 16000


def tone(freq_hz: float, seconds: float, rate: int = RATE, amp: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * rate)) / rate
    return (amp * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)


def test_shape_and_frames():
    spec = log_mel(np.zeros(RATE), n_mels=64)
    assert spec.shape == (64, 101) and spec.dtype == np.float32
    assert log_mel(np.zeros(RATE), n_mels=128).shape == (128, 101)


def test_tone_in_its_band_at_full_scale_level():
    centres = librosa.mel_frequencies(64 + 2, fmin=0.0, fmax=8000.0)[1:-1]
    band = 20
    spec = log_mel(tone(centres[band], 1.0), n_mels=64)
    middle = spec[:, 20:80]
    assert int(np.argmax(middle.mean(axis=1))) == band
    # a full-scale sine at a band centre reads about 0 dB in that band
    assert abs(float(middle[band].mean())) < 1.5
    # half amplitude is 6 dB lower
    half = log_mel(tone(centres[band], 1.0, amp=0.5), n_mels=64)[band, 20:80].mean()
    assert middle[band].mean() - half == pytest.approx(6.02, abs=0.1)


def test_silence_is_floor():
    assert np.all(log_mel(np.zeros(8000)) == FLOOR_DB)


def test_other_rate_is_resampled_to_16k():
    a = log_mel(tone(1000.0, 1.0, rate=16000), rate_hz=16000)
    b = log_mel(tone(1000.0, 1.0, rate=44100), rate_hz=44100)
    assert a.shape == b.shape
    loud = a > -40
    assert np.max(np.abs(a[loud] - b[loud])) < 1.0


@pytest.mark.parametrize("seconds", [0.3, 1.0, 7.0])
def test_image_has_fixed_size(seconds):
    img = log_mel_image(tone(440.0, seconds), n_mels=128, n_frames=256)
    assert img.shape == (128, 256) and img.dtype == np.float32


def test_image_resize_keeps_event_position():
    # a tone only in the last quarter of a 4 s clip stays in the last quarter of the image
    x = np.zeros(4 * RATE, dtype=np.float32)
    x[3 * RATE :] = tone(1000.0, 1.0)
    img = log_mel_image(x, n_frames=200)
    loud_cols = np.flatnonzero(img.max(axis=0) > -40)
    assert loud_cols.min() >= 148 and loud_cols.max() == 199


def test_image_pad_mode_keeps_10ms_columns():
    short = log_mel_image(tone(1000.0, 1.0), n_frames=300, mode="pad")
    assert np.all(short[:, 102:] == FLOOR_DB) and short[:, 50].max() > -10
    long = log_mel_image(tone(1000.0, 5.0), n_frames=300, mode="pad")
    assert long.shape == (128, 300) and np.all(long.max(axis=0) > -40)


def test_resize_time_area_average_and_stretch():
    ramp = np.arange(12, dtype=np.float32)[None, :].repeat(3, axis=0)
    small = resize_time(ramp, 4)  # blocks of 3 columns: means 1, 4, 7, 10
    np.testing.assert_allclose(small[0], [1, 4, 7, 10], atol=1e-5)
    frac = resize_time(ramp, 5)  # exact area average keeps the mean
    assert frac.mean() == pytest.approx(ramp.mean(), abs=1e-5)
    big = resize_time(ramp, 30)
    assert np.all(np.diff(big[0]) >= 0) and big[0, 0] == 0 and big[0, -1] == 11
