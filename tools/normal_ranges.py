"""Normal ranges of the facial measures, derived from the MEEI normal faces.

Source: 68-point landmarks of 10 healthy subjects x 8 standard expressions of the MEEI
facial palsy standard set (via Auto-eFACE, MIT), ``meei_normals_68.csv``. Which expression
number is which is not in the file: :func:`infer_meei_expressions` works it out from the
landmarks. Method (also in ``docs/normal_ranges.md``):

- static measures come from the rest expression; excursions from expression pairs:
  smile (rest -> large smile), brow (rest -> brow raise), blink (rest -> gentle eye
  closure);
- signed asymmetry measures (``*_lr``, mouth tilt, midline deviations) get a range centred
  on 0 (a healthy population is left/right symmetric on average; each face's mirror image
  is as healthy as the face): +-k0 * RMS, with k0 the two-sided normal tolerance factor
  for known mean 0;
- other measures (one side, widths) get mean +- k * SD with Howe's tolerance factor; the
  two sides are pooled (ranges are the same for right and left);
- coverage 0.99 with confidence 0.95: about 12 asymmetry measures are flagged at once,
  and 0.99 per measure keeps roughly 9 in 10 healthy faces free of any flag
  (0.95 would flag about half of them);
- the spread is widened by the landmarker noise (:mod:`tools.landmark_noise`: MediaPipe
  vs dlib on the same frames of the real videos; one frame's for a photo, a video median's
  for a video), added in quadrature, since the ranges come from iBUG-68 annotations and
  are applied to MediaPipe landmarks;
- per face state and from every healthy source here: :mod:`tools.state_normals`;
- :data:`NO_RANGE` measures get none (see there).

Regenerate the shipped JSON with ``python -m tools.derive_normals``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from strokescreen.errors import InputError
from strokescreen.features.face_measures import MEASURES, face_measures

MEEI_EXPRESSIONS = (
    "rest",
    "brow_raise",
    "eye_closure_gentle",
    "eye_closure_tight",
    "smile_small",
    "smile_large",
    "pucker",
    "lower_teeth",
)
COVERAGE = 0.99
CONFIDENCE = 0.95
#: measured but given no range. Lips at rest are closed in most healthy faces and apart in
#: some (a zero-inflated, non-normal spread), and mouth opening is no sign of asymmetry.
#: A one-sided excursion or blink amplitude depends on what the person did (a posed full
#: smile in MEEI, maybe none in a speech clip): only its left - right difference has a range.
NO_RANGE = ("mouth_opening_ipu",
            *(f"{b}_{s}_ipu" for b in ("smile_excursion", "brow_excursion", "blink_amplitude")
              for s in ("r", "l")))
#: lengths that cannot be negative: their range starts at 0 at the lowest
NON_NEGATIVE = ("eye_opening", "lip_height", "mouth_width", "mouth_corner_midline",
                "mouth_corner_height", "brow_height", "blink_amplitude", "smile_excursion")


def read_meei_csv(path: str | Path) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Read ``meei_normals_68.csv`` -> (landmarks (n, 68, 2) px, subject (n,), expression (n,)).

    File names are ``normalS_E.jpg`` (subject S, expression number E; one is spelt
    ``nomal``).
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise InputError(f"MEEI landmark file not found: {path}")
    df = pd.read_csv(path)
    cols = [c for i in range(68) for c in (f"landmark_{i}_x", f"landmark_{i}_y")]
    missing = [c for c in ["file", *cols] if c not in df.columns]
    if missing:
        raise InputError(f"{path} lacks columns {missing[:3]}...; is it meei_normals_68.csv?")
    lm = df[cols].to_numpy(float).reshape(len(df), 68, 2)
    ids = [re.search(r"(\d+)_(\d+)\.\w+$", str(f)) for f in df["file"]]
    if any(m is None for m in ids):
        raise InputError(f"{path}: file names must look like normalS_E.jpg")
    subj = np.array([int(m.group(1)) for m in ids if m])
    expr = np.array([int(m.group(2)) for m in ids if m])
    return lm, subj, expr


def infer_meei_expressions(
    landmarks: np.ndarray, expression: np.ndarray, *, scheme: str = "ibug68"
) -> dict[int, str]:
    """Name each expression number from the landmarks (medians over subjects).

    Rules, applied in order to the expression numbers still unnamed:
    pucker = narrowest mouth; the two eye closures = the two smallest eye openings, the
    tight one with the lower brows; brow raise = highest brows; the two smiles = the two
    highest commissures, the large one the wider; lower-teeth show = larger mouth opening
    of the two left; rest = the last.

    Parameters
    ----------
    landmarks : ndarray, shape (n, n_points, 2), one face per image
    expression : ndarray, shape (n,), expression numbers (8 distinct)
    """
    expression = np.asarray(expression)
    numbers = sorted(set(expression.tolist()))
    if len(numbers) != len(MEEI_EXPRESSIONS):
        raise InputError(f"expected 8 expression numbers, found {len(numbers)}: {numbers}")
    m = face_measures(landmarks, scheme=scheme)
    feat = {
        "width": m["mouth_width_ipu"],
        "opening": m["mouth_opening_ipu"],
        "eye": (m["eye_opening_r_ipu"] + m["eye_opening_l_ipu"]) / 2,
        "brow": (m["brow_height_r_ipu"] + m["brow_height_l_ipu"]) / 2,
        "corner": (m["mouth_corner_height_r_ipu"] + m["mouth_corner_height_l_ipu"]) / 2,
    }
    med = {
        k: {e: float(np.nanmedian(v[expression == e])) for e in numbers}
        for k, v in feat.items()
    }
    left = list(numbers)
    names: dict[int, str] = {}

    def take(e: int, name: str) -> None:
        names[e] = name
        left.remove(e)

    def by(feature: str) -> Callable[[int], float]:
        return lambda e: med[feature][e]

    take(min(left, key=by("width")), "pucker")
    closures = sorted(left, key=by("eye"))[:2]
    tight, gentle = sorted(closures, key=by("brow"))
    take(tight, "eye_closure_tight")
    take(gentle, "eye_closure_gentle")
    take(max(left, key=by("brow")), "brow_raise")
    smiles = sorted(left, key=by("corner"))[:2]
    large, small = sorted(smiles, key=by("width"), reverse=True)
    take(large, "smile_large")
    take(small, "smile_small")
    teeth = max(left, key=by("opening"))
    take(teeth, "lower_teeth")
    take(left[0], "rest")
    return names


def meei_subject_values(
    landmarks: np.ndarray, subject: np.ndarray, expression_name: np.ndarray
) -> dict[int, dict[str, float]]:
    """Per subject: static measures at rest and excursions between expression pairs.

    Returns subject -> {measure name -> value}; lengths in IPU, angles in degrees.
    """
    out: dict[int, dict[str, float]] = {}
    for s in sorted(set(np.asarray(subject).tolist())):
        idx = {str(e): i for i, e in enumerate(expression_name) if subject[i] == s}
        if "rest" not in idx:
            continue
        rest = landmarks[idx["rest"]]
        m = face_measures(rest, scheme="ibug68")
        vals = {k: float(v[0]) for k, v in m.items() if _static_name(k)}
        pairs = {"smile_excursion": "smile_large", "brow_excursion": "brow_raise"}
        for base, expr in pairs.items():
            if expr in idx:
                seq = np.stack([rest, landmarks[idx[expr]]])
                mm = face_measures(seq, scheme="ibug68", rest=np.array([True, False]))
                for suf in ("r", "l", "lr"):
                    vals[f"{base}_{suf}_ipu"] = float(mm[f"{base}_{suf}_ipu"][1])
        if "eye_closure_gentle" in idx:
            shut = face_measures(landmarks[idx["eye_closure_gentle"]], scheme="ibug68")
            for suf in ("r", "l"):
                key = f"eye_opening_{suf}_ipu"
                vals[f"blink_amplitude_{suf}_ipu"] = float(m[key][0] - shut[key][0])
            vals["blink_amplitude_lr_ipu"] = (
                vals["blink_amplitude_l_ipu"] - vals["blink_amplitude_r_ipu"]
            )
        out[int(s)] = vals
    return out


def _static_name(name: str) -> bool:
    info = MEASURES.get(name)
    if info is None:
        return False
    return not info.dynamic and info.unit in ("ipu", "deg") and info.region != "pose"


def is_centred_at_zero(name: str) -> bool:
    """Signed asymmetry measures: left - right differences and midline offsets/tilts."""
    return "_lr_" in name or name in ("mouth_tilt_deg", "nose_tip_deviation_ipu",
                                      "philtrum_deviation_ipu")


def tolerance_factor(
    n: int, *, coverage: float = COVERAGE, confidence: float = CONFIDENCE, centred: bool = False
) -> float:
    """Two-sided normal tolerance factor k (Howe 1969) for ``n`` observations.

    ``centred=True``: the mean is known (0) and the spread is the RMS about 0 with n degrees
    of freedom: k = z * sqrt(n / chi2_{1-confidence}(n)).
    """
    z = stats.norm.ppf((1 + coverage) / 2)
    if centred:
        return float(z * np.sqrt(n / stats.chi2.ppf(1 - confidence, n)))
    dof = n - 1
    return float(np.sqrt(dof * (1 + 1 / n) * z**2 / stats.chi2.ppf(1 - confidence, dof)))


def _side_key(name: str) -> str | None:
    """'eye_opening_r_ipu' -> 'eye_opening_{}_ipu' for pooling both sides."""
    for s in ("_r_", "_l_"):
        if s in name:
            return name.replace(s, "_{}_")
    return None


def derive_normals(
    values: Mapping[Any, dict[str, float]], *, noise: dict[str, float] | None = None,
    noise_averaged: dict[str, float] | None = None,
    subject_of: Callable[[Any], Any] | None = None,
    coverage: float = COVERAGE, confidence: float = CONFIDENCE,
) -> dict[str, dict]:
    """Normal range per measure from per-subject values (see module docstring).

    Parameters
    ----------
    values : observation -> {measure -> value} (:func:`meei_subject_values`: one per
        subject); several observations of one subject (two smiles) are allowed when
        ``subject_of`` maps each to its subject: the spread is taken over all observations,
        the tolerance factor from the number of distinct subjects.
    noise : measure -> landmarker noise of one frame (a photo's value); added in quadrature
        to the healthy spread, because the ranges are applied to other landmarks than
        those they were built from.
    noise_averaged : the same for a video's value (a median over its frames in the state);
        gives ``scale_averaged``, ``low_averaged``, ``high_averaged``.

    Returns name -> {low, high, unit, centre, scale, k, n, method, ...}; ``scale`` (RMS
    about 0 for asymmetry measures, else SD, with the landmarker noise added) is the z-score
    unit.
    """
    noise = noise or {}
    noise_avg = noise_averaged if noise_averaged is not None else noise
    who = subject_of or (lambda key: key)
    names = sorted({k for v in values.values() for k in v} - set(NO_RANGE))
    out: dict[str, dict] = {}
    for name in names:
        pooled_key = _side_key(name)
        if pooled_key is not None:
            keys = [pooled_key.format(s) for s in ("r", "l")]
        else:
            keys = [name]
        rows = [(who(key), [v.get(k, np.nan) for k in keys]) for key, v in values.items()]
        rows = [(s, r) for s, r in rows if np.all(np.isfinite(r))]
        per_subject = np.array([r for _, r in rows]).reshape(len(rows), len(keys))
        n = len({s for s, _ in rows})
        if n < 3:
            continue
        x = per_subject.ravel()
        unit = "deg" if name.endswith("_deg") else "IPU"
        floor = float(np.sqrt(np.mean([noise.get(k, 0.0) ** 2 for k in keys])))
        floor_avg = float(np.sqrt(np.mean([noise_avg.get(k, 0.0) ** 2 for k in keys])))
        if is_centred_at_zero(name):
            spread = float(np.sqrt(np.mean(x**2)))
            k = tolerance_factor(n, coverage=coverage, confidence=confidence, centred=True)
            centre, method = 0.0, "zero-centred tolerance interval (+-k0*RMS)"
        else:
            centre, spread = float(np.mean(x)), float(np.std(x, ddof=1))
            k = tolerance_factor(n, coverage=coverage, confidence=confidence)
            method = "tolerance interval (mean +- k*SD)"
            if len(keys) > 1:
                method += ", sides pooled"
        scale = float(np.hypot(spread, floor))
        scale_avg = float(np.hypot(spread, floor_avg))
        low, low_avg = centre - k * scale, centre - k * scale_avg
        if not is_centred_at_zero(name) and name.startswith(NON_NEGATIVE):
            low, low_avg = max(low, 0.0), max(low_avg, 0.0)
        out[name] = {
            "low": low, "high": centre + k * scale, "unit": unit,
            "centre": centre, "scale": scale, "healthy_spread": spread, "landmarker_noise": floor,
            "k": k, "n": int(n), "n_observations": int(per_subject.shape[0]), "method": method,
            "scale_averaged": scale_avg, "landmarker_noise_averaged": floor_avg,
            "low_averaged": low_avg, "high_averaged": centre + k * scale_avg,
        }
    return out
