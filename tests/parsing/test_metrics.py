"""Parsing metrics on planted label maps: F1, IoU, pixel accuracy, FPP per side."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.parsing import masks as M
from strokescreen.parsing.metrics import class_scores, confusion, fpp_areas, fpp_side, summary
from tests.parsing.test_masks import S, planted_face


def test_scores_of_a_planted_overlap():
    true = np.zeros((10, 10), np.uint8)
    pred = np.zeros((10, 10), np.uint8)
    true[:, :4] = 1  # 40 px of class 1
    pred[:, 2:6] = 1  # 40 px predicted, 20 of them right
    cm = confusion(true, pred, 2)
    rows = {r["class"]: r for r in class_scores(cm, ("background", "skin"))}
    assert rows["skin"]["iou"] == pytest.approx(20 / 60)
    assert rows["skin"]["f1"] == pytest.approx(2 * 20 / (2 * 20 + 20 + 20))
    assert rows["skin"]["pixel_accuracy"] == pytest.approx(0.5)
    s = summary(cm, ("background", "skin"))
    assert s["mean_iou"] == pytest.approx(20 / 60) and s["pixel_accuracy"] == pytest.approx(0.6)


def test_absent_class_is_nan_not_zero():
    cm = confusion(np.zeros(4, np.uint8), np.zeros(4, np.uint8), 3)
    rows = class_scores(cm, ("background", "skin", "fpp"))
    assert np.isnan(rows[2]["f1"]) and np.isnan(summary(cm, ("background", "skin", "fpp"))
                                                ["mean_f1"])


@pytest.mark.parametrize("side", ["left", "right"])
def test_fpp_areas_find_the_planted_side(side):
    pts = planted_face()
    fpp = M.fpp_region(pts, (S, S), side=side, region="hemiface")
    lab = M.label_map(pts, (S, S), fpp=fpp)
    a = fpp_areas(lab, pts)
    weak, other = (a["fpp_share_left"], a["fpp_share_right"]) if side == "left" else \
        (a["fpp_share_right"], a["fpp_share_left"])
    assert weak == pytest.approx(1.0) and other == 0.0
    assert fpp_side(a["fpp_share_left"], a["fpp_share_right"]) == side
    lower = M.label_map(pts, (S, S), fpp=M.fpp_region(pts, (S, S), side=side,
                                                       region="lower_face"))
    b = fpp_areas(lower, pts)
    assert 0.4 < max(b["fpp_share_left"], b["fpp_share_right"]) < 0.8  # about half
    assert fpp_side(b["fpp_share_left"], b["fpp_share_right"]) == side
    assert fpp_side(0.1, 0.05) == "none"


def test_recording_side_comes_from_the_frames_that_show_it():
    from strokescreen.parsing.metrics import fpp_side_of_frames

    # the droop shows (and the FPP is marked) on 1 frame of 8: the mean share (0.09) is
    # under the 25 % minimum, the frames name the side
    left, right = [0.7] + [0.0] * 7, [0.0] * 8
    assert fpp_side(float(np.mean(left)), float(np.mean(right))) == "none"
    assert fpp_side_of_frames(left, right) == "left"
    assert fpp_side_of_frames(right, left) == "right"
    # two frames left, one right: the majority; one each: a tie names no side
    assert fpp_side_of_frames([0.6, 0.6, 0.0], [0.0, 0.0, 0.6]) == "left"
    assert fpp_side_of_frames([0.6, 0.0], [0.0, 0.6]) == "none"
    # a symmetric FPP, or one under the minimum, calls no frame
    assert fpp_side_of_frames([0.5, 0.2], [0.5, 0.0]) == "none"
    assert fpp_side_of_frames([], []) == "none"
