"""Normal ranges from the MEEI normals: expression inference, tolerance factors, LOSO."""

from __future__ import annotations

import numpy as np
import pytest
from tools.normal_ranges import (
    MEEI_EXPRESSIONS,
    NO_RANGE,
    build_face_normals,
    derive_normals,
    infer_meei_expressions,
    meei_subject_values,
    read_meei_csv,
    tolerance_factor,
)

from strokescreen.features.normals import face_normals, face_normals_data, normal_scale
from tests.helpers import real_file

# The MEEI standard-set order, which the inference must rediscover from landmarks alone.
MEEI_ORDER = {1: "rest", 2: "brow_raise", 3: "eye_closure_gentle", 4: "eye_closure_tight",
              5: "smile_small", 6: "smile_large", 7: "pucker", 8: "lower_teeth"}


@pytest.fixture(scope="module")
def meei():
    return read_meei_csv(real_file("landmarks", "meei_normals_68.csv"))


@pytest.fixture(scope="module")
def meei_values(meei):
    lm, subj, expr = meei
    mapping = infer_meei_expressions(lm, expr)
    return meei_subject_values(lm, subj, np.array([mapping[int(e)] for e in expr]))


def test_tolerance_factors_match_published_values():
    # Howe's two-sided 95 % coverage / 95 % confidence factor for n = 10 is 3.379
    assert tolerance_factor(10, coverage=0.95, confidence=0.95) == pytest.approx(3.379, abs=0.01)
    # known mean: z * sqrt(n / chi2_0.05(n)) = 2.576 * sqrt(10 / 3.940)
    assert tolerance_factor(10, centred=True) == pytest.approx(4.103, abs=0.01)
    assert tolerance_factor(100, coverage=0.95) < tolerance_factor(10, coverage=0.95)


def test_derive_normals_centres_asymmetry_at_zero_and_pools_sides():
    vals = {s: {"eye_opening_lr_ipu": v, "eye_opening_r_ipu": 0.1 + v, "eye_opening_l_ipu": 0.1}
            for s, v in enumerate([0.01, -0.02, 0.015, 0.0, 0.005])}
    nr = derive_normals(vals)
    lr = nr["eye_opening_lr_ipu"]
    assert lr["centre"] == 0.0 and lr["low"] == pytest.approx(-lr["high"])
    rms = np.sqrt(np.mean(np.square([0.01, -0.02, 0.015, 0.0, 0.005])))
    assert lr["scale"] == pytest.approx(rms)
    assert nr["eye_opening_r_ipu"]["low"] == nr["eye_opening_l_ipu"]["low"]
    noisy = derive_normals(vals, noise={"eye_opening_lr_ipu": 0.03})
    assert noisy["eye_opening_lr_ipu"]["scale"] == pytest.approx(np.hypot(rms, 0.03))


@pytest.mark.real
def test_expressions_are_inferred_from_landmarks(meei):
    lm, subj, expr = meei
    assert lm.shape == (80, 68, 2) and len(set(subj.tolist())) == 10
    assert infer_meei_expressions(lm, expr) == MEEI_ORDER


@pytest.mark.real
def test_inference_follows_relabelled_expressions(meei):
    lm, _, expr = meei
    perm = {1: 8, 2: 3, 3: 5, 4: 1, 5: 2, 6: 7, 7: 4, 8: 6}  # planted renumbering
    relabelled = np.array([perm[int(e)] for e in expr])
    got = infer_meei_expressions(lm, relabelled)
    assert got == {perm[k]: v for k, v in MEEI_ORDER.items()}
    assert sorted(got.values()) == sorted(MEEI_EXPRESSIONS)


@pytest.mark.real
def test_each_subject_falls_inside_ranges_from_the_other_nine(meei_values):
    noise = face_normals_data()["provenance"]["landmarker_noise"]
    outside = []
    for held_out, own in meei_values.items():
        others = {s: v for s, v in meei_values.items() if s != held_out}
        ranges = derive_normals(others, noise=noise)
        for name, r in ranges.items():
            if name in own and not r["low"] <= own[name] <= r["high"]:
                outside.append((held_out, name, own[name], r["low"], r["high"]))
    assert outside == []
    assert len(ranges) >= 25


@pytest.mark.real
def test_shipped_json_is_reproducible_from_the_csv(meei):
    shipped = face_normals_data()
    noise = shipped["provenance"]["landmarker_noise"]
    rebuilt = build_face_normals(real_file("landmarks", "meei_normals_68.csv"), noise=noise)
    assert set(rebuilt["measures"]) == set(shipped["measures"])
    for name, rec in rebuilt["measures"].items():
        for key in ("low", "high", "scale"):
            assert rec[key] == pytest.approx(shipped["measures"][name][key], abs=1e-4), name
    inferred = shipped["provenance"]["expressions_inferred"]
    assert inferred == {str(k): v for k, v in MEEI_ORDER.items()}


def test_face_normals_gives_ipu_deg_and_mm_ranges():
    nr = face_normals()
    low, high, unit = nr["mouth_corner_height_lr_ipu"]
    assert unit == "IPU" and low == pytest.approx(-high) and high > 0
    assert nr["mouth_corner_height_lr_mm"] == pytest.approx((low * 63, high * 63, "mm"))
    assert face_normals(ipd_mm=60.0)["eye_opening_r_mm"][1] == pytest.approx(
        nr["eye_opening_r_ipu"][1] * 60.0)
    assert nr["mouth_tilt_deg"][2] == "deg"
    assert nr["eye_opening_r_ipu"][0] >= 0.0  # a length's range never goes below 0
    for name in NO_RANGE:
        assert name not in nr
    assert normal_scale("mouth_tilt_deg")[0] == 0.0
