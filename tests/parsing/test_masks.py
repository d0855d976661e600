"""Labels drawn from planted contours: areas, sides, FPP regions, hair proxy, depth."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.parsing import masks as M
from strokescreen.parsing.data import fpp_spec, make_sample, pick_frames
from strokescreen.synth import _mesh_tables as T

S = 200


def _ring(idx, centre, rx, ry, pts, *, start_deg=180.0, sweep_deg=-360.0, z=0.0):
    """Place contour ``idx`` on an ellipse (image coordinates, y down)."""
    n = len(idx)
    ang = np.radians(start_deg + sweep_deg * np.arange(n) / n)
    for j, i in enumerate(idx):
        pts[i] = (centre[0] + rx * np.cos(ang[j]), centre[1] - ry * np.sin(ang[j]), z)


def planted_face() -> np.ndarray:
    """478 points: face oval = circle r 80 at (100, 100); eyes, brows, mouth on ellipses;
    midline points on x = 100; subject's left (291, 263) at image right (x > 100)."""
    pts = np.zeros((478, 3))
    pts[:, :2] = 100.0
    _ring(T.FACE_OVAL, (100, 100), 80, 80, pts, start_deg=90.0)
    for up, lo, cx in ((T.RIGHT_EYE_UPPER, T.RIGHT_EYE_LOWER, 70),
                       (T.LEFT_EYE_UPPER, T.LEFT_EYE_LOWER, 130)):
        ring = up + lo[::-1][1:-1]
        _ring(ring, (cx, 80), 14, 6, pts, start_deg=180.0 if cx < 100 else 0.0,
              sweep_deg=-360.0 if cx < 100 else 360.0)
    for brow, cx in ((T.RIGHT_BROW, 70), (T.LEFT_BROW, 130)):
        ring = brow[:5] + brow[5:][::-1]
        _ring(ring, (cx, 60), 16, 4, pts)
    mouth = T.LIPS_OUTER_UPPER + T.LIPS_OUTER_LOWER[::-1][1:-1]
    _ring(mouth, (100, 140), 25, 10, pts)
    for i in (10, 168, 6, 197, 195, 5, 4, 1, 2, 164, 0, 17, 152):
        pts[i, 0] = 100.0
    pts[10, 1], pts[152, 1] = 20.0, 180.0
    pts[[0, 17], 1] = (130.0, 150.0)
    pts[T.MOUTH_CORNER_RIGHT, :2] = (75, 140)
    pts[T.MOUTH_CORNER_LEFT, :2] = (125, 140)
    pts[145, :2], pts[374, :2] = (70, 86), (130, 86)
    pts[468, :2], pts[473, :2] = (70, 80), (130, 80)
    return pts


def test_parts_recover_the_planted_areas():
    pts = planted_face()
    lab = M.label_map(pts, (S, S))
    area = {k: int((lab == v).sum()) for k, v in (("eyes", M.EYES), ("brows", M.BROWS),
                                                    ("mouth", M.MOUTH), ("skin", M.SKIN))}
    eyes, brows, mouth = 2 * np.pi * 14 * 6, 2 * np.pi * 16 * 4, np.pi * 25 * 10
    # polygons of 16-20 vertices inscribed in the ellipses: a few % under the ellipse area
    assert area["eyes"] == pytest.approx(eyes, rel=0.12)
    assert area["brows"] == pytest.approx(brows, rel=0.15)
    assert area["mouth"] == pytest.approx(mouth, rel=0.08)
    assert area["skin"] == pytest.approx(np.pi * 80 ** 2 - eyes - brows - mouth, rel=0.03)
    assert lab[80, 70] == M.EYES and lab[140, 100] == M.MOUTH and lab[60, 130] == M.BROWS
    assert lab[5, 5] == M.BACKGROUND and lab[110, 100] == M.SKIN


@pytest.mark.parametrize("side,image_half", [("left", "right"), ("right", "left")])
def test_lower_face_fpp_lies_below_the_lid_on_the_weak_side(side, image_half):
    pts = planted_face()
    fpp = M.fpp_region(pts, (S, S), side=side, region="lower_face")
    lab = M.label_map(pts, (S, S), fpp=fpp)
    ys, xs = np.nonzero(lab == M.FPP)
    assert len(xs) > 0.3 * np.pi * 80 ** 2 / 4
    assert (xs >= 100).all() if image_half == "right" else (xs < 100).all()
    assert ys.min() >= 86  # below the weak side's lower lid: forehead and eye spared
    assert not (lab[140, 100 - 20:100 + 20] == M.FPP).any()  # the mouth keeps its label


def test_hemiface_fpp_covers_the_whole_weak_half_and_mirrors():
    pts = planted_face()
    left = M.fpp_region(pts, (S, S), side="left", region="hemiface")
    right = M.fpp_region(pts, (S, S), side="right", region="hemiface")
    oval = M.label_map(pts, (S, S)) != M.BACKGROUND
    assert left.sum() == pytest.approx(oval.sum() / 2, rel=0.03)
    assert (left & right).sum() == 0 and left[:, :100].sum() == 0
    assert M.fpp_region(pts, (S, S), side="", region="none").sum() == 0


def test_hair_proxy_is_person_above_the_pupils_outside_the_oval():
    pts = planted_face()
    hair = M.hair_proxy(np.ones((S, S), bool), pts)
    assert hair[10, 100] and hair[50, 10]  # above the pupil line, outside the circle
    assert not hair[150, 10] and not hair[60, 100]  # below the pupils / inside the face
    lab = M.label_map(pts, (S, S), hair=hair)
    assert (lab == M.HAIR).sum() == hair.sum()


def test_depth_follows_a_planted_plane():
    pts = planted_face()
    pts[:, 2] = -0.5 * (pts[:, 0] - 100)  # nearer (smaller z) towards image right
    face = M.label_map(pts, (S, S)) != M.BACKGROUND
    d = M.depth_map(pts, (S, S), face)
    width = 160.0
    # (z_max - z) / width at x: the plane's value
    assert d[100, 150] - d[100, 50] == pytest.approx(0.5 * 100 / width, abs=0.02)
    assert d[5, 5] == 0.0


def test_fpp_spec_follows_the_planted_pattern():
    assert fpp_spec("stroke", "left", droop_mm=2.0, exc_loss=0.3) == ("left", "lower_face")
    assert fpp_spec("stroke", "right", droop_mm=0.0, exc_loss=0.0) == ("", "none")
    assert fpp_spec("bells_palsy", "right") == ("right", "hemiface")
    assert fpp_spec("healthy", "") == ("", "none")
    assert fpp_spec("stroke", "left", severity="none") == ("", "none")


def test_merge_classes_and_names():
    lab = np.arange(7, dtype=np.uint8)[None]
    assert M.class_names(disease=False) == ("background", "skin", "hair", "brows", "eyes",
                                            "mouth")
    assert M.merge_classes(lab, disease=False).tolist() == [[0, 1, 2, 3, 4, 5, 1]]
    assert M.merge_classes(lab, hair=False).tolist() == [[0, 1, 0, 2, 3, 4, 5]]


def test_crop_sample_keeps_labels_on_the_face():
    img = np.full((300, 400, 3), 90, np.uint8)
    pts = planted_face() + np.array([100.0, 50.0, 0.0])
    s = make_sample(img, pts, size=64, side="left", region="hemiface", visible_only=False)
    assert s.image.shape == (64, 64, 3) and s.labels.shape == (64, 64)
    assert (s.labels == M.FPP).sum() > 0 and (s.labels == M.EYES).sum() > 0
    # the crop holds the whole face oval with a margin
    assert s.points[list(T.FACE_OVAL), :2].min() > 2 and s.points[:, :2].max() < 62
    assert pick_frames(10, 3).tolist() == [0, 4, 9]
    usable = np.array([0, 1, 1, 0, 1], bool)
    assert pick_frames(5, 2, usable=usable).tolist() == [1, 4]
