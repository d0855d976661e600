"""The recording-relative frame proposal end to end on synthetic subjects of known pose.

A synthetic subject rendered with a planted resting head pose: with the paper's absolute
gate a level subject 8° below the camera loses most frames, with the default (the
recording's own reference) it keeps them; one turned 28° away is rejected and told to
turn towards the camera. The streaming decision equals the whole-recording one.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from strokescreen.config import PreprocessConfig, ProposalConfig
from strokescreen.preprocess.artifacts import load_case
from strokescreen.preprocess.pipeline import STAGE_VERSION, preprocess_video
from strokescreen.preprocess.proposal import propose
from strokescreen.synth import params
from strokescreen.synth.case import render_case
from strokescreen.synth.cohort import prepare_portraits
from strokescreen.synth.config import SynthConfig
from strokescreen.synth.params import draw_cohort

CFG = SynthConfig(n_subjects=1, seconds=2.0, seed=4, difficulty="easy", width_px=320,
                  height_px=240)
ABSOLUTE = PreprocessConfig(proposal=ProposalConfig(reference="absolute"))


def _render(out: Path, *, yaw: float = 0.0, pitch: float = 0.0) -> Path:
    """One 2 s subject at a planted resting pose, no planted turns or hands."""
    preset = dataclasses.replace(CFG.difficulty_preset(), head_turns_per_10s=0.0,
                                 occlusion_share=0.0)
    portraits, fixes = prepare_portraits(CFG)
    # the portrait's own proportions: this subject's drawn generator-3 midface makes
    # MediaPipe read its planted 8 deg pitch as 3.5 deg (face shape and pitch are confounded
    # in one frame; the recording-relative reference is what copes with it), and this test
    # is about the gate, not the landmarker
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(params, "face_shape", lambda seed, s: (0.0, 0.0, 0.0))
        drawn = draw_cohort(CFG)[0]
    case = dataclasses.replace(drawn, rest_yaw_deg=yaw, rest_pitch_deg=pitch,
                               rest_roll_deg=0.0)
    key = (0, int(case.mirror))
    res = render_case(case, portraits[key], out_dir=out, seed=CFG.seed, seconds=CFG.seconds,
                      fps=CFG.fps, width=CFG.width_px, height=CFG.height_px, crf=CFG.crf,
                      preset=preset, fix_deg=fixes[key])
    truth = pd.read_parquet(out / res.truth)
    assert np.allclose(truth.rest_pitch, pitch) and np.allclose(truth.rest_yaw, yaw)
    return out / res.video


@pytest.fixture(scope="module")
def pitched(tmp_path_factory) -> Path:
    return _render(tmp_path_factory.mktemp("pitched"), pitch=8.0)


@pytest.mark.slow
def test_planted_pitch_offset_fails_the_absolute_gate_not_the_default(pitched, tmp_path):
    rec = load_case(preprocess_video(pitched, tmp_path / "rec", raise_on_unusable=False))
    ab = load_case(preprocess_video(pitched, tmp_path / "abs", config=ABSOLUTE,
                                    raise_on_unusable=False))
    assert rec.frames.face_found.mean() > 0.95
    assert np.nanmedian(rec.frames.pitch) > 5.0  # the planted pose is seen
    assert rec.kept.mean() >= 0.8, rec.quality
    assert ab.kept.mean() < 0.3, ab.quality  # loses most frames
    assert (ab.frames.reject_reason == "not_frontal").mean() > 0.6
    assert rec.quality.verdict != "unusable"
    # the reference and the criterion are recorded
    ref = rec.quality.frontal_reference
    assert ref["criterion"] == "recording" and not ref["clamped"]
    assert ref["measured_deg"]["pitch"] == pytest.approx(np.nanmedian(rec.frames.pitch), abs=0.1)
    assert rec.meta.frontal_reference == ref and rec.meta.stage_version == STAGE_VERSION
    assert ab.meta.frontal_reference["criterion"] == "absolute"
    # crops are exactly the kept frames; the spill files are gone
    assert np.array_equal(rec.crop_index, rec.frames.loc[rec.kept, "frame"].to_numpy())
    assert sorted(p.name for p in rec.case_dir.iterdir()) == sorted(
        ["audio.wav", "crops.npz", "frames.parquet", "meta.json", "quality.json"])
    # streaming decisions == the whole recording decided at once
    f = rec.frames
    again = propose(f.face_found.to_numpy(bool), f[["yaw", "pitch", "roll"]].to_numpy(float),
                    f.flow.to_numpy(float), ProposalConfig())
    assert list(again) == list(f.reject_reason)


@pytest.mark.slow
def test_far_turned_subject_is_rejected_with_the_turn_advice(tmp_path):
    video = _render(tmp_path / "turned", yaw=28.0)
    out = preprocess_video(video, tmp_path / "case", raise_on_unusable=False)
    q = json.loads((out / "quality.json").read_text())
    ref = q["frontal_reference"]
    assert ref["clamped"] and ref["measured_deg"]["yaw"] > ref["limit_deg"]["yaw"]
    assert q["verdict"] in ("unusable", "review") and q["usable_share"] < 0.3
    assert "turn your face towards the camera" in q["advice"]
    assert any("turned" in r and "turn your face towards the camera" in r for r in q["reasons"])
