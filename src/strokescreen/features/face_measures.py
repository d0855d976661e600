"""Per-frame facial measures: mouth, eyes, brows, midline; per side and left - right.

Pure functions: landmarks in, arrays out. Landmarks are first normalised
(:func:`strokescreen.features.normalise.normalise_face`): roll removed, pupil-centred,
inter-pupil units (IPU) and millimetres. Sides are the subject's. Every side measure
``<base>_r`` / ``<base>_l`` has a difference ``<base>_lr`` = left - right, so a left-sided
droop (left commissure lower) gives a positive ``mouth_corner_height_lr``; mirroring the
face flips the sign of every ``_lr`` measure and of the signed midline measures.

Names end with their unit: ``_ipu``, ``_mm`` or ``_deg``. :data:`MEASURES` describes each.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from strokescreen.features.normalise import NormalisedFace, normalise_face

SIDES = ("r", "l")
_SIGN = {"r": -1.0, "l": 1.0}  # lateral direction of each side in the face frame (x -> left)


@dataclass(frozen=True)
class MeasureInfo:
    """What a measure is. ``region``: mouth / eye / brow / midline / pose.

    ``asymmetry``: a signed left-right (or midline) measure used in region scores;
    ``dynamic``: needs a sequence (NaN for a single frame).
    """

    unit: str
    region: str
    description: str
    asymmetry: bool = False
    dynamic: bool = False


# base name -> (region, description, dynamic); all are lengths measured per side
_SIDE_LENGTHS = {
    "mouth_corner_height": ("mouth", "commissure height below the inter-pupil line", False),
    "mouth_corner_midline": ("mouth", "commissure distance from the facial midline", False),
    "lip_height": ("mouth", "outer lip height (upper to lower lip) half-way to the corner", False),
    "smile_excursion": ("mouth", "commissure displacement from its rest position", True),
    "eye_opening": ("eye", "palpebral fissure height (upper to lower lid)", False),
    "upper_lid_pupil": ("eye", "upper lid height above the pupil", False),
    "lower_lid_pupil": ("eye", "lower lid distance below the pupil", False),
    "brow_height": ("brow", "brow height above the pupil", False),
    "brow_excursion": ("brow", "brow rise above its rest height (negative: lowered)", True),
}
_SINGLE_LENGTHS = {
    "mouth_width": ("mouth", "distance between the commissures", False),
    "mouth_opening": ("mouth", "inner lip distance at the midline", False),
    "nose_tip_deviation": ("midline", "nose tip offset from the midline (+: to the left)", True),
    "philtrum_deviation": ("midline", "philtrum offset from the midline (+: to the left)", True),
}


def _build_registry() -> dict[str, MeasureInfo]:
    reg: dict[str, MeasureInfo] = {}
    for base, (region, desc, dyn) in _SIDE_LENGTHS.items():
        for unit in ("ipu", "mm"):
            for side, word in (("r", "right"), ("l", "left")):
                reg[f"{base}_{side}_{unit}"] = MeasureInfo(
                    unit, region, f"{desc}, {word}", False, dyn
                )
            reg[f"{base}_lr_{unit}"] = MeasureInfo(unit, region, f"{desc}, left - right", True, dyn)
    for base, (region, desc, asym) in _SINGLE_LENGTHS.items():
        for unit in ("ipu", "mm"):
            reg[f"{base}_{unit}"] = MeasureInfo(unit, region, desc, asym, False)
    reg["mouth_tilt_deg"] = MeasureInfo(
        "deg", "mouth", "angle of the commissure line (+: left corner lower)", True, False
    )
    reg["roll_deg"] = MeasureInfo("deg", "pose", "head roll (angle of the pupil line)")
    reg["ipd_px"] = MeasureInfo("px", "pose", "inter-pupil distance in the image")
    return reg


#: name -> :class:`MeasureInfo` for every key :func:`face_measures` returns.
MEASURES: dict[str, MeasureInfo] = _build_registry()


def _rest_position(p: np.ndarray, rest: np.ndarray | None) -> np.ndarray:
    """Median position over rest frames (all frames when ``rest`` is None), shape (2,)."""
    sel = p if rest is None else p[np.asarray(rest, bool)]
    if sel.shape[0] == 0 or np.all(np.isnan(sel)):
        return np.full(2, np.nan)
    return np.nanmedian(sel, axis=0)


def measures_from_normalised(
    face: NormalisedFace, *, rest: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Facial measures from an already normalised face (see :func:`face_measures`)."""
    P = face.points
    n = face.n_frames
    mid = face.midline_x
    dynamic_ok = n >= 2
    out_ipu: dict[str, np.ndarray] = {}

    def dist(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        return np.hypot(a[:, 0] - b[:, 0], a[:, 1] - b[:, 1])

    for s in SIDES:
        corner, pupil = P[f"mouth_corner_{s}"], P[f"pupil_{s}"]
        out_ipu[f"mouth_corner_height_{s}"] = corner[:, 1]
        out_ipu[f"mouth_corner_midline_{s}"] = _SIGN[s] * (corner[:, 0] - mid)
        out_ipu[f"lip_height_{s}"] = dist(P[f"lip_upper_{s}"], P[f"lip_lower_{s}"])
        out_ipu[f"eye_opening_{s}"] = dist(P[f"lid_upper_{s}"], P[f"lid_lower_{s}"])
        out_ipu[f"upper_lid_pupil_{s}"] = pupil[:, 1] - P[f"lid_upper_{s}"][:, 1]
        out_ipu[f"lower_lid_pupil_{s}"] = P[f"lid_lower_{s}"][:, 1] - pupil[:, 1]
        brow_h = pupil[:, 1] - P[f"brow_{s}"][:, 1]
        out_ipu[f"brow_height_{s}"] = brow_h
        if dynamic_ok:
            rest_corner = _rest_position(corner, rest)
            out_ipu[f"smile_excursion_{s}"] = dist(corner, rest_corner[None])
            sel = brow_h if rest is None else brow_h[np.asarray(rest, bool)]
            rest_brow = np.nanmedian(sel) if np.any(np.isfinite(sel)) else np.nan
            out_ipu[f"brow_excursion_{s}"] = brow_h - rest_brow
        else:
            out_ipu[f"smile_excursion_{s}"] = np.full(n, np.nan)
            out_ipu[f"brow_excursion_{s}"] = np.full(n, np.nan)
    for base in _SIDE_LENGTHS:
        out_ipu[f"{base}_lr"] = out_ipu[f"{base}_l"] - out_ipu[f"{base}_r"]

    cr, cl = P["mouth_corner_r"], P["mouth_corner_l"]
    out_ipu["mouth_width"] = dist(cr, cl)
    out_ipu["mouth_opening"] = dist(P["lip_inner_upper_mid"], P["lip_inner_lower_mid"])
    out_ipu["nose_tip_deviation"] = P["nose_tip"][:, 0] - mid
    out_ipu["philtrum_deviation"] = P["philtrum"][:, 0] - mid

    out: dict[str, np.ndarray] = {}
    for name, v in out_ipu.items():
        out[f"{name}_ipu"] = v
        out[f"{name}_mm"] = v * face.ipd_mm
    out["mouth_tilt_deg"] = np.degrees(np.arctan2(cl[:, 1] - cr[:, 1], cl[:, 0] - cr[:, 0]))
    out["roll_deg"] = face.roll_deg
    out["ipd_px"] = face.ipd_px
    return out


def face_measures(
    landmarks: np.ndarray, *, scheme: str = "mp478", rest: np.ndarray | None = None
) -> dict[str, np.ndarray]:
    """Per-frame facial measures.

    Parameters
    ----------
    landmarks : ndarray, shape (n_frames, n_points, 2|3) or (n_points, 2|3), pixels;
        all-NaN frames (no face) give NaN.
    scheme : "mp478" (MediaPipe 478 or 468) or "ibug68"
    rest : optional bool mask, shape (n_frames,): frames defining the rest position for
        ``smile_excursion`` / ``brow_excursion`` (default: the median over all frames).

    Returns
    -------
    dict name -> ndarray, shape (n_frames,); names and units in :data:`MEASURES`.
    ``*_mm`` use one scale per sequence (iris diameter 11.7 mm, else 63 mm inter-pupil
    distance); dynamic measures are NaN for a single frame.
    """
    face = normalise_face(landmarks, scheme=scheme)
    return measures_from_normalised(face, rest=rest)


def mm_scale(landmarks: np.ndarray, *, scheme: str = "mp478") -> tuple[float, str]:
    """The sequence's inter-pupil distance in mm and its source ("iris" / "population")."""
    face = normalise_face(landmarks, scheme=scheme)
    return face.ipd_mm, face.scale_source
