"""Offline TTS: requested speech rate is met, output is reproducible, dysarthria blurs."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from strokescreen.synth.speech import (
    PHRASES,
    RATE_HZ,
    Voice,
    degrade,
    is_vowel,
    synthesize,
)

TEXT = PHRASES["hometown"] + " " + PHRASES["bbp"]


def _audio_rate(audio: np.ndarray) -> float:
    """Syllable nuclei per second counted from the audio's intensity (de Jong & Wempe)."""
    from strokescreen.audio.syllables import intensity_db, syllable_nuclei

    _, level = intensity_db(audio)
    return len(syllable_nuclei(level)) / (len(audio) / RATE_HZ)


@pytest.mark.parametrize("rate", [3.0, 4.5, 6.0])
def test_requested_rate_is_met(rate):
    utt = synthesize(TEXT, Voice("m3", 40, 50, rate))
    assert utt.n_syllables == 17  # 11 + 6 syllables
    assert utt.rate_syl_s == pytest.approx(rate, rel=0.05)
    # the audio itself: syllable nuclei found in it (the detector over-counts a little)
    assert _audio_rate(utt.audio) == pytest.approx(rate, rel=0.35)


def test_audio_rate_follows_the_requested_rate():
    slow = synthesize(TEXT, Voice("f2", 60, 50, 3.0))
    fast = synthesize(TEXT, Voice("f2", 60, 50, 6.0))
    assert fast.duration_s < 0.6 * slow.duration_s
    assert _audio_rate(fast.audio) > 1.5 * _audio_rate(slow.audio)


def test_same_text_and_voice_give_identical_samples():
    v = Voice("f3", 55, 45, 4.2, 0.3)
    a = synthesize(PHRASES["bbp"], v)
    synthesize(PHRASES["hometown"], Voice("m5", 30, 20, 3.0))
    b = synthesize(PHRASES["bbp"], v)
    assert np.array_equal(a.audio, b.audio)
    assert a.phonemes == b.phonemes


def test_phoneme_timing_is_ordered_and_covers_the_audio():
    utt = synthesize(PHRASES["bbp"], Voice("m1", 40, 50, 4.0))
    starts = [a for a, _, _ in utt.phonemes]
    assert starts == sorted(starts) and starts[0] == 0.0
    assert utt.phonemes[-1][1] == pytest.approx(utt.duration_s, abs=0.01)
    assert sum(is_vowel(p) for _, _, p in utt.phonemes) == 6


def test_dysarthria_blurs_articulation_and_adds_breath():
    utt = synthesize(PHRASES["hometown"], Voice("m3", 40, 50, 4.0))

    def high_share(x: np.ndarray) -> float:
        f, p = signal.welch(x, fs=RATE_HZ, nperseg=512)
        return float(p[f > 3500].sum() / p.sum())

    rng = np.random.default_rng
    clean = degrade(utt.audio, dysarthria=0.0, rng=rng(0), breath=0.0)
    blurred = degrade(utt.audio, dysarthria=1.0, rng=rng(0), breath=0.0, breathiness=0.0)
    assert high_share(blurred) < 0.5 * high_share(clean)
    breathy = degrade(utt.audio, dysarthria=1.0, rng=rng(0), breath=0.0, blur=0.0)
    assert high_share(breathy) > 1.5 * high_share(clean)
    full = degrade(utt.audio, dysarthria=1.0, rng=rng(0))
    assert np.array_equal(full, degrade(utt.audio, dysarthria=1.0, rng=rng(0)))


def test_dysarthric_voice_has_a_narrower_pitch_range():
    import librosa

    def f0_range(pitch_range: float) -> float:
        utt = synthesize(TEXT, Voice("m3", 40, pitch_range, 4.0))
        f0, voiced, _ = librosa.pyin(utt.audio, fmin=60, fmax=300, sr=RATE_HZ,
                                     frame_length=1024)
        st = 12 * np.log2(f0[voiced & np.isfinite(f0)] / 100.0)
        return float(np.percentile(st, 95) - np.percentile(st, 5))

    assert f0_range(15) < 0.7 * f0_range(70)
