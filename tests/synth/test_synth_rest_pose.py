"""Resting head pose: every synthetic subject sits and is filmed a little off frontal."""

from __future__ import annotations

import dataclasses

import numpy as np

from strokescreen.synth.config import PRESETS, SynthConfig
from strokescreen.synth.params import draw_cohort
from strokescreen.synth.script import build_timeline


def test_rest_pose_spreads_like_real_people():
    cases = draw_cohort(SynthConfig(n_subjects=1500, recordings_per_subject=2, seed=3))
    rest = np.array([[c.rest_yaw_deg, c.rest_pitch_deg, c.rest_roll_deg] for c in cases])
    sd = rest.std(axis=0)
    assert 3.5 < sd[1] < 4.4 and 2.5 < sd[0] < 3.3 and sd[2] < 2.0  # pitch 4°, yaw 3°
    assert np.abs(rest.mean(axis=0)).max() < 0.4
    # a subject's two recordings share the posture: their pitches correlate
    pitch = rest[:, 1].reshape(-1, 2)
    assert 0.4 < np.corrcoef(pitch[:, 0], pitch[:, 1])[0, 1] < 0.8
    assert (np.abs(rest) >= 5).any(axis=1).mean() > 0.15  # many rest off a 5° gate


def test_rest_pose_does_not_change_other_draws():
    flat = dataclasses.replace(PRESETS["realistic"], rest_yaw_sd_deg=0.0, rest_pitch_sd_deg=0.0,
                               rest_roll_sd_deg=0.0, camera_yaw_sd_deg=0.0,
                               camera_pitch_sd_deg=0.0)
    a = draw_cohort(SynthConfig(n_subjects=5, seed=7))
    b = draw_cohort(SynthConfig(n_subjects=5, seed=7, preset=flat))
    for x, y in zip(a, b, strict=True):
        assert y.rest_pitch_deg == 0.0 and y.rest_yaw_deg == 0.0
        assert dataclasses.replace(x, rest_yaw_deg=0.0, rest_pitch_deg=0.0,
                                   rest_roll_deg=0.0) == y


def test_rest_pose_is_added_to_the_script_pose():
    case = draw_cohort(SynthConfig(n_subjects=1, seed=0))[0]
    preset = dataclasses.replace(PRESETS["realistic"], head_turns_per_10s=0.0)
    level = dataclasses.replace(case, rest_yaw_deg=0.0, rest_pitch_deg=0.0, rest_roll_deg=0.0)
    tilted = dataclasses.replace(case, rest_yaw_deg=-3.0, rest_pitch_deg=8.0, rest_roll_deg=1.0)
    a = build_timeline(level, preset, seconds=3, fps=30, rng=np.random.default_rng(5))
    b = build_timeline(tilted, preset, seconds=3, fps=30, rng=np.random.default_rng(5))
    assert np.allclose(b.controls["pitch"] - a.controls["pitch"], 8.0)
    assert np.allclose(b.controls["yaw"] - a.controls["yaw"], -3.0)
    assert np.allclose(b.controls["roll"] - a.controls["roll"], 1.0)
