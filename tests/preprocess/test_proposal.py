from __future__ import annotations

import numpy as np

from strokescreen.config import ProposalConfig
from strokescreen.preprocess.proposal import REJECT_REASONS, propose
from strokescreen.preprocess.quality import assess_quality, longest_run

CFG = ProposalConfig()


def _base(n=30):
    return np.ones(n, bool), np.zeros((n, 3)), np.full(n, 0.3)


def test_steady_frontal_moving_frames_are_kept():
    found, pose, flow = _base()
    assert all(r == "" for r in propose(found, pose, flow, CFG))


def test_each_reason_is_planted_and_found():
    found, pose, flow = _base(40)
    found[3] = False
    pose[8] = (6.0, 0, 0)               # yaw beyond beta1 = 5°
    pose[20:23] = [(0, 4, 0), (0, -4, 0), (0, 4, 0)]  # 24° of change within a 5-frame window
    flow[32] = 9.0                      # a hand: above flow_high
    flow[36] = 0.0                      # a frozen frame: below flow_low
    r = propose(found, pose, flow, CFG)
    assert r[3] == "no_face" and r[8] == "not_frontal"
    assert r[32] == "large_motion" and r[36] == "no_motion"
    assert all(x == "pose_change" for x in r[18:24]) or set(r[19:24]) == {"pose_change"}
    assert r[12] == "" and r[28] == ""
    assert set(r) <= set(REJECT_REASONS) | {""}


def test_small_pose_jitter_inside_the_window_is_tolerated():
    found, pose, flow = _base()
    pose[:, 0] = np.tile([1.0, -1.0], 15)  # 2° per step: 8° per 5-frame window < 20°
    assert all(x == "" for x in propose(found, pose, flow, CFG))


def test_quality_verdicts():
    t = np.arange(100) / 30
    good = np.array([""] * 100, dtype=object)
    q = assess_quality(good, t, fps=30, speech_s=5.0, cfg=CFG)
    assert q["verdict"] == "good" and q["longest_usable_run_frames"] == 100
    noface = np.array(["no_face"] * 100, dtype=object)
    q = assess_quality(noface, t, fps=30, speech_s=5.0, cfg=CFG)
    assert q["verdict"] == "unusable" and q["reject_counts"]["no_face"] == 100
    mixed = np.array(["", "not_frontal"] * 50, dtype=object)
    q = assess_quality(mixed, t, fps=30, speech_s=None, cfg=CFG)
    assert q["verdict"] == "review" and any("soundtrack" in r for r in q["reasons"])


def test_longest_run():
    assert longest_run(np.array([1, 1, 0, 1, 1, 1, 0], bool)) == 3
