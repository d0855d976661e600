"""Movement sign and per-person baseline: planted answers on real faces' landmarks."""

from __future__ import annotations

import json

import numpy as np
import pytest
from tools.normal_ranges import infer_meei_expressions, read_meei_csv
from tools.screen_operating import plant_weakness

from strokescreen.errors import InputError
from strokescreen.features.case_features import case_face_features
from strokescreen.features.movement import corner_movement, movement_scale
from strokescreen.screen import norm_screen
from strokescreen.screen.baseline import BASELINE_MEASURES, baseline_signs
from strokescreen.workflows.baseline import check_not_same, load_baseline
from tests.helpers import real_file

GOOD = {"verdict": "good", "n_kept": 60, "reasons": []}
SPEECH_OK = {"speech_syllable_count": 40.0, "speech_utterance_duration": 9.0,
             "speech_time": 7.5, "speech_rate": 40 / 9.0, "speech_articulation_rate": 40 / 7.5}
#: landmark jitter of a real landmarker, per frame (docs/normal_ranges.md: frame
#: repeatability of the commissure-height difference 0.0052 IPU, of the lip-height
#: difference 0.0007): the commissures jitter more than the other points
JITTER_IPU, CORNER_JITTER_IPU = 0.0004, 0.0035
CORNERS = [48, 54, 60, 64]


@pytest.fixture(scope="module")
def meei() -> dict[int, dict[str, np.ndarray]]:
    lm, subj, expr = read_meei_csv(real_file("landmarks/meei_normals_68.csv"))
    names = infer_meei_expressions(lm, expr)
    out: dict[int, dict[str, np.ndarray]] = {}
    for i, s in enumerate(subj):
        out.setdefault(int(s), {})[names[int(expr[i])]] = lm[i]
    return out


def clip(frames: list[np.ndarray], seed: int) -> np.ndarray:
    """A still face as a 'video': the frames with landmark jitter of a real landmarker."""
    arr = np.stack(frames).astype(float)
    ipd = np.linalg.norm(arr[0, 36:42].mean(0) - arr[0, 42:48].mean(0))
    rng = np.random.default_rng(seed)
    arr += rng.normal(0.0, JITTER_IPU * ipd, arr.shape)
    arr[:, CORNERS] += rng.normal(0.0, CORNER_JITTER_IPU * ipd, arr[:, CORNERS].shape)
    return arr


def screen(lm: np.ndarray, baseline: dict[str, float] | None = None) -> dict:
    f = case_face_features(lm, scheme="ibug68")
    return norm_screen({**f, **SPEECH_OK}, quality=GOOD, baseline=baseline)


def values(lm: np.ndarray) -> dict[str, float]:
    f = case_face_features(lm, scheme="ibug68")
    return {k: f[f"face_{k}"] for k in BASELINE_MEASURES}


def status(res: dict, name: str) -> str:
    return next(s["status"] for s in res["signs"] if s["name"] == name)


def test_three_mm_droop_against_the_faces_own_baseline_is_flagged(meei):
    rest = [meei[1]["rest"]] * 30
    earlier = values(clip(rest, 0))
    plain = clip(rest, 1)
    drooped = plant_weakness(plain, 3.0, scheme="ibug68", rest=np.ones(30, bool), side="l")
    res = screen(drooped, baseline=earlier)
    assert status(res, "baseline_mouth_corner_height_lr_ipu") == "sign"
    assert res["decision"] == "signs present"
    # the same face without the droop: no change beyond its repeatability
    same = screen(plain, baseline=earlier)
    base = [s["status"] for s in same["signs"] if s["kind"] == "baseline"]
    assert "within" in base and not {"sign", "borderline"} & set(base)
    # and the 3 mm droop alone against the population ranges is not a sign for this face
    assert screen(drooped)["decision"] != "signs present"


def test_a_healthy_smile_raises_no_flag_that_rest_would_not(meei):
    for subject in (1, 2, 5, 10):
        faces = meei[subject]
        rest_only = screen(clip([faces["rest"]] * 30, subject))
        both = screen(clip([faces["rest"]] * 30 + [faces["smile_large"]] * 20, subject))
        extra = [s for s in both["signs"] if s["kind"] == "face" and s["state"] != "rest"
                 and s["status"] in ("sign", "borderline")]
        assert extra == [], (subject, extra)
        assert status(both, "smile_corner_movement_lr_nd") == "within"
        assert (both["decision"] == "signs present") <= (rest_only["decision"] == "signs present")


def test_a_weak_corner_is_flagged_by_rest_and_smile_read_together(meei):
    """MEEI subject 1, a 3 mm weakness planted as the synthetic generator couples it (the
    right commissure 3 mm lower, its smile travel 39 % shorter): the rest index alone
    reads within, the droop and the movement read together are borderline ("cannot
    tell", never "no signs found"); 5 mm is a sign."""
    faces = meei[1]
    lm = clip([faces["rest"]] * 30 + [faces["smile_large"]] * 20, 3)
    rest = np.arange(50) < 30
    res = screen(plant_weakness(lm, 3.0, scheme="ibug68", rest=rest, side="r"))
    move = next(s for s in res["signs"] if s["name"] == "smile_corner_movement_lr_nd")
    combo = move["combined"]
    assert move["weaker_side"] == "right" and combo["rest_z"] > 0 and combo["movement_z"] > 0
    assert move["value"] == pytest.approx((combo["rest_z"] + combo["movement_z"]) / np.sqrt(2))
    assert status(res, "asymmetry_index") == "within"
    assert move["status"] == "borderline" and res["decision"] == "cannot tell"
    left = screen(plant_weakness(lm, 5.0, scheme="ibug68", rest=rest, side="l"))
    move = next(s for s in left["signs"] if s["name"] == "smile_corner_movement_lr_nd")
    assert move["weaker_side"] == "left" and move["status"] == "sign"
    assert left["decision"] == "signs present"
    # a corner moving half as far with no droop: the ratio and side are read
    weak = plant_weakness(lm, 0.0, scheme="ibug68", rest=rest, side="r", loss=0.5)
    res = screen(weak)
    move = next(s for s in res["signs"] if s["name"] == "smile_corner_movement_lr_nd")
    assert move["raw_value"] > 0.25 and move["weaker_side"] == "right"
    # with the earlier, healthy recording of the same face as baseline: flagged
    earlier = values(clip([faces["rest"]] * 30 + [faces["smile_large"]] * 20, 4))
    with_base = screen(weak, baseline=earlier)
    assert status(with_base, "baseline_smile_corner_movement_lr_nd") in ("borderline", "sign")


def test_healthy_asymmetries_pointing_to_different_sides_cancel(meei):
    """MEEI subject 4 (healthy): the left corner travels 55 % as far as the right in a
    large smile, a ratio of -0.29 (2.8 healthy SDs: borderline for the movement alone),
    but the left commissure sits higher at rest, the opposite of a weak left side: read
    together, within."""
    faces = meei[4]
    res = screen(clip([faces["rest"]] * 30 + [faces["smile_large"]] * 20, 4))
    move = next(s for s in res["signs"] if s["name"] == "smile_corner_movement_lr_nd")
    combo = move["combined"]
    assert move["raw_value"] < -0.25 and combo["movement_z"] < -2.5  # moves as a weak left
    assert combo["rest_z"] > 0  # but sits as a weak right
    assert move["status"] == "within" and res["decision"] == "no signs found"


def test_corner_movement_reads_a_planted_ratio():
    states = np.array(["rest"] * 10 + ["smile"] * 10)
    r = np.r_[np.zeros(10), np.full(10, 0.2)]
    got = corner_movement(r, r / 2, states)
    assert got["smile_corner_movement_lr_nd"] == pytest.approx(-1 / 3)
    assert np.isnan(got["speech_corner_movement_lr_nd"])  # no speech frames
    tiny = corner_movement(r / 20, r / 40, states)  # 0.01 IPU: jitter, not movement
    assert np.isnan(tiny["smile_corner_movement_lr_nd"])
    centre, scale, n = movement_scale("smile_corner_movement_lr_nd")
    assert centre == 0.0 and 0.05 < scale < 0.2 and n == 13


def test_baseline_level_splits_over_the_measures_compared():
    now = {"mouth_corner_height_lr_ipu": 0.0}
    earlier = {"mouth_corner_height_lr_ipu": 0.0}
    one = baseline_signs(now, earlier, level=0.0127)
    assert [s["status"] for s in one if s["value"] is not None] == ["within"]
    both = {k: 0.0 for k in BASELINE_MEASURES}
    many = baseline_signs(both, both, level=0.0127)
    lim1 = next(s["normal_high"] for s in one)
    assert next(s["normal_high"] for s in many) > lim1  # Sidak over 6 measures


def _result(tmp_path, **over) -> object:
    data = {"schema": "strokescreen-assessment-1", "recording": {"sha256": "ab" * 32},
            "created_at": "2026-01-01T00:00:00+00:00", "quality": {"verdict": "good"},
            "measures": {"mouth_corner_height_lr_ipu": {"value": 0.01}}}
    data.update(over)
    p = tmp_path / "earlier.json"
    p.write_text(json.dumps(data), encoding="utf-8")
    return p


def test_baseline_file_errors_are_one_clear_line(tmp_path):
    with pytest.raises(InputError, match="baseline file not found"):
        load_baseline(tmp_path / "nope.json")
    bad = tmp_path / "bad.json"
    bad.write_text("{not json", encoding="utf-8")
    with pytest.raises(InputError, match="not valid JSON"):
        load_baseline(bad)
    with pytest.raises(InputError, match="not a strokescreen assessment result"):
        load_baseline(_result(tmp_path, schema="something-else"))
    with pytest.raises(InputError, match="no facial measures"):
        load_baseline(_result(tmp_path, measures={}, quality={"verdict": "unusable"}))
    ok = load_baseline(_result(tmp_path))
    assert ok["values"] == {"mouth_corner_height_lr_ipu": 0.01}
    video = tmp_path / "v.mp4"
    video.write_bytes(b"same bytes")
    import hashlib

    same = dict(ok, recording_sha256=hashlib.sha256(b"same bytes").hexdigest())
    with pytest.raises(InputError, match="this same recording"):
        check_not_same(same, video)
    check_not_same(ok, video)  # another recording: fine
    for exc_text in ("not found", "JSON", "schema"):
        assert "\n" not in exc_text


def test_cli_assess_with_a_missing_baseline_says_so_in_one_line(tmp_path):
    from typer.testing import CliRunner

    from strokescreen.cli import app

    res = CliRunner().invoke(app, ["assess", str(tmp_path / "v.mp4"), "--out",
                                   str(tmp_path / "out"), "--baseline",
                                   str(tmp_path / "missing.json")])
    assert res.exit_code != 0
    assert "baseline file not found: missing.json" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "out").exists()


def test_a_smile_of_one_corner_still_counts_as_a_smile():
    from strokescreen.features.movement import movement_states

    ref = {"corner": 1.10, "width": 0.80, "eye": 0.13, "opening": 0.0}
    states = np.array(["rest", "rest", "other", "eye_closure"])
    r = np.array([1.10, 1.00, 1.00, 1.00])  # right corner lifted in frames 1-3
    left = np.array([1.10, 1.10, 1.10, 1.00])  # left corner stays (weak)
    width = np.array([0.80, 0.86, 0.86, 0.86])
    got = movement_states(states, r, left, width, ref)
    assert got.tolist() == ["rest", "smile", "smile", "eye_closure"]
