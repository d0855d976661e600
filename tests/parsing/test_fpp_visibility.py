"""FPP drawn only where the crop shows the droop; a flipped pair swaps the side; the side
rule names no side for a symmetric FPP."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.face.schemes import mirror_landmarks
from strokescreen.parsing import masks as M
from strokescreen.parsing.data import (
    STABLE_POSE_POINTS,
    commissure_dh_mm,
    corner_drop_px,
    droop_visible,
    make_sample,
    normal_dh_sd_mm,
)
from strokescreen.parsing.metrics import fpp_areas, fpp_side
from strokescreen.synth import _mesh_tables as T
from tests.parsing.test_masks import S, planted_face


def frontal_depth(pts: np.ndarray) -> np.ndarray:
    """``pts`` with the points the pose fit uses (labels v4) placed at their canonical
    frontal 3-D positions (1 px per mm, eyes on y = 80, z away from the camera), so the
    planted face is a frontal 3-D face."""
    from strokescreen.face.pose import CANONICAL_MM, POSE_INDICES

    pts = pts.copy()
    for i, (x, y, z) in zip(POSE_INDICES, CANONICAL_MM, strict=True):
        if int(i) in STABLE_POSE_POINTS:
            pts[i] = (100.0 + x, 115.0 - y, -z)
    return pts


def face_with_droop(side: str, drop_px: float, *, iris_px: float = 11.7) -> np.ndarray:
    """The planted face (a frontal 3-D face, :func:`frontal_depth`) with the ``side`` mouth
    corner lowered by ``drop_px`` and irises ``iris_px`` wide (11.7 px = 1 px per mm)."""
    pts = frontal_depth(planted_face())
    for rim, cx in ((T.IRIS_RIGHT, 70.0), (T.IRIS_LEFT, 130.0)):
        pts[rim[1], :2] = (cx + iris_px / 2, 80)
        pts[rim[3], :2] = (cx - iris_px / 2, 80)
    corner = T.MOUTH_CORNER_LEFT if side == "left" else T.MOUTH_CORNER_RIGHT
    pts[corner, 1] += drop_px
    return pts


@pytest.mark.parametrize("side", ["left", "right"])
def test_corner_drop_is_measured_on_the_planted_side(side):
    other = "right" if side == "left" else "left"
    pts = face_with_droop(side, 3.0)
    assert corner_drop_px(pts, side) == pytest.approx(3.0, abs=1e-6)
    assert corner_drop_px(pts, other) == pytest.approx(-3.0, abs=1e-6)
    assert corner_drop_px(pts, "") == 0.0


def test_visibility_needs_a_pixel_and_two_normal_sds():
    # 1 px per mm, a planted normal spread of 0.8 mm: the need is max(1 px, 1.6 px)
    sd = {"normal_sd_mm": 0.8}
    assert not droop_visible(face_with_droop("left", 1.5), "left", **sd)
    assert droop_visible(face_with_droop("left", 1.7), "left", **sd)
    assert not droop_visible(face_with_droop("left", 1.7), "right", **sd)  # other side higher
    # small face (0.1 px per mm): the one-pixel floor decides
    assert not droop_visible(face_with_droop("left", 0.9, iris_px=1.17), "left", **sd)
    assert droop_visible(face_with_droop("left", 1.1, iris_px=1.17), "left", **sd)


@pytest.mark.parametrize("sd_mm", [0.8, 1.6, 2.5])
def test_visibility_follows_the_planted_normal_spread(sd_mm):
    # 1 px per mm: a drop just under 2 SD is not drawn, just over it is
    img = np.full((S, S, 3), 90, np.uint8)
    for drop, drawn in ((2 * sd_mm - 0.1, False), (2 * sd_mm + 0.1, True)):
        pts = face_with_droop("right", drop)
        assert droop_visible(pts, "right", normal_sd_mm=sd_mm) is drawn
        s = make_sample(img, pts, size=S, side="right", region="lower_face",
                        normal_sd_mm=sd_mm)
        assert s.fpp_drawn is drawn and bool((s.labels == M.FPP).any()) is drawn
    # without a measured spread the MEEI normals' published 1.6 mm stands in
    assert not droop_visible(face_with_droop("right", 3.1), "right")
    assert droop_visible(face_with_droop("right", 3.3), "right")


def test_normal_spread_is_the_rms_of_planted_asymmetries():
    rng = np.random.default_rng(0)
    drops, sides = rng.uniform(0, 3, 40), rng.choice(["left", "right"], 40)
    dh = [commissure_dh_mm(face_with_droop(str(side), float(x)))
          for x, side in zip(drops, sides, strict=True)]
    # each planted drop is read back in mm (1 px per mm), signed + for the left corner
    assert np.allclose(dh, np.where(sides == "left", drops, -drops), atol=1e-6)
    assert commissure_dh_mm(face_with_droop("left", 2.0)) == pytest.approx(2.0, abs=1e-6)
    assert commissure_dh_mm(face_with_droop("right", 2.0)) == pytest.approx(-2.0, abs=1e-6)
    assert normal_dh_sd_mm(np.array([1.0, -1.0, 2.0, -2.0])) == pytest.approx(np.sqrt(2.5))
    assert normal_dh_sd_mm(np.array(dh)) == pytest.approx(np.sqrt(np.mean(np.square(dh))))
    with pytest.raises(ValueError, match="no finite"):
        normal_dh_sd_mm(np.array([np.nan]))


def test_invisible_droop_is_not_drawn_as_fpp():
    img = np.full((S, S, 3), 90, np.uint8)
    shown = make_sample(img, face_with_droop("left", 12.0), size=S, side="left",
                        region="lower_face")
    hidden = make_sample(img, face_with_droop("left", 0.5), size=S, side="left",
                         region="lower_face")
    forced = make_sample(img, face_with_droop("left", 0.5), size=S, side="left",
                         region="lower_face", visible_only=False)
    assert shown.fpp_drawn and (shown.labels == M.FPP).sum() > 500
    assert not hidden.fpp_drawn and (hidden.labels == M.FPP).sum() == 0
    assert forced.fpp_drawn and (forced.labels == M.FPP).sum() > 500


def test_flipped_training_pair_swaps_the_fpp_side():
    torch = pytest.importorskip("torch")
    from strokescreen.parsing.model import ParsingModel

    img = np.full((S, S, 3), 90, np.uint8)
    pts = face_with_droop("left", 12.0)
    s = make_sample(img, pts, size=S, side="left", region="lower_face")
    a = fpp_areas(s.labels, s.points)
    assert fpp_side(a["fpp_share_left"], a["fpp_share_right"]) == "left"
    x = torch.from_numpy(s.image).permute(2, 0, 1)[None].float()
    y = torch.from_numpy(s.labels)[None]
    d = torch.from_numpy(s.depth)[None]
    _, yf, df = ParsingModel.flip_pair(x, y, d)
    mirrored = mirror_landmarks(s.points, scheme="mp478", width=S)  # as a landmarker sees it
    b = fpp_areas(yf[0].numpy(), mirrored)
    assert fpp_side(b["fpp_share_left"], b["fpp_share_right"]) == "right"
    assert b["fpp_share_right"] == pytest.approx(a["fpp_share_left"], abs=0.02)
    # the mirrored face's droop is on its right, and it is visible there
    assert corner_drop_px(mirrored, "right") == pytest.approx(corner_drop_px(s.points, "left"))
    assert droop_visible(mirrored, "right") and not droop_visible(mirrored, "left")
    assert torch.equal(df[0], d[0].flip(-1))


def test_side_rule_needs_a_one_sided_excess():
    assert fpp_side(0.1, 0.05) == "none"  # too small
    assert fpp_side(0.3, 0.3) == "none"  # symmetric, however large
    assert fpp_side(0.6, 0.4) == "none"  # excess 0.2 < 0.25
    assert fpp_side(0.6, 0.3) == "left"
    assert fpp_side(0.05, 0.5) == "right"
    assert fpp_side(0.0, 0.25) == "right"


def test_side_counts_split_misses_from_wrong_sides():
    import pandas as pd

    from strokescreen.workflows.parsing import side_counts

    cases = pd.DataFrame({"planted": ["left", "left", "right", "none", "none", "none"],
                          "called": ["left", "none", "left", "none", "right", "none"]})
    cases["agree"] = cases["planted"] == cases["called"]
    assert side_counts(cases) == {"palsy": 3, "palsy_right_side": 1, "palsy_missed": 1,
                                  "palsy_wrong_side": 1, "no_weakness": 3,
                                  "no_weakness_none": 2, "no_weakness_with_a_side": 1}
