"""Normal ranges from the MEEI normals: expression inference, tolerance factors, LOSO."""

from __future__ import annotations

import numpy as np
import pytest
from tools.normal_ranges import (
    MEEI_EXPRESSIONS,
    NO_RANGE,
    derive_normals,
    infer_meei_expressions,
    read_meei_csv,
    tolerance_factor,
)
from tools.screen_operating import loso_coverage, shipped_inputs
from tools.state_normals import build_state_normals

from strokescreen.features.normals import (
    face_normals,
    face_normals_data,
    normal_scale,
    state_sample_size,
)
from tests.helpers import real_file

# The MEEI standard-set order, which the inference must rediscover from landmarks alone.
MEEI_ORDER = {1: "rest", 2: "brow_raise", 3: "eye_closure_gentle", 4: "eye_closure_tight",
              5: "smile_small", 6: "smile_large", 7: "pucker", 8: "lower_teeth"}


@pytest.fixture(scope="module")
def meei():
    return read_meei_csv(real_file("landmarks", "meei_normals_68.csv"))


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
@pytest.mark.parametrize("state", ["rest", "smile", "eye_closure", "speech"])
def test_each_subject_falls_inside_ranges_from_the_others(state):
    """Leave-one-subject-out coverage of each state's ranges: every measure of every held-out
    healthy subject (MEEI, video people, takeo) inside the ranges built from the others
    (video people against a video's range, the others against one frame's)."""
    inp = shipped_inputs(str(real_file("landmarks", "meei_normals_68.csv")))[state]
    misses = loso_coverage(inp["values"], inp["noise"], inp["noise_averaged"],
                           video_subjects=inp["video_subjects"])
    assert misses == []
    assert len({k.split("/")[0] for k in inp["values"]}) == state_sample_size(state)


@pytest.mark.real
def test_shipped_json_is_reproducible_from_the_csv(meei):
    shipped = face_normals_data()
    prov = shipped["provenance"]
    rebuilt = build_state_normals(real_file("landmarks", "meei_normals_68.csv"),
                                  video_values=prov["video_subject_values"],
                                  noise=prov["landmarker_noise"])
    pairs = [(rebuilt["measures"], shipped["measures"])]
    pairs += [(rebuilt["states"][s], shipped["states"][s]) for s in shipped["states"]]
    for got, want in pairs:
        assert set(got) == set(want)
        for name, rec in got.items():
            for key in ("low", "high", "scale", "scale_averaged", "n"):
                assert rec[key] == pytest.approx(want[name][key], abs=1e-4), name
    assert prov["expressions_inferred"] == {str(k): v for k, v in MEEI_ORDER.items()}
    assert {s: r["n_subjects"] for s, r in prov["states"].items()} == {
        "rest": 18, "smile": 13, "eye_closure": 10, "speech": 5}


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
