"""Dynamics: repetitions from a planted mouth-opening sinusoid, per-side kinematics."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.features.dynamics import (
    SUMMARY_KEYS,
    case_dynamics,
    fill_gaps,
    find_repetitions,
    kinematics,
    running_median,
)
from tests.features.face_helpers import astronaut_mp478, face_down, mm_per_px, symmetric_face

FPS = 30.0


def planted_sequence(*, n_reps=6, f_hz=1.0, open_mm=10.0, right_mm=4.0, left_mm=2.0,
                     glitch=True, noise_px=0.05, seed=0):
    """Mouth opening (1 - cos) cycles; corners move out and up, the left one less."""
    base = symmetric_face(astronaut_mp478(), "mp478") * 4.0  # ~170 px between the pupils
    px = 1.0 / mm_per_px(base)
    down = face_down(base, "mp478")
    lateral = np.array([down[1], -down[0]]) * -1  # towards the subject's left
    if lateral @ (base[473, :2] - base[468, :2]) < 0:
        lateral = -lateral
    n = int(round(n_reps / f_hz * FPS))
    t = np.arange(n) / FPS
    phase = (1 - np.cos(2 * np.pi * f_hz * t)) / 2  # 0 .. 1 .. 0 each cycle
    lm = np.repeat(base[None], n, axis=0)
    lm[:, 14, :2] += np.outer(phase * open_mm * px, down)  # inner lower lip
    for idx in (17, 84, 314):  # outer lower lip moves with the jaw, both sides alike
        lm[:, idx, :2] += np.outer(phase * open_mm * px, down)
    up_out_r = (-lateral - down) / np.sqrt(2)
    up_out_l = (lateral - down) / np.sqrt(2)
    lm[:, 61, :2] += np.outer(phase * right_mm * px, up_out_r)
    lm[:, 291, :2] += np.outer(phase * left_mm * px, up_out_l)
    lm[..., :2] += np.random.default_rng(seed).normal(0, noise_px, size=lm[..., :2].shape)
    if glitch:
        lm[50, 61, :2] += 25.0  # one-frame landmark glitch, removed by the running median
    return lm, t


def test_planted_sinusoid_gives_count_amplitude_and_left_weakness():
    lm, t = planted_sequence()
    reps, summary = case_dynamics(lm, t_s=t, scheme="mp478")
    assert len(reps) == 6 and summary["n_repetitions"] == 6
    assert summary["repetition_rate_hz"] == pytest.approx(1.0, rel=0.05)
    assert summary["opening_rom_mm"] == pytest.approx(10.0, rel=0.1)
    assert summary["corner_rom_mm_r"] == pytest.approx(4.0, rel=0.1)
    assert summary["corner_rom_mm_l"] == pytest.approx(2.0, rel=0.1)
    assert summary["corner_rom_mm_nd"] == pytest.approx(-1 / 3, abs=0.04)
    # peak speed of a (1 - cos)/2 excursion of amplitude a at f Hz is a * pi * f
    assert summary["corner_peak_velocity_mm_s_r"] == pytest.approx(4 * np.pi, rel=0.1)
    assert summary["corner_peak_velocity_mm_s_nd"] == pytest.approx(-1 / 3, abs=0.05)
    assert summary["corner_path_length_mm_r"] == pytest.approx(8.0, rel=0.15)
    assert summary["corner_path_length_mm_nd"] == pytest.approx(-1 / 3, abs=0.06)
    assert np.isfinite(summary["corner_ldlj_r"]) and np.isfinite(summary["corner_ldlj_l"])
    assert abs(summary["lip_rom_mm_nd"]) < 0.05  # the lower lip moves alike on both sides
    for r in reps:
        assert r["duration_s"] == pytest.approx(1.0, abs=0.1)
    assert set(summary) == set(SUMMARY_KEYS)


def test_symmetric_movement_gives_zero_symmetry_scores():
    lm, t = planted_sequence(right_mm=3.0, left_mm=3.0, glitch=False)
    _, s = case_dynamics(lm, t_s=t, scheme="mp478")
    for k in ("corner_rom_mm_nd", "corner_peak_velocity_mm_s_nd", "corner_path_length_mm_nd"):
        assert abs(s[k]) < 0.05, k


def test_ldlj_of_a_noise_free_cosine_cycle():
    # one (1 - cos) cycle: LDLJ = -ln((2 pi)^4 / 2) = -6.66, whatever the amplitude
    lm, t = planted_sequence(glitch=False, noise_px=0.0)
    _, s = case_dynamics(lm, t_s=t, scheme="mp478")
    assert s["corner_ldlj_r"] == pytest.approx(-np.log((2 * np.pi) ** 4 / 2), abs=0.4)
    assert s["corner_ldlj_lr"] == pytest.approx(0.0, abs=0.05)


def test_kept_mask_drops_repetitions_with_long_gaps():
    lm, t = planted_sequence(glitch=False)
    kept = np.ones(len(t), bool)
    kept[40:50] = False  # 10 missing frames inside the second repetition
    reps, _ = case_dynamics(lm, t_s=t, kept=kept, scheme="mp478")
    assert len(reps) == 5
    assert all(not (r["start_s"] <= 45 / FPS <= r["start_s"] + r["duration_s"]) for r in reps)


def test_find_repetitions_ignores_small_wiggles_and_counts_peaks():
    t = np.arange(300) / FPS
    x = (1 - np.cos(2 * np.pi * 0.8 * t)) / 2 + 0.03 * np.sin(2 * np.pi * 7 * t)
    reps = find_repetitions(x, fps_hz=FPS)
    assert len(reps) == 8
    assert all(r.start < r.peak < r.end for r in reps)
    assert find_repetitions(np.zeros(50), fps_hz=FPS) == []


def test_running_median_removes_single_frame_spikes_and_keeps_nan():
    x = np.arange(20, dtype=float)
    x[7] = 100.0
    x[12] = np.nan
    y = running_median(x, frames=5)
    assert y[7] == pytest.approx(7.0, abs=1.0)
    assert np.isnan(y[12])
    assert y[3] == pytest.approx(3.0)


def test_fill_gaps_only_fills_short_interior_gaps():
    x = np.arange(12, dtype=float)
    x[[2, 3]] = np.nan  # short gap: filled
    x[6:10] = np.nan  # 4 frames: kept missing
    x[0] = np.nan  # edge: kept missing
    y = fill_gaps(x, max_gap=3)
    np.testing.assert_allclose(y[2:4], [2.0, 3.0])
    assert np.isnan(y[6:10]).all() and np.isnan(y[0])


def test_kinematics_of_a_straight_constant_speed_move():
    t = np.arange(31) / FPS
    traj = np.c_[10.0 * t, np.zeros_like(t)]  # 10 mm/s for 1 s
    k = kinematics(traj, t)
    assert k["rom_mm"] == pytest.approx(10.0)
    assert k["path_length_mm"] == pytest.approx(10.0)
    assert k["peak_velocity_mm_s"] == pytest.approx(10.0)
