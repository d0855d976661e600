"""Operating characteristics of the norm-based screen's face part on real healthy faces.

Leave-one-subject-out (a maintainer's module, used by ``benchmarks/norm_screen_operating.py``
and the tests): each healthy subject at rest is held out, the rest ranges are rebuilt from
the others (same construction as the shipped file), and the held-out face is scored as it
is (healthy) and with a droop planted on its own landmarks -- its own natural asymmetry
included. Faces known from hand-placed or annotated points (MEEI, takeo) get the measured
landmarker noise of a video's median drawn on top; video faces already carry MediaPipe's.
No synthetic face is involved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats

from strokescreen.face.schemes import named_points, point_indices
from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.face_measures import MEASURES, face_measures
from tools.normal_ranges import derive_normals

STATIC_ASYMMETRY = tuple(n for names in ASYMMETRY_MEASURES.values() for n in names
                         if n in MEASURES and not MEASURES[n].dynamic)


@dataclass(frozen=True)
class HeldOutFace:
    """One healthy subject's rest landmarks: (n_frames, n_points, D) pixels; ``annotated``
    when the points are hand-placed / annotated (noise is drawn on top)."""

    subject: str
    landmarks: np.ndarray
    scheme: str
    annotated: bool


def plant_droop(landmarks: np.ndarray, mm: float, *, scheme: str, side: str = "r",
                ipd_mm: float = 63.0) -> np.ndarray:
    """The subject's ``side`` commissure moved ``mm`` towards the chin (perpendicular to the
    pupil line), per frame; ``ipd_mm`` converts mm to the face's pixels."""
    arr = np.array(landmarks, dtype=float, copy=True)
    if arr.ndim == 2:
        arr = arr[None]
    p = named_points(arr, scheme=scheme)
    d = p["pupil_l"][:, :2] - p["pupil_r"][:, :2]
    ipd = np.hypot(d[:, 0], d[:, 1])
    down = np.stack([-d[:, 1], d[:, 0]], axis=-1) / ipd[:, None]  # image y down
    shift = down * (mm * ipd / ipd_mm)[:, None]
    idx = list(point_indices(f"mouth_corner_{side}", scheme=scheme))
    if scheme == "ibug68":
        idx.append(60 if side == "r" else 64)  # the inner corner follows
    for i in idx:
        arr[:, i, :2] += shift
    return arr


def face_values(face: HeldOutFace, droop_mm: float = 0.0, side: str = "r") -> dict[str, float]:
    """Static asymmetry measures of the face (median over its frames), droop planted."""
    lm = plant_droop(face.landmarks, droop_mm, scheme=face.scheme, side=side)
    m = face_measures(lm, scheme=face.scheme)
    return {k: float(np.nanmedian(m[k])) for k in STATIC_ASYMMETRY}


def face_bounds(n: int, *, level: float, confidence: float = 0.95) -> tuple[float, float]:
    """(borderline, sign) bounds of the index for ranges from ``n`` subjects at ``level``."""
    z = float(stats.norm.isf(level / 2))
    return z, z * float(np.sqrt(n / stats.chi2.ppf(1 - confidence, n)))


def loso_operating(faces: Sequence[HeldOutFace], rest_values: Mapping[str, Mapping[str, float]],
                   noise: Mapping[str, float], noise_averaged: Mapping[str, float], *,
                   droops_mm: Sequence[float] = (0.0, 1.5, 3.0, 5.0), level: float,
                   draws: int = 50, seed: int = 0) -> dict[str, Any]:
    """Share of held-out faces flagged per planted droop (both sides, noise draws).

    ``rest_values``: every rest subject's static values (the ranges' sample); the held-out
    face's own entry is dropped before its ranges are built. Returns {"per_droop": {mm:
    {"sign": share, "borderline_or_sign": share, "n": count}}, "index": {mm: [values]}}.
    """
    rng = np.random.default_rng(seed)
    per: dict[float, dict[str, float]] = {}
    index: dict[float, list[float]] = {float(d): [] for d in droops_mm}
    for face in faces:
        others = {k: v for k, v in rest_values.items() if k != face.subject}
        ranges = derive_normals(others, noise=dict(noise), noise_averaged=dict(noise_averaged))
        scales = {k: (r["centre"], r["scale_averaged"]) for k, r in ranges.items()}
        n = len(others)
        lo, hi = face_bounds(n, level=level)
        sd = np.array([noise_averaged.get(k, 0.0) if face.annotated else 0.0
                       for k in STATIC_ASYMMETRY])
        for droop in droops_mm:
            for side in ("r", "l"):
                base = face_values(face, droop, side)
                vec = np.array([base[k] for k in STATIC_ASYMMETRY])
                k_draws = draws if face.annotated else 1
                sample = vec[None] + rng.standard_normal((k_draws, vec.size)) * sd[None]
                vals = {k: sample[:, i] for i, k in enumerate(STATIC_ASYMMETRY)}
                idx = np.asarray(asymmetry_scores(vals, normals=scales)["asymmetry_index"])
                rec = per.setdefault(float(droop), {"sign": 0.0, "borderline_or_sign": 0.0,
                                                    "n": 0.0})
                w = 1.0 / (2 * k_draws)  # each face and droop weighs the same
                rec["sign"] += w * float(np.sum(idx > hi))
                rec["borderline_or_sign"] += w * float(np.sum(idx > lo))
                rec["n"] += w * k_draws
                index[float(droop)].extend(idx.tolist())
    out = {d: {"sign": r["sign"] / r["n"], "borderline_or_sign": r["borderline_or_sign"] / r["n"],
               "n": int(round(r["n"]))} for d, r in per.items()}
    return {"per_droop": out, "index": index}


def loso_coverage(values: Mapping[str, Mapping[str, float]], noise: Mapping[str, float],
                  noise_averaged: Mapping[str, float], *, video_subjects: Sequence[str] = ()
                  ) -> list[tuple[str, str, float, float, float]]:
    """Measures of each held-out subject outside the ranges built from the others.

    ``values``: observation id (``subject`` or ``subject/expression``) -> measures. Video
    subjects are checked against the averaged range, the others against one frame's.
    Returns (observation, measure, value, low, high) for every miss.
    """
    def subject(key: str) -> str:
        return key.split("/")[0]

    misses = []
    for held in sorted({subject(k) for k in values}):
        others = {k: v for k, v in values.items() if subject(k) != held}
        ranges = derive_normals(others, noise=dict(noise), noise_averaged=dict(noise_averaged),
                                subject_of=subject)
        for key, own in values.items():
            if subject(key) != held:
                continue
            suffix = "_averaged" if held in video_subjects else ""
            for name, r in ranges.items():
                v = own.get(name)
                if v is not None and np.isfinite(v) and not (
                        r["low" + suffix] <= v <= r["high" + suffix]):
                    misses.append((key, name, float(v), r["low" + suffix], r["high" + suffix]))
    return misses


def shipped_inputs(csv_path: str) -> dict[str, Any]:
    """What the shipped ``face_normals.json`` was built from: per state the observations
    (MEEI from the CSV, the rest from the provenance) and the landmarker noise."""
    from strokescreen.features.normals import face_normals_data
    from strokescreen.features.states import STATES
    from tools.state_normals import _noise_for, meei_state_values

    prov = face_normals_data()["provenance"]
    meei, _ = meei_state_values(csv_path)
    out: dict[str, Any] = {}
    for state in STATES:
        obs = dict(meei[state])
        obs.update(prov["video_subject_values"].get(state, {}))
        frame, avg, _ = _noise_for(state, prov["landmarker_noise"])
        out[state] = {"values": obs, "noise": frame, "noise_averaged": avg,
                      "video_subjects": sorted(prov["video_subject_values"].get(state, {}))}
    return out


#: excursion lost per mm of droop on the weak side: the synthetic generator's stated
#: coupling (``SynthConfig`` preset "realistic": ``exc_loss_per_mm`` = 0.13, i.e. a 3 mm
#: droop with 39 % of the smile movement lost). No published droop-to-excursion figure
#: was found; this is an assumption, stated where it is used.
EXC_LOSS_PER_MM = 0.13


def plant_weakness(landmarks: np.ndarray, mm: float, *, scheme: str, rest: np.ndarray,
                   side: str = "r", loss: float | None = None,
                   ipd_mm: float = 63.0) -> np.ndarray:
    """A weak ``side``: its commissure's movement from the rest position (relative to the
    pupils' midpoint, so that head translation stays) scaled by ``1 - loss`` (default
    ``EXC_LOSS_PER_MM * mm``, at most 0.9), then ``mm`` of droop."""
    arr = np.array(landmarks, dtype=float, copy=True)
    if arr.ndim == 2:
        arr = arr[None]
    loss = min(EXC_LOSS_PER_MM * mm, 0.9) if loss is None else loss
    idx = list(point_indices(f"mouth_corner_{side}", scheme=scheme))
    if scheme == "ibug68":
        idx.append(60 if side == "r" else 64)
    rest = np.asarray(rest, bool)
    p = named_points(arr, scheme=scheme)
    centre = (p["pupil_r"][:, :2] + p["pupil_l"][:, :2]) / 2  # head translation cancels
    for i in idx:
        rel = arr[:, i, :2] - centre
        home = np.nanmedian(rel[rest], axis=0)
        arr[:, i, :2] = centre + home + (1.0 - loss) * (rel - home)
    return plant_droop(arr, mm, scheme=scheme, side=side, ipd_mm=ipd_mm)
