"""Flat speech features, and the real LibriSpeech readings."""

from __future__ import annotations

import math

import numpy as np
import pytest

from strokescreen.audio import (
    speech_feature_names,
    speech_feature_units,
    speech_feature_vector,
    speech_measures,
)


def test_feature_vector_is_flat_and_fixed(train_4hz):
    vec = speech_feature_vector(train_4hz.samples, 16000, task="reading")
    assert list(vec) == speech_feature_names()
    assert all(k.startswith("speech_") and isinstance(v, float) for k, v in vec.items())
    assert vec["speech_pause_count"] == 3
    assert vec["speech_articulation_rate"] == pytest.approx(4.0, rel=0.1)
    assert set(speech_feature_units()) == set(vec)
    assert speech_feature_units()["speech_rate"] == "syllables/s"


def test_no_soundtrack_gives_nan_row():
    vec = speech_feature_vector(None, 16000)
    assert list(vec) == speech_feature_names() and all(math.isnan(v) for v in vec.values())


@pytest.mark.real
@pytest.mark.slow
def test_librispeech_speech_rates_in_normal_range(real_readings):
    rates = {}
    for name, data, rate in real_readings:
        m = speech_measures(data, rate_hz=rate)
        rates[name] = m["speech_rate"].value
        assert 3.0 <= m["speech_rate"].value <= 6.5, (name, m["speech_rate"].value)
        assert m["speech_articulation_rate"].value >= m["speech_rate"].value
        assert 0.8 < m["speech_share"].value <= 1.0
        assert 60.0 < m["speech_f0_median"].value < 260.0
    print("LibriSpeech speech rates (syllables/s):", {k: round(v, 2) for k, v in rates.items()})
    assert len(rates) == 3


@pytest.mark.slow
@pytest.mark.real
def test_female_reader_pitch_above_male_readers(real_readings):
    """198-209 is read by a woman, 3436 and 5703 by men (README of the real folder)."""
    f0 = {
        name.split("_")[1].split("-")[0]: speech_measures(data, rate_hz=rate)
        for name, data, rate in real_readings
    }
    median = {k: m["speech_f0_median"].value for k, m in f0.items()}
    assert median["198"] > 165.0 > max(median["3436"], median["5703"])
    assert np.isfinite(list(median.values())).all()
