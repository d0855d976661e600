"""Generator 3: face proportions, lips apart at rest, speech-only recordings.

Planted answers: a large draw of subjects has the published mean and sd of the mouth-corner
height below the inter-pupil line and of the mouth width (MEEI normals, in inter-pupil
distances), a fifth with lips apart; :func:`proportion` puts the corners exactly at the
drawn proportions and leaves the eyes and brows alone; a speech-only recording has no
smile segment and no smile, and its manifest task and truth say so; a subject planted
with lips 4 mm apart at rest keeps them apart in the script and is measured so by the
feature stage, a closed-lipped one is not.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd
import pytest

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth import params as P
from strokescreen.synth.config import PRESETS, SynthConfig
from strokescreen.synth.face_model import proportion
from strokescreen.synth.params import cases_frame, draw_cohort
from strokescreen.synth.script import build_timeline

#: sd of a standard normal clipped at +-2.5 (the draws are clipped there)
CLIPPED_SD = 0.986


def _heights(mesh: np.ndarray) -> tuple[float, float, float]:
    il, ir = mesh[T.IRIS_LEFT[0]], mesh[T.IRIS_RIGHT[0]]
    ipd = abs(il[0] - ir[0])
    cl, cr = mesh[T.MOUTH_CORNER_LEFT], mesh[T.MOUTH_CORNER_RIGHT]
    height = ((cl[1] + cr[1]) / 2 - (il[1] + ir[1]) / 2) / ipd
    return float(height), float(abs(cl[0] - cr[0]) / ipd), float(ipd)


def test_drawn_face_proportions_have_the_published_mean_and_sd():
    df = cases_frame(draw_cohort(SynthConfig(n_subjects=3000, seed=3)))
    for col, (mean, sd) in (("corner_height_ipu", P.CORNER_HEIGHT_IPU),
                            ("mouth_width_ipu", P.MOUTH_WIDTH_IPU)):
        assert df[col].mean() == pytest.approx(mean, abs=0.1 * sd)
        assert df[col].std() == pytest.approx(CLIPPED_SD * sd, rel=0.06)
        assert df[col].between(mean - 2.5 * sd - 1e-9, mean + 2.5 * sd + 1e-9).all()
    apart = df.rest_lip_gap_mm > 0
    assert apart.mean() == pytest.approx(P.LIPS_APART_SHARE, abs=0.025)
    lo, hi = P.LIP_GAP_RANGE_MM
    assert df.rest_lip_gap_mm[apart].between(lo, hi).all()
    # the shape is the subject's: every recording of a subject has the same
    multi = cases_frame(draw_cohort(SynthConfig(n_subjects=20, recordings_per_subject=3)))
    assert (multi.groupby("subject_id")[["corner_height_ipu", "mouth_width_ipu",
                                         "rest_lip_gap_mm"]].nunique() == 1).all().all()


def test_proportion_puts_the_corners_at_the_drawn_proportions():
    from strokescreen.synth.portraits import load_portraits
    from strokescreen.synth.rig import face_frame_mesh

    rest = face_frame_mesh(load_portraits()[0][0])
    h0, w0, ipd0 = _heights(rest)
    for height, width in ((1.00, 0.70), (1.112, 0.819), (1.25, 0.95)):
        out = proportion(rest, corner_height_ipu=height, mouth_width_ipu=width)
        h, w, ipd = _heights(out)
        assert ipd == pytest.approx(ipd0)
        assert h == pytest.approx(height, abs=1e-6)
        assert w == pytest.approx(width, abs=1e-6)
        above = rest[:, 1] <= (rest[T.IRIS_LEFT[0], 1] + rest[T.IRIS_RIGHT[0], 1]) / 2
        assert np.allclose(out[above, 1], rest[above, 1])  # eyes, brows, forehead stay
    assert np.array_equal(proportion(rest), rest)  # 0 keeps the mesh's own


def test_speech_only_share_per_preset():
    for name, share in (("easy", 0.0), ("realistic", 0.35), ("hard", 0.5)):
        assert PRESETS[name].speech_only_share == share
        df = cases_frame(draw_cohort(SynthConfig(n_subjects=1500, seed=5, difficulty=name)))
        assert (df.protocol == "speech").mean() == pytest.approx(share, abs=0.04)


def test_speech_only_recording_has_no_smile_and_says_so():
    case = dataclasses.replace(draw_cohort(SynthConfig(n_subjects=1, seed=0))[0],
                               protocol="speech", one_sided_expression="",
                               speech_rate_syl_s=4.8)
    tl = build_timeline(case, PRESETS["realistic"], seconds=12, fps=30,
                        rng=np.random.default_rng(1))
    assert "smile" not in set(tl.segment)
    assert tl.controls["smile_left"].max() == 0 and tl.controls["smile_right"].max() == 0
    assert {"hometown", "bbp", "pataka"} <= set(tl.segment)
    full = build_timeline(dataclasses.replace(case, protocol="full"), PRESETS["realistic"],
                          seconds=12, fps=30, rng=np.random.default_rng(1))
    assert len(np.unique(full.segment_index[full.segment == "smile"])) == 3
    assert P.TASKS["speech"] == "hometown+bbp+pataka+rest"


def test_lips_apart_subject_keeps_the_gap_in_the_script():
    case = dataclasses.replace(draw_cohort(SynthConfig(n_subjects=1, seed=0))[0],
                               rest_lip_gap_mm=3.0)
    tl = build_timeline(case, PRESETS["realistic"], seconds=6, fps=30,
                        rng=np.random.default_rng(2))
    assert tl.controls["jaw"].min() >= 3.0
    assert tl.controls["jaw"][tl.segment == "rest"].max() > 2.9


@pytest.mark.slow
def test_planted_lip_gap_is_measured_and_speech_only_truth_has_no_smile(tmp_path, monkeypatch):
    from strokescreen.io.manifest import read_manifest
    from strokescreen.synth.cohort import generate_cohort
    from strokescreen.workflows.feature_table import build_feature_table

    real_shape, real_protocols = P.face_shape, P.protocols
    monkeypatch.setattr(P, "face_shape", lambda seed, s: (*real_shape(seed, s)[:2],
                                                          4.0 if s == 0 else 0.0))
    monkeypatch.setattr(P, "protocols", lambda seed, s, n, share: ["speech"] * n if s == 0
                        else ["full"] * n)
    assert real_protocols(0, 0, 3, 1.0) == ["speech"] * 3
    preset = dataclasses.replace(PRESETS["easy"], name="planted-gap", stroke_share=0.0,
                                 bells_share=0.0, one_sided_expression_share=0.0,
                                 head_turns_per_10s=0.0, occlusion_share=0.0)
    config = SynthConfig(n_subjects=2, seconds=3.0, seed=2, width_px=480, height_px=360,
                         preset=preset)
    cohort = generate_cohort(config, tmp_path / "cohort")
    manifest = pd.read_csv(cohort.manifest)
    assert list(manifest.task) == [P.TASKS["speech"], P.TASKS["full"]]
    truth = pd.read_csv(tmp_path / "cohort" / "truth" / "cases.csv")
    assert list(truth.protocol) == ["speech", "full"]
    assert list(truth.rest_lip_gap_mm) == [4.0, 0.0]
    frames = pd.read_parquet(tmp_path / "cohort" / "truth" / f"{manifest.case_id[0]}.parquet")
    assert "smile" not in set(frames.segment)
    assert frames.jaw_open_mm.min() >= 4.0

    table = build_feature_table(read_manifest(cohort.manifest, require_two_classes=False),
                                tmp_path / "work")
    gap = table.set_index("case_id").face_mouth_opening_mm
    assert gap[manifest.case_id[0]] > 2.0, gap  # 4 mm planted, read by MediaPipe
    assert gap[manifest.case_id[1]] < 1.0, gap  # lips closed
