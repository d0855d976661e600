"""Face gaps in the frame proposal: the first frame after a gap is flow-tested, and a
window's pose change bridges a gap (a head turn while the face was lost counts)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

from strokescreen.config import ProposalConfig
from strokescreen.face.pose import _POSE_POINTS, project
from strokescreen.io.video import Frame
from strokescreen.preprocess.framestream import CaseStream
from strokescreen.preprocess.proposal import propose, window_pose_change

CFG = ProposalConfig()


def _base(n=30):
    return np.ones(n, bool), np.zeros((n, 3)), np.full(n, 0.3)


def test_frame_after_a_gap_with_large_flow_is_rejected_while_streaming(tmp_path: Path):
    """Frames 8-9 lose the face; frame 10 has a large non-rigid motion (the two halves
    of the face box move 12 px apart; flow about 5.4 against about 0.07 for the wobble,
    judged with flow_high_px = 3). Its flow is measured from the faceless frame 9 and it
    is rejected, instead of being kept untested."""
    cfg = ProposalConfig(flow_high_px=3.0)
    w = h = 160
    rng = np.random.default_rng(0)
    idx, canonical = _POSE_POINTS[68]
    lm = np.zeros((68, 3), np.float32)
    pts = project(0, 0, 0, width=w, height=h, points_mm=canonical)
    lm[:, :2] = pts.mean(0) + rng.uniform(-35, 35, (68, 2))
    lm[idx, :2] = pts
    base = cv2.GaussianBlur(rng.integers(0, 255, (h, w, 3)).astype(np.uint8), (0, 0), 3)
    cx = int(pts.mean(0)[0])
    cs = CaseStream(tmp_path, width=w, height=h, n_points=68, cfg=cfg)
    for i in range(20):
        im = np.roll(base, i % 2, axis=1).copy()  # a 1 px wobble: small, non-zero flow
        if i == 10:
            im[:, :cx] = np.roll(base, 6, axis=1)[:, :cx]
            im[:, cx:] = np.roll(base, -6, axis=1)[:, cx:]
        cs.add((Frame(i, i / 30, im), im, 1.0, None if i in (8, 9) else lm.copy()))
    reasons, _ = cs.finish(landmarker="dlib68")
    flows = cs.flows.view
    assert np.isfinite(flows[10]) and flows[10] > cfg.flow_high_px
    assert reasons[8] == reasons[9] == "no_face"
    assert reasons[10] == "large_motion"
    assert reasons[5] == "" and reasons[15] == ""
    assert reasons[0] == ""  # first frame: judged by its flow into frame 1 (small)


def test_unmeasured_flow_falls_back_to_the_next_pair_or_rejects():
    found, pose, flow = _base(20)
    found[8:10] = False
    flow[8:11] = np.nan  # as an old stream wrote it: no flow right after the gap
    flow[11] = 9.0       # the pair (10, 11) moves a lot
    r = propose(found, pose, flow, CFG)
    assert r[10] == "large_motion" and r[11] == "large_motion"
    flow[11] = 0.3
    assert propose(found, pose, flow, CFG)[10] == ""
    found[11] = False    # an isolated face frame: no adjacent pair can be measured
    assert propose(found, pose, flow, CFG)[10] == "no_motion"


def test_pose_jump_across_a_short_gap_counts():
    """(-4, -4, -4)° before a 2-frame gap, (4, 4, 4)° after: 24° > beta2 = 20° across the
    gap. Every face frame is frontal to the recording's median (0°), so only the jump can
    reject them."""
    found, pose, flow = _base(30)
    found[14:16] = False
    pose[:14] = -4.0
    pose[16:] = 4.0
    pose[14:16] = np.nan
    flow[14:16] = np.nan
    r = propose(found, pose, flow, CFG)
    assert r[13] == "pose_change" and r[16] == "pose_change"
    assert r[5] == "" and r[25] == ""
    # no jump: the same pose on both sides keeps the frames around the gap
    pose[16:] = -4.0
    r = propose(found, pose, flow, CFG)
    assert r[13] == "" and r[16] == ""


def test_pose_change_across_a_gap_longer_than_the_window_is_not_counted():
    found, pose, flow = _base(30)
    found[12:18] = False  # 6 frames: no 5-frame window holds face frames on both sides
    pose[:12] = -4.0
    pose[18:] = 4.0
    pose[12:18] = np.nan
    r = propose(found, pose, flow, CFG)
    assert r[11] == "" and r[18] == ""


def test_window_pose_change_bridges_nan_rows():
    p = np.array([[0, 0, 0], [np.nan] * 3, [10, 5, 0], [10, 5, 1]], float)
    assert window_pose_change(p) == 16.0
    assert window_pose_change(p[:2]) == 0.0
