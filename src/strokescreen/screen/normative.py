"""Norm-based screen: each sign against its healthy normal range, no trained model.

The default decision of ``strokescreen assess`` and the web app when no trained model is
given. Signs:

- **face**: the composite asymmetry index (the Sidak-corrected largest of the mouth, eye
  and brow region scores, :mod:`strokescreen.features.asymmetry`) at rest, shown per
  region, and -- when a video shows them -- in the smile, with eyes closed and while
  speaking, each against healthy faces in the same state (a state whose ranges rest on
  fewer than ``min_tested_subjects`` people is shown, not tested);
- **speech**: speech rate (pauses included) and articulation rate (pauses excluded)
  against their literature ranges in ``speech_normals.json``.

Operating point (derived, not fitted; ``docs/norm_screen.md``):

- A family-wise false-positive level ``alpha`` (default 5 %) over the ``n_families`` sign
  families tested (default 3: face, speech rate, articulation rate) is split by Sidak's
  rule, ``a = 1 - (1 - alpha)^(1/n_families)`` per family, and the face family's ``a``
  again over the face states tested.
- Face: a state's index is an equivalent |z|, so a healthy face exceeds ``z = Phi^-1(1 -
  a_s/2)`` with probability <= a_s *if* the healthy spread were known exactly. It is
  estimated from n healthy subjects (18 at rest), so a sign needs the index above the
  two-sided tolerance factor ``k0 = z sqrt(n / chi2_{1-gamma}(n))`` (coverage 1 - a_s,
  confidence gamma = 95 %). Between ``z`` and ``k0`` = borderline.
- Speech: a rate is ``n_syllables / T``; its counting (Poisson) standard error is
  ``sqrt(n_syllables) / T``. A rate outside the literature range by more than
  ``z_a`` standard errors is a sign; outside by less is borderline.

Decision: ``cannot tell`` when the recording is unusable, too few frames were kept or the
face could not be scored; else ``signs present`` when any sign is beyond its limit; else
``cannot tell`` when a sign is borderline or the speech signs could not be checked (under
``min_speech_s`` of speech, or no voiced frame in it); else ``no signs found``. Pure functions; no I/O.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

import numpy as np
from scipy import stats

from strokescreen.features.asymmetry import PALSY_REGIONS, asymmetry_scores
from strokescreen.features.movement import movement_scale
from strokescreen.features.normals import state_sample_size
from strokescreen.jsonable import finite_or_none
from strokescreen.screen.combined import combined_rest_movement

SCREEN_METHOD = "norm-based screen"
SCREEN_LABEL = "norm-based screen, not a trained risk model"
DISCLAIMER_SHORT = "a screening aid, not a diagnosis"
SIGNS_PRESENT, NO_SIGNS, CANNOT_TELL = "signs present", "no signs found", "cannot tell"

#: speech sign -> (duration measure the rate divides by, label)
SPEECH_SIGNS: dict[str, tuple[str, str]] = {
    "speech_rate": ("speech_utterance_duration", "speech rate (pauses included)"),
    "speech_articulation_rate": ("speech_time", "articulation rate (pauses excluded)"),
}


@dataclass(frozen=True)
class ScreenConfig:
    """Settings of the norm-based screen (defaults derived in ``docs/norm_screen.md``).

    alpha : family-wise false-positive level on healthy recordings, over all families.
    n_families : sign families tested (face, speech rate, articulation rate).
    confidence : confidence of the face tolerance limit (as for the normal ranges).
    n_normal_subjects : healthy subjects behind the rest ranges; None = as shipped in
        ``face_normals.json`` (each other state uses its own n from there).
    min_tested_subjects : a face state whose ranges rest on fewer healthy subjects is shown
        against its range but not tested (its tolerance limit would be meaninglessly wide).
    min_kept_frames : fewer kept face frames -> cannot tell (the quality gate's minimum).
    min_speech_s : less speech -> speech signs not checked (the quality gate's 2 s).
    """

    alpha: float = 0.05
    n_families: int = 3
    confidence: float = 0.95
    n_normal_subjects: int | None = None
    min_tested_subjects: int = 10
    min_kept_frames: int = 10
    min_speech_s: float = 2.0


def operating_point(cfg: ScreenConfig = ScreenConfig(), *,
                    face_states: tuple[str, ...] = ("rest",)) -> dict[str, Any]:
    """Per-family level ``a``, and per tested face state its borderline bound ``z`` and
    sign bound ``k0`` (the face family's level split over ``face_states`` by Sidak)."""
    return dict(_operating_point(cfg, tuple(face_states)))


def _tolerance(z: float, n: int, confidence: float) -> float:
    return z * math.sqrt(n / float(stats.chi2.ppf(1 - confidence, n)))


@lru_cache(maxsize=32)
def _operating_point(cfg: ScreenConfig, face_states: tuple[str, ...]) -> dict[str, Any]:
    a = 1.0 - (1.0 - cfg.alpha) ** (1.0 / cfg.n_families)
    z_a = float(stats.norm.isf(a / 2))
    a_state = 1.0 - (1.0 - a) ** (1.0 / max(len(face_states), 1))
    z_state = float(stats.norm.isf(a_state / 2))
    per_state = {}
    for state in face_states:
        n = (cfg.n_normal_subjects if state == "rest" and cfg.n_normal_subjects
             else _sample_size(state))
        per_state[state] = {"n_normal_subjects": n, "level": a_state,
                            "borderline_from": z_state,
                            "sign_from": _tolerance(z_state, n, cfg.confidence)}
    rest = per_state.get("rest") or next(iter(per_state.values()))
    return {"alpha": cfg.alpha, "n_families": cfg.n_families, "per_family_level": a,
            "face_borderline_from": rest["borderline_from"],
            "face_sign_from": rest["sign_from"], "face_states": per_state,
            "speech_margin_se": z_a, "confidence": cfg.confidence,
            "n_normal_subjects": rest["n_normal_subjects"]}


@lru_cache(maxsize=64)
def _region_bound(index_bound: float, n_regions: int) -> float:
    """Region score whose Sidak-corrected value over ``n_regions`` equals ``index_bound``."""
    p = 2.0 * float(stats.norm.sf(index_bound))
    q = -math.expm1(math.log1p(-p) / n_regions)
    return float(stats.norm.isf(q / 2))



def _status(value: float, borderline: float, sign: float) -> str:
    return "sign" if value > sign else ("borderline" if value > borderline else "within")


#: dynamic face tests (:mod:`strokescreen.features.movement`): test -> (measure, label)
MOVEMENT_TESTS: dict[str, tuple[str, str]] = {
    "smile_movement": ("smile_corner_movement_lr_nd",
                       "mouth-corner movement in the smile, left vs right"),
    "speech_movement": ("speech_corner_movement_lr_nd",
                        "mouth-corner movement while speaking, left vs right"),
}


def _sample_size(test: str) -> int:
    """Healthy subjects behind a face state's ranges or a movement test's."""
    if test in MOVEMENT_TESTS:
        got = movement_scale(MOVEMENT_TESTS[test][0])
        return got[2] if got else 0
    return state_sample_size(test)


def movement_sign(face: Mapping[str, float], op: Mapping[str, Any], test: str
                  ) -> dict[str, Any]:
    """The movement asymmetry of ``test`` as an equivalent |z| against healthy faces
    (``raw_value``: the normalised difference; ``weaker_side``: the side that moved less).
    The smile's is read together with the rest droop when both are measured
    (:mod:`strokescreen.screen.combined`; ``combined`` holds the two oriented z-scores)."""
    name, label = MOVEMENT_TESTS[test]
    raw = finite_or_none(face.get(name))
    got = movement_scale(name)
    bounds = op["face_states"][test]
    value = None if raw is None or got is None else abs(raw - got[0]) / got[1]
    weaker = None if raw is None else ("left" if raw < 0 else "right")
    combo = combined_rest_movement(face) if test == "smile_movement" else None
    if combo is not None:
        value, weaker = combo["z"], ("right" if combo["signed"] > 0 else "left")
        label += ", combined with the rest corner height"
    lo, hi = bounds["borderline_from"], bounds["sign_from"]
    return {"name": name, "label": label, "kind": "face", "state": test, "value": value,
            "unit": "equivalent |z|", "raw_value": raw, "weaker_side": weaker,
            "combined": combo,
            "normal_low": None, "normal_high": lo, "sign_above": hi, "direction": "above",
            "n_normal_subjects": bounds["n_normal_subjects"],
            "status": "not assessed" if value is None else _status(value, lo, hi)}


STATE_WORDS = {"rest": "at rest", "smile": "in the smile", "eye_closure": "with eyes closed",
               "speech": "while speaking"}


def _state_prefix(state: str) -> str:
    return "" if state == "rest" else f"{state}_"


def face_signs(face: Mapping[str, float], op: Mapping[str, Any], *, state: str = "rest",
               averaged: bool = True, regions: bool = True,
               stored: bool = False) -> list[dict[str, Any]]:
    """Composite (and region) signs of one face state.

    ``face``: measure values (IPU / deg names) taken in ``state``, scored against that
    state's ranges; with ``stored``, the scores ``<state>_asymmetry_index`` /
    ``<state>_<region>_score`` that a case's features already hold (a video's smile and
    speech frames). ``averaged``: a video's medians (averaged landmarker noise) rather
    than one frame.
    """
    pre = _state_prefix(state)
    if stored:  # a case's scores of the state, as case_face_features computed them
        sc = {k: finite_or_none(face.get(f"{pre}{k}"))
              for k in ("asymmetry_index", *(f"{r}_score" for r in PALSY_REGIONS))}
    else:
        sc = {k: finite_or_none(v) for k, v in
              asymmetry_scores(face, state=state, averaged=averaged).items()}
    n_regions = sum(sc[f"{r}_score"] is not None for r in PALSY_REGIONS) or len(PALSY_REGIONS)
    bounds = op["face_states"][state]
    lo, hi = bounds["borderline_from"], bounds["sign_from"]
    words = STATE_WORDS.get(state, state)
    out: list[dict[str, Any]] = []
    index = sc["asymmetry_index"]
    out.append({
        "name": f"{pre}asymmetry_index", "label": f"composite asymmetry index {words}",
        "kind": "face", "state": state, "value": index, "unit": "equivalent |z|",
        "normal_low": None, "normal_high": lo, "sign_above": hi, "direction": "above",
        "n_normal_subjects": bounds["n_normal_subjects"],
        "status": "not assessed" if index is None else _status(index, lo, hi),
    })
    for r in PALSY_REGIONS if regions else ():
        v = sc[f"{r}_score"]
        rlo, rhi = _region_bound(lo, n_regions), _region_bound(hi, n_regions)
        out.append({"name": f"{pre}{r}_score", "label": f"{r} asymmetry score {words}",
                    "kind": "face", "state": state, "value": v, "unit": "equivalent |z|",
                    "normal_low": None, "normal_high": rlo, "sign_above": rhi,
                    "direction": "above", "n_normal_subjects": bounds["n_normal_subjects"],
                    "status": "not assessed" if v is None else _status(v, rlo, rhi)})
    return out


def shown_state(state: str, op_cfg: ScreenConfig) -> bool:
    """Whether a face state's (or movement test's) ranges rest on enough subjects to be
    tested."""
    return _sample_size(state) >= op_cfg.min_tested_subjects


def speech_signs(speech: Mapping[str, float], op: Mapping[str, float], *,
                 min_speech_s: float, heard_s: float | None = None,
                 no_soundtrack: bool = False) -> list[dict[str, Any]]:
    """Speech rate signs from ``speech_*`` values against ``speech_normals.json``.

    ``heard_s``: the quality gate's seconds of speech, when known; the speech counts as
    enough only when both it and the features' ``speech_time`` reach ``min_speech_s``, so
    the screen never checks speech the report calls too short. ``no_soundtrack``: the
    recording has no audio at all (said so, rather than "too little speech")."""
    from strokescreen.audio import speech_normals

    ranges = speech_normals()
    n_syl = finite_or_none(speech.get("speech_syllable_count"))
    spoken = finite_or_none(speech.get("speech_time")) or 0.0
    heard = finite_or_none(heard_s)
    if heard is not None:
        spoken = min(spoken, heard)
    # syllable nuclei are voiced: "speech" without a single voiced frame (no pitch) is noise
    # or music that the voice detector let through, and its syllable count means nothing
    voiced = finite_or_none(speech.get("speech_voiced_share"))
    unvoiced = "speech_voiced_share" in speech and not voiced
    out = []
    for name, (duration_key, label) in SPEECH_SIGNS.items():
        low, high = ranges[name]
        value, t_s = finite_or_none(speech.get(name)), finite_or_none(speech.get(duration_key))
        entry: dict[str, Any] = {
            "name": name, "label": label, "kind": "speech", "value": value,
            "unit": "syllables/s", "normal_low": low, "normal_high": high,
            "direction": None, "standard_error": None, "status": "not assessed",
        }
        if value is None or n_syl is None or not t_s or spoken < min_speech_s or unvoiced:
            entry["note"] = (
                "the video has no soundtrack" if no_soundtrack
                else "no voiced speech heard (no pitch in what the voice detector kept)"
                if unvoiced and spoken >= min_speech_s
                else f"under {min_speech_s:g} s of speech heard")
            out.append(entry)
            continue
        se = math.sqrt(max(n_syl, 1.0)) / t_s
        margin = op["speech_margin_se"] * se
        entry["standard_error"] = se
        entry["margin_se"] = op["speech_margin_se"]
        if value < low:
            entry["direction"] = "below"
            entry["status"] = "sign" if value < low - margin else "borderline"
        elif value > high:
            entry["direction"] = "above"
            entry["status"] = "sign" if value > high + margin else "borderline"
        else:
            entry["status"] = "within"
        out.append(entry)
    return out


def _describe(s: Mapping[str, Any]) -> str:
    v = s["value"]
    if s["kind"] == "baseline":
        return (f"{s['label']} {s['change']:+.3g} {s['change_unit']} ({v:.1f} x its "
                f"repeatability, limit {s['normal_high']:.1f})").replace("  (", " (")
    if s["kind"] == "face":
        return f"{s['label']} {v:.1f} (healthy limit {s['normal_high']:.1f})"
    return (f"{s['label']} {v:.1f} {s['unit']} (healthy {s['normal_low']:g}-"
            f"{s['normal_high']:g}, {s['direction']})")


def _face_part(face: Mapping[str, float], *, kind: str, state: str, cfg: ScreenConfig
               ) -> tuple[list[dict[str, Any]], tuple[str, ...], list[str]]:
    """Face signs of every state present, the states tested, and notes."""
    if kind == "photo":
        if state not in STATE_WORDS:
            return [], (), [f"the face's expression ({state}) has no healthy ranges; take "
                            "the photo at rest"]
        op = operating_point(cfg, face_states=(state,))
        signs = face_signs(face, op, state=state, averaged=False)
        if shown_state(state, cfg):
            return signs, (state,), []
        for s in signs:
            s["status"] = "not tested"
        n = state_sample_size(state)
        return signs, (), [f"the face's state ({state}) has healthy ranges from {n} people "
                           f"only (fewer than {cfg.min_tested_subjects}); take the photo at "
                           "rest"]
    present = [st for st in STATE_WORDS if st != "rest"
               and finite_or_none(face.get(f"{st}_asymmetry_index")) is not None]
    moving = [t for t, (name, _) in MOVEMENT_TESTS.items()
              if finite_or_none(face.get(name)) is not None]
    tested = ("rest", *(st for st in (*present, *moving) if shown_state(st, cfg)))
    op = operating_point(cfg, face_states=tested)
    signs = face_signs(face, op, state="rest", averaged=True)
    for st in (*present, *moving):
        is_move = st in MOVEMENT_TESTS
        if st in tested:
            signs += ([movement_sign(face, op, st)] if is_move else
                      face_signs(face, op, state=st, regions=False, stored=True))
            continue
        n = _sample_size(st)
        extra = operating_point(cfg, face_states=(st,))
        entry = (movement_sign(face, extra, st) if is_move else
                 face_signs(face, extra, state=st, regions=False, stored=True)[0])
        entry["status"] = "not tested"
        words = MOVEMENT_TESTS[st][1] if is_move else f"ranges {STATE_WORDS[st]}"
        entry["note"] = (f"healthy {words} rest on {n} people "
                         f"(fewer than {cfg.min_tested_subjects}): shown, not tested")
        signs.append(entry)
    return signs, tested, []


def norm_screen(
    features: Mapping[str, float | None], *, quality: Mapping[str, Any] | None = None,
    cfg: ScreenConfig = ScreenConfig(), kind: str = "video", state: str = "rest",
    baseline: Mapping[str, float] | None = None,
) -> dict[str, Any]:
    """Screen one case against the healthy normal ranges.

    Parameters
    ----------
    features : flat case features as in ``features.json`` (``face_*`` with IPU / deg
        values, ``speech_*``); may be empty (unusable recording).
    quality : ``quality.json`` content (``verdict``, ``n_kept``, ``reasons``) or None.
    kind : "video" (face values are medians over frames: averaged landmarker noise; the
        smile / eye-closure / speech states' stored scores join when present) or "photo"
        (one frame, in ``state``).
    state : a photo's estimated face state (:func:`strokescreen.features.states.photo_state`).
    baseline : the same person's earlier measures (:func:`strokescreen.screen.baseline.
        baseline_values`): a change beyond their repeatability is a sign (one more sign
        family, ``kind`` "baseline").

    Returns
    -------
    dict: ``method``, ``label``, ``decision`` (``signs present`` / ``no signs found`` /
    ``cannot tell``), ``decision_text``, ``reasons``, ``drivers`` (names of the signs
    that drove the decision), ``signs`` (name, label, value, unit, normal_low,
    normal_high, direction, state (face), status in ``sign`` / ``borderline`` /
    ``within`` / ``not assessed`` / ``not tested``), ``operating_point`` and
    ``disclaimer``.
    """
    q = dict(quality or {})
    face = {k[len("face_"):]: (np.nan if v is None else float(v))
            for k, v in features.items() if k.startswith("face_")}
    speech = {k: (np.nan if v is None else float(v))
              for k, v in features.items() if k.startswith("speech_")}
    if baseline is not None:
        cfg = replace(cfg, n_families=cfg.n_families + 1)
    face_part, tested, notes = _face_part(face, kind=kind, state=state, cfg=cfg)
    op = operating_point(cfg, face_states=tested or ("rest",))
    # quality.json says speech_s null only when the recording has no soundtrack
    signs = face_part + speech_signs(speech, op, min_speech_s=cfg.min_speech_s,
                                     heard_s=q.get("speech_s"),
                                     no_soundtrack="speech_s" in q and q["speech_s"] is None)
    if baseline is not None:
        from strokescreen.screen.baseline import baseline_signs

        signs += baseline_signs(face, baseline, level=op["per_family_level"],
                                confidence=cfg.confidence)
    reasons: list[str] = list(notes)
    n_kept = q.get("n_kept")
    if q.get("verdict") == "unusable":
        reasons.append("the recording is not usable: "
                       + "; ".join(q.get("reasons") or ["no usable face"]))
    elif n_kept is not None and int(n_kept) < cfg.min_kept_frames:
        reasons.append(f"only {int(n_kept)} face frames kept (minimum {cfg.min_kept_frames})")
    elif not notes and (not face_part or face_part[0]["status"] == "not assessed"):
        reasons.append("facial asymmetry could not be scored")
    present = [s for s in signs if s["status"] == "sign"]
    borderline = [s for s in signs if s["status"] == "borderline"]
    unchecked = [s for s in signs if s["kind"] == "speech" and s["status"] == "not assessed"]
    if reasons:
        decision, drivers = CANNOT_TELL, []
    elif present:
        decision, drivers = SIGNS_PRESENT, present
    elif borderline or unchecked:
        decision, drivers = CANNOT_TELL, borderline
        reasons += [f"borderline: {_describe(s)}" for s in borderline]
        if unchecked:
            reasons.append(f"speech signs not checked: {unchecked[0]['note']}; record the "
                           "person speaking the task sentences")
    else:
        decision, drivers = NO_SIGNS, []
    if decision == SIGNS_PRESENT:
        text = ("Signs present: " + "; ".join(_describe(s) for s in drivers)
                + ". Stroke signs are suggested; assess the patient now.")
    elif decision == NO_SIGNS:
        text = ("No signs found: facial asymmetry and speech rate are within the healthy "
                "ranges. This does not rule out a stroke.")
    else:
        text = "Cannot tell: " + "; ".join(reasons) + "."
    text += f" ({SCREEN_LABEL}; {DISCLAIMER_SHORT}.)"
    return {
        "method": SCREEN_METHOD, "label": SCREEN_LABEL, "decision": decision,
        "decision_text": text, "reasons": reasons,
        "drivers": [s["name"] for s in drivers], "signs": signs,
        "operating_point": op, "disclaimer": DISCLAIMER_SHORT,
    }
