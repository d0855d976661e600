"""Voice activity: planted pauses measured within 50 ms; silence has no speech."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.audio import segments_from_activity, speech_segments, voice_activity


@pytest.mark.parametrize("method", ["webrtc", "energy"])
def test_planted_pauses_within_50ms(train_4hz, method):
    seg = speech_segments(train_4hz.samples, frame_s=0.01, method=method)
    assert len(seg) == 4
    gaps = [b[0] - a[1] for a, b in zip(seg[:-1], seg[1:], strict=True)]
    np.testing.assert_allclose(gaps, train_4hz.pauses_s, atol=0.05)
    # runs start at the planted onsets of bursts 0, 12, 24, 36
    starts = np.array([s for s, _ in seg])
    np.testing.assert_allclose(starts, train_4hz.onsets_s[[0, 12, 24, 36]], atol=0.03)


def test_30ms_frames_still_find_pauses(train_4hz):
    seg = speech_segments(train_4hz.samples, frame_s=0.03)
    gaps = [b[0] - a[1] for a, b in zip(seg[:-1], seg[1:], strict=True)]
    np.testing.assert_allclose(gaps, train_4hz.pauses_s, atol=0.07)


def test_frame_count_and_positions():
    x = np.zeros(16000 + 100, dtype=np.float32)
    x[8000:12000] = 0.3 * np.sin(2 * np.pi * 200 * np.arange(4000) / 16000)
    act = voice_activity(x, frame_s=0.02, method="energy")
    assert act.size == int(np.ceil(x.size / 320))
    on = np.flatnonzero(act)
    assert on.min() == 25 and on.max() == 37  # 0.5 s .. 0.75 s in 20 ms frames


@pytest.mark.parametrize("method", ["webrtc", "energy"])
def test_silence_has_no_speech(method):
    rng = np.random.default_rng(0)
    assert speech_segments(np.zeros(32000), method=method) == []
    quiet = 1e-4 * rng.standard_normal(32000)  # -80 dBFS hiss
    assert speech_segments(quiet, method=method) == []
    assert not voice_activity(quiet, method=method).any()


def test_segments_from_activity_bridges_then_drops():
    a = np.zeros(100, dtype=bool)
    a[10:30] = True  # 0.10-0.30 s
    a[35:50] = True  # gap 50 ms: bridged
    a[80:84] = True  # 40 ms run: dropped
    seg = segments_from_activity(a, frame_s=0.01, min_speech_s=0.1, min_pause_s=0.25)
    assert seg == [(0.1, 0.5)]
    a[60:75] = True  # gap 0.1 s after 0.5 s: bridged; then 0.75..0.8 gap 50 ms to the click
    seg = segments_from_activity(a, frame_s=0.01, min_speech_s=0.1, min_pause_s=0.25)
    assert seg == [(0.1, 0.84)]
    seg = segments_from_activity(a, frame_s=0.01, min_speech_s=0.1, min_pause_s=0.05)
    assert seg == [(0.1, 0.3), (0.35, 0.5), (0.6, 0.75)]
    assert segments_from_activity(np.zeros(0, bool), frame_s=0.01) == []


def test_quiet_speech_is_found_after_gain(train_4hz):
    # the same train 30 dB quieter (but above the -65 dBFS floor) gives the same runs
    seg = speech_segments(train_4hz.samples * 0.0316, frame_s=0.01)
    assert len(seg) == 4
