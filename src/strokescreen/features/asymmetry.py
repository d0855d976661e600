"""Region asymmetry scores and the composite asymmetry index.

Each signed asymmetry measure (left - right differences, mouth tilt, midline offsets) is
turned into a z-score against the healthy faces, ``z = (value - centre) / scale`` with the
centre (0) and scale (healthy RMS with landmarker noise added) of ``face_normals.json``.
A region score is the mean ``|z|`` of the region's measures that are available (finite);
the composite **asymmetry index** is the mean ``|z|`` over all available asymmetry
measures. 0 = perfectly symmetric; higher = more asymmetric. The ten MEEI healthy faces
at rest score 0.22-0.74 (mean 0.43; below the 0.8 of a standard normal's mean |z|
because the scale also carries landmarker noise). Measures that need a sequence
(excursions, blinks) join when present, so a photo's index rests on static measures only.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping

import numpy as np

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


def asymmetry_zscores(values: Mapping[str, float | np.ndarray]) -> dict[str, np.ndarray]:
    """Signed z-scores of the asymmetry measures present in ``values`` (scalars or arrays)."""
    out = {}
    for names in ASYMMETRY_MEASURES.values():
        for name in names:
            ns = normal_scale(name)
            if name in values and ns is not None:
                centre, scale = ns
                out[name] = (np.asarray(values[name], dtype=float) - centre) / scale
    return out


def _mean_abs(zs: list[np.ndarray]) -> np.ndarray:
    if not zs:
        return np.asarray(np.nan)
    stack = np.abs(np.stack(np.broadcast_arrays(*zs)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN -> NaN, said in the docs
        return np.nanmean(stack, axis=0)


def asymmetry_scores(values: Mapping[str, float | np.ndarray]) -> dict[str, np.ndarray]:
    """Region scores and the composite index from measure values.

    Parameters
    ----------
    values : name -> value (float) or per-frame array, shape (n_frames,); IPU/deg names

    Returns
    -------
    dict with ``mouth_score``, ``eye_score``, ``brow_score``, ``midline_score`` and
    ``asymmetry_index`` (mean |z|; NaN where nothing is available), each a float array
    (0-d for scalar input).
    """
    z = asymmetry_zscores(values)
    out = {}
    for region, names in ASYMMETRY_MEASURES.items():
        out[f"{region}_score"] = _mean_abs([z[n] for n in names if n in z])
    out["asymmetry_index"] = _mean_abs(list(z.values()))
    return out
