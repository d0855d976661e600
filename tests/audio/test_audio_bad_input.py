"""Bad audio input: clear InputErrors, or a documented conversion; silence never crashes."""

from __future__ import annotations

import math
import sys

import numpy as np
import pytest

from strokescreen.audio import (
    SpeechConfig,
    log_mel,
    log_mel_image,
    pitch_track,
    prepare_samples,
    speech_feature_vector,
    speech_measures,
    speech_segments,
    voice_activity,
    voice_quality,
)
from strokescreen.audio.synthetic import syllable_train
from strokescreen.errors import ConfigError, InputError, MissingExtraError

PUBLIC = [
    lambda x, **kw: log_mel(x, **kw),
    lambda x, **kw: log_mel_image(x, **kw),
    lambda x, **kw: voice_activity(x, **kw),
    lambda x, **kw: speech_segments(x, **kw),
    lambda x, **kw: pitch_track(x, **kw),
    lambda x, **kw: speech_measures(x, **kw),
]


@pytest.fixture(scope="module")
def short_train():
    return syllable_train(5.0, 10, rng=np.random.default_rng(7))


@pytest.mark.parametrize("fn", PUBLIC)
def test_empty_raises(fn):
    with pytest.raises(InputError, match="empty"):
        fn(np.zeros(0, dtype=np.float32))


@pytest.mark.parametrize("fn", PUBLIC)
def test_non_finite_raises(fn):
    x = np.zeros(1600, dtype=np.float32)
    x[5] = np.nan
    with pytest.raises(InputError, match="non-finite"):
        fn(x)


@pytest.mark.parametrize("bad", [np.zeros((2, 2, 100)), np.zeros((50, 50)), np.float32(0.3)])
def test_bad_shapes_raise(bad):
    with pytest.raises(InputError):
        prepare_samples(bad)


@pytest.mark.parametrize(
    "bad", [np.ones(100, dtype=bool), np.ones(100, dtype=complex), np.array(["a", "b"])]
)
def test_bad_dtypes_raise(bad):
    with pytest.raises(InputError, match="dtype"):
        prepare_samples(bad)


@pytest.mark.parametrize("rate", [0, -16000, 1000, float("nan"), 16000.5, "16000", True, 10**7])
def test_bad_rates_raise(rate):
    with pytest.raises(InputError, match="rate_hz"):
        prepare_samples(np.zeros(1600), rate_hz=rate)


def test_stereo_is_averaged_either_layout(short_train):
    mono = short_train.samples
    stereo = np.stack([mono, mono], axis=1)  # (n, 2)
    np.testing.assert_allclose(prepare_samples(stereo), mono, atol=1e-7)
    np.testing.assert_allclose(prepare_samples(stereo.T), mono, atol=1e-7)  # (2, n)
    half = np.stack([mono, np.zeros_like(mono)], axis=1)
    np.testing.assert_allclose(prepare_samples(half), mono / 2, atol=1e-7)
    a = speech_measures(stereo)["speech_syllable_count"].value
    assert a == speech_measures(mono)["speech_syllable_count"].value == 10


def test_integer_pcm_is_scaled(short_train):
    pcm = np.round(short_train.samples * 32767).astype(np.int16)
    np.testing.assert_allclose(prepare_samples(pcm), short_train.samples, atol=1 / 32768)
    u8 = np.array([0, 128, 255], dtype=np.uint8)
    np.testing.assert_allclose(prepare_samples(u8), [-1.0, 0.0, 127 / 128])
    m_int = speech_measures(pcm)
    m_float = speech_measures(short_train.samples)
    assert m_int["speech_syllable_count"].value == m_float["speech_syllable_count"].value
    assert m_int["speech_f0_median"].value == pytest.approx(
        m_float["speech_f0_median"].value, abs=0.5
    )


def test_other_rate_is_resampled(short_train):
    import librosa

    x44 = librosa.resample(short_train.samples, orig_sr=16000, target_sr=44100)
    assert prepare_samples(x44, rate_hz=44100).size == pytest.approx(
        short_train.samples.size, abs=2
    )
    m44 = speech_measures(x44, rate_hz=44100)
    m16 = speech_measures(short_train.samples)
    for name in ("speech_syllable_count", "speech_pause_count"):
        assert m44[name].value == m16[name].value
    assert m44["speech_time"].value == pytest.approx(m16["speech_time"].value, abs=0.03)
    assert m44["speech_f0_median"].value == pytest.approx(m16["speech_f0_median"].value, abs=1.0)


@pytest.mark.parametrize(
    "clip",
    [
        np.zeros(32000),
        1e-4 * np.random.default_rng(0).standard_normal(32000),
        np.zeros(1),
        np.full(100, 0.2),
    ],
    ids=["zeros", "hiss", "one-sample", "dc-100-samples"],
)
def test_silence_gives_measures_without_crash(clip):
    m = speech_measures(clip)
    assert m["speech_time"].value == 0 and m["speech_syllable_count"].value == 0
    assert m["speech_pause_count"].value == 0 and m["speech_share"].value == 0
    assert m["speech_utterance_duration"].value == 0
    for name in (
        "speech_rate",
        "speech_articulation_rate",
        "speech_f0_median",
        "speech_pause_mean",
        "speech_jitter_local",
        "speech_spectral_tilt",
    ):
        assert math.isnan(m[name].value), name
    assert set(speech_feature_vector(clip)) == set(m)


def test_too_short_for_analysis_windows_is_not_an_error():
    burst = 0.3 * np.sin(2 * np.pi * 150 * np.arange(800) / 16000)  # 50 ms
    assert speech_measures(burst)["speech_total_duration"].value == pytest.approx(0.05)
    t, f0 = pitch_track(burst[:200])
    assert t.size == f0.size


def test_bad_options_raise():
    x = np.zeros(1600)
    with pytest.raises(InputError, match="frame_s"):
        voice_activity(x, frame_s=0.025, method="webrtc")
    with pytest.raises(InputError, match="aggressiveness"):
        voice_activity(x, aggressiveness=5)
    with pytest.raises(InputError, match="method"):
        voice_activity(x, method="silero")
    with pytest.raises(InputError, match="n_mels"):
        log_mel(x, n_mels=1)
    with pytest.raises(InputError, match="mode"):
        log_mel_image(x, mode="crop")
    with pytest.raises(InputError, match="fmin_hz"):
        pitch_track(x, fmin_hz=500, fmax_hz=100)


@pytest.mark.parametrize(
    "kwargs",
    [
        {"vad_frame_s": 0.025},
        {"vad_aggressiveness": 4},
        {"pitch_method": "crepe"},
        {"pitch_floor_hz": 500.0},
        {"min_pause_s": -1.0},
        {"nuclei_silence_db": 10.0},
        {"hop_s": 0.5},
        {"vad_method": "x"},
    ],
)
def test_bad_config_raises(kwargs):
    with pytest.raises(ConfigError):
        speech_measures(np.zeros(1600), config=SpeechConfig(**kwargs))


def test_without_praat(monkeypatch, short_train):
    """parselmouth missing: voice_quality names the extra; measures fall back to pyin."""
    monkeypatch.setitem(sys.modules, "parselmouth", None)
    with pytest.raises(MissingExtraError, match="praat"):
        voice_quality(short_train.samples)
    m = speech_measures(short_train.samples)
    assert math.isnan(m["speech_jitter_local"].value)
    assert m["speech_f0_median"].value == pytest.approx(151.0, abs=5.0)
    assert m["speech_syllable_count"].value == 10


@pytest.mark.parametrize("method", ["webrtc", "energy"])
def test_dc_offset_does_not_change_segments(short_train, method):
    plain = speech_segments(short_train.samples, frame_s=0.01, method=method)
    shifted = speech_segments(short_train.samples + 0.2, frame_s=0.01, method=method)
    assert shifted == plain and len(plain) == 1
    a = speech_measures(short_train.samples)
    b = speech_measures(short_train.samples + 0.2)
    for name in ("speech_syllable_count", "speech_spectral_flux", "speech_f0_median"):
        assert b[name].value == pytest.approx(a[name].value, rel=1e-3), name


def test_without_webrtcvad_uses_energy(monkeypatch, short_train):
    monkeypatch.setitem(sys.modules, "webrtcvad", None)
    seg = speech_segments(short_train.samples, frame_s=0.02)
    assert len(seg) == 1
    assert seg[0][0] == pytest.approx(short_train.onsets_s[0], abs=0.03)
