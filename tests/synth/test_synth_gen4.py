"""Generator 4: eye proportions, blinks and the voice's jitter from published figures.

Planted answers: a large draw of subjects has the published inter-pupil distance over iris
diameter, upper-lid height above the pupil (MRD1) and laryngeal jitter; the new draws come
from a stream of their own, so every other drawn value is unchanged when that stream
changes; :func:`eye_proportions` puts the pupils and the upper lids exactly where asked
and leaves the brows and the mouth alone; a spontaneous blink closes completely in about
half the blinks; the lid painting covers a closing eye's lash band with skin; a planted
period perturbation makes Praat read more jitter, and none leaves the audio as it was.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth import published as P
from strokescreen.synth.config import PRESETS, SynthConfig
from strokescreen.synth.face_model import eye_proportions, iris_diameter_px
from strokescreen.synth.params import cases_frame, draw_cohort
from strokescreen.synth.script import BLINK_PHASES_S, build_timeline
from strokescreen.synth.speech import RATE_HZ, perturb_periods

NEW = ("ipd_over_iris", "mrd1_ipu", "vocal_jitter_pct", "eye_voice_seed")


def test_drawn_eye_and_voice_figures_have_the_published_distributions():
    df = cases_frame(draw_cohort(SynthConfig(n_subjects=3000, seed=4)))
    ipd, hvid = P.IPD_MM[0], P.HVID_MM[0]
    assert df.ipd_over_iris.mean() == pytest.approx(ipd / hvid, rel=0.01)
    # sd of a ratio of independent normals, first order
    sd_ratio = ipd / hvid * np.hypot(P.IPD_MM[1] / ipd, P.HVID_MM[1] / hvid)
    assert df.ipd_over_iris.std() == pytest.approx(sd_ratio, rel=0.1)
    mrd1_mm = df.mrd1_ipu * df.ipd_over_iris * hvid  # back to mm at each subject's IPD
    assert mrd1_mm.mean() == pytest.approx(P.MRD1_MM[0], abs=0.1)
    assert mrd1_mm.std() == pytest.approx(P.MRD1_MM[1], rel=0.15)
    med, p95 = P.VOCAL_JITTER_PCT
    assert df.vocal_jitter_pct.median() == pytest.approx(med, rel=0.05)
    assert df.vocal_jitter_pct.quantile(0.95) == pytest.approx(p95, rel=0.08)
    multi = cases_frame(draw_cohort(SynthConfig(n_subjects=10, recordings_per_subject=3)))
    per_subject = multi.groupby("subject_id")
    assert (per_subject[["ipd_over_iris", "mrd1_ipu", "vocal_jitter_pct"]].nunique() == 1
            ).all().all()
    assert (per_subject["eye_voice_seed"].nunique() == 3).all()


def test_the_new_draws_leave_every_other_drawn_value_unchanged(monkeypatch):
    config = SynthConfig(n_subjects=30, recordings_per_subject=2)
    before = cases_frame(draw_cohort(config))
    from strokescreen.synth import published

    monkeypatch.setattr(published, "EYE_VOICE_STREAM", published.EYE_VOICE_STREAM + 1)
    after = cases_frame(draw_cohort(config))
    keep = [c for c in before.columns if c not in NEW]
    assert before[keep].equals(after[keep])
    assert not before.vocal_jitter_pct.equals(after.vocal_jitter_pct)


@pytest.fixture(scope="module")
def rest_mm():
    from strokescreen.synth.portraits import load_portraits
    from strokescreen.synth.rig import face_frame_mesh

    return face_frame_mesh(load_portraits()[0][0])


def _ipd(m: np.ndarray) -> float:
    return float(abs(m[T.IRIS_LEFT[0], 0] - m[T.IRIS_RIGHT[0], 0]))


def _mrd1(m: np.ndarray) -> float:
    return float(np.mean([m[T.IRIS_RIGHT[0], 1] - m[159, 1], m[T.IRIS_LEFT[0], 1] - m[386, 1]]))


def test_eye_proportions_put_pupils_and_lids_where_asked(rest_mm):
    ratio = 5.6
    spaced = eye_proportions(rest_mm, ipd_over_iris=ratio)
    assert _ipd(spaced) / iris_diameter_px(spaced) == pytest.approx(ratio, rel=1e-3)
    mouth = [T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT]
    assert np.allclose(spaced[mouth], rest_mm[mouth], atol=0.05)  # the mouth stays
    target = 0.8 * _mrd1(spaced) / _ipd(spaced)
    lowered = eye_proportions(spaced, mrd1_ipu=target)
    assert _mrd1(lowered) / _ipd(lowered) == pytest.approx(target, abs=0.002)
    brows = list(T.LEFT_BROW) + list(T.RIGHT_BROW)
    assert np.abs(lowered[brows] - spaced[brows]).max() < 0.1  # brows stay
    # a lid already lower than asked is never raised
    assert np.allclose(eye_proportions(lowered, mrd1_ipu=2 * target), lowered)
    # a read gain below 1 lowers more (the design aims past what is read)
    deeper = eye_proportions(spaced, mrd1_ipu=target, lid_read_gain=0.5)
    assert _mrd1(deeper) < _mrd1(lowered)


def test_spontaneous_blinks_close_completely_about_half_the_time():
    case = dataclasses.replace(draw_cohort(SynthConfig(n_subjects=1))[0],
                               one_sided_expression="")
    depths: list[float] = []
    for k in range(40):
        c = dataclasses.replace(case, eye_voice_seed=1000 + k)
        tl = build_timeline(c, PRESETS["realistic"], seconds=12.0, fps=30,
                            rng=np.random.default_rng(k))
        blink = tl.controls["blink_left"]
        peaks = [blink[i] for i in range(1, len(blink) - 1)
                 if blink[i] > 0.05 and blink[i] >= blink[i - 1] and blink[i] > blink[i + 1]]
        depths.extend(peaks)
    depths_a = np.round(np.array(depths), 2)
    assert len(depths_a) > 80
    # the closed phase (60 ms) is sampled at 30 fps, so a complete blink reads 1.0
    assert np.mean(depths_a >= 0.99) == pytest.approx(P.COMPLETE_BLINK_SHARE, abs=0.12)
    assert set(np.unique(depths_a)) <= {0.25, 0.5, 0.75, 1.0}
    assert sum(BLINK_PHASES_S) == pytest.approx(0.30)
    assert BLINK_PHASES_S[2] > BLINK_PHASES_S[0]  # opening slower than closing


def test_paint_lids_covers_the_lash_band_of_a_closing_eye_only():
    from strokescreen.synth.paint import paint_lids

    img = np.full((120, 160, 3), 200, np.uint8)
    mesh = np.zeros((478, 2))
    for idx in (T.RIGHT_EYE_UPPER, T.LEFT_EYE_UPPER):
        xs = np.linspace(40, 120, len(idx))
        mesh[list(idx), 0], mesh[list(idx), 1] = xs, 70.0
    img[62:70, 40:120] = 40  # a dark lash band above the margin
    open_eye = img.copy()
    paint_lids(open_eye, mesh, {"left": 0.2, "right": 0.2}, px_per_mm=4.0)
    assert np.array_equal(open_eye, img)
    closed = img.copy()
    paint_lids(closed, mesh, {"left": 1.0, "right": 1.0}, px_per_mm=4.0)
    band = closed[60:68, 50:110].astype(float)
    assert band.mean() > 150  # skin-coloured now
    assert closed[69:71, 50:110].mean() < 150  # a lash line along the margin


def _vowel(f0: float = 180.0, seconds: float = 1.0) -> np.ndarray:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    phase = 2 * np.pi * f0 * t
    x = sum(np.sin(k * phase) / k**1.5 for k in range(1, 12))
    return (0.1 * x / np.abs(x).max()).astype(np.float32)


def test_period_perturbation_plants_readable_jitter():
    pytest.importorskip("parselmouth")
    from strokescreen.audio.voice import voice_quality

    x = _vowel()
    same = perturb_periods(x, jitter_pct=0.0, rng=np.random.default_rng(0))
    assert np.array_equal(same, x)
    base = voice_quality(x)["jitter_local_pct"]
    reads = []
    for target in (0.5, 1.0, 2.0):
        y = perturb_periods(x, jitter_pct=target, rng=np.random.default_rng(1))
        assert len(y) == len(x)
        reads.append(voice_quality(y)["jitter_local_pct"])
    assert base < 0.2
    assert reads[0] < reads[1] < reads[2]
    for target, read in zip((0.5, 1.0, 2.0), reads, strict=True):
        assert read == pytest.approx(target, rel=0.45)
