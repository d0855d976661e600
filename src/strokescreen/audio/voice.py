"""Voice quality via Praat (praat-parselmouth, the optional ``praat`` extra).

- jitter (local, %): mean absolute difference of consecutive glottal periods over the
  mean period (Praat "Get jitter (local)", period range 0.1 ms .. 20 ms, factor 1.3);
- shimmer (local, %): mean absolute difference of consecutive period peak amplitudes
  over the mean amplitude (Praat "Get shimmer (local)", amplitude factor 1.6);
- HNR (dB): mean harmonics-to-noise ratio of voiced frames (Praat "To Harmonicity
  (cc)", 1 period per window, silence threshold 0.1; 20 ms time step, which gives the
  same mean as 10 ms at half the cost).

Periods come from "To PointProcess (periodic, cc)" over the whole clip; Praat itself
skips unvoiced stretches. Values are for whatever was said: sustained-vowel norms
(jitter < 1.04 %, shimmer < 3.81 %, HNR > 20 dB) are stricter than connected speech
will meet. Only numpy arrays cross this module's boundary (parselmouth objects do
not pickle).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.errors import require_extra

MIN_VOICED_S = 0.1
"""Less voiced sound than this (as counted by Praat's pulses) gives NaN measures."""


def voice_quality(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    floor_hz: float = 75.0,
    ceiling_hz: float = 500.0,
) -> dict[str, float]:
    """Jitter (local, %), shimmer (local, %) and HNR (dB) of a clip.

    Parameters
    ----------
    samples : ndarray, shape (n,), audio (other rates resampled to 16 kHz).
    floor_hz, ceiling_hz : F0 search range for the glottal pulses (Hz).

    Returns
    -------
    dict with ``jitter_local_pct``, ``shimmer_local_pct``, ``hnr_db`` (NaN when there
    is too little voiced sound) and ``pulses`` (number of glottal pulses found).

    Raises
    ------
    MissingExtraError
        praat-parselmouth is not installed (``pip install 'strokescreen[praat]'``).
    """
    parselmouth: Any = require_extra("parselmouth", "praat")
    from parselmouth.praat import call

    x = prepare_samples(samples, rate_hz=rate_hz)
    nan = float("nan")
    out = {"jitter_local_pct": nan, "shimmer_local_pct": nan, "hnr_db": nan, "pulses": 0.0}
    if x.size / RATE_HZ < 3.0 / floor_hz + 0.02 or not np.any(x):
        return out
    snd = parselmouth.Sound(x.astype(np.float64), sampling_frequency=RATE_HZ)
    try:
        pulses = call(snd, "To PointProcess (periodic, cc)", floor_hz, ceiling_hz)
        n_pulses = int(call(pulses, "Get number of points"))
        out["pulses"] = float(n_pulses)
        if n_pulses / ceiling_hz < MIN_VOICED_S or n_pulses < 10:
            return out
        period_max = 1.0 / floor_hz
        jitter = call(pulses, "Get jitter (local)", 0, 0, 0.0001, period_max, 1.3)
        shimmer = call([snd, pulses], "Get shimmer (local)", 0, 0, 0.0001, period_max, 1.3, 1.6)
        harm = call(snd, "To Harmonicity (cc)", 0.02, floor_hz, 0.1, 1.0)
        hnr = call(harm, "Get mean", 0, 0)
    except parselmouth.PraatError:
        return out
    for key, value, scale in (
        ("jitter_local_pct", jitter, 100.0),
        ("shimmer_local_pct", shimmer, 100.0),
        ("hnr_db", hnr, 1.0),
    ):
        v = float(value) if value is not None else nan
        out[key] = v * scale if np.isfinite(v) else nan
    return out
