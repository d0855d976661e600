"""Region asymmetry scores and the composite asymmetry index.

Each signed asymmetry measure (left - right differences, mouth tilt, midline offsets) is
turned into a z-score against the healthy faces, ``z = (value - centre) / scale`` with the
centre (0) and scale (healthy RMS with landmarker noise added) of ``face_normals.json``.

Scores are *equivalent |z|* values: a score x means "as unusual as one healthy measure
reading |z| = x", whatever the number of measures looked at. For m measures whose largest
is ``|z|max``, the two-sided tail ``q = 2 Phi(-|z|max)`` is corrected for looking at m of
them with Sidak's rule, ``p = 1 - (1 - q)^m``, and mapped back, ``x = Phi^-1(1 - p/2)``.
Sidak's inequality holds for |z| of jointly normal measures with *any* correlation, so a
healthy face's score exceeds x with probability at most ``2 Phi(-x)`` (the correlated
mouth measures, e.g. commissure height and mouth tilt, only make it conservative).

- region score (mouth, eye, brow, midline): the corrected largest |z| of the region's
  available measures;
- composite **asymmetry index**: the corrected largest of the palsy regions' scores
  (mouth, eye, brow; corrected for the number of regions available). The midline measures
  (nose tip, philtrum) follow head turn, not palsy, and stay out of it: their region score
  is a pose / quality hint only.

A palsy that shows in one region therefore moves the index almost one for one with that
region's score (at a region score of 4 the index is 3.7; see ``docs/normal_ranges.md``)
instead of being divided by the number of measures. 0 = perfectly symmetric; a healthy
face's score is below 1.96 in at least 95 % of faces and below 2.58 in at least 99 %.
Measures that need a sequence (excursions, blinks) join when present, so a photo's index
rests on static measures only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np
from scipy.special import log_ndtr, ndtri_exp

from strokescreen.features.normals import normal_scale

#: region -> its signed asymmetry measures (IPU / deg names)
ASYMMETRY_MEASURES: dict[str, tuple[str, ...]] = {
    "mouth": (
        "mouth_corner_height_lr_ipu",
        "mouth_corner_midline_lr_ipu",
        "mouth_tilt_deg",
        "lip_height_lr_ipu",
        "smile_excursion_lr_ipu",
    ),
    "eye": (
        "eye_opening_lr_ipu",
        "upper_lid_pupil_lr_ipu",
        "lower_lid_pupil_lr_ipu",
        "blink_amplitude_lr_ipu",
    ),
    "brow": ("brow_height_lr_ipu", "brow_excursion_lr_ipu"),
    "midline": ("nose_tip_deviation_ipu", "philtrum_deviation_ipu"),
}

#: regions that facial palsy weakens: the composite index is built from these only
PALSY_REGIONS: tuple[str, ...] = ("mouth", "eye", "brow")

_LOG2 = float(np.log(2.0))


def asymmetry_zscores(values: Mapping[str, float | np.ndarray], *, state: str = "rest",
                      averaged: bool = False,
                      normals: Mapping[str, tuple[float, float]] | None = None,
                      ) -> dict[str, np.ndarray]:
    """Signed z-scores of the asymmetry measures present in ``values`` (scalars or arrays)
    against the healthy faces in ``state``; ``averaged``: values are a video's medians over
    its frames in that state (less landmarker noise than one frame). ``normals``: name ->
    (centre, scale) to use instead of the shipped ranges (leave-one-out checks)."""
    out = {}
    for names in ASYMMETRY_MEASURES.values():
        for name in names:
            ns = (normals.get(name) if normals is not None
                  else normal_scale(name, state=state, averaged=averaged))
            if name in values and ns is not None:
                centre, scale = ns
                out[name] = (np.asarray(values[name], dtype=float) - centre) / scale
    return out


def sidak_equivalent_z(max_abs_z: np.ndarray | float, n_tests: np.ndarray | int) -> np.ndarray:
    """Equivalent |z| of the largest of ``n_tests`` |z| values (Sidak-corrected).

    ``x = Phi^-1(1 - p/2)`` with ``p = 1 - (1 - 2 Phi(-max_abs_z))^n_tests``; computed in
    log space so that very large |z| (tails below 1e-300) stay finite. ``n_tests = 1``
    returns ``max_abs_z`` itself; ``n_tests = 0`` or a NaN input gives NaN.
    """
    x, m = np.broadcast_arrays(np.abs(np.asarray(max_abs_z, dtype=float)),
                               np.asarray(n_tests, dtype=float))
    with np.errstate(divide="ignore", invalid="ignore"):
        log_q = _LOG2 + log_ndtr(-x)  # log of the two-sided tail of one measure
        q = np.exp(log_q)
        exact = np.log(-np.expm1(m * np.log1p(-np.minimum(q, 1.0))))
        log_p = np.where(q < 1e-12, np.log(m) + log_q, exact)  # 1-(1-q)^m ~ m q
        z = -ndtri_exp(np.minimum(log_p, 0.0) - _LOG2)
    out = np.where((m >= 1) & np.isfinite(x), np.maximum(z, 0.0), np.nan)
    return np.asarray(out, dtype=float)


def _corrected_max(scores: list[np.ndarray]) -> np.ndarray:
    """Sidak-corrected largest |score| over the finite ones, elementwise."""
    if not scores:
        return np.asarray(np.nan)
    stack = np.abs(np.stack(np.broadcast_arrays(*scores)))
    n = np.isfinite(stack).sum(axis=0)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN -> NaN, said in the docs
        top = np.nanmax(stack, axis=0)
    return sidak_equivalent_z(top, n)


def asymmetry_scores(values: Mapping[str, float | np.ndarray], *, state: str = "rest",
                     averaged: bool = False,
                     normals: Mapping[str, tuple[float, float]] | None = None,
                     ) -> dict[str, np.ndarray]:
    """Region scores and the composite index from measure values.

    Parameters
    ----------
    values : name -> value (float) or per-frame array, shape (n_frames,); IPU/deg names
    state : the face state the values were taken in (rest, smile, eye_closure, speech):
        they are compared with the healthy faces in that state
    averaged : values are a video's medians over its frames in the state (the averaged
        landmarker noise applies) rather than one frame's
    normals : name -> (centre, scale) replacing the shipped ranges (leave-one-out checks)

    Returns
    -------
    dict with ``mouth_score``, ``eye_score``, ``brow_score``, ``midline_score`` (each the
    Sidak-corrected largest |z| of the region's measures) and ``asymmetry_index`` (the
    Sidak-corrected largest of the mouth, eye and brow scores; midline excluded), each a
    float array (0-d for scalar input), NaN where nothing is available.
    """
    z = asymmetry_zscores(values, state=state, averaged=averaged, normals=normals)
    out = {}
    for region, names in ASYMMETRY_MEASURES.items():
        out[f"{region}_score"] = _corrected_max([z[n] for n in names if n in z])
    out["asymmetry_index"] = _corrected_max([out[f"{r}_score"] for r in PALSY_REGIONS])
    return out


def mean_abs_z_index(values: Mapping[str, float | np.ndarray]) -> np.ndarray:
    """The former composite: mean |z| over every asymmetry measure, midline included.

    Kept for comparison (tests and benchmarks show what the new index changes); not used
    by any output.
    """
    zs = list(asymmetry_zscores(values).values())
    if not zs:
        return np.asarray(np.nan)
    stack = np.abs(np.stack(np.broadcast_arrays(*zs)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        return np.asarray(np.nanmean(stack, axis=0))
