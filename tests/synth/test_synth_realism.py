"""Real-sized synthetic faces: published healthy amplitudes and natural asymmetry planted.

Planted answers: a full smile moves the mouth corner by the MEEI normals' large-smile
excursion (7.9 mm lateral, 9.0 mm up, 12.3 mm in all; healthy range 9.0-15.1 mm); a
generated set of healthy subjects has the configured spread of resting commissure-height
difference, expression amplitude and excursion asymmetry; a rendered healthy subject's
truth excursion is its drawn amplitude times the published one.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.config import PRESETS, SynthConfig
from strokescreen.synth.face_model import (
    JAW_CORNER_DROP,
    ROUND_MEDIAL_MM,
    SMILE_JAW_OPEN_MM,
    SMILE_LATERAL_MM,
    SMILE_LIFT_MM,
    blendshapes,
)
from strokescreen.synth.params import cases_frame, draw_cohort

#: MEEI normals, rest -> large smile, mean of both corners per subject (mm): min, max
MEEI_SMILE_RANGE_MM = (8.98, 15.08)
MEEI_SMILE_MEAN_MM = 12.27


@pytest.fixture(scope="module")
def rest_mm() -> np.ndarray:
    from strokescreen.synth.portraits import load_portraits
    from strokescreen.synth.rig import face_frame_mesh

    return face_frame_mesh(load_portraits()[0][0])


def test_full_smile_moves_the_corner_by_the_published_healthy_excursion(rest_mm):
    s = blendshapes(rest_mm)
    smiled = rest_mm + s["smile_left"] + s["smile_right"] + SMILE_JAW_OPEN_MM * s["jaw"]
    for corner, sgn in ((T.MOUTH_CORNER_LEFT, 1.0), (T.MOUTH_CORNER_RIGHT, -1.0)):
        d = smiled[corner, :2] - rest_mm[corner, :2]
        assert sgn * d[0] == pytest.approx(SMILE_LATERAL_MM, abs=0.05)
        assert -d[1] == pytest.approx(SMILE_LIFT_MM, abs=0.05)
        exc = float(np.hypot(*d))
        assert MEEI_SMILE_RANGE_MM[0] < exc < MEEI_SMILE_RANGE_MM[1]
        assert exc == pytest.approx(MEEI_SMILE_MEAN_MM, rel=0.05)
    assert JAW_CORNER_DROP == pytest.approx(s["jaw"][T.MOUTH_CORNER_LEFT, 1])


def test_speech_rounding_moves_the_corner_by_its_configured_amount(rest_mm):
    s = blendshapes(rest_mm)
    puckered = rest_mm + s["round_left"] + s["round_right"]
    width0 = rest_mm[T.MOUTH_CORNER_LEFT, 0] - rest_mm[T.MOUTH_CORNER_RIGHT, 0]
    width = puckered[T.MOUTH_CORNER_LEFT, 0] - puckered[T.MOUTH_CORNER_RIGHT, 0]
    assert width0 - width == pytest.approx(2 * ROUND_MEDIAL_MM, abs=0.1)
    assert ROUND_MEDIAL_MM < 7.8  # a speech /u/ is less than MEEI's maximal pucker


def test_healthy_natural_asymmetry_and_amplitude_have_the_configured_spread():
    preset = PRESETS["realistic"]
    df = cases_frame(draw_cohort(SynthConfig(n_subjects=3000, seed=7)))
    h = df[df.condition == "healthy"]
    assert len(h) > 1000
    # resting commissure-height difference: N(0, 1.6 mm) (+ 0.1 mm per-recording jitter)
    assert preset.natural_dh_sd_mm == 1.6
    assert h.natural_dh_mm.std() == pytest.approx(np.hypot(1.6, 0.1), rel=0.06)
    assert abs(h.natural_dh_mm.mean()) < 0.15
    assert h.dh_total_mm.equals(h.natural_dh_mm)  # no droop in the healthy
    # expression amplitude: sd 15 % of the published mean, clipped at 2.5 sd
    amp = h.smile_amplitude
    assert amp.mean() == pytest.approx(1.0, abs=0.015)
    assert amp.std() == pytest.approx(preset.smile_amplitude_sd, rel=0.08)
    assert amp.min() >= 1 - 2.5 * preset.smile_amplitude_sd - 1e-9
    # smile excursion asymmetry: mean |asymmetry| = 0.75 sd E|t4| = 0.75 sd, about 13 %
    assert h.exc_asym_pct.mean() / 100 == pytest.approx(0.75 * preset.natural_exc_sd, rel=0.1)
    # weak side's loss is a fraction of the subject's own (larger) excursion
    stroke = df[(df.condition == "stroke") & (df.droop_mm > 0)]
    weak = np.where(stroke.side == "left", stroke.smile_gain_left, stroke.smile_gain_right)
    assert np.all(weak <= stroke.smile_amplitude + 1e-12)


def test_presets_order_their_natural_asymmetry():
    e, r, h = (PRESETS[k] for k in ("easy", "realistic", "hard"))
    assert e.natural_dh_sd_mm < r.natural_dh_sd_mm < h.natural_dh_sd_mm
    assert e.natural_exc_sd < r.natural_exc_sd < h.natural_exc_sd


def test_adding_the_amplitude_leaves_every_other_draw_unchanged():
    import dataclasses

    a = draw_cohort(SynthConfig(n_subjects=20, seed=3))
    b = draw_cohort(SynthConfig(n_subjects=20, seed=3, preset=dataclasses.replace(
        PRESETS["realistic"], smile_amplitude_sd=0.0)))
    assert all(c.smile_amplitude == 1.0 for c in b)
    strip = [dataclasses.replace(c, smile_amplitude=1.0) for c in a]
    assert strip == b


def test_rendered_healthy_subject_smiles_by_its_amplitude_times_the_published_excursion(
        tmp_path):
    import dataclasses

    from strokescreen.synth.cohort import generate_cohort

    # seed 11: subject 1 is healthy, amplitude 1.147, excursion asymmetry -1.2 %; the full
    # protocol (with its smiles) for every recording
    config = SynthConfig(n_subjects=1, seconds=4.0, seed=11, width_px=320, height_px=240,
                         preset=dataclasses.replace(PRESETS["realistic"],
                                                    speech_only_share=0.0))
    case = draw_cohort(config)[0]
    assert case.condition == "healthy" and not case.one_sided_expression
    generate_cohort(config, tmp_path, workers=1)
    truth = pd.read_parquet(tmp_path / "truth" / f"{case.case_id}.parquet")
    smile = truth[truth.segment == "smile"]
    assert len(smile) > 10
    full = float(np.hypot(SMILE_LATERAL_MM, SMILE_LIFT_MM))
    g_left, g_right = case.smile_gains
    assert smile.excursion_left_mm.max() == pytest.approx(g_left * full, rel=0.1)
    assert smile.excursion_right_mm.max() == pytest.approx(g_right * full, rel=0.1)
