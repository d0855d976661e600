"""Weaker side, key frames and region summary from planted measures."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.features.normals import face_normals, normal_scale
from strokescreen.report.findings import affected_side, key_frames, region_summary

IPD_MM = 63.0


def entries(height_lr_ipu: float, excursion_lr_ipu: float) -> dict:
    """Measure entries as `measure --json` has them, for the two side measures."""
    normals = face_normals(ipd_mm=IPD_MM)
    out = {}
    for base, v in (("mouth_corner_height_lr", height_lr_ipu),
                    ("smile_excursion_lr", excursion_lr_ipu)):
        for unit, scale in (("ipu", 1.0), ("mm", IPD_MM)):
            name = f"{base}_{unit}"
            lo, hi, _ = normals[name]
            value = v * scale
            out[name] = {"value": value, "unit": unit, "normal_low": lo, "normal_high": hi,
                         "out_of_range": bool(value < lo or value > hi), "description": ""}
    return out


def test_left_droop_outside_normal_is_a_clear_left_side():
    hi = face_normals()["mouth_corner_height_lr_ipu"][1]
    # left corner lower by more than the normal range, and moving less
    side = affected_side(entries(1.3 * hi, -0.05))
    assert side["side"] == "left" and side["strength"] == "clear"
    assert side["commissure_lower"] == "left" and side["excursion_smaller"] == "left"
    assert side["commissure_height_difference_mm"] == pytest.approx(1.3 * hi * IPD_MM)
    assert "subject's left" in side["sentence"] and "outside the normal range" in side["sentence"]


def test_mirrored_droop_is_the_right_side():
    hi = face_normals()["mouth_corner_height_lr_ipu"][1]
    side = affected_side(entries(-1.3 * hi, 0.05))
    assert side["side"] == "right" and side["strength"] == "clear"
    assert "subject's right" in side["sentence"]


def test_slight_asymmetry_is_slight():
    _, scale = normal_scale("mouth_corner_height_lr_ipu")
    _, escale = normal_scale("smile_excursion_lr_ipu")
    # z = +1.5 from the height, 0 from the excursion: mean 0.75 -> below SLIGHT_Z
    assert affected_side(entries(1.5 * scale, 0.0))["side"] is None
    # both point left with z 1.5: mean 1.5 -> slight
    side = affected_side(entries(1.5 * scale, -1.5 * escale))
    assert side["side"] == "left" and side["strength"] == "slight"


def test_symmetric_face_has_no_side():
    side = affected_side(entries(0.002, 0.001))
    assert side["side"] is None and side["strength"] == "none"
    assert side["sentence"].startswith("No clearly weaker side")


def test_missing_measures_give_no_side():
    side = affected_side({})
    assert side["side"] is None and "could not be judged" in side["sentence"]


def test_key_frames_find_planted_frames():
    n = 90
    kept = np.ones(n, bool)
    kept[5] = False
    height = np.zeros(n)
    excursion_r = np.full(n, 0.01)
    excursion_l = np.full(n, 0.01)
    excursion_r[20] = excursion_l[20] = 0.3  # the largest movement
    height[70] = 0.2  # the most asymmetric mouth
    height[5] = 5.0  # more asymmetric, but rejected
    rest = np.zeros(n, bool)
    rest[40:50] = True
    height[40:50] = [0.0, 0.01, 0.02, 0.03, 0.04, 0.05, 0.06, 0.07, 0.08, 0.09]
    per_frame = {"mouth_corner_height_lr_ipu": height, "mouth_tilt_deg": np.zeros(n),
                 "smile_excursion_lr_ipu": np.zeros(n), "lip_height_lr_ipu": np.zeros(n),
                 "smile_excursion_r_ipu": excursion_r, "smile_excursion_l_ipu": excursion_l}
    picks = key_frames(per_frame, kept, rest, min_gap_frames=10)
    assert picks == [(20, "largest movement"), (44, "at rest"), (70, "most asymmetric mouth")] \
        or picks == [(20, "largest movement"), (45, "at rest"), (70, "most asymmetric mouth")]


def test_key_frames_keep_their_distance():
    n = 12
    per_frame = {k: np.linspace(0, 0.1, n) for k in (
        "mouth_corner_height_lr_ipu", "mouth_tilt_deg", "smile_excursion_lr_ipu",
        "lip_height_lr_ipu", "smile_excursion_r_ipu", "smile_excursion_l_ipu")}
    picks = key_frames(per_frame, np.ones(n, bool), np.ones(n, bool), min_gap_frames=10)
    pos = [p for p, _ in picks]
    assert all(abs(a - b) >= 10 for i, a in enumerate(pos) for b in pos[i + 1:])
    assert 1 <= len(picks) <= 2
    assert key_frames(per_frame, np.zeros(n, bool), np.zeros(n, bool)) == []


def test_region_summary_names_the_top_region():
    text = region_summary({"mouth_score": 2.5, "eye_score": 0.4, "brow_score": None,
                           "midline_score": 0.3})
    assert text.startswith("Most asymmetric region: mouth") and "mouth 2.5" in text
    assert "could not" in region_summary({"mouth_score": None})
