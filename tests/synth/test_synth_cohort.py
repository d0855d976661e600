"""A generated cohort: manifest, videos, truth and card, with planted known answers."""

from __future__ import annotations

import av
import numpy as np
import pandas as pd
import pytest

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.params import draw_cohort
from tests.synth.conftest import TINY


def test_manifest_columns_labels_and_synthetic_flag(tiny_cohort):
    m = pd.read_csv(tiny_cohort.manifest, keep_default_na=False)
    assert list(m.columns[:4]) == ["case_id", "subject_id", "video", "label"]
    for col in ("condition", "severity", "side", "task", "age", "sex", "ethnicity", "race",
                "site", "recorded_at", "synthetic"):
        assert col in m.columns and (m[col].astype(str) != "").any(), col
    assert m.synthetic.astype(str).str.lower().eq("true").all()
    drawn = draw_cohort(TINY)
    assert list(m.case_id) == [c.case_id for c in drawn]
    assert list(m.condition) == ["stroke", "healthy"]
    assert list(m.label) == [1, 0]
    assert list(m.side) == ["right", ""]
    for v in m.video:
        assert not v.startswith("/") and (tiny_cohort.out_dir / v).is_file()


def test_manifest_reads_with_the_project_reader(tiny_cohort):
    from strokescreen.io.manifest import read_manifest

    df = read_manifest(tiny_cohort.manifest, require_two_classes=False)
    assert len(df) == 2 and set(df.label) == {0, 1}


def test_videos_are_h264_aac_and_say_synthetic(tiny_cohort):
    for r in tiny_cohort.cases:
        with av.open(str(tiny_cohort.out_dir / r.video)) as c:
            v, a = c.streams.video[0], c.streams.audio[0]
            assert v.codec_context.name == "h264" and a.codec_context.name == "aac"
            assert (v.width, v.height) == (320, 240)
            assert float(v.average_rate) == pytest.approx(30.0)
            assert a.rate == 16000
            assert "SYNTHETIC" in c.metadata.get("title", "")
            n = sum(1 for _ in c.decode(video=0))
        assert n == 60 == r.n_frames


def test_truth_columns_and_planted_droop_in_mm(tiny_cohort):
    stroke = pd.read_parquet(tiny_cohort.out_dir / "truth" / "S0001_R01.parquet")
    for k in (0, 241, 477):
        assert {f"x_{k}", f"y_{k}", f"z_{k}"} <= set(stroke.columns)
    for col in ("frame", "t", "yaw", "pitch", "roll", "droop_mm", "excursion_loss_pct",
                "commissure_dh_mm", "segment", "head_turn", "occluded", "px_per_mm"):
        assert col in stroke.columns, col
    assert len(stroke) == 60
    case = draw_cohort(TINY)[0]
    assert stroke.droop_mm.iloc[0] == pytest.approx(case.droop_mm)
    # measure the droop from the true landmarks alone: corners below the iris line, in mm
    # from the iris diameter (11.7 mm), on frames without planted turns
    ok = ~stroke.head_turn.to_numpy()

    def pts(i: int) -> np.ndarray:
        return np.stack([stroke[f"x_{i}"], stroke[f"y_{i}"]], 1)[ok]

    il, ir = pts(T.IRIS_LEFT[0]), pts(T.IRIS_RIGHT[0])
    u = (il - ir) / np.linalg.norm(il - ir, axis=1, keepdims=True)
    n = np.stack([-u[:, 1], u[:, 0]], 1)
    below_l = ((pts(T.MOUTH_CORNER_LEFT) - il) * n).sum(1)
    below_r = ((pts(T.MOUTH_CORNER_RIGHT) - ir) * n).sum(1)
    iris_px = (np.linalg.norm(pts(T.IRIS_LEFT[1]) - pts(T.IRIS_LEFT[3]), axis=1)
               + np.linalg.norm(pts(T.IRIS_RIGHT[1]) - pts(T.IRIS_RIGHT[3]), axis=1)) / 2
    dh_mm = (below_l - below_r) / (iris_px / 11.7)
    rest = (stroke.segment.to_numpy()[ok] == "rest") & (stroke.jaw_open_mm.to_numpy()[ok] < 1)
    # a 2-D image measurement on the few rest frames the script leaves: it reads low under
    # the recording's resting pose (here yaw -6 deg: the nearer side is drawn larger, and
    # the more so the further the corners sit below the eyes). Generator 2's short
    # midface read 3.6-3.9 mm for a planted 4.3 mm; generator 3's published-length
    # midface reads 3.2 mm for the planted 4.6 mm, so the tolerance is 35 %
    assert np.median(dh_mm[rest]) == pytest.approx(
        case.dh_total_mm, abs=0.35 * abs(case.dh_total_mm)
    )
    assert case.dh_total_mm < -3  # right side droops: right corner lower
    assert stroke.commissure_dh_mm[stroke.segment == "rest"].median() == pytest.approx(
        case.dh_total_mm, abs=0.05)


def test_cases_table_and_card(tiny_cohort):
    cases = pd.read_csv(tiny_cohort.out_dir / "truth" / "cases.csv")
    assert list(cases.case_id) == ["S0001_R01", "S0002_R01"]
    assert cases.synthetic.all()
    card = tiny_cohort.card.read_text()
    assert card.splitlines()[0].startswith("# SYNTHETIC COHORT")
    assert "Oracle separability" in card and "200-subject draw" in card
    assert 0.5 < tiny_cohort.reference_oracle_auc <= 1.0
