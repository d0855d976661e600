"""Flat speech features for the case feature table."""

from __future__ import annotations

import numpy as np

from strokescreen.audio._input import RATE_HZ
from strokescreen.audio.config import SpeechConfig
from strokescreen.audio.speech import MEASURES, speech_measures


def speech_feature_names() -> list[str]:
    """Column names :func:`speech_feature_vector` returns, in a fixed order."""
    return list(MEASURES)


def speech_feature_units() -> dict[str, str]:
    """Unit of every speech feature column (for ``features.json``)."""
    return {name: unit for name, (unit, _) in MEASURES.items()}


def speech_feature_vector(
    samples: np.ndarray | None,
    rate_hz: int = RATE_HZ,
    task: str | None = None,
    *,
    config: SpeechConfig | None = None,
) -> dict[str, float]:
    """Speech measures as a flat ``{name: float}`` (names prefixed ``speech_``).

    The keys are always :func:`speech_feature_names`, so every case gives the same
    columns. A case without a soundtrack (``samples is None``) gives NaN everywhere;
    an empty array raises :class:`~strokescreen.errors.InputError` as in
    :func:`speech_measures`. Units: :func:`speech_feature_units`.
    """
    if samples is None:
        return dict.fromkeys(MEASURES, float("nan"))
    measures = speech_measures(samples, rate_hz=rate_hz, task=task, config=config)
    return {name: float(m.value) for name, m in measures.items()}
