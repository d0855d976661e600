"""What the per-case report shows about the face: per-frame asymmetry, the weaker side,
and the key frames to draw.

Pure functions over landmarks and measure dictionaries; no files. Sides are the
subject's own (``"left"`` / ``"right"``), never the image's.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from strokescreen.features.asymmetry import asymmetry_scores
from strokescreen.features.face_measures import measures_from_normalised
from strokescreen.features.normalise import normalise_face
from strokescreen.features.normals import face_normals, normal_scale

#: rest frames: kept frames whose mouth opening is at or below this percentile
#: (as in :func:`strokescreen.features.case_features.case_face_features`)
REST_PERCENTILE = 30.0

#: per-frame asymmetry series drawn over time: name -> plot label
TIME_SERIES: dict[str, str] = {
    "mouth_corner_height_lr_mm": "mouth-corner height\nleft − right (mm)",
    "smile_excursion_lr_mm": "mouth-corner movement\nleft − right (mm)",
    "mouth_tilt_deg": "mouth tilt (deg)",
    "eye_opening_lr_mm": "eye opening\nleft − right (mm)",
    "brow_height_lr_mm": "brow height\nleft − right (mm)",
}

#: |combined z| at which a side is called (slight / clear)
SLIGHT_Z = 1.0
CLEAR_Z = 2.0


def frame_series(
    landmarks: np.ndarray, kept: np.ndarray, *, scheme: str = "mp478"
) -> tuple[dict[str, np.ndarray], np.ndarray, float]:
    """Per-frame facial measures with the rest position taken from the rest frames.

    Parameters
    ----------
    landmarks : ndarray, shape (n_frames, n_points, 2|3), pixels, NaN where no face
    kept : bool ndarray, shape (n_frames,), frames that passed frame proposal

    Returns
    -------
    (measures name -> ndarray (n_frames,), rest mask (n_frames,) bool, ipd_mm)
    """
    arr = np.asarray(landmarks, dtype=float)
    use = np.asarray(kept, bool) & np.all(np.isfinite(arr[..., :2]), axis=(1, 2))
    face = normalise_face(arr, scheme=scheme)
    first = measures_from_normalised(face)
    rest = np.zeros(len(use), bool)
    if use.any():
        opening = first["mouth_opening_ipu"]
        rest = use & (opening <= np.percentile(opening[use], REST_PERCENTILE))
    per_frame = measures_from_normalised(face, rest=rest if rest.any() else None)
    return per_frame, rest, float(face.ipd_mm)


def normal_bands(names: list[str], *, ipd_mm: float) -> dict[str, tuple[float, float]]:
    """Normal range (low, high) of each name that has one, lengths in mm at ``ipd_mm``."""
    normals = face_normals(ipd_mm=ipd_mm)
    return {n: (normals[n][0], normals[n][1]) for n in names if n in normals}


def _value(measures: dict[str, dict[str, Any]], name: str) -> float | None:
    v = (measures.get(name) or {}).get("value")
    return float(v) if v is not None and math.isfinite(float(v)) else None


def _z(name: str, value: float | None) -> float | None:
    ns = normal_scale(name)
    if value is None or ns is None or ns[1] <= 0:
        return None
    return (value - ns[0]) / ns[1]


def _side_word(sign: float) -> str:
    return "left" if sign > 0 else "right"


def affected_side(measures: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The subject's weaker side from mouth-corner height and movement.

    A left weakness shows as a lower left commissure (``mouth_corner_height_lr`` > 0,
    left - right, larger = lower) and a smaller left excursion (``smile_excursion_lr`` < 0).
    Each is turned into a z-score against healthy faces; their mean, signed towards the
    left, decides the side. ``strength`` is ``"clear"`` when a measure is outside its
    normal range on that side or |z| >= 2, ``"slight"`` when |z| >= 1, else ``"none"``
    (and ``side`` is None).

    measures : name -> entry as in ``strokescreen measure --json`` (value, normal range,
        out_of_range), case level.
    """
    h_ipu = _value(measures, "mouth_corner_height_lr_ipu")
    e_ipu = _value(measures, "smile_excursion_lr_ipu")
    h_mm = _value(measures, "mouth_corner_height_lr_mm")
    e_mm = _value(measures, "smile_excursion_lr_mm")
    zs = []
    z_h, z_e = _z("mouth_corner_height_lr_ipu", h_ipu), _z("smile_excursion_lr_ipu", e_ipu)
    if z_h is not None:
        zs.append(z_h)
    if z_e is not None:
        zs.append(-z_e)  # a smaller left excursion points to the left
    lower = None if h_ipu is None or h_ipu == 0 else _side_word(h_ipu)
    smaller = None if e_ipu is None or e_ipu == 0 else _side_word(-e_ipu)
    out: dict[str, Any] = {
        "side": None, "strength": "none", "score_z": None,
        "commissure_lower": lower, "excursion_smaller": smaller,
        "commissure_height_difference_mm": h_mm, "excursion_difference_mm": e_mm,
        "basis": "mouth-corner (commissure) height and movement, left vs right, "
                 "against healthy faces",
    }
    if not zs:
        out["sentence"] = "The weaker side could not be judged: the mouth corners were not measured."
        return out
    score = float(np.mean(zs))
    out["score_z"] = score
    side = _side_word(score)
    flagged = [
        n for n, sign in (("mouth_corner_height_lr_ipu", 1.0), ("smile_excursion_lr_ipu", -1.0))
        if (measures.get(n) or {}).get("out_of_range") and _value(measures, n) is not None
        and _side_word(sign * float(_value(measures, n) or 0.0)) == side
    ]
    if flagged or abs(score) >= CLEAR_Z:
        strength = "clear"
    elif abs(score) >= SLIGHT_Z:
        strength = "slight"
    else:
        strength = "none"
    details = []
    if h_mm is not None and lower is not None:
        details.append(f"the {lower} mouth corner sits {abs(h_mm):.1f} mm lower than the other")
    if e_mm is not None and smaller is not None:
        details.append(f"the {smaller} corner moves {abs(e_mm):.1f} mm less")
    detail = " and ".join(details)
    if strength == "none":
        out["sentence"] = (f"No clearly weaker side: mouth-corner height and movement are within "
                           f"the range of healthy faces ({detail}).")
        return out
    out.update(side=side, strength=strength)
    if flagged:
        where = "outside the normal range"
    elif strength == "clear":
        where = "beyond most healthy faces"
    else:
        where = "a slight difference, near the edge of the normal range"
    out["sentence"] = f"Weaker side: subject's {side} ({strength}): {detail} ({where})."
    return out


def key_frames(
    per_frame: dict[str, np.ndarray], kept: np.ndarray, rest: np.ndarray, *,
    min_gap_frames: int = 10,
) -> list[tuple[int, str]]:
    """Up to three frames to show: at rest, largest movement, most asymmetric mouth.

    per_frame : measures name -> ndarray (n_frames,) from :func:`frame_series`.
    kept, rest : bool ndarrays (n_frames,).
    Returns [(frame position, label)], distinct positions at least ``min_gap_frames``
    apart (fewer when the recording is too short), ordered in time.
    """
    kept = np.asarray(kept, bool)
    height = per_frame["mouth_corner_height_lr_ipu"]
    ok = kept & np.isfinite(height)
    if not ok.any():
        return []
    chosen: list[tuple[int, str]] = []

    def pick(score: np.ndarray, mask: np.ndarray, label: str) -> None:
        s = np.where(mask & np.isfinite(score), score, -np.inf)
        for pos, _ in chosen:
            s[max(pos - min_gap_frames + 1, 0): pos + min_gap_frames] = -np.inf
        if np.isfinite(s).any():
            chosen.append((int(np.argmax(s)), label))

    rest_ok = np.asarray(rest, bool) & ok
    if rest_ok.any():
        centre = np.median(height[rest_ok])
        pick(-np.abs(height - centre), rest_ok, "at rest")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        movement = per_frame["smile_excursion_r_ipu"] + per_frame["smile_excursion_l_ipu"]
        pick(movement, ok, "largest movement")
        mouth = np.asarray(asymmetry_scores(
            {k: per_frame[k] for k in ("mouth_corner_height_lr_ipu", "mouth_tilt_deg",
                                       "smile_excursion_lr_ipu", "lip_height_lr_ipu")}
        )["mouth_score"], dtype=float)
    pick(mouth, ok, "most asymmetric mouth")
    return sorted(chosen)


def region_summary(region_scores: dict[str, float | None]) -> str:
    """One sentence on which palsy region (mouth, eye, brow) is most asymmetric.

    Scores are equivalent |z| against healthy faces (see
    :mod:`strokescreen.features.asymmetry`); the midline score is named as a head-turn
    hint, never as the most asymmetric region.
    """
    from strokescreen.features.asymmetry import PALSY_REGIONS

    finite = {k.removesuffix("_score"): v for k, v in region_scores.items()
              if v is not None and math.isfinite(v)}
    palsy = {k: v for k, v in finite.items() if k in PALSY_REGIONS}
    if not palsy:
        return "Region asymmetry could not be scored."
    top = max(palsy, key=lambda k: palsy[k])
    parts = ", ".join(f"{k} {v:.1f}" for k, v in palsy.items())
    text = (f"Most asymmetric region: {top} (region scores, equivalent |z| against healthy "
            f"faces; 95 % of healthy faces score under 2.0: {parts}).")
    if "midline" in finite:
        text += (f" Midline (nose, philtrum) {finite['midline']:.1f}: follows head turn, a "
                 "pose hint, not a sign.")
    return text
