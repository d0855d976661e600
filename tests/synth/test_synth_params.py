"""Cohort parameters and the oracle: planted distributions and separability bands."""

from __future__ import annotations

import numpy as np

from strokescreen.synth.config import SynthConfig
from strokescreen.synth.oracle import oracle_auc, oracle_features
from strokescreen.synth.params import cases_frame, draw_cohort


def test_draw_is_deterministic_and_prefix_stable():
    a = draw_cohort(SynthConfig(n_subjects=20, seed=3, recordings_per_subject=2))
    b = draw_cohort(SynthConfig(n_subjects=20, seed=3, recordings_per_subject=2))
    c = draw_cohort(SynthConfig(n_subjects=30, seed=3, recordings_per_subject=2))
    assert a == b
    assert a == c[:40]  # adding subjects keeps the first ones
    assert a != draw_cohort(SynthConfig(n_subjects=20, seed=4, recordings_per_subject=2))


def test_labels_conditions_and_sides():
    cases = draw_cohort(SynthConfig(n_subjects=400, seed=1))
    df = cases_frame(cases)
    assert set(df.condition) == {"healthy", "stroke", "bells_palsy"}
    assert (df.label == (df.condition == "stroke").astype(int)).all()
    assert set(df[df.condition != "healthy"].side) <= {"left", "right"}
    assert (df[df.condition == "healthy"].side == "").all()
    assert (df[df.condition == "healthy"].droop_mm == 0).all()
    stroke = df[df.condition == "stroke"]
    # forehead spared in stroke, not in Bell's palsy
    assert stroke.brow_loss.max() == 0
    assert df[df.condition == "bells_palsy"].brow_loss.min() > 0.2
    # some strokes show only speech signs, some only facial
    assert ((stroke.droop_mm == 0) & (stroke.dysarthria > 0)).any()
    assert ((stroke.droop_mm > 0) & (stroke.dysarthria == 0)).any()
    # droop from subtle (about 1 mm) to moderate
    facial = stroke[stroke.droop_mm > 0].droop_mm
    assert facial.quantile(0.05) < 1.5 and facial.quantile(0.95) > 3.5
    # healthy speech slows with age
    h = df[df.condition == "healthy"]
    assert np.corrcoef(h.age, h.speech_rate_syl_s)[0, 1] < -0.2


def test_signed_truth_follows_side():
    cases = [c for c in draw_cohort(SynthConfig(n_subjects=200, seed=2)) if c.droop_mm > 2]
    for c in cases:
        assert np.sign(c.dh_total_mm - c.natural_dh_mm) == c.side_sign
        assert np.isclose(abs(c.dh_total_mm - c.natural_dh_mm), c.droop_mm)


def test_dates_spread_over_months_and_follow_recordings():
    df = cases_frame(draw_cohort(SynthConfig(n_subjects=100, seed=0, recordings_per_subject=3)))
    when = df.recorded_at.astype("datetime64[ns]")
    assert (when.max() - when.min()).days > 300
    for _, g in df.groupby("subject_id"):
        assert g.recorded_at.is_monotonic_increasing


def test_oracle_auc_in_band_for_realistic():
    cases = draw_cohort(SynthConfig(n_subjects=200, seed=0, difficulty="realistic"))
    auc = oracle_auc(cases, seed=0)
    # realistic natural asymmetry (commissure height sd 1.6 mm, excursion asymmetry about
    # 13 %) hides part of a 2.4 mm median droop: seeds 0-9 give 0.72-0.82 (was 0.80-0.92
    # with the former, too symmetric, healthy faces)
    assert 0.72 <= auc <= 0.88, auc


def test_oracle_orders_difficulties():
    aucs = {d: np.mean([oracle_auc(draw_cohort(SynthConfig(n_subjects=200, seed=s,
                                                            difficulty=d)), seed=s)
                        for s in (0, 1)])
            for d in ("easy", "realistic", "hard")}
    assert aucs["easy"] > aucs["realistic"] > aucs["hard"], aucs


def test_oracle_features_are_perfect_measurements():
    cases = draw_cohort(SynthConfig(n_subjects=50, seed=5))
    x, y, groups = oracle_features(cases)
    assert x.shape == (50, 3)
    assert np.allclose(x[:, 0], [abs(c.dh_total_mm) for c in cases])
    assert np.all(x[:, 1] >= 0) and np.all(x[:, 1] < 100)
    assert list(groups) == list(range(50))


def test_single_class_oracle_is_nan():
    cases = [c for c in draw_cohort(SynthConfig(n_subjects=30, seed=0)) if c.label == 0]
    assert np.isnan(oracle_auc(cases))
