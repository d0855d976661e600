"""Composite asymmetry index: driven by the palsy regions, not by head turn.

Planted answers on real landmarks (takeo.pts, 68 iBUG points placed by hand): a commissure
droop of N mm, and a head yaw made by rotating the landmarks lifted to 3-D.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from strokescreen.features.asymmetry import (
    asymmetry_scores,
    mean_abs_z_index,
    sidak_equivalent_z,
)
from strokescreen.features.face_measures import MEASURES, face_measures
from strokescreen.features.normals import normal_scale
from tests.helpers import real_file

# Generic depth (mm, towards the camera, nose tip 0) of the 68 iBUG points, mirror-
# symmetric, after the canonical 3-D face of strokescreen.face.pose (eye corners, nose,
# mouth corners, chin) with the jaw, brows and lips filled in from facial anthropometry.
_JAW = np.interp(np.abs(np.arange(17) - 8), [0, 4, 8], [-27.0, -45.0, -95.0])
_BROW = np.array([-60.0, -45.0, -36.0, -31.0, -29.0])
DEPTH_MM = np.r_[
    _JAW, _BROW, _BROW[::-1],
    [-27.4, -18.0, -9.0, 0.0],  # nose bridge to tip
    [-16.0, -12.0, -14.6, -12.0, -16.0],  # nostrils
    [-48.6, -42.0, -41.0, -43.1, -41.0, -42.0],  # right eye
    [-43.1, -41.0, -42.0, -48.6, -42.0, -41.0],  # left eye
    [-35.9, -28.0, -22.0, -20.0, -22.0, -28.0, -35.9, -29.0, -24.0, -22.0, -24.0, -29.0],
    [-34.0, -25.0, -23.0, -25.0, -34.0, -25.0, -23.0, -25.0],  # inner lips
]
POPULATION_IPD_MM = 63.0


def read_pts(path) -> np.ndarray:
    body = path.read_text().split("{", 1)[1].split("}", 1)[0]
    return np.array(body.split(), dtype=float).reshape(68, 2)


@pytest.fixture(scope="module")
def takeo() -> np.ndarray:
    return read_pts(real_file("landmarks", "takeo.pts"))


def _ipd_px(lm: np.ndarray) -> float:
    return float(np.linalg.norm(lm[36:42].mean(0) - lm[42:48].mean(0)))


def static_values(lm: np.ndarray) -> dict[str, float]:
    per_frame = face_measures(lm, scheme="ibug68")
    return {k: float(v[0]) for k, v in per_frame.items()
            if k in MEASURES and not MEASURES[k].dynamic}


def scores(lm: np.ndarray) -> dict[str, float]:
    return {k: float(v) for k, v in asymmetry_scores(static_values(lm)).items()}


def droop(lm: np.ndarray, mm: float) -> np.ndarray:
    """The subject's right commissure (outer 48, inner 60) moved down by ``mm``."""
    out = lm.copy()
    out[[48, 60], 1] += mm * _ipd_px(lm) / POPULATION_IPD_MM
    return out


def yaw(lm: np.ndarray, deg: float) -> np.ndarray:
    """Landmarks lifted to 3-D with DEPTH_MM, turned by ``deg`` about the vertical axis."""
    centre = lm.mean(0)
    z = DEPTH_MM * _ipd_px(lm) / 61.8  # pupils 61.8 mm apart in the canonical face
    a = np.radians(deg)
    out = lm.copy()
    out[:, 0] = centre[0] + (lm[:, 0] - centre[0]) * np.cos(a) + z * np.sin(a)
    return out


def test_sidak_equivalent_z_known_values():
    # one measure: unchanged; tail of the largest of m standard normals maps back to |z|
    assert sidak_equivalent_z(2.5, 1) == pytest.approx(2.5)
    x = 3.0
    q = 2 * stats.norm.sf(x)
    expect = stats.norm.isf((1 - (1 - q) ** 3) / 2)
    assert sidak_equivalent_z(x, 3) == pytest.approx(expect, rel=1e-9)
    assert sidak_equivalent_z(0.0, 3) == pytest.approx(0.0, abs=1e-12)
    # far tail stays finite and approaches x - log(m)/x
    assert sidak_equivalent_z(60.0, 3) == pytest.approx(60.0 - np.log(3) / 60.0, abs=1e-3)
    assert np.isnan(sidak_equivalent_z(np.nan, 3)) and np.isnan(sidak_equivalent_z(1.0, 0))


def test_healthy_null_false_alarm_rate_is_bounded():
    """Independent standard-normal z: the index exceeds 1.96 in at most 5 % of faces."""
    rng = np.random.default_rng(0)
    names = ["mouth_corner_height_lr_ipu", "mouth_tilt_deg", "lip_height_lr_ipu",
             "eye_opening_lr_ipu", "upper_lid_pupil_lr_ipu", "brow_height_lr_ipu",
             "nose_tip_deviation_ipu"]
    values = {}
    for n in names:
        centre, scale = normal_scale(n)
        values[n] = centre + scale * rng.standard_normal(20000)
    idx = asymmetry_scores(values)["asymmetry_index"]
    rate = float(np.mean(idx > 1.96))
    # Sidak is exact for independent measures: 5 % within 3 Monte-Carlo SE (0.0015)
    assert abs(rate - 0.05) < 0.0046


@pytest.mark.parametrize("mm", [6.0, 10.0, 15.0])
def test_planted_droop_raises_index_as_its_region_score_says(takeo, mm):
    base, drooped = scores(takeo), scores(droop(takeo, mm))
    # the droop shows in the mouth only
    for region in ("eye", "brow", "midline"):
        assert drooped[f"{region}_score"] == pytest.approx(base[f"{region}_score"], abs=1e-9)
    # the mouth score is at least the corrected commissure-height z of the planted droop
    _, scale = normal_scale("mouth_corner_height_lr_ipu")
    z_planted = mm / POPULATION_IPD_MM / scale
    assert drooped["mouth_score"] >= sidak_equivalent_z(z_planted, 4) - 0.3
    # not diluted: the index follows the mouth score one for one, up to the 3-region
    # correction, which is below 0.4 at these levels
    assert drooped["asymmetry_index"] == pytest.approx(
        float(sidak_equivalent_z(drooped["mouth_score"], 3)), abs=1e-9)
    gain = drooped["asymmetry_index"] - base["asymmetry_index"]
    assert gain >= 0.9 * (drooped["mouth_score"] - base["mouth_score"])
    assert drooped["mouth_score"] - drooped["asymmetry_index"] < 0.4
    # the old mean |z| over all measures diluted it by the number of measures
    old_gain = float(mean_abs_z_index(static_values(droop(takeo, mm)))
                     - mean_abs_z_index(static_values(takeo)))
    assert old_gain < 0.4 * gain


@pytest.mark.parametrize("deg", [10.0, 15.0])
def test_planted_yaw_barely_moves_the_index(takeo, deg):
    base, turned = scores(takeo), scores(yaw(takeo, deg))
    # the turn is real: the midline measures see it
    assert turned["midline_score"] > base["midline_score"] + 2.0
    old_gain = float(mean_abs_z_index(static_values(yaw(takeo, deg)))
                     - mean_abs_z_index(static_values(takeo)))
    assert old_gain > 0.4
    assert turned["asymmetry_index"] - base["asymmetry_index"] < 0.15


def test_midline_alone_never_enters_the_index():
    values = {"nose_tip_deviation_ipu": 0.5, "philtrum_deviation_ipu": 0.5,
              "mouth_corner_height_lr_ipu": 0.0}
    s = asymmetry_scores(values)
    assert float(s["midline_score"]) > 10
    assert float(s["asymmetry_index"]) == pytest.approx(0.0, abs=1e-9)


def test_per_frame_arrays_and_missing_regions():
    values = {"mouth_corner_height_lr_ipu": np.array([0.0, 0.2, np.nan]),
              "eye_opening_lr_ipu": np.array([0.0, 0.0, np.nan])}
    s = asymmetry_scores(values)
    idx = np.asarray(s["asymmetry_index"])
    assert idx.shape == (3,)
    assert idx[0] == pytest.approx(0.0, abs=1e-9) and np.isnan(idx[2])
    # two regions available -> corrected for two, not three
    assert idx[1] == pytest.approx(float(sidak_equivalent_z(s["mouth_score"][1], 2)))
    assert np.isnan(float(s["brow_score"]))
