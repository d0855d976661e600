"""Healthy ranges of the mouth-corner movement signs and the repeatability of a recording's
measures (a maintainer's script; writes ``strokescreen/data/movement_normals.json``).

Usage::

    python -m tools.dynamic_normals [REAL_DIR] [LANDMARK_CACHE] [--synthetic FEATURES TRUTH]

Movement asymmetry (:mod:`strokescreen.features.movement`), healthy faces only, NO synthetic
face:

- MEEI normals: rest -> *large* smile photo pairs of the 10 subjects (a screening recording
  asks for a full smile; the small smile moves the corners about half as far, where the
  ratio carries twice the relative annotation noise);
- the real healthy videos with smile frames (single_face, wolfgang_langer, face_noface)
  and with speech frames (the GRID people, wolfgang_langer): MediaPipe on every frame
  (:mod:`tools.collect_landmarks`), states as the pipeline labels them, per person.

Signed, centred on 0 (the mirror image of a healthy face is as healthy): scale = RMS over
the observations, n = distinct people (as for the face states, ``docs/normal_ranges.md``).

Repeatability of a recording's value (the noise of a per-person baseline comparison):

- **split-half** on the real videos: the clip's frames of the state cut into two
  consecutive halves; each half's median has SD sqrt(2) s for a whole clip's s, and their
  difference 2 s: ``s = RMS(difference) / 2``;
- the **real repeat pair**: the man of pwij3p and id2_vcd_swwp2s, two clips;
- **synthetic repeat recordings** (``--synthetic``): the two recordings of each healthy
  synthetic subject, ``s = RMS(difference) / sqrt(2)``.

The screen uses, per measure, the largest of these (with the n behind it).
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.features.face_measures import face_measures
from strokescreen.features.movement import (
    MOVEMENT_SIGNS,
    corner_movement,
    movement_states,
    normalised_difference,
)

#: measures a baseline comparison looks at (rest medians; the smile movement)
BASELINE_MEASURES: tuple[str, ...] = (
    "mouth_corner_height_lr_ipu", "mouth_tilt_deg", "lip_height_lr_ipu",
    "eye_opening_lr_ipu", "brow_height_lr_ipu", "smile_corner_movement_lr_nd",
)
REPEAT_PAIR = ("grid/pwij3p.mpg", "grid/id2_vcd_swwp2s.mpg")


def meei_movement(csv_path: Path) -> dict[str, float]:
    """``meei<S>`` -> smile movement asymmetry, rest -> large smile photo."""
    from tools.normal_ranges import infer_meei_expressions, read_meei_csv

    lm, subj, expr = read_meei_csv(csv_path)
    names = infer_meei_expressions(lm, expr)
    nm = np.array([names[int(e)] for e in expr])
    out = {}
    for s in sorted(set(subj.tolist())):
        rest = lm[(subj == s) & (nm == "rest")][0]
        smile = lm[(subj == s) & (nm == "smile_large")][0]
        m = face_measures(np.stack([rest, smile]), scheme="ibug68",
                          rest=np.array([True, False]))
        out[f"meei{s}"] = normalised_difference(float(m["smile_excursion_l_ipu"][1]),
                                                float(m["smile_excursion_r_ipu"][1]))
    return out


def moving_states(mp478: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(states, states with either-corner smiles (:func:`movement_states`), frontal mask)."""
    from strokescreen.features.states import own_reference, state_summaries
    from tools.landmark_noise import video_states

    m, states, frontal = video_states(mp478)
    summ = state_summaries(m)
    moving = movement_states(states, m["mouth_corner_height_r_ipu"],
                             m["mouth_corner_height_l_ipu"], summ["width"],
                             own_reference(summ, frontal))
    return states, moving, frontal


def video_measures(mp478: np.ndarray, sel: np.ndarray | None = None) -> dict[str, float]:
    """A clip's baseline measures and movement signs (frames ``sel`` only; default all)."""
    states, moving, frontal = moving_states(mp478)
    use = frontal if sel is None else frontal & sel
    rest = use & (states == "rest")
    m = face_measures(mp478, scheme="mp478", rest=rest)
    out = {k: float(np.nanmedian(m[k][rest])) if rest.sum() >= 3 else float("nan")
           for k in BASELINE_MEASURES if k in m}
    out.update(corner_movement(m["smile_excursion_r_ipu"], m["smile_excursion_l_ipu"],
                               moving, use))
    return out


def split_half(mp478: np.ndarray) -> dict[str, float]:
    """Half the difference between the two consecutive halves of each state's frames (the
    first half of the rest frames with the first half of the smile frames, ...), per
    measure."""
    _, states, frontal = moving_states(mp478)
    first = np.zeros(len(mp478), bool)
    for state in np.unique(states):
        idx = np.flatnonzero(frontal & (states == state))
        first[idx[: len(idx) // 2]] = True
    a, b = video_measures(mp478, first), video_measures(mp478, ~first)
    return {k: (a[k] - b[k]) / 2 for k in a}


def _rms(x: list[float]) -> tuple[float, int]:
    v = np.asarray(x, dtype=float)
    v = v[np.isfinite(v)]
    return (float(np.sqrt(np.mean(v**2))) if v.size else float("nan")), int(v.size)


def synthetic_repeatability(features: Path, truth: Path) -> dict[str, tuple[float, int]]:
    """measure -> (s, n subjects) from the healthy synthetic subjects' two recordings."""
    import pandas as pd

    ft = pd.read_parquet(features).drop_duplicates("case_id", keep="last")
    tr = pd.read_csv(truth)[["case_id", "subject_id", "condition"]]
    df = ft.merge(tr, on="case_id")
    out = {}
    for name in BASELINE_MEASURES:
        col = f"face_{name}"
        diffs = []
        for _, g in df.groupby("subject_id"):
            if len(g) == 2 and (g["condition"] == "healthy").all() and col in g:
                v = g[col].to_numpy(float)
                diffs.append(v[0] - v[1])
        s, k = _rms(diffs)
        out[name] = (s / np.sqrt(2), k)
    return out


def build(real: Path, cache: Path, synthetic: tuple[Path, Path] | None) -> dict[str, Any]:
    from tools.collect_landmarks import HEALTHY_VIDEOS
    from tools.landmark_noise import load_videos

    videos = load_videos(cache, HEALTHY_VIDEOS)
    per_person: dict[str, dict[str, list[float]]] = {}
    halves: dict[str, list[float]] = {k: [] for k in BASELINE_MEASURES}
    whole: dict[str, dict[str, float]] = {}
    for rel, (mp, _) in videos.items():
        vals = video_measures(mp)
        whole[rel] = vals
        for sign in MOVEMENT_SIGNS:
            v = vals[f"{sign}_lr_nd"]
            if np.isfinite(v):
                per_person.setdefault(sign, {}).setdefault(HEALTHY_VIDEOS[rel], []).append(v)
        for k, d in split_half(mp).items():
            if k in halves:
                halves[k].append(d)
    signs: dict[str, Any] = {}
    meei = meei_movement(real / "landmarks" / "meei_normals_68.csv")
    for sign, (state, _) in MOVEMENT_SIGNS.items():
        obs = {p: float(np.mean(v)) for p, v in per_person.get(sign, {}).items()}
        if sign == "smile_corner_movement":
            obs = {**meei, **obs}
        scale, n_obs = _rms(list(obs.values()))
        signs[f"{sign}_lr_nd"] = {
            "state": state, "centre": 0.0, "scale": scale, "n_subjects": len(obs),
            "n_observations": n_obs, "unit": "normalised difference (l - r) / (l + r)",
            "values": obs,
            "sources": ("MEEI rest -> large smile pairs (10) and the real healthy videos' "
                        "smile frames" if sign == "smile_corner_movement"
                        else "the real healthy videos' speech frames"),
        }
    repeat: dict[str, Any] = {}
    syn = synthetic_repeatability(*synthetic) if synthetic else {}
    a, b = (whole.get(r) for r in REPEAT_PAIR)
    for k in BASELINE_MEASURES:
        s_half, n_half = _rms(halves[k])
        pair = (abs(a[k] - b[k]) / np.sqrt(2)) if a and b else float("nan")
        # real: the split halves pooled with the one real repeat pair (two clips of one man)
        s_real, n_real = _rms([*halves[k], pair])
        cands = {"real split-half and repeat pair": (s_real, n_real)}
        if k in syn:
            cands["synthetic repeat recordings"] = syn[k]
        finite = ({src: v for src, v in cands.items() if np.isfinite(v[0]) and v[1] >= 3}
                  or {src: v for src, v in cands.items() if np.isfinite(v[0])})
        src, (s, n) = max(finite.items(), key=lambda kv: kv[1][0])
        repeat[k] = {"scale": s, "n": n, "source": src,
                     "real_split_half": s_half, "real_split_half_n": n_half,
                     "real_repeat_pair": pair,
                     "synthetic": syn.get(k, (float("nan"), 0))[0],
                     "synthetic_n": syn.get(k, (float("nan"), 0))[1]}
    return {"provenance": {
        "generated_by": "python -m tools.dynamic_normals",
        "healthy_only": "no synthetic face enters the movement ranges; synthetic repeat "
                        "recordings enter the repeatability only",
        "statistic": "smile: median over smile frames; speech: 90th percentile over "
                     "speech frames; of each commissure's distance from its rest position"},
        "signs": signs, "repeatability": repeat}


def _clean(o: Any) -> Any:
    if isinstance(o, float):
        return None if not np.isfinite(o) else round(o, 6)
    if isinstance(o, Mapping):
        return {k: _clean(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [_clean(v) for v in o]
    return o


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    synthetic = None
    if "--synthetic" in args:
        i = args.index("--synthetic")
        synthetic = (Path(args[i + 1]), Path(args[i + 2]))
        del args[i:i + 3]
    real = Path(args[0]) if args else Path("../shared/data/real")
    cache = Path(args[1]) if len(args) > 1 else Path("landmark_cache")
    data = _clean(build(real, cache, synthetic))
    target = Path(__file__).resolve().parents[1] / "src" / "strokescreen" / "data" / \
        "movement_normals.json"
    target.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    sys.stdout.write(json.dumps(data["repeatability"], indent=1) + "\n")
    for k, r in data["signs"].items():
        sys.stdout.write(f"{k}: scale {r['scale']}, n {r['n_subjects']}\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
