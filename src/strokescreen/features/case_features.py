"""Case-level facial features: one number per measure for a whole recording.

From the per-frame measures of the kept frames:

- each kept frame's face state (:mod:`strokescreen.features.states`: rest, smile, eye
  closure, speech, other) against the recording's own rest reference;
- static measures (commissure height and midline distance, lip height, eye opening, lid
  distances, brow height, midline deviations, mouth tilt): the median over the *rest
  frames* (the kept frames in the rest state; the least-open 30 % when fewer than 6);
- the same asymmetry measures over the smile, eye-closure and speech frames (at least 6),
  scored against that state's healthy ranges: ``<state>_asymmetry_index``, NaN when the
  state is absent;
- the mouth corners' movement in the smile and while speaking, per side and as a
  weak-vs-other ratio (:mod:`strokescreen.features.movement`);
- dynamics per repetition, summarised (:mod:`strokescreen.features.dynamics`);
- region scores and the composite asymmetry index (:mod:`strokescreen.features.asymmetry`)
  at rest. Every score uses the *averaged* landmarker noise: a median over many frames
  has less of it than one frame (``docs/normal_ranges.md``).

Every key starts with ``face_`` so the case feature table can hold speech features beside
them. The set of keys is the same for every case (NaN where something is not measurable).
"""

from __future__ import annotations

import warnings

import numpy as np

from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.dynamics import (
    SUMMARY_KEYS,
    DynamicsConfig,
    dynamics_summary,
    repetition_dynamics,
)
from strokescreen.features.face_measures import MEASURES, measures_from_normalised
from strokescreen.features.movement import corner_movement, movement_states
from strokescreen.features.normalise import normalise_face
from strokescreen.features.states import STATES, classify_states, own_reference, state_summaries

REST_PERCENTILE = 30.0
#: fewest frames of a state for its measures (fewer rest frames: the least-open 30 %)
MIN_STATE_FRAMES = 6
#: states besides rest whose asymmetry is scored against their own healthy ranges
OTHER_STATES: tuple[str, ...] = tuple(s for s in STATES if s != "rest")
_STATE_SCORE_KEYS = ("asymmetry_index",)
_STATIC_ASYMMETRY = tuple(n for names in ASYMMETRY_MEASURES.values() for n in names
                          if n in MEASURES and not MEASURES[n].dynamic)
EXCURSION_PERCENTILE = 95.0
_PEAK_BASES = ("smile_excursion", "brow_excursion")


def _nanfn(fn, x: np.ndarray, *args) -> float:
    x = x[np.isfinite(x)]
    return float(fn(x, *args)) if x.size else np.nan


def case_face_features(
    landmarks: np.ndarray, *, t_s: np.ndarray | None = None, kept: np.ndarray | None = None,
    scheme: str = "mp478", dynamics: DynamicsConfig = DynamicsConfig(),
) -> dict[str, float]:
    """Summarise a landmark sequence into case-level facial features.

    Parameters
    ----------
    landmarks : ndarray, shape (n_frames, n_points, 2|3), pixels; NaN rows = no face
    t_s : ndarray, shape (n_frames,), seconds (default: 30 fps)
    kept : bool mask, shape (n_frames,), frames that passed frame proposal (default: all)
    scheme : "mp478" or "ibug68"

    Returns
    -------
    dict ``face_<measure>`` -> float. Lengths in IPU (``_ipu``) and mm (``_mm``), angles in
    degrees, dynamics as in :mod:`strokescreen.features.dynamics`, plus ``face_ipd_mm``,
    ``face_mm_from_iris`` (1.0 / 0.0), ``face_n_frames_used``, ``face_n_rest_frames``,
    the region scores and ``face_asymmetry_index``.
    """
    arr = np.asarray(landmarks, dtype=float)
    if arr.ndim == 2:
        arr = arr[None]
    n = arr.shape[0]
    t = np.arange(n) / 30.0 if t_s is None else np.asarray(t_s, dtype=float)
    use = np.ones(n, bool) if kept is None else np.asarray(kept, bool).copy()
    use &= np.all(np.isfinite(arr[..., :2]), axis=(1, 2))
    face = normalise_face(arr, scheme=scheme)

    first = measures_from_normalised(face)
    summaries = state_summaries(first)
    reference = own_reference(summaries, use)
    states = classify_states(summaries, reference)
    rest = use & (states == "rest")
    if rest.sum() < MIN_STATE_FRAMES and use.any():  # too few: the least-open frames
        opening = first["mouth_opening_ipu"]
        rest = use & (opening <= np.percentile(opening[use], REST_PERCENTILE))
    per_frame = measures_from_normalised(face, rest=rest if rest.any() else None)

    out: dict[str, float] = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        for name, info in MEASURES.items():
            if info.region == "pose":
                continue
            v = per_frame[name]
            if info.dynamic:
                if name.rsplit("_", 2)[-2] == "lr":
                    continue  # filled from the per-side peaks below
                out[name] = _nanfn(np.percentile, v[use], EXCURSION_PERCENTILE) if n > 1 else np.nan
            else:
                out[name] = _nanfn(np.median, v[rest])
        for base in _PEAK_BASES:
            for unit in ("ipu", "mm"):
                out[f"{base}_lr_{unit}"] = out[f"{base}_l_{unit}"] - out[f"{base}_r_{unit}"]
        for unit in ("ipu", "mm"):
            for s in ("r", "l"):
                eye = per_frame[f"eye_opening_{s}_{unit}"][use]
                amp = _nanfn(np.percentile, eye, 90) - _nanfn(np.min, eye) if n > 1 else np.nan
                out[f"blink_amplitude_{s}_{unit}"] = amp
            out[f"blink_amplitude_lr_{unit}"] = (
                out[f"blink_amplitude_l_{unit}"] - out[f"blink_amplitude_r_{unit}"]
            )
        out["roll_deg"] = _nanfn(np.median, per_frame["roll_deg"][use])

    if n > 1 and use.sum() > 1:
        reps = repetition_dynamics(face, t_s=t, kept=use, config=dynamics)
        duration = float(np.nanmax(t[use]) - np.nanmin(t[use]))
        dyn = dynamics_summary(reps, duration_s=duration)
    else:
        dyn = {k: np.nan for k in SUMMARY_KEYS}
    out.update({f"dyn_{k}": float(v) for k, v in dyn.items()})

    out.update({k: float(v) for k, v in asymmetry_scores(out, averaged=True).items()})
    for state in OTHER_STATES:
        sel = use & (states == state)
        scores: dict[str, float] = {k: np.nan for k in _STATE_SCORE_KEYS}
        if sel.sum() >= MIN_STATE_FRAMES:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", RuntimeWarning)
                vals = {k: _nanfn(np.median, per_frame[k][sel]) for k in _STATIC_ASYMMETRY}
            got = asymmetry_scores(vals, state=state, averaged=True)
            scores = {k: float(got[k]) for k in _STATE_SCORE_KEYS}
        for key, score in scores.items():
            out[f"{state}_{key}"] = score
    moving = movement_states(states, first["mouth_corner_height_r_ipu"],
                             first["mouth_corner_height_l_ipu"], summaries["width"], reference)
    out.update(corner_movement(per_frame["smile_excursion_r_ipu"],
                               per_frame["smile_excursion_l_ipu"], moving, use & (n > 1)))
    out["ipd_mm"] = face.ipd_mm
    out["mm_from_iris"] = 1.0 if face.scale_source == "iris" else 0.0
    out["n_frames_used"] = float(use.sum())
    out["n_rest_frames"] = float(rest.sum())
    return {f"face_{k}": float(v) for k, v in out.items()}
