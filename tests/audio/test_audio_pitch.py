"""Pitch: planted F0 and glides read back by both trackers."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.audio import pitch_summary, pitch_track, pitch_tracks
from strokescreen.audio.synthetic import vowel

METHODS = ["praat", "pyin"]


@pytest.mark.parametrize("method", METHODS)
def test_planted_f0_180(method):
    if method == "praat":
        pytest.importorskip("parselmouth")
    _, f0 = pitch_track(0.3 * vowel(180.0, 1.0), method=method)
    s = pitch_summary(f0)
    assert s["f0_median_hz"] == pytest.approx(180.0, abs=5.0)
    assert s["f0_median_st"] == pytest.approx(12 * np.log2(1.8), abs=0.5)
    assert s["f0_range_st"] < 0.5


@pytest.mark.parametrize("method", METHODS)
def test_octave_glide_range(method):
    """120 -> 240 Hz, exponential in time: 12 st in all, 5th..95th percentile = 10.8 st."""
    if method == "praat":
        pytest.importorskip("parselmouth")
    n = 32000
    f0_planted = 120.0 * 2.0 ** (np.arange(n) / n)
    t, f0 = pitch_track(0.3 * vowel(f0_planted, 2.0), method=method)
    s = pitch_summary(f0)
    assert s["f0_range_st"] == pytest.approx(0.9 * 12.0, abs=0.6)
    assert s["f0_median_hz"] == pytest.approx(120 * np.sqrt(2), rel=0.03)
    voiced = f0[np.isfinite(f0)]
    assert 12 * np.log2(voiced.max() / voiced.min()) == pytest.approx(12.0, abs=1.0)
    # the track follows the glide frame by frame
    expected = 120.0 * 2.0 ** (t / 2.0)
    ok = np.isfinite(f0) & (t > 0.1) & (t < 1.9)
    assert np.median(np.abs(12 * np.log2(f0[ok] / expected[ok]))) < 0.2


def test_pitch_summary_known_values():
    f0 = np.array([100.0, 200.0, np.nan, 100.0, 200.0, 141.42135623730951, 0.0])
    s = pitch_summary(f0)
    assert s["voiced_frames"] == 5
    assert s["f0_median_hz"] == pytest.approx(141.421356, rel=1e-6)
    assert s["f0_median_st"] == pytest.approx(6.0, abs=1e-6)
    assert s["f0_sd_st"] == pytest.approx(np.std([0, 12, 0, 12, 6]), abs=1e-9)
    short = pitch_summary(np.array([100.0, np.nan, 120.0]))
    assert np.isnan(short["f0_median_hz"]) and short["voiced_frames"] == 2


def test_lenient_voicing_track_marks_the_vowel():
    pytest.importorskip("parselmouth")
    x = np.zeros(24000, dtype=np.float32)
    x[8000:16000] = 0.3 * vowel(150.0, 0.5)
    tracks = pitch_tracks(x)
    on = tracks.voicing_t_s[tracks.voiced]
    assert on.min() >= 0.45 and on.max() <= 1.05 and on.size >= 20
    assert tracks.t_s.shape == tracks.f0_hz.shape
