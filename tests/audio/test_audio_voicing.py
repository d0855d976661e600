"""The lenient voicing check (Praat's autocorrelation rule) and the pYIN fallback path.

The fallback (``pitch_method="pyin"``) must count syllables as the Praat path does:
planted rates on synthetic speech, and within 15 % of Praat on the real readings.
"""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from strokescreen.audio import SpeechConfig, pitch_tracks, speech_measures
from strokescreen.audio.synthetic import vowel
from strokescreen.audio.voicing import ac_voicing
from strokescreen.errors import InputError

HAVE_PRAAT = importlib.util.find_spec("parselmouth") is not None
needs_praat = pytest.mark.skipif(not HAVE_PRAAT, reason="praat-parselmouth not installed")
METHODS = [pytest.param("praat", marks=needs_praat), "pyin"]


def test_vowel_is_voiced_noise_and_silence_are_not():
    rng = np.random.default_rng(1)
    v = 0.3 * vowel(120.0, 1.0, rng=rng)
    t, voiced = ac_voicing(v)
    assert t.size > 40 and voiced.all()
    _, noisy = ac_voicing(0.3 * rng.standard_normal(16000))
    assert noisy.mean() < 0.05
    _, silent = ac_voicing(np.zeros(16000))
    assert not silent.any()


def test_silence_threshold_unvoices_a_quiet_vowel_after_a_loud_one():
    """Praat's rule: a vowel at 1 % of the clip's peak (below 0.03 / 1.25) is unvoiced."""
    loud = 0.5 * vowel(150.0, 0.5)
    quiet = 0.005 * vowel(150.0, 0.5)
    t, voiced = ac_voicing(np.concatenate([loud, quiet]))
    assert voiced[(t > 0.1) & (t < 0.4)].all()
    assert not voiced[(t > 0.6) & (t < 0.9)].any()


def test_frames_follow_praats_grid():
    """Whole windows only (3 periods of 30 Hz = 0.1 s), centred in the clip, 20 ms apart."""
    t, _ = ac_voicing(np.zeros(16000) + 1e-3 * np.sin(np.arange(16000)))
    assert t.size == (16000 - 1600) // 320 + 1
    assert np.allclose(np.diff(t), 0.02)
    assert t[0] - 0.05 == pytest.approx(1.0 - t[-1] - 0.05, abs=1 / 16000)


def test_short_clip_gives_empty_track_and_bad_settings_raise():
    t, v = ac_voicing(np.ones(800, dtype=np.float32))
    assert t.size == 0 and v.size == 0
    with pytest.raises(InputError, match="floor_hz"):
        ac_voicing(np.zeros(16000), floor_hz=500.0, ceiling_hz=100.0)
    with pytest.raises(InputError, match="voicing_threshold"):
        ac_voicing(np.zeros(16000), voicing_threshold=1.5)


@needs_praat
def test_agrees_with_praat_frame_by_frame(train_4hz):
    from strokescreen.audio.pitch import _praat_lenient_voicing

    pt, pv = _praat_lenient_voicing(train_4hz.samples)
    t, voiced = ac_voicing(train_4hz.samples)
    assert t.size == pt.size and np.allclose(t, pt, atol=0.011)
    assert (voiced == pv).mean() > 0.95


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize(("fixture", "rate"), [("train_4hz", 4.0), ("train_6hz", 6.0)])
def test_planted_rate_by_both_paths(request, method, fixture, rate):
    train = request.getfixturevalue(fixture)
    cfg = SpeechConfig(pitch_method=method, voice_quality=False)
    m = speech_measures(train.samples, config=cfg)
    assert m["speech_syllable_count"].value == 48
    assert m["speech_articulation_rate"].value == pytest.approx(rate, rel=0.1)


def test_pyin_path_uses_the_lenient_track(train_4hz):
    tracks = pitch_tracks(train_4hz.samples, method="pyin")
    assert np.allclose(np.diff(tracks.voicing_t_s), 0.02)  # the 20 ms check, not pyin's 10 ms
    burst = (tracks.voicing_t_s[:, None] > train_4hz.onsets_s + 0.03) & (
        tracks.voicing_t_s[:, None] < train_4hz.offsets_s - 0.03)
    assert tracks.voiced[burst.any(axis=1)].all()


@needs_praat
def test_pyin_fallback_matches_praat_on_real_readings(real_readings):
    """Speech and articulation rate of the fallback within 15 % of the Praat path."""
    for name, samples, rate in real_readings:
        by = {
            method: speech_measures(
                samples, rate_hz=rate,
                config=SpeechConfig(pitch_method=method, voice_quality=False))
            for method in ("praat", "pyin")
        }
        for key in ("speech_rate", "speech_articulation_rate"):
            praat, pyin = by["praat"][key].value, by["pyin"][key].value
            assert 2.5 < praat < 7.5, (name, key, praat)
            assert pyin == pytest.approx(praat, rel=0.15), (name, key, praat, pyin)
