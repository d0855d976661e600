"""Norm-based screen: planted cases with known answers, operating point from principle."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats
from tools.normal_ranges import tolerance_factor

from strokescreen.features.normals import normal_scale, state_sample_size
from strokescreen.screen import SCREEN_LABEL, ScreenConfig, norm_screen, operating_point
from tests.features.planted_faces import droop, static_values, takeo_landmarks

GOOD = {"verdict": "good", "n_kept": 60, "reasons": []}
# healthy read speech: 40 syllables over 9 s (4.4 /s), 7.5 s of it voiced (5.3 /s)
SPEECH_OK = {"speech_syllable_count": 40.0, "speech_utterance_duration": 9.0,
             "speech_time": 7.5, "speech_rate": 40 / 9.0, "speech_articulation_rate": 40 / 7.5}


def features(face: dict[str, float], speech: dict[str, float] | None = None) -> dict:
    out: dict = {f"face_{k}": v for k, v in face.items()}
    out.update(speech if speech is not None else SPEECH_OK)
    return out


def sign(res: dict, name: str) -> dict:
    return next(s for s in res["signs"] if s["name"] == name)


@pytest.fixture(scope="module")
def takeo_face() -> dict[str, float]:
    return static_values(takeo_landmarks())


def drooped(mm: float) -> dict[str, float]:
    return static_values(droop(takeo_landmarks(), mm))


def test_operating_point_is_the_tolerance_construction():
    op = operating_point()
    a = 1 - 0.95 ** (1 / 3)
    n = state_sample_size("rest")
    assert n == 18  # 10 MEEI + 7 video people + takeo
    assert op["per_family_level"] == pytest.approx(a)
    assert op["face_borderline_from"] == pytest.approx(stats.norm.isf(a / 2))
    # the same tolerance factor as the normal ranges, at coverage 1 - a, from n subjects
    assert op["face_sign_from"] == pytest.approx(
        tolerance_factor(n, coverage=1 - a, confidence=0.95, centred=True))
    assert 3.2 < op["face_sign_from"] < 3.4
    # two face states tested: the face family's level is split between them (Sidak)
    two = operating_point(face_states=("rest", "smile"))["face_states"]
    a2 = 1 - (1 - a) ** 0.5
    assert two["rest"]["borderline_from"] == pytest.approx(stats.norm.isf(a2 / 2))
    assert two["smile"]["sign_from"] == pytest.approx(tolerance_factor(
        state_sample_size("smile"), coverage=1 - a2, confidence=0.95, centred=True))


def test_healthy_face_and_speech_no_signs(takeo_face):
    res = norm_screen(features(takeo_face), quality=GOOD)
    assert res["decision"] == "no signs found", res["decision_text"]
    assert res["drivers"] == [] and res["label"] == SCREEN_LABEL
    assert SCREEN_LABEL in res["decision_text"]
    assert "a screening aid, not a diagnosis" in res["decision_text"]
    assert {s["status"] for s in res["signs"]} == {"within"}


def test_planted_droop_signs_present():
    res = norm_screen(features(drooped(12.0)), quality=GOOD)
    assert res["decision"] == "signs present"
    assert set(res["drivers"]) == {"asymmetry_index", "mouth_score"}
    mouth = sign(res, "mouth_score")
    assert mouth["value"] > mouth["sign_above"] and mouth["direction"] == "above"
    assert sign(res, "eye_score")["status"] == "within"
    assert "mouth asymmetry score" in res["decision_text"]


def test_three_mm_droop_at_rest_is_not_called_healthy():
    """takeo's real landmarks, a video's medians: the face alone gives "no signs found";
    a 3 mm droop of the right commissure is borderline ("cannot tell", never "no signs
    found"); 5 mm is a sign."""
    healthy = norm_screen(features(drooped(0.0)), quality=GOOD)
    assert healthy["decision"] == "no signs found", healthy["decision_text"]
    res = norm_screen(features(drooped(3.0)), quality=GOOD)
    assert res["decision"] == "cannot tell"
    assert set(res["drivers"]) == {"asymmetry_index", "mouth_score"}
    assert any(r.startswith("borderline: composite asymmetry index at rest") for r in res["reasons"])
    assert sign(res, "mouth_score")["value"] > sign(healthy, "mouth_score")["value"] + 1.5
    assert norm_screen(features(drooped(5.0)), quality=GOOD)["decision"] == "signs present"


def test_a_photo_carries_one_frame_of_landmarker_noise():
    # the same 4 mm droop: a sign from a video's medians, only borderline from one photo
    assert norm_screen(features(drooped(4.0)), quality=GOOD)["decision"] == "signs present"
    photo = norm_screen(features(drooped(4.0)), quality=GOOD, kind="photo", state="rest")
    assert photo["decision"] == "cannot tell"
    assert sign(photo, "asymmetry_index")["status"] == "borderline"


@pytest.mark.parametrize("quality", [
    {"verdict": "unusable", "n_kept": 3, "reasons": ["3 usable frames (minimum 10)"]},
    {"verdict": "review", "n_kept": 4, "reasons": []},
])
def test_unusable_or_too_few_frames_cannot_tell(quality):
    # even a planted droop is not called when the recording cannot be trusted
    res = norm_screen(features(drooped(12.0)), quality=quality)
    assert res["decision"] == "cannot tell" and res["drivers"] == []
    assert "not usable" in res["decision_text"] or "frames kept" in res["decision_text"]


def test_unusable_with_no_features_cannot_tell():
    res = norm_screen({}, quality={"verdict": "unusable", "n_kept": 0, "reasons": ["no face"]})
    assert res["decision"] == "cannot tell"
    assert all(s["status"] == "not assessed" for s in res["signs"])


def test_no_speech_cannot_tell_unless_face_signs(takeo_face):
    silent = {"speech_syllable_count": 0.0, "speech_utterance_duration": 0.0,
              "speech_time": 0.0, "speech_rate": math.nan, "speech_articulation_rate": math.nan}
    res = norm_screen(features(takeo_face, silent), quality=GOOD)
    assert res["decision"] == "cannot tell"
    assert any("speech signs not checked" in r for r in res["reasons"])
    assert norm_screen(features(drooped(12.0), silent), quality=GOOD)["decision"] == "signs present"


def test_speech_the_quality_gate_calls_too_short_is_not_checked(takeo_face):
    # the features' voice detector found 7.5 s, the quality gate heard 1.8 s: the report
    # says "under 2 s of speech", so the screen must not call the speech normal
    short = dict(GOOD, speech_s=1.8)
    res = norm_screen(features(takeo_face), quality=short)
    assert res["decision"] == "cannot tell"
    assert sign(res, "speech_rate")["status"] == "not assessed"
    assert norm_screen(features(takeo_face), quality=dict(GOOD, speech_s=7.5))["decision"] \
        == "no signs found"


def test_a_video_without_soundtrack_is_said_to_have_none(takeo_face):
    # quality.json's speech_s is null only when the recording has no audio at all
    res = norm_screen(features(takeo_face, {}), quality=dict(GOOD, speech_s=None))
    assert res["decision"] == "cannot tell"
    assert sign(res, "speech_rate")["note"] == "the video has no soundtrack"
    assert any("no soundtrack" in r for r in res["reasons"])
    assert not any("speech heard" in r for r in res["reasons"])
    # a quality record without the field (not known) keeps the plain wording
    res = norm_screen(features(takeo_face, {}), quality=GOOD)
    assert "speech heard" in sign(res, "speech_rate")["note"]


def test_unvoiced_sound_is_not_speech(takeo_face):
    # the voice detector kept 2.4 s of sound with one "syllable" and no pitch at all
    noise = {"speech_syllable_count": 1.0, "speech_utterance_duration": 2.4,
             "speech_time": 2.4, "speech_rate": 1 / 2.4, "speech_articulation_rate": 1 / 2.4,
             "speech_voiced_share": 0.0}
    res = norm_screen(features(takeo_face, noise), quality=GOOD)
    assert res["decision"] == "cannot tell"
    assert all(s["status"] == "not assessed" for s in res["signs"] if s["kind"] == "speech")
    assert any("no voiced speech" in r for r in res["reasons"])
    # the same counts with voicing are a real, very slow rate: a sign
    res = norm_screen(features(takeo_face, dict(noise, speech_voiced_share=0.6)), quality=GOOD)
    assert res["decision"] == "signs present"


def test_slow_speech_sign_and_borderline(takeo_face):
    # 40 syllables over 26 s: 1.54 /s, SE = sqrt(40)/26 = 0.24; 3.0 - 2.39 * 0.24 = 2.42
    slow = dict(SPEECH_OK, speech_utterance_duration=26.0, speech_rate=40 / 26.0)
    res = norm_screen(features(takeo_face, slow), quality=GOOD)
    s = sign(res, "speech_rate")
    assert s["standard_error"] == pytest.approx(math.sqrt(40) / 26.0)
    assert s["status"] == "sign" and s["direction"] == "below"
    assert res["decision"] == "signs present" and res["drivers"] == ["speech_rate"]
    # 40 syllables over 14 s: 2.86 /s, just under 3.0 but within 2.39 SE (0.45) -> borderline
    near = dict(SPEECH_OK, speech_utterance_duration=14.0, speech_rate=40 / 14.0)
    res = norm_screen(features(takeo_face, near), quality=GOOD)
    assert sign(res, "speech_rate")["status"] == "borderline"
    assert res["decision"] == "cannot tell"


def test_false_positive_rate_on_simulated_healthy_faces_is_below_the_level():
    """z ~ N(0, 1) for every measure (the healthy model): signs in under 0.2 % of faces,
    borderline-or-sign in at most the face family's level a = 1.7 %."""
    rng = np.random.default_rng(1)
    names = ["mouth_corner_height_lr_ipu", "mouth_tilt_deg", "lip_height_lr_ipu",
             "mouth_corner_midline_lr_ipu", "eye_opening_lr_ipu", "upper_lid_pupil_lr_ipu",
             "lower_lid_pupil_lr_ipu", "brow_height_lr_ipu"]
    n = 3000
    decisions = []
    for _ in range(n):
        face = {}
        for name in names:
            c, s = normal_scale(name, averaged=True)
            face[name] = c + s * rng.standard_normal()
        decisions.append(norm_screen(features(face), quality=GOOD)["decision"])
    a = operating_point(ScreenConfig())["per_family_level"]
    positive = np.mean([d == "signs present" for d in decisions])
    flagged = np.mean([d != "no signs found" for d in decisions])
    assert positive < 0.002
    assert flagged < a + 3 * math.sqrt(a / n)
