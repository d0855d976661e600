"""The temporal trend of a sign: a planted persistent droop versus a momentary one."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.screen.trend import TrendConfig, window_trend
from tests.features.face_helpers import symmetric_ibug68
from tests.features.planted_faces import droop

FPS = 30.0


def _clip(seconds: float, droop_mm: float, droop_from_s: float = 0.0,
          droop_to_s: float = 1e9, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A still symmetric face with 0.3 px landmark noise; a droop between the given times."""
    face = symmetric_ibug68()
    drooped = droop(face, droop_mm)
    t = np.arange(int(seconds * FPS)) / FPS
    rng = np.random.default_rng(seed)
    frames = np.stack([drooped if droop_from_s <= ti < droop_to_s else face for ti in t])
    return frames + rng.normal(0, 0.3, frames.shape), t


def _sign(trend: dict, name: str = "asymmetry_index") -> dict:
    return next(s for s in trend["signs"] if s["name"] == name)


def test_droop_throughout_is_a_persistent_sign():
    lm, t = _clip(6.0, 10.0)
    trend = window_trend(lm, t_s=t, scheme="ibug68")
    assert len(trend["windows"]) == 4 and all(w["scored"] for w in trend["windows"])
    s = _sign(trend)
    assert s["share_outside_normal"] == pytest.approx(1.0)
    assert s["persistence"] == "persistent" and s["n_windows"] == 4
    assert _sign(trend, "mouth_score")["share_outside_normal"] == pytest.approx(1.0)
    assert _sign(trend, "brow_score")["share_outside_normal"] == pytest.approx(0.0)
    # the droop measure (mm) reads the planted 10 mm on the subject's right: negative
    droops = [w["mouth_corner_height_lr_mm"] for w in trend["windows"]]
    assert np.allclose(droops, -10.0, atol=1.5), droops
    assert "screening aid" in trend["note"]


def test_droop_in_one_window_only_is_momentary():
    lm, t = _clip(6.0, 10.0, droop_from_s=3.0, droop_to_s=4.5)
    trend = window_trend(lm, t_s=t, scheme="ibug68")
    s = _sign(trend)
    assert s["share_outside_normal"] == pytest.approx(0.25)
    assert s["persistence"] == "momentary"
    status = [w["status"] for w in trend["windows"]]
    assert status[2] != "within" and status[0] == status[1] == status[3] == "within"


def test_symmetric_face_has_no_sign_and_windows_follow_the_setting():
    lm, t = _clip(4.0, 0.0)
    trend = window_trend(lm, t_s=t, scheme="ibug68", config=TrendConfig(window_s=1.0))
    assert len(trend["windows"]) == 4 and trend["window_s"] == 1.0
    assert _sign(trend)["share_outside_normal"] == 0.0
    assert _sign(trend)["persistence"] == "absent"


def test_too_few_kept_frames_are_not_scored():
    lm, t = _clip(3.0, 10.0)
    kept = np.zeros(len(t), bool)
    kept[:40] = True  # the second window keeps only frames 40..: none
    kept[50:53] = True  # 3 frames: under the 6-frame minimum
    trend = window_trend(lm, t_s=t, kept=kept, scheme="ibug68")
    assert [w["scored"] for w in trend["windows"]] == [True, False]
    assert _sign(trend)["n_windows"] == 1
    empty = window_trend(lm, t_s=t, kept=np.zeros(len(t), bool), scheme="ibug68")
    assert empty["windows"] == [] and _sign(empty)["persistence"] == "not assessed"
