"""Face states (rest, smile, eye closure, speech) and state-matched normal ranges."""

from __future__ import annotations

import numpy as np
import pytest
from tools.normal_ranges import infer_meei_expressions, read_meei_csv

from strokescreen.features.asymmetry import asymmetry_scores
from strokescreen.features.case_features import case_face_features
from strokescreen.features.face_measures import face_measures
from strokescreen.features.normals import face_normals, normal_scale, state_sample_size
from strokescreen.features.states import (
    classify_states,
    photo_state,
    state_summaries,
)
from strokescreen.screen import norm_screen, operating_point
from tests.features.planted_faces import POPULATION_IPD_MM, _ipd_px, takeo_landmarks
from tests.helpers import real_file

GOOD = {"verdict": "good", "n_kept": 60, "reasons": []}
SPEECH_OK = {"speech_syllable_count": 40.0, "speech_utterance_duration": 9.0,
             "speech_time": 7.5, "speech_rate": 40 / 9.0, "speech_articulation_rate": 40 / 7.5}
STATE_OF = {"rest": "rest", "brow_raise": "rest", "eye_closure_gentle": "eye_closure",
            "eye_closure_tight": "eye_closure", "smile_small": "smile", "smile_large": "smile"}


def smile(lm: np.ndarray, *, lift_mm: float, widen_mm: float, extra_left_mm: float = 0.0
          ) -> np.ndarray:
    """Both commissures (outer 48/54, inner 60/64) lifted and drawn outwards (image
    coordinates of an upright face); the left one (the subject's, image right) lifted
    ``extra_left_mm`` more."""
    out = lm.copy()
    px = _ipd_px(lm) / POPULATION_IPD_MM
    for idx, sign, extra in (((48, 60), -1.0, 0.0), ((54, 64), 1.0, extra_left_mm)):
        out[list(idx), 1] -= (lift_mm + extra) * px
        out[list(idx), 0] += sign * widen_mm * px
    return out


@pytest.mark.real
def test_meei_expressions_fall_in_their_state_against_own_rest():
    lm, subj, expr = read_meei_csv(real_file("landmarks", "meei_normals_68.csv"))
    names = infer_meei_expressions(lm, expr)
    summ = state_summaries(face_measures(lm, scheme="ibug68"))
    for s in set(subj.tolist()):
        rest_i = next(i for i in range(len(lm)) if subj[i] == s and names[int(expr[i])] == "rest")
        ref = {k: float(v[rest_i]) for k, v in summ.items()}
        sel = np.flatnonzero(subj == s)
        got = classify_states({k: v[sel] for k, v in summ.items()}, ref)
        for i, g in zip(sel, got, strict=True):
            want = STATE_OF.get(names[int(expr[i])])
            if want is not None:
                assert g == want, (s, names[int(expr[i])], g)
        pucker = next(g for i, g in zip(sel, got, strict=True)
                      if names[int(expr[i])] == "pucker")
        assert pucker != "rest"


def test_photo_state_of_takeo_and_of_a_planted_smile():
    lm = takeo_landmarks()
    assert photo_state(face_measures(lm, scheme="ibug68")) == "rest"
    smiling = smile(lm, lift_mm=6.0, widen_mm=6.0)
    assert photo_state(face_measures(smiling, scheme="ibug68")) == "smile"
    shut = lm.copy()
    for upper, lower in ((37, 41), (38, 40), (43, 47), (44, 46)):
        shut[[upper, lower], 1] = shut[[upper, lower], 1].mean()
    assert photo_state(face_measures(shut, scheme="ibug68")) == "eye_closure"


def test_state_ranges_have_their_own_n_and_smiles_are_wider():
    assert state_sample_size("rest") == 18
    assert state_sample_size("smile") >= 10 and state_sample_size("eye_closure") == 10
    rest = normal_scale("mouth_corner_height_lr_ipu", averaged=True)
    smiling = normal_scale("mouth_corner_height_lr_ipu", state="smile", averaged=True)
    assert smiling[1] > rest[1]
    # a video's median has less landmarker noise than one frame: narrower range
    assert face_normals(averaged=True)["mouth_corner_height_lr_mm"][1] < \
        face_normals()["mouth_corner_height_lr_mm"][1]
    with pytest.raises(KeyError, match="known: rest"):
        face_normals(state="pout")


def _sequence(frames: list[np.ndarray]) -> dict[str, float]:
    lm = np.stack(frames)
    return case_face_features(lm, t_s=np.arange(len(lm)) / 25.0, scheme="ibug68")


def test_a_healthy_asymmetric_smile_raises_no_flag_that_rest_would_not():
    """takeo at rest for 40 frames, then smiling for 30 with the left corner lifted 4 mm
    more than the right (within healthy smiles' spread, outside healthy rests')."""
    lm = takeo_landmarks()
    rng = np.random.default_rng(0)
    jitter = [rng.normal(0, 0.15, lm.shape) for _ in range(70)]
    rest_only = _sequence([lm + j for j in jitter[:40]])
    smiling = smile(lm, lift_mm=5.0, widen_mm=6.0, extra_left_mm=4.0)
    both = _sequence([lm + j for j in jitter[:40]] + [smiling + j for j in jitter[40:]])
    assert np.isnan(rest_only["face_smile_asymmetry_index"])
    assert np.isfinite(both["face_smile_asymmetry_index"])
    assert both["face_n_rest_frames"] == 40
    # the rest measures are the same with or without the smile
    for k in ("face_mouth_corner_height_lr_ipu", "face_mouth_tilt_deg"):
        assert both[k] == pytest.approx(rest_only[k], abs=1e-6)
    # judged against healthy *rest* faces this smile would be borderline or a sign ...
    smile_vals = {k: float(v[0]) for k, v in face_measures(smiling, scheme="ibug68").items()}
    border = operating_point(face_states=("rest", "smile"))["face_states"]["rest"]
    assert float(asymmetry_scores(smile_vals, averaged=True)["asymmetry_index"]) > \
        border["borderline_from"]
    # ... against healthy smiles it is within, and the screen says what rest alone says
    feats = {**both, **SPEECH_OK}
    res = norm_screen(feats, quality=GOOD)
    alone = norm_screen({**rest_only, **SPEECH_OK}, quality=GOOD)
    smile_sign = next(s for s in res["signs"] if s["name"] == "smile_asymmetry_index")
    assert smile_sign["status"] == "within" and smile_sign["state"] == "smile"
    assert res["decision"] == alone["decision"] == "no signs found", res["decision_text"]


def test_a_photo_with_an_open_mouth_is_not_tested_against_few_speakers():
    values = {f"face_{k}": float(v[0]) for k, v in
              face_measures(takeo_landmarks(), scheme="ibug68").items()}
    res = norm_screen({**values, **SPEECH_OK}, quality=GOOD, kind="photo", state="speech")
    assert res["decision"] == "cannot tell"
    assert any("healthy ranges from 5 people" in r for r in res["reasons"])
    assert {s["status"] for s in res["signs"] if s["kind"] == "face"} == {"not tested"}


def test_photo_measures_name_the_state_and_use_its_ranges():
    from strokescreen.features.measure import measure_landmarks_photo

    rest = measure_landmarks_photo(takeo_landmarks())
    assert any("face state estimated from the landmarks: rest" in n for n in rest.notes)
    smiling = measure_landmarks_photo(smile(takeo_landmarks(), lift_mm=6.0, widen_mm=6.0))
    assert any("face state estimated from the landmarks: smile" in n for n in smiling.notes)
    name = "mouth_corner_height_lr_ipu"
    assert smiling.measures[name]["normal_high"] == pytest.approx(
        face_normals(state="smile")[name][1])
    assert smiling.measures[name]["normal_high"] > rest.measures[name]["normal_high"]
