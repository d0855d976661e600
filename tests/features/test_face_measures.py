"""Per-frame facial measures: planted droops, roll invariance, mirror symmetry, units."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.face.schemes import mirror_landmarks, to_ibug68
from strokescreen.features.face_measures import MEASURES, face_measures, mm_scale
from strokescreen.features.normalise import POPULATION_IPD_MM, normalise_face
from tests.features.face_helpers import (
    astronaut_mp478,
    face_down,
    mm_per_px,
    rotate,
    symmetric_face,
    symmetric_ibug68,
)

SIGNED = [k for k, v in MEASURES.items() if v.asymmetry and not v.dynamic]


def _droop(lm: np.ndarray, scheme: str, corner: int, mm: float, px_per_mm: float) -> np.ndarray:
    out = lm.copy()
    out[corner, :2] += face_down(lm, scheme) * mm * px_per_mm
    return out


@pytest.mark.parametrize("roll", [-25.0, 0.0, 12.0, 30.0])
def test_planted_3mm_left_droop_reads_3mm_at_any_roll_mp478(roll):
    base = symmetric_face(astronaut_mp478(), "mp478")
    px_per_mm = 1.0 / mm_per_px(base)
    drooped = _droop(base, "mp478", 291, 3.0, px_per_mm)  # 291 = subject's left corner
    m = face_measures(rotate(drooped, roll), scheme="mp478")
    assert m["mouth_corner_height_lr_mm"][0] == pytest.approx(3.0, abs=0.6)
    assert m["mouth_corner_height_l_mm"][0] - m["mouth_corner_height_r_mm"][0] == \
        pytest.approx(3.0, abs=0.6)
    assert m["mouth_tilt_deg"][0] > 0  # left corner lower
    assert m["roll_deg"][0] == pytest.approx(roll, abs=0.5)
    upright = face_measures(drooped, scheme="mp478")
    assert m["mouth_corner_height_lr_mm"][0] == pytest.approx(
        upright["mouth_corner_height_lr_mm"][0], abs=1e-6)


def test_planted_3mm_right_droop_reads_minus_3mm_ibug68_population_scale():
    base = symmetric_ibug68()
    ipd_px = normalise_face(base, scheme="ibug68").ipd_px[0]
    px_per_mm = ipd_px / POPULATION_IPD_MM  # no iris: 63 mm between the pupils
    drooped = _droop(base, "ibug68", 48, 3.0, px_per_mm)  # 48 = subject's right corner
    for roll in (-15.0, 20.0):
        m = face_measures(rotate(drooped, roll), scheme="ibug68")
        assert m["mouth_corner_height_lr_mm"][0] == pytest.approx(-3.0, abs=0.6)
    assert mm_scale(base, scheme="ibug68") == (POPULATION_IPD_MM, "population")


def test_symmetric_face_has_zero_asymmetry():
    m = face_measures(symmetric_face(astronaut_mp478(), "mp478"), scheme="mp478")
    for name in SIGNED:
        assert abs(m[name][0]) < 1e-6, name


@pytest.mark.parametrize("scheme", ["mp478", "ibug68"])
def test_mirrored_face_flips_every_signed_measure(scheme):
    lm = astronaut_mp478() if scheme == "mp478" else to_ibug68(astronaut_mp478())
    m = face_measures(lm, scheme=scheme)
    mm = face_measures(mirror_landmarks(lm, scheme=scheme, width=512.0), scheme=scheme)
    flipped = 0
    for name in SIGNED:
        assert mm[name][0] == pytest.approx(-m[name][0], abs=1e-9), name
        flipped += abs(m[name][0]) > 1e-3
    assert flipped >= 8  # the real face is not symmetric: the test has teeth
    for name in ("eye_opening_r_mm", "mouth_corner_height_l_ipu"):
        other = name.replace("_r_", "_l_") if "_r_" in name else name.replace("_l_", "_r_")
        assert mm[name][0] == pytest.approx(m[other][0], abs=1e-9)


def test_every_measure_is_roll_and_scale_invariant():
    lm = astronaut_mp478()
    a = face_measures(lm, scheme="mp478")
    moved = rotate(lm, 17.0) * 1.7
    b = face_measures(moved, scheme="mp478")
    for name in MEASURES:
        if name in ("roll_deg", "ipd_px"):
            continue
        assert b[name][0] == pytest.approx(a[name][0], abs=1e-6, nan_ok=True), name
    assert b["ipd_px"][0] == pytest.approx(1.7 * a["ipd_px"][0])


def test_mm_equals_ipu_times_iris_based_ipd():
    lm = astronaut_mp478()
    m = face_measures(lm, scheme="mp478")
    ipd_mm, source = mm_scale(lm, scheme="mp478")
    assert source == "iris" and 50 < ipd_mm < 75  # an adult's inter-pupil distance
    np.testing.assert_allclose(m["eye_opening_r_mm"], m["eye_opening_r_ipu"] * ipd_mm)
    assert m["eye_opening_r_mm"][0] == pytest.approx(
        np.linalg.norm(lm[159, :2] - lm[145, :2]) * mm_per_px(lm), rel=1e-6)


def test_nan_frames_and_single_frame_dynamics():
    lm = np.stack([astronaut_mp478(), np.full((478, 3), np.nan), astronaut_mp478()])
    m = face_measures(lm, scheme="mp478")
    assert np.isnan(m["mouth_width_mm"][1]) and np.isfinite(m["mouth_width_mm"][0])
    assert m["smile_excursion_l_mm"][0] == pytest.approx(0.0, abs=1e-9)
    one = face_measures(astronaut_mp478(), scheme="mp478")
    assert one["mouth_width_mm"].shape == (1,)
    assert np.isnan(one["smile_excursion_r_mm"][0]) and np.isnan(one["brow_excursion_lr_ipu"][0])
    assert set(one) == set(MEASURES)


def test_brow_and_nose_measures_follow_planted_moves():
    base = symmetric_face(astronaut_mp478(), "mp478")
    px_per_mm = 1.0 / mm_per_px(base)
    up = -face_down(base, "mp478")
    moved = base.copy()
    moved[334, :2] += up * 2.0 * px_per_mm  # left brow 2 mm higher
    d = base[473, :2] - base[468, :2]
    lateral = d / np.linalg.norm(d)  # towards the subject's left
    moved[1, :2] += lateral * 1.5 * px_per_mm  # nose tip 1.5 mm to the left
    m = face_measures(moved, scheme="mp478")
    assert m["brow_height_lr_mm"][0] == pytest.approx(2.0, abs=0.05)
    assert m["nose_tip_deviation_mm"][0] == pytest.approx(1.5, abs=0.05)
    assert m["philtrum_deviation_mm"][0] == pytest.approx(0.0, abs=1e-6)
