"""The temporal trend of a sign within one recording: persistent or momentary.

A sign that stays outside its normal range through a recording matters more than one
that shows for a moment (a grimace, a half-blink, a landmark glitch). The kept frames of
a recording are cut into consecutive windows of ``window_s`` seconds of recording time;
in each window with at least ``min_window_frames`` kept frames:

- the window's state is the most common face state of its kept frames
  (:mod:`strokescreen.features.states`) that has healthy ranges enough to test and at
  least ``min_window_frames`` frames (a speech window is scored on its rest frames); a
  window without one is shown, not scored;
- the static measures are the medians over the window's kept frames of that state, and
  the composite asymmetry index and the mouth, eye and brow region scores are scored
  against healthy faces in that state (averaged landmarker noise, as for a recording);
- the commissure height difference (mm, + = left corner lower) is the main droop
  measure shown.

Each sign's normal range and sign bound are those of the norm-based screen
(:func:`strokescreen.screen.normative.operating_point` over every testable state). The
share of scored windows whose value is above its normal range is the sign's persistence:
``persistent`` at :attr:`TrendConfig.persistent_share` or more, ``momentary`` above 0,
``absent`` at 0. A screening aid, not a diagnosis. Pure functions; no I/O.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from strokescreen.features.asymmetry import PALSY_REGIONS, asymmetry_scores
from strokescreen.features.face_measures import MEASURES, measures_from_normalised
from strokescreen.features.normalise import normalise_face
from strokescreen.features.states import classify_states, own_reference, state_summaries
from strokescreen.jsonable import finite_or_none
from strokescreen.screen.normative import (
    DISCLAIMER_SHORT,
    STATE_WORDS,
    ScreenConfig,
    _region_bound,
    operating_point,
    shown_state,
)

DROOP_MEASURE = "mouth_corner_height_lr_mm"
TREND_NOTE = ("Share of the recording's time each sign stays outside its normal range: a "
              "persistent sign (most of the time) weighs more than a momentary one. "
              f"{DISCLAIMER_SHORT[:1].upper()}{DISCLAIMER_SHORT[1:]}.")


@dataclass(frozen=True)
class TrendConfig:
    """window_s : window length in seconds of recording time (1-2 s: a few syllables).
    min_window_frames : fewer kept frames in a window -> not scored (as a face state).
    persistent_share : share of scored windows outside the normal range from which a
        sign is called persistent (most of the recording)."""

    window_s: float = 1.5
    min_window_frames: int = 6
    persistent_share: float = 0.5


def _static(per_frame: dict[str, np.ndarray], sel: np.ndarray) -> dict[str, float]:
    out = {}
    for name, info in MEASURES.items():
        if info.dynamic or info.region == "pose" or name not in per_frame:
            continue
        v = np.asarray(per_frame[name], dtype=float)[sel]
        v = v[np.isfinite(v)]
        out[name] = float(np.median(v)) if v.size else float("nan")
    return out



def window_trend(landmarks: np.ndarray, *, t_s: np.ndarray, kept: np.ndarray | None = None,
                 scheme: str = "mp478", config: TrendConfig = TrendConfig(),
                 screen: ScreenConfig = ScreenConfig(),
                 risk: Callable[[dict[str, float]], float | None] | None = None
                 ) -> dict[str, Any]:
    """Per-window facial measures of one recording and each sign's share outside normal.

    Parameters
    ----------
    landmarks : ndarray, shape (n_frames, n_points, 2|3), pixels; NaN rows = no face
    t_s : ndarray, shape (n_frames,), seconds
    kept : bool mask, shape (n_frames,), frames that passed frame proposal (default: all)
    risk : optional; called per scored window with its static measures and scores (names
        without ``face_``), returns the window's probability (a trained model's, with the
        rest of the case's features as they are) or None.

    Returns
    -------
    dict: ``window_s``, ``windows`` (``start_s``, ``end_s``, ``n_frames``, ``state``,
    ``scored``, ``asymmetry_index``, ``<region>_score``, ``mouth_corner_height_lr_mm``,
    ``status`` of the index, ``risk``), ``signs`` (per sign: ``name``, ``label``, ``normal_high``,
    ``sign_above`` (rest bounds), ``n_windows`` scored, ``share_outside_normal``,
    ``share_sign``, ``persistence``), ``note``.
    """
    arr = np.asarray(landmarks, dtype=float)
    t = np.asarray(t_s, dtype=float)
    n = arr.shape[0]
    use = np.ones(n, bool) if kept is None else np.asarray(kept, bool).copy()
    use &= np.all(np.isfinite(arr[..., :2]), axis=(1, 2)) & np.isfinite(t)
    tested = tuple(st for st in STATE_WORDS if shown_state(st, screen))
    op = operating_point(screen, face_states=tested)
    windows: list[dict[str, Any]] = []
    if use.sum() >= 2:
        face = normalise_face(arr, scheme=scheme)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            first = measures_from_normalised(face)
            summaries = state_summaries(first)
            states = classify_states(summaries, own_reference(summaries, use))
            rest = use & (states == "rest")
            per_frame = measures_from_normalised(face, rest=rest if rest.any() else None)
        t0, t_end = float(t[use].min()), float(t[use].max())
        n_win = max(int(np.ceil((t_end - t0 + 1e-9) / config.window_s)), 1)
        for w in range(n_win):
            a, b = t0 + w * config.window_s, t0 + (w + 1) * config.window_s
            sel = use & (t >= a) & ((t < b) | (w == n_win - 1))
            windows.append(_window(per_frame, states, sel, a, min(b, t_end), op, config,
                                   risk))
    return {"window_s": config.window_s, "windows": windows,
            "signs": _shares(windows, op, config), "note": TREND_NOTE}


def _window(per_frame: dict[str, np.ndarray], states: np.ndarray, sel: np.ndarray, a: float,
            b: float, op: dict[str, Any], config: TrendConfig,
            risk: Callable[[dict[str, float]], float | None] | None) -> dict[str, Any]:
    counts = Counter(states[sel].tolist())
    # the most common state of the window that has tested ranges and enough frames
    # (speech windows fall back to their rest frames), else the most common one, unscored
    ranked = [st for st, _ in counts.most_common()]
    usable = [st for st in ranked if st in op["face_states"]
              and counts[st] >= config.min_window_frames]
    state = usable[0] if usable else (ranked[0] if ranked else "none")
    entry: dict[str, Any] = {"start_s": round(a, 3), "end_s": round(b, 3),
                             "n_frames": int(sel.sum()), "state": state, "scored": False,
                             "asymmetry_index": None, "status": "not assessed", "risk": None,
                             **{f"{r}_score": None for r in PALSY_REGIONS}}
    in_state = sel & (states == state)
    vals = _static(per_frame, in_state if in_state.any() else sel)
    entry[DROOP_MEASURE] = finite_or_none(vals.get(DROOP_MEASURE, np.nan))
    if sel.sum() < config.min_window_frames or state not in op["face_states"]:
        return entry
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        sc = asymmetry_scores(vals, state=state, averaged=True)
    bounds = op["face_states"][state]
    index = finite_or_none(sc["asymmetry_index"])
    entry.update({"asymmetry_index": index, "scored": index is not None,
                  "normal_high": bounds["borderline_from"], "sign_above": bounds["sign_from"],
                  **{f"{r}_score": finite_or_none(sc[f"{r}_score"]) for r in PALSY_REGIONS}})
    if risk is not None and index is not None:
        p = risk({**vals, **{k: float(v) for k, v in sc.items()}})
        entry["risk"] = None if p is None else float(p)
    if index is not None:
        entry["status"] = ("sign" if index > bounds["sign_from"] else "borderline"
                           if index > bounds["borderline_from"] else "within")
    return entry


def _shares(windows: list[dict[str, Any]], op: dict[str, Any],
            config: TrendConfig) -> list[dict[str, Any]]:
    """Per sign, the share of scored windows outside the normal range and with a sign."""
    out = []
    n_regions = len(PALSY_REGIONS)
    for key in ("asymmetry_index", *(f"{r}_score" for r in PALSY_REGIONS)):
        outside = sign = scored = 0
        for w in windows:
            v = w.get(key)
            if not w["scored"] or v is None:
                continue
            lo, hi = w["normal_high"], w["sign_above"]
            if key != "asymmetry_index":
                lo, hi = _region_bound(lo, n_regions), _region_bound(hi, n_regions)
            scored += 1
            outside += v > lo
            sign += v > hi
        rest = op["face_states"].get("rest") or next(iter(op["face_states"].values()))
        lo, hi = rest["borderline_from"], rest["sign_from"]
        if key != "asymmetry_index":
            lo, hi = _region_bound(lo, n_regions), _region_bound(hi, n_regions)
        share = outside / scored if scored else None
        persistence = ("not assessed" if share is None else "persistent"
                       if share >= config.persistent_share else "momentary"
                       if share > 0 else "absent")
        label = ("composite asymmetry index" if key == "asymmetry_index"
                 else key.removesuffix("_score") + " asymmetry score")
        out.append({"name": key, "label": label, "unit": "equivalent |z|",
                    "normal_high": lo, "sign_above": hi, "n_windows": scored,
                    "share_outside_normal": share,
                    "share_sign": sign / scored if scored else None,
                    "persistence": persistence})
    return out
