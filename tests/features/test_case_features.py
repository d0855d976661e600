"""Case-level facial features: planted blink, smile, droop; stable keys; kept mask."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.features.case_features import case_face_features
from tests.features.face_helpers import astronaut_mp478, face_down, mm_per_px, symmetric_face

FPS = 30.0


def still_sequence(n=90, seed=0):
    base = symmetric_face(astronaut_mp478(), "mp478") * 4.0
    lm = np.repeat(base[None], n, axis=0)
    lm[..., :2] += np.random.default_rng(seed).normal(0, 0.05, size=lm[..., :2].shape)
    return lm, np.arange(n) / FPS, base


def close_eye(lm, frames, upper, lower, depth):
    """Move the lids towards each other by ``depth`` (0..1 of the opening) in ``frames``."""
    for f, d in zip(frames, depth, strict=True):
        mid = (lm[f, upper, :2] + lm[f, lower, :2]) / 2
        lm[f, upper, :2] += d * (mid - lm[f, upper, :2])
        lm[f, lower, :2] += d * (mid - lm[f, lower, :2])


def test_blink_on_one_side_gives_blink_amplitude_asymmetry():
    lm, t, base = still_sequence()
    open_mm = np.linalg.norm(base[386, :2] - base[374, :2]) * mm_per_px(base)
    depth = [0.3, 0.7, 1.0, 1.0, 0.7, 0.3]
    close_eye(lm, range(40, 46), 386, 374, depth)  # subject's left eye only
    f = case_face_features(lm, t_s=t, scheme="mp478")
    assert f["face_blink_amplitude_l_mm"] == pytest.approx(open_mm, rel=0.1)
    assert f["face_blink_amplitude_r_mm"] < 0.1 * open_mm
    assert f["face_blink_amplitude_lr_mm"] > 0.8 * open_mm
    # the static eye opening (median over rest frames) is untouched by a short blink
    assert abs(f["face_eye_opening_lr_mm"]) < 0.1
    both, t2, _ = still_sequence()
    close_eye(both, range(40, 46), 386, 374, depth)
    close_eye(both, range(40, 46), 159, 145, depth)
    g = case_face_features(both, t_s=t2, scheme="mp478")
    assert abs(g["face_blink_amplitude_lr_mm"]) < 0.1 * open_mm
    assert g["face_eye_score"] < f["face_eye_score"]


def test_left_smile_weakness_and_static_droop():
    lm, t, base = still_sequence(n=120)
    px = 1.0 / mm_per_px(base)
    down = face_down(base, "mp478")
    d = base[473, :2] - base[468, :2]
    lateral = d / np.linalg.norm(d)
    lm[:, 291, :2] += down * 3.0 * px  # left commissure 3 mm lower in every frame
    lm[30:60, 61, :2] += (-lateral - down) / np.sqrt(2) * 6.0 * px  # right: 6 mm smile
    lm[30:60, 291, :2] += (lateral - down) / np.sqrt(2) * 2.0 * px  # left: 2 mm
    f = case_face_features(lm, t_s=t, scheme="mp478")
    assert f["face_mouth_corner_height_lr_mm"] == pytest.approx(3.0, abs=0.6)
    assert f["face_smile_excursion_r_mm"] == pytest.approx(6.0, rel=0.1)
    assert f["face_smile_excursion_l_mm"] == pytest.approx(2.0, rel=0.15)
    assert f["face_smile_excursion_lr_mm"] == pytest.approx(-4.0, rel=0.15)
    assert f["face_mm_from_iris"] == 1.0
    sym, t2, _ = still_sequence(n=120)
    g = case_face_features(sym, t_s=t2, scheme="mp478")
    assert f["face_mouth_score"] > g["face_mouth_score"]
    assert f["face_asymmetry_index"] > g["face_asymmetry_index"]


def test_frames_not_kept_are_ignored():
    lm, t, base = still_sequence()
    px = 1.0 / mm_per_px(base)
    kept = np.ones(len(t), bool)
    kept[::3] = False
    lm[~kept, 291, :2] += face_down(base, "mp478") * 8.0 * px  # garbage only where not kept
    f = case_face_features(lm, t_s=t, kept=kept, scheme="mp478")
    assert abs(f["face_mouth_corner_height_lr_mm"]) < 0.2
    assert f["face_n_frames_used"] == kept.sum()


def test_same_keys_for_one_frame_and_a_sequence_and_ibug68():
    lm, t, _ = still_sequence(n=30)
    seq = case_face_features(lm, t_s=t, scheme="mp478")
    one = case_face_features(lm[0], scheme="mp478")
    assert set(seq) == set(one)
    assert all(k.startswith("face_") for k in seq)
    assert np.isnan(one["face_blink_amplitude_r_mm"]) and np.isfinite(one["face_eye_opening_r_mm"])
    from strokescreen.face.schemes import to_ibug68

    ib = case_face_features(to_ibug68(lm)[..., :2], t_s=t, scheme="ibug68")
    assert set(ib) == set(seq)
    assert ib["face_mm_from_iris"] == 0.0 and ib["face_ipd_mm"] == 63.0


def test_no_usable_frame_gives_nan_features_not_an_error():
    lm = np.full((10, 478, 3), np.nan)
    f = case_face_features(lm, t_s=np.arange(10) / FPS, scheme="mp478")
    assert f["face_n_frames_used"] == 0
    assert np.isnan(f["face_mouth_corner_height_lr_mm"]) and np.isnan(f["face_asymmetry_index"])
