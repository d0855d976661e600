"""The FPP visibility rule's normal spread is measured on the cohort's recordings without
planted weakness (planted truth meshes with known asymmetries)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.parsing.data import PUBLISHED_DH_SD_MM
from strokescreen.workflows.parsing_data import MIN_NORMAL_FRAMES, cohort_normal_sd_mm
from tests.parsing.test_fpp_visibility import face_with_droop


def _truth(path, drops_left_px, *, droop_mm=0.0, occluded=None):
    """A truth table whose frames have the left corner lower by ``drops_left_px`` (1 px per
    mm; negative = the right corner lower)."""
    rows = []
    for drop in drops_left_px:
        side = "left" if drop >= 0 else "right"
        pts = face_with_droop(side, abs(drop))
        rows.append({f"{a}_{j}": pts[j, k] for j in range(478) for k, a in enumerate("xyz")})
    t = pd.DataFrame(rows)
    t["droop_mm"] = droop_mm
    t["excursion_loss_pct"] = 30.0 if droop_mm else 0.0
    t["occluded"] = occluded if occluded is not None else False
    t.to_parquet(path)


def _manifest(tmp_path, cases):
    (tmp_path / "truth").mkdir()
    rows = []
    for cid, condition, side, drops, droop, occ in cases:
        _truth(tmp_path / "truth" / f"{cid}.parquet", drops, droop_mm=droop, occluded=occ)
        rows.append({"case_id": cid, "subject_id": cid, "video": f"{cid}.mp4",
                     "label": int(condition == "stroke"), "condition": condition,
                     "side": side})
    return pd.DataFrame(rows)


def test_spread_is_the_rms_over_frames_without_planted_weakness(tmp_path):
    # healthy: +-1.5 mm and +-0.5 mm -> RMS sqrt((2.25 + 0.25) / 2) = 1.118 mm; a stroke
    # case with a 6 mm droop and an occluded healthy frame with 9 mm must not count
    pairs = MIN_NORMAL_FRAMES // 4 + 1  # 2 x 2 x pairs frames, over the minimum
    df = _manifest(tmp_path, [
        ("H1", "healthy", "", [1.5, -1.5] * pairs + [9.0], 0.0,
         [False] * (2 * pairs) + [True]),
        ("H2", "healthy", "", [0.5, -0.5] * pairs, 0.0, None),
        ("P1", "stroke", "left", [6.0] * 4, 3.0, None),
    ])
    sd, source = cohort_normal_sd_mm(df, tmp_path)
    assert sd == pytest.approx(np.sqrt(1.25), abs=1e-3)
    # frontal faces: labels v3 (2-D mesh) and v4 (without the pose) measure the same
    assert cohort_normal_sd_mm(df, tmp_path, labels=3)[0] == pytest.approx(sd, abs=1e-3)
    assert source.startswith(f"cohort: {4 * pairs} frames")


def test_too_few_normal_frames_fall_back_to_the_published_spread(tmp_path):
    df = _manifest(tmp_path, [("H1", "healthy", "", [3.0, -3.0], 0.0, None)])
    assert cohort_normal_sd_mm(df, tmp_path) == (PUBLISHED_DH_SD_MM,
                                                 "published (MEEI normals RMS)")
    # no planted truth at all (real recordings): the same
    empty = tmp_path / "real"
    empty.mkdir()
    assert cohort_normal_sd_mm(df, empty)[0] == PUBLISHED_DH_SD_MM
