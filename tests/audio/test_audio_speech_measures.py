"""speech_measures: the fixed set of named measures, planted pauses and pitch."""

from __future__ import annotations

import math

import numpy as np
import pytest

from strokescreen.audio import MEASURES, Measure, SpeechConfig, is_ddk_task, speech_measures
from strokescreen.audio.synthetic import syllable_train


@pytest.fixture(scope="module")
def m4(train_4hz):
    return speech_measures(train_4hz.samples)


def test_names_units_and_types(m4):
    assert list(m4) == list(MEASURES)
    for name, meas in m4.items():
        assert name.startswith("speech_") and name == name.lower()
        assert isinstance(meas, Measure) and isinstance(meas.value, float)
        assert meas.unit == MEASURES[name][0] and meas.unit and meas.description


def test_planted_pauses(m4, train_4hz):
    planted = train_4hz.pauses_s
    assert m4["speech_pause_count"].value == 3
    assert m4["speech_pause_mean"].value == pytest.approx(np.mean(planted), abs=0.05)
    assert m4["speech_pause_max"].value == pytest.approx(max(planted), abs=0.05)
    assert m4["speech_pause_time"].value == pytest.approx(sum(planted), abs=0.1)


def test_durations_add_up(m4, train_4hz):
    total = m4["speech_total_duration"].value
    assert total == pytest.approx(train_4hz.duration_s, abs=1e-3)
    utterance = train_4hz.offsets_s[-1] - train_4hz.onsets_s[0]
    assert m4["speech_utterance_duration"].value == pytest.approx(utterance, abs=0.03)
    assert m4["speech_time"].value + m4["speech_pause_time"].value == pytest.approx(
        m4["speech_utterance_duration"].value, abs=1e-6
    )
    assert m4["speech_share"].value == pytest.approx(m4["speech_time"].value / total)


def test_pitch_level_of_bursts(m4):
    # bursts are at 150 Hz rising by up to 2 % mid-burst
    assert m4["speech_f0_median"].value == pytest.approx(152.0, abs=4.0)
    assert m4["speech_f0_range_st"].value < 0.6
    assert m4["speech_voiced_share"].value > 0.3


def test_planted_f0_180_through_measures():
    train = syllable_train(4.0, 12, f0_hz=180.0, rng=np.random.default_rng(1))
    m = speech_measures(train.samples)
    assert m["speech_f0_median"].value == pytest.approx(180.0 * 1.013, abs=5.0)


def test_intensity_range_of_two_levels():
    # bursts alternating between two levels 12 dB apart widen the intensity range
    rng = np.random.default_rng(2)
    a = syllable_train(4.0, 12, level=0.3, rng=rng).samples
    b = a.copy()
    b[: b.size // 2] *= 0.25  # first half 12 dB quieter
    ra = speech_measures(a)["speech_intensity_range"].value
    rb = speech_measures(b)["speech_intensity_range"].value
    assert rb > ra + 8.0


@pytest.mark.slow
def test_ddk_measures_follow_task(train_4hz):
    off = speech_measures(train_4hz.samples)
    assert math.isnan(off["speech_ddk_rate"].value)
    assert off["speech_ddk_syllable_count"].value == 0
    on = speech_measures(train_4hz.samples, task="pa-ta-ka")
    assert on["speech_ddk_rate"].value == pytest.approx(4.0, rel=0.05)
    forced = speech_measures(train_4hz.samples, task="reading", ddk=True)
    assert forced["speech_ddk_rate"].value == on["speech_ddk_rate"].value
    assert is_ddk_task("PATAKA") and is_ddk_task("pa ta ka") and not is_ddk_task("SMILE")


def test_voice_quality_off_by_config(train_4hz):
    m = speech_measures(train_4hz.samples, config=SpeechConfig(voice_quality=False))
    assert math.isnan(m["speech_jitter_local"].value) and math.isnan(m["speech_hnr"].value)


@pytest.mark.slow
def test_energy_vad_and_pyin_configuration(train_4hz):
    cfg = SpeechConfig(vad_method="energy", pitch_method="pyin", voice_quality=False)
    m = speech_measures(train_4hz.samples, config=cfg)
    assert m["speech_pause_count"].value == 3
    assert m["speech_articulation_rate"].value == pytest.approx(4.0, rel=0.1)
    assert m["speech_f0_median"].value == pytest.approx(152.0, abs=5.0)
