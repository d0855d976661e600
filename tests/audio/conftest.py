"""Fixtures of the audio tests: planted synthetic signals and the real readings."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from strokescreen.audio.synthetic import syllable_train

REAL_SPEECH = Path(__file__).resolve().parents[2] / ".." / "shared" / "data" / "real" / "speech"

# Pauses of 0.5, 0.8 and 1.2 s after bursts 11, 23 and 35: four runs of 12 syllables.
PLANTED_PAUSES = {11: 0.5, 23: 0.8, 35: 1.2}


@pytest.fixture(scope="session")
def train_4hz():
    """48 bursts of 120 ms at 4 per second (F0 150 Hz) in 4 runs, pauses 0.5/0.8/1.2 s."""
    return syllable_train(
        4.0, 48, burst_s=0.12, pauses=PLANTED_PAUSES, rng=np.random.default_rng(4)
    )


@pytest.fixture(scope="session")
def train_6hz():
    """48 bursts of 100 ms at 6 per second in 4 runs, pauses 0.5/0.8/1.2 s."""
    return syllable_train(
        6.0, 48, burst_s=0.10, pauses=PLANTED_PAUSES, rng=np.random.default_rng(6)
    )


@pytest.fixture(scope="session")
def real_readings() -> list[tuple[str, np.ndarray, int]]:
    """The LibriSpeech readings as (name, samples, rate); skip when absent."""
    files = sorted(REAL_SPEECH.glob("*.ogg")) if REAL_SPEECH.is_dir() else []
    if not files:
        pytest.skip(f"real speech recordings not present in {REAL_SPEECH}")
    import soundfile as sf

    out = []
    for f in files:
        data, rate = sf.read(f, dtype="float32")
        out.append((f.name, data, int(rate)))
    return out
