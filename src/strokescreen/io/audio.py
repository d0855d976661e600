"""WAV reading and writing (16-bit PCM mono)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from strokescreen.errors import InputError


def read_wav(path: str | Path) -> tuple[np.ndarray, int]:
    """Read a sound file; returns (mono float32 samples in [-1, 1], rate in Hz)."""
    p = Path(path)
    if not p.is_file():
        raise InputError(f"{p}: audio file does not exist")
    try:
        data, rate = sf.read(str(p), dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise InputError(f"{p}: not a readable audio file ({exc})") from exc
    return data.mean(axis=1).astype(np.float32), int(rate)
