"""The task script: segment order, three smiles, truncation, planted turns and hands."""

from __future__ import annotations

import dataclasses

import numpy as np

from strokescreen.synth.config import PRESETS, SynthConfig
from strokescreen.synth.params import draw_cohort
from strokescreen.synth.script import build_timeline


def _case(**changes):
    case = draw_cohort(SynthConfig(n_subjects=1, seed=0))[0]
    changes = {"protocol": "full", **changes}  # the protocol with the smile task
    return dataclasses.replace(case, **changes)


def _runs(segment: np.ndarray) -> list[str]:
    out = [segment[0]]
    for s in segment[1:]:
        if s != out[-1]:
            out.append(s)
    return out


def test_full_script_order_and_three_smiles():
    tl = build_timeline(_case(speech_rate_syl_s=4.8), PRESETS["realistic"], seconds=12,
                        fps=30, rng=np.random.default_rng(1))
    tasks = [s for s in _runs(tl.segment) if s != "rest"]
    assert tasks[:2] == ["hometown", "bbp"]
    assert tasks.index("pataka") > tasks.index("bbp")
    assert tasks[-1] == "smile"
    assert len(np.unique(tl.segment_index[tl.segment == "smile"])) == 3
    assert tl.segment[-1] == "rest"
    assert len(tl.audio) == 12 * 16000
    # mouth opens during speech, stays near closed in the leading rest
    speech = np.isin(tl.segment, ["hometown", "bbp", "pataka"])
    assert tl.controls["jaw"][speech].max() > 5
    assert tl.controls["jaw"][:5].max() < 1
    assert tl.speech_rate() == np.float64(tl.speech_rate())


def test_short_clip_is_truncated_in_order():
    tl = build_timeline(_case(speech_rate_syl_s=4.0), PRESETS["realistic"], seconds=2.0,
                        fps=30, rng=np.random.default_rng(2))
    assert tl.n_frames == 60
    assert "smile" not in set(tl.segment)
    assert set(tl.segment) & {"hometown", "bbp"}


def test_planted_turns_are_flagged_and_hands_avoid_them():
    preset = dataclasses.replace(PRESETS["hard"], head_turns_per_10s=3.0, occlusion_share=1.0)
    tl = build_timeline(_case(), preset, seconds=10, fps=30, rng=np.random.default_rng(3))
    assert tl.head_turn.any()
    big = np.maximum(np.abs(tl.controls["yaw"]), np.abs(tl.controls["pitch"])) > 12
    assert not (big & ~tl.head_turn).any()  # every large angle is inside a planted turn
    assert len(tl.occlusions) == 1
    ev = tl.occlusions[0]
    inside = (tl.t >= ev.t0_s) & (tl.t <= ev.t1_s)
    assert not (inside & tl.head_turn).any()


def test_healthy_wink_is_one_sided():
    case = _case(condition="healthy", one_sided_expression="wink")
    tl = build_timeline(case, PRESETS["realistic"], seconds=6, fps=30,
                        rng=np.random.default_rng(4))
    diff = np.abs(tl.controls["blink_left"] - tl.controls["blink_right"])
    assert diff.max() > 0.9


def test_dysarthria_slows_the_sentences():
    fast = build_timeline(_case(speech_rate_syl_s=5.0, dysarthria=0.0), PRESETS["realistic"],
                          seconds=10, fps=30, rng=np.random.default_rng(5))
    slow = build_timeline(_case(speech_rate_syl_s=3.2, dysarthria=0.8), PRESETS["realistic"],
                          seconds=10, fps=30, rng=np.random.default_rng(5))
    assert fast.speech_rate() > 1.4 * slow.speech_rate()
