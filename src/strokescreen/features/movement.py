"""Dynamic face sign: how far each mouth corner moves, weak side relative to the other.

A static rest measure cannot tell a 3 mm droop from healthy natural asymmetry (healthy
commissure-height RMS 1.6 mm, ``docs/norm_screen.md``). A facial weakness also shows as
*movement*: the weak corner travels less in a smile and while speaking. Per recording,
from the frames the state labeller (:mod:`strokescreen.features.states`) already finds:

- **smile movement** per side: the median, over the smile frames (a smile of either
  corner: :func:`movement_states`), of the commissure's
  distance from its rest position (the median over the rest frames), IPU;
- **speech movement** per side: the 90th percentile, over the speech (mouth-moving)
  frames, of the same distance: the corner's range of motion while speaking, IPU;
- each pair's asymmetry as a normalised difference ``(left - right) / (left + right)``
  (``*_lr_nd``; -1..1; 0 = both corners move alike; a left corner moving half as far as
  the right reads -1/3). A ratio does not depend on how broad the smile is, which a
  left - right difference in IPU does.

NaN when the state has fewer than :data:`MIN_STATE_FRAMES` frames or the corners moved
less than :data:`MIN_MOVEMENT_IPU` on average (the ratio of two jitters means nothing).
Healthy ranges: ``movement_normals.json`` (``docs/norm_screen.md``). Pure functions.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

#: fewest frames of a state for its movement (as for the state's static measures)
MIN_STATE_FRAMES = 6
#: smallest mean corner movement (IPU, about 1.3 mm) for a ratio: below it the corners did
#: not move beyond landmark jitter (frame repeatability of a corner ~0.005 IPU)
MIN_MOVEMENT_IPU = 0.02
SPEECH_PERCENTILE = 90.0
#: movement sign -> (state it is measured in, statistic over the state's frames)
MOVEMENT_SIGNS: dict[str, tuple[str, str]] = {
    "smile_corner_movement": ("smile", "median"),
    "speech_corner_movement": ("speech", "p90"),
}
_FILE = "movement_normals.json"


def movement_states(states: np.ndarray, corner_r: np.ndarray, corner_l: np.ndarray,
                    width: np.ndarray, reference: Mapping[str, float]) -> np.ndarray:
    """The frame states with a smile also where only the *stronger* corner is lifted.

    The state labeller calls a frame a smile when the corners' *mean* height rises above
    :data:`~strokescreen.features.states.SMILE_CORNER_RATIO` of the rest height: a corner
    that moves half as far can pull a real smile below that, and the movement sign would
    vanish exactly when one side is weak. Here a frame (not an eye closure) is a smile
    when the more lifted corner passes the same ratio and the mouth is as much wider.
    """
    from strokescreen.features.states import SMILE_CORNER_RATIO, SMILE_WIDTH_RATIO

    out = np.asarray(states).astype(object).copy()
    with np.errstate(invalid="ignore", divide="ignore"):
        lifted = np.fmin(np.asarray(corner_r, float), np.asarray(corner_l, float))
        smile = ((lifted < SMILE_CORNER_RATIO * reference["corner"])
                 & (np.asarray(width, float) / reference["width"] > SMILE_WIDTH_RATIO))
    out[smile & (out != "eye_closure")] = "smile"
    return out.astype(str)


def normalised_difference(left: float, right: float) -> float:
    """``(left - right) / (left + right)``; NaN when the mean is below the minimum."""
    if not (np.isfinite(left) and np.isfinite(right)) or (left + right) / 2 < MIN_MOVEMENT_IPU:
        return float("nan")
    return float((left - right) / (left + right))


def _stat(x: np.ndarray, how: str) -> float:
    x = x[np.isfinite(x)]
    if not x.size:
        return float("nan")
    return float(np.median(x) if how == "median" else np.percentile(x, SPEECH_PERCENTILE))


def corner_movement(excursion_r: np.ndarray, excursion_l: np.ndarray, states: np.ndarray,
                    use: np.ndarray | None = None) -> dict[str, float]:
    """Per-side movement and its asymmetry for each movement sign.

    Parameters
    ----------
    excursion_r, excursion_l : ndarray, shape (n_frames,): each commissure's distance from
        its rest position (``smile_excursion_<side>_ipu`` of
        :func:`strokescreen.features.face_measures.measures_from_normalised`), IPU
    states : ndarray of str, shape (n_frames,): each frame's state
    use : bool mask of usable (kept) frames; default all

    Returns
    -------
    dict ``<sign>_r_ipu``, ``<sign>_l_ipu``, ``<sign>_lr_nd`` per sign in
    :data:`MOVEMENT_SIGNS` (NaN where not measurable).
    """
    r = np.asarray(excursion_r, dtype=float)
    left = np.asarray(excursion_l, dtype=float)
    st = np.asarray(states)
    ok = np.ones(r.shape, bool) if use is None else np.asarray(use, bool)
    out: dict[str, float] = {}
    for name, (state, how) in MOVEMENT_SIGNS.items():
        sel = ok & (st == state)
        if sel.sum() >= MIN_STATE_FRAMES:
            er, el = _stat(r[sel], how), _stat(left[sel], how)
        else:
            er = el = float("nan")
        out[f"{name}_r_ipu"], out[f"{name}_l_ipu"] = er, el
        out[f"{name}_lr_nd"] = normalised_difference(el, er)
    return out


@lru_cache(maxsize=1)
def movement_normals() -> dict[str, Any]:
    """The shipped healthy ranges of the movement asymmetries (``movement_normals.json``):
    ``{"provenance": {...}, "signs": {name: {"state", "n_subjects", "n_observations",
    "centre", "scale", ...}}}``."""
    text = resources.files("strokescreen").joinpath("data", _FILE).read_text(encoding="utf-8")
    return json.loads(text)


def movement_scale(name: str) -> tuple[float, float, int] | None:
    """(centre, scale, n_subjects) of a movement asymmetry ``<sign>_lr_nd``, or None."""
    rec: Mapping[str, Any] | None = movement_normals()["signs"].get(name)
    if rec is None:
        return None
    return float(rec["centre"]), float(rec["scale"]), int(rec["n_subjects"])
