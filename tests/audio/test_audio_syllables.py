"""Syllable nuclei and /pa-ta-ka/ timing: planted rates and interval jitter."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.audio import ddk_timing, intensity_db, speech_measures, syllable_nuclei
from strokescreen.audio.synthetic import syllable_train


def test_intensity_of_a_sine():
    t = np.arange(16000) / 16000
    _, level = intensity_db(0.5 * np.sin(2 * np.pi * 300 * t))
    # mean square of a sine of amplitude A is A^2/2
    assert level[20:80] == pytest.approx(10 * np.log10(0.125), abs=0.05)


@pytest.mark.parametrize(("fixture", "rate"), [("train_4hz", 4.0), ("train_6hz", 6.0)])
def test_planted_syllable_rate(request, fixture, rate):
    train = request.getfixturevalue(fixture)
    m = speech_measures(train.samples)
    assert m["speech_syllable_count"].value == 48
    assert m["speech_articulation_rate"].value == pytest.approx(rate, rel=0.1)
    # exactly the definition: 4 runs of 12 bursts last 11 periods + one burst each
    burst = train.offsets_s[0] - train.onsets_s[0]
    run_s = 11 / rate + burst
    assert m["speech_time"].value == pytest.approx(4 * run_s, abs=0.08)
    utterance = train.offsets_s[-1] - train.onsets_s[0]
    assert m["speech_rate"].value == pytest.approx(48 / utterance, rel=0.03)


def test_nuclei_sit_in_the_bursts(train_4hz):
    _, level = intensity_db(train_4hz.samples)
    nuclei = syllable_nuclei(level)
    assert nuclei.size == 48
    assert np.all(nuclei > train_4hz.onsets_s) and np.all(nuclei < train_4hz.offsets_s)


def test_voicing_check_drops_unvoiced_peaks():
    rng = np.random.default_rng(3)
    x = np.zeros(32000)
    for k in range(6):  # six 100 ms noise bursts: intensity peaks, but unvoiced
        i = 2000 + k * 4800
        x[i : i + 1600] = 0.2 * rng.standard_normal(1600) * np.hanning(1600)
    _, level = intensity_db(x)
    assert syllable_nuclei(level).size == 6
    t = np.arange(0, 2.0, 0.01)
    assert syllable_nuclei(level, voicing_t_s=t, voiced=np.zeros(t.size, bool)).size == 0
    assert syllable_nuclei(level, voicing_t_s=t, voiced=np.ones(t.size, bool)).size == 6


def test_segments_restrict_nuclei(train_4hz):
    _, level = intensity_db(train_4hz.samples)
    first_run = [(train_4hz.onsets_s[0] - 0.01, train_4hz.offsets_s[11] + 0.01)]
    assert syllable_nuclei(level, segments=first_run).size == 12


def test_ddk_timing_known_intervals():
    t = np.array([0.0, 0.2, 0.4, 0.6, 2.0, 2.1, 2.3])  # one pause between runs
    d = ddk_timing(t, [(0.0, 0.7), (1.9, 2.4)])
    intervals = np.array([0.2, 0.2, 0.2, 0.1, 0.2])
    assert d["ddk_rate"] == pytest.approx(1 / intervals.mean())
    assert d["ddk_interval_cv"] == pytest.approx(100 * intervals.std(ddof=1) / intervals.mean())
    assert d["ddk_syllables"] == 7
    assert np.isnan(ddk_timing(np.array([0.1, 0.3]))["ddk_rate"])


def test_pataka_rate_and_regularity_track_planted_jitter():
    cvs, planted = [], []
    for jitter in (0.0, 0.05, 0.15):
        train = syllable_train(
            5.5,
            30,
            burst_s=0.10,
            interval_jitter=jitter,
            consonants=True,
            rng=np.random.default_rng(11),
        )
        m = speech_measures(train.samples, task="PATAKA")
        iv = np.diff(train.onsets_s)
        assert m["speech_ddk_rate"].value == pytest.approx(5.5, rel=0.1)
        assert m["speech_ddk_rate"].value == pytest.approx(1 / iv.mean(), rel=0.03)
        assert m["speech_ddk_syllable_count"].value == 30
        cvs.append(m["speech_ddk_interval_cv"].value)
        planted.append(100 * iv.std(ddof=1) / iv.mean())
    assert cvs[0] < 4.0  # a metronomic train reads as nearly regular
    assert cvs[0] < cvs[1] < cvs[2]
    assert cvs[2] == pytest.approx(planted[2], abs=3.0)
