"""Landmark error metrics recover planted errors (fractions of the outer-canthus distance)."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.face.accuracy import (
    commissure_difference,
    compare_paired,
    face_errors,
    summarise_errors,
)


def shape68(canthus_px: float = 100.0) -> np.ndarray:
    """A frontal iBUG-68-like shape whose outer eye corners (36, 45) lie canthus_px apart."""
    rng = np.random.default_rng(0)
    pts = rng.uniform(-50, 50, (68, 2)) + 200
    pts[36], pts[45] = (150.0, 180.0), (150.0 + canthus_px, 180.0)
    return pts


def test_a_uniform_offset_gives_its_length_over_the_canthus_distance():
    t = shape68(100.0)
    e = face_errors(t + np.array([3.0, 4.0]), t)  # 5 px everywhere = 5 %
    for key, value in e.items():
        assert value == pytest.approx(0.05), key


def test_an_offset_of_the_mouth_only_is_diluted_by_the_point_counts():
    t = shape68(100.0)
    p = t.copy()
    p[48:68] += (0.0, 10.0)  # 20 mouth points, 10 px = 10 % each
    e = face_errors(p, t)
    assert e["nme_mouth"] == pytest.approx(0.10)
    assert e["nme_eyes"] == e["nme_jaw"] == 0.0
    assert e["nme_51"] == pytest.approx(0.10 * 20 / 51)
    assert e["nme_68"] == pytest.approx(0.10 * 20 / 68)
    assert e["rmse_68"] == pytest.approx(0.10 * np.sqrt(20 / 68))


def test_a_missed_face_is_infinite_error_and_counts_as_failure():
    t = shape68()
    assert all(np.isinf(v) for v in face_errors(None, t).values())
    nan_pred = t.copy()
    nan_pred[3] = np.nan
    assert np.isinf(face_errors(nan_pred, t)["nme_51"])
    s = summarise_errors(np.array([0.02, 0.05, np.inf, 0.09]))
    assert s["n"] == 4 and s["n_missed"] == 1
    assert s["mean"] == pytest.approx((0.02 + 0.05 + 0.09) / 3)
    assert s["max"] == pytest.approx(0.09)
    assert s["failure_rate_8pct"] == pytest.approx(0.5)  # 0.09 and the miss
    assert s["failure_rate_10pct"] == pytest.approx(0.25)  # the miss only


def test_ced_area_of_one_face_at_4_percent_is_half():
    assert summarise_errors(np.array([0.04]))["auc_8pct"] == pytest.approx(0.5, abs=0.005)
    # a miss halves it: it never reaches the curve
    assert summarise_errors(np.array([0.04, np.inf]))["auc_8pct"] == pytest.approx(0.25, abs=0.005)


def test_paired_t_and_standardised_mean_difference():
    b = np.array([0.03, 0.05, 0.04, np.inf])
    a = b + np.array([0.01, 0.02, 0.03, 0.0])
    c = compare_paired(a, b)
    assert c["n"] == 3 and c["n_excluded"] == 1
    assert c["mean_diff"] == pytest.approx(0.02)
    assert c["t"] == pytest.approx(0.02 / (0.01 / np.sqrt(3)))
    sd = np.sqrt((np.std(a[:3], ddof=1) ** 2 + np.std(b[:3], ddof=1) ** 2) / 2)
    assert c["smd"] == pytest.approx(0.02 / sd)


def test_commissure_difference_reads_a_planted_drop_on_a_rolled_face():
    t = shape68(100.0)
    t[36:42] = (150.0, 180.0)
    t[42:48] = (250.0, 180.0)
    t[48], t[54] = (160.0, 260.0), (240.0, 260.0)
    t[54, 1] += 6.0  # subject's left corner (image right) 6 px lower
    assert commissure_difference(t) == pytest.approx(6.0)
    a = np.radians(20)
    rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
    assert commissure_difference(t @ rot.T) == pytest.approx(6.0)


def test_bad_shapes_and_degenerate_truth_are_input_errors():
    with pytest.raises(InputError, match="shape"):
        face_errors(np.zeros((5, 2)), shape68())
    t = shape68()
    t[45] = t[36]
    with pytest.raises(InputError, match="36 and 45"):
        face_errors(t, t)
