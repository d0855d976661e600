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
from strokescreen.features.normals import normal_scale
from tests.features.planted_faces import (
    POPULATION_IPD_MM,
    droop,
    scores,
    static_values,
    takeo_landmarks,
    yaw,
)


@pytest.fixture(scope="module")
def takeo() -> np.ndarray:
    return takeo_landmarks()


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
