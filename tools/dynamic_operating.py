"""Operating characteristics of the movement sign and the per-person baseline (a
maintainer's module for ``benchmarks/norm_screen_operating.py``; screening aid, not a
diagnosis).

- :func:`real_weakness_rates`: real healthy faces that show a rest and a smile (MEEI rest ->
  large smile photo pairs, the real videos with smile frames), a weakness planted on their
  own landmarks (:func:`tools.screen_operating.plant_weakness`: droop and the weak corner's
  movement reduced by the generator's stated 13 % per mm), each face held out of both the
  rest ranges and the movement range it is scored against (leave-one-subject-out);
- :func:`real_baseline_rates`: the real healthy videos, each clip's first half of every
  state's frames as the baseline and its second half as the new recording, with and
  without a planted weakness;
- :func:`cohort_rows`: the SYNTHETIC cohort's cases through the screen static-only, with
  the movement sign, and with the subject's other recording as baseline.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import numpy as np

from strokescreen.features.asymmetry import asymmetry_scores
from strokescreen.features.face_measures import face_measures
from strokescreen.features.movement import normalised_difference
from strokescreen.screen import ScreenConfig, norm_screen, operating_point
from strokescreen.screen.baseline import BASELINE_MEASURES, baseline_signs
from tools.normal_ranges import derive_normals
from tools.screen_operating import STATIC_ASYMMETRY, face_bounds, plant_weakness

MOVE = "smile_corner_movement_lr_nd"
HEIGHT = "mouth_corner_height_lr_ipu"


def _face_level(n_tests: int) -> float:
    a = operating_point(ScreenConfig())["per_family_level"]
    return -float(np.expm1(np.log1p(-a) / n_tests))


def smile_faces(real_csv: str, videos: Mapping[str, np.ndarray]
                ) -> list[tuple[str, np.ndarray, np.ndarray, str]]:
    """(subject, landmarks, rest mask, scheme): MEEI [rest, large smile] pairs and the real
    videos' frames (frontal ones; states as the pipeline labels them)."""
    from tools.dynamic_normals import moving_states
    from tools.normal_ranges import infer_meei_expressions, read_meei_csv

    lm, subj, expr = read_meei_csv(real_csv)
    names = infer_meei_expressions(lm, expr)
    nm = np.array([names[int(e)] for e in expr])
    out = []
    for s in sorted(set(subj.tolist())):
        pair = np.stack([lm[(subj == s) & (nm == e)][0] for e in ("rest", "smile_large")])
        out.append((f"meei{s}", pair, np.array([True, False]), "ibug68"))
    for person, mp in videos.items():
        _, states, frontal = moving_states(mp)
        keep = frontal & np.isin(states, ("rest", "smile"))
        out.append((person, mp[keep], states[keep] == "rest", "mp478"))
    return out


def _values(lm: np.ndarray, rest: np.ndarray, scheme: str) -> dict[str, float]:
    m = face_measures(lm, scheme=scheme, rest=rest)
    out = {k: float(np.nanmedian(m[k][rest])) for k in STATIC_ASYMMETRY}
    smile = ~rest
    out[MOVE] = normalised_difference(float(np.nanmedian(m["smile_excursion_l_ipu"][smile])),
                                      float(np.nanmedian(m["smile_excursion_r_ipu"][smile])))
    return out


def real_weakness_rates(faces: Sequence[tuple[str, np.ndarray, np.ndarray, str]],
                        rest_values: Mapping[str, Mapping[str, float]],
                        noise: Mapping[str, float], noise_averaged: Mapping[str, float],
                        move_values: Mapping[str, float], *,
                        droops_mm: Sequence[float] = (0.0, 1.5, 3.0, 5.0)) -> dict[float, Any]:
    """Per planted droop: share flagged (sign; sign or borderline) static-only (rest index,
    1 face test), with the movement sign alone (rest + smile movement; the face family
    split over the 3 tests of a video with a smile: rest, smile state, smile movement) and
    with the movement read together with the rest droop in place of it (``comb``, the
    shipped test: :mod:`strokescreen.screen.combined`, held-out scales)."""
    out: dict[float, Any] = {}
    lvl1, lvl3 = _face_level(1), _face_level(3)
    for d in droops_mm:
        rec = {"static_sign": [], "static_flag": [], "dyn_sign": [], "dyn_flag": [],
               "comb_sign": [], "comb_flag": [], "move_z": []}
        for subject, lm, rest, scheme in faces:
            others = {k: v for k, v in rest_values.items() if k != subject}
            ranges = derive_normals(others, noise=dict(noise), noise_averaged=dict(noise_averaged))
            scales = {k: (r["centre"], r["scale_averaged"]) for k, r in ranges.items()}
            mv = [v for k, v in move_values.items() if k != subject]
            m_scale, m_n = float(np.sqrt(np.mean(np.square(mv)))), len(mv)
            for side in ("r", "l"):
                v = _values(plant_weakness(lm, d, scheme=scheme, rest=rest, side=side),
                            rest, scheme)
                idx = float(asymmetry_scores(v, normals=scales)["asymmetry_index"])
                lo1, hi1 = face_bounds(len(others), level=lvl1)
                lo3, hi3 = face_bounds(len(others), level=lvl3)
                mlo, mhi = face_bounds(m_n, level=lvl3)
                mz = abs(v[MOVE]) / m_scale if np.isfinite(v[MOVE]) else 0.0
                h_centre, h_scale = scales[HEIGHT]
                zc = (abs((v[MOVE] / m_scale - (v[HEIGHT] - h_centre) / h_scale) / np.sqrt(2))
                      if np.isfinite(v[MOVE]) else 0.0)
                clo, chi = face_bounds(min(m_n, len(others)), level=lvl3)
                rec["comb_sign"].append(idx > hi3 or zc > chi)
                rec["comb_flag"].append(idx > lo3 or zc > clo)
                rec["static_sign"].append(idx > hi1)
                rec["static_flag"].append(idx > lo1)
                rec["dyn_sign"].append(idx > hi3 or mz > mhi)
                rec["dyn_flag"].append(idx > lo3 or mz > mlo)
                rec["move_z"].append(mz)
        out[float(d)] = {k: float(np.mean(v)) if k != "move_z" else float(np.median(v))
                         for k, v in rec.items()} | {"n": len(rec["move_z"])}
    return out


def real_baseline_rates(videos: Mapping[str, np.ndarray], *,
                        droops_mm: Sequence[float] = (0.0, 1.5, 3.0, 5.0)) -> dict[float, Any]:
    """Per planted droop: share of the real clips whose second half, weakness planted,
    shows a baseline sign / sign or borderline against the first half (both sides)."""
    from strokescreen.features.movement import corner_movement
    from tools.dynamic_normals import moving_states

    level = operating_point(ScreenConfig(n_families=4))["per_family_level"]
    out: dict[float, Any] = {}
    for d in droops_mm:
        sign, flag, n = 0, 0, 0
        for mp in videos.values():
            states, _, frontal = moving_states(mp)
            first = np.zeros(len(mp), bool)
            for st in np.unique(states):
                idx = np.flatnonzero(frontal & (states == st))
                first[idx[: len(idx) // 2]] = True
            rest = frontal & (states == "rest")
            for side in ("r", "l"):
                lm = plant_weakness(mp, d, scheme="mp478", rest=rest, side=side)
                vals = []
                for half, src in ((first, mp), (~first, lm)):
                    r = rest & half
                    m = face_measures(src, scheme="mp478", rest=r)
                    v = {k: float(np.nanmedian(m[k][r])) for k in BASELINE_MEASURES if k in m}
                    moving = moving_states(src)[1]  # as the planted face's frames read
                    v.update(corner_movement(m["smile_excursion_r_ipu"],
                                             m["smile_excursion_l_ipu"], moving, frontal & half))
                    vals.append(v)
                if sum(rest & first) < 3 or sum(rest & ~first) < 3:
                    continue
                got = baseline_signs(vals[1], vals[0], level=level)
                sign += any(s["status"] == "sign" for s in got)
                flag += any(s["status"] in ("sign", "borderline") for s in got)
                n += 1
        out[float(d)] = {"sign": sign / max(n, 1), "flag": flag / max(n, 1), "n": n}
    return out


def cohort_rows(df: Any, feats: Sequence[str]) -> list[dict[str, Any]]:
    """Each case through the screen: static only, with the movement sign, and with the
    subject's other recording as its baseline."""
    dyn = [c for c in feats if "corner_movement" in c]
    by_subject = {sid: g for sid, g in df.groupby("subject_id")}
    rows = []
    for _, r in df.iterrows():
        quality = {"verdict": "good", "n_kept": r.get("n_kept", 100), "reasons": []}
        full = {c: r[c] for c in feats}
        static = {c: (np.nan if c in dyn else v) for c, v in full.items()}
        other = by_subject[r["subject_id"]]
        other = other[other["case_id"] != r["case_id"]]
        base = ({k: float(other.iloc[0][f"face_{k}"]) for k in BASELINE_MEASURES
                 if f"face_{k}" in other} if len(other) else None)
        res = {name: norm_screen(f, quality=quality, baseline=b)
               for name, f, b in (("static", static, None), ("dynamic", full, None),
                                  ("baseline", full, base))}
        row = {"droop_mm": r["droop_mm"], "dys": r["dysarthria"],
               "condition": r["condition"]}
        for name, got in res.items():
            face = [s for s in got["signs"] if s["kind"] in ("face", "baseline")]
            row[f"{name}_sign"] = any(s["status"] == "sign" for s in face)
            row[f"{name}_flag"] = any(s["status"] in ("sign", "borderline") for s in face)
            row[f"{name}_present"] = got["decision"] == "signs present"
        rows.append(row)
    return rows


def _case_features(lm: np.ndarray, t: np.ndarray, kept: np.ndarray) -> dict[str, float]:
    from strokescreen.features.case_features import case_face_features

    return case_face_features(lm, t_s=t, kept=kept, scheme="mp478")


def _rest_mask(lm: np.ndarray, kept: np.ndarray) -> np.ndarray:
    from strokescreen.features.face_measures import measures_from_normalised
    from strokescreen.features.normalise import normalise_face
    from strokescreen.features.states import classify_states, own_reference, state_summaries

    use = kept & np.all(np.isfinite(lm[..., :2]), axis=(1, 2))
    summ = state_summaries(measures_from_normalised(normalise_face(lm, scheme="mp478")))
    return use & (classify_states(summ, own_reference(summ, use)) == "rest")


def synthetic_planted_rows(cases_dir: Any, truth: Any, *,
                           droops_mm: Sequence[float] = (0.0, 1.5, 3.0, 5.0),
                           speech: Mapping[str, Mapping[str, float]] | None = None
                           ) -> list[dict[str, Any]]:
    """SYNTHETIC healthy subjects with two recordings: a weakness planted on the landmarks
    of the second (as on the real faces), screened static-only, with the movement sign,
    and with the first recording as the baseline (a true pre-weakness baseline)."""
    import pandas as pd

    from strokescreen.preprocess.artifacts import load_case

    tr = pd.read_csv(truth)
    healthy = tr[tr["condition"] == "healthy"].groupby("subject_id")["case_id"].apply(sorted)
    quality = {"verdict": "good", "n_kept": 100, "reasons": []}
    rows = []
    for subject, cases in healthy.items():
        if len(cases) != 2:
            continue
        first, second = (load_case(cases_dir / c, crops=False) for c in cases)
        f0 = _case_features(np.asarray(first.landmarks, float), first.t, first.kept)
        base = {k: f0.get(f"face_{k}", np.nan) for k in BASELINE_MEASURES}
        lm = np.asarray(second.landmarks, float)
        rest = _rest_mask(lm, second.kept)
        sp = dict((speech or {}).get(cases[1], {}))
        for d in droops_mm:
            for side in ("r", "l"):
                f = _case_features(plant_weakness(lm, d, scheme="mp478", rest=rest, side=side),
                                   second.t, second.kept)
                f.update(sp)
                static = {k: (np.nan if "corner_movement" in k else v) for k, v in f.items()}
                row: dict[str, Any] = {"subject": subject, "droop_mm": d, "side": side}
                for name, feats, b in (("static", static, None), ("dynamic", f, None),
                                       ("baseline", f, base)):
                    got = norm_screen(feats, quality=quality, baseline=b)
                    face = [s for s in got["signs"] if s["kind"] in ("face", "baseline")]
                    row[f"{name}_sign"] = any(s["status"] == "sign" for s in face)
                    row[f"{name}_flag"] = any(s["status"] in ("sign", "borderline")
                                              for s in face)
                rows.append(row)
    return rows
