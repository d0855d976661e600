"""Frontality against the recording's own reference pose (issue 11): planted answers."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from strokescreen.config import PreprocessConfig, ProposalConfig, load_config
from strokescreen.errors import ConfigError
from strokescreen.preprocess.proposal import (
    LANDMARKER_POSE_BIAS_DEG,
    propose,
    reference_limit_deg,
    reference_pose,
)
from strokescreen.preprocess.quality import assess_quality

REC = ProposalConfig()
ABS = dataclasses.replace(REC, reference="absolute")


def _clip(n=90, offset=(0.0, 0.0, 0.0), jitter_deg=1.5, seed=0):
    rng = np.random.default_rng(seed)
    pose = np.asarray(offset) + rng.uniform(-jitter_deg, jitter_deg, (n, 3)) * [1, 1, 0.5]
    return np.ones(n, bool), pose, np.full(n, 0.3)


def test_default_is_the_recording_reference():
    assert ProposalConfig().reference == "recording"


def test_a_level_person_below_the_camera_keeps_their_frames():
    found, pose, flow = _clip(offset=(2.0, -8.0, 1.0))  # camera above the eyes: pitch −8°
    assert np.mean(propose(found, pose, flow, REC) == "") == 1.0
    assert np.mean(propose(found, pose, flow, ABS) == "not_frontal") > 0.9
    ref = reference_pose(found, pose, REC)
    assert ref.measured[1] == pytest.approx(-8.0, abs=0.5) and not ref.clamped


def test_frames_away_from_the_recordings_own_pose_are_not_frontal():
    found, pose, flow = _clip(offset=(0.0, 7.0, 0.0), jitter_deg=0.5)
    pose[40] = (6.0, 7.0, 0.0)   # 6° yaw from the reference
    pose[60] = (0.0, 1.0, 0.0)   # 6° pitch from the reference, though frontal in absolute terms
    r = propose(found, pose, flow, REC)
    assert r[40] == "not_frontal" and r[60] == "not_frontal"
    assert np.sum(r == "") == len(r) - 2 - np.sum(r == "pose_change")


def test_reason_order_is_kept():
    found, pose, flow = _clip(jitter_deg=0.2)
    found[5] = False
    pose[5] = np.nan
    pose[20] = (30.0, 0.0, 0.0)  # far off and a big jump: not_frontal wins over pose_change
    r = propose(found, pose, flow, REC)
    assert r[5] == "no_face" and r[20] == "not_frontal"
    assert set(r[16:25]) - {"not_frontal"} == {"pose_change"}


def test_limit_follows_its_derivation():
    for lm, bias in LANDMARKER_POSE_BIAS_DEG.items():
        lim = reference_limit_deg(REC, lm)
        expected = [5.0 + 2 * sd + abs(b) for sd, b in zip((3.0, 4.0, 1.5), bias, strict=True)]
        assert lim == pytest.approx(expected)
    assert reference_limit_deg(REC, "mediapipe")[1] > 9.5 + REC.beta1_deg  # real pitch −9.5°


def test_far_turned_recording_is_rejected_and_told_to_turn():
    found, pose, flow = _clip(offset=(25.0, 0.0, 0.0), jitter_deg=1.0)
    r = propose(found, pose, flow, REC)
    assert np.mean(r == "not_frontal") == 1.0
    ref = reference_pose(found, pose, REC)
    assert ref.clamped and ref.pose[0] == pytest.approx(reference_limit_deg(REC, "mediapipe")[0])
    q = assess_quality(r, np.arange(len(r)) / 30, fps=30, speech_s=5.0, cfg=REC, reference=ref)
    assert q["verdict"] == "unusable"
    text = " ".join(q["reasons"])
    assert "turned 25°" in text and "turn your face towards the camera" in text
    assert q["advice"].startswith("turn your face towards the camera")
    assert q["frontal_reference"]["measured_deg"]["yaw"] == pytest.approx(25.0, abs=0.5)


def test_slightly_beyond_the_limit_keeps_frames_but_says_so():
    lim = reference_limit_deg(REC, "mediapipe")[1]
    found, pose, flow = _clip(offset=(0.0, -(lim + 2.0), 0.0), jitter_deg=0.5)
    r = propose(found, pose, flow, REC)
    assert np.mean(r == "") > 0.9  # within beta1 of the clamped reference
    ref = reference_pose(found, pose, REC)
    q = assess_quality(r, np.arange(len(r)) / 30, fps=30, speech_s=5.0, cfg=REC, reference=ref)
    assert q["verdict"] == "review"
    assert any("tilted down" in x and "raise your chin" in x for x in q["reasons"])


def test_advice_names_what_cost_the_frames():
    r = np.array([""] * 40 + ["large_motion"] * 40 + ["pose_change"] * 20, dtype=object)
    q = assess_quality(r, np.arange(100) / 30, fps=30, speech_s=5.0, cfg=REC)
    assert q["verdict"] == "review" and "hands" in q["reasons"][0]
    assert q["advice"].index("hands") < q["advice"].index("head still")


def test_bad_reference_setting_is_one_config_error(tmp_path):
    p = tmp_path / "c.yaml"
    p.write_text("proposal:\n  reference: sideways\n")
    with pytest.raises(ConfigError) as e:
        load_config(PreprocessConfig, p)
    msg = str(e.value)
    assert "\n" not in msg and "sideways" in msg and "recording" in msg and "absolute" in msg
    p.write_text("proposal:\n  rest_pitch_sd_deg: -1\n")
    with pytest.raises(ConfigError, match="rest_pitch_sd_deg"):
        load_config(PreprocessConfig, p)
    p.write_text("proposal:\n  reference: absolute\n")
    assert load_config(PreprocessConfig, p).proposal.reference == "absolute"
