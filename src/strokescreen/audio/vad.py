"""Voice activity detection: frame decisions and speech segments.

``method="webrtc"`` uses the WebRTC GMM detector (``webrtcvad-wheels``);
``method="energy"`` compares each frame's level with the clip's own noise floor and
peak; ``"auto"`` uses webrtc when it is importable and energy otherwise.

Both share two guards: the clip is first scaled so that its peak is at -6 dBFS (gain
at most +20 dB, so a near-silent clip stays near-silent), and frames whose level is
below :data:`ABS_FLOOR_DBFS` in the original clip are never speech. WebRTC keeps
saying "speech" for about 100 ms after speech ends (its hangover); frames within 6 dB
of the clip's noise floor (its 5th level percentile, and never above 30 dB below its
peak) are therefore trimmed from its decisions, which puts pause edges within about
one frame of the planted ones.
"""

from __future__ import annotations

import importlib.util

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.errors import InputError

ABS_FLOOR_DBFS = -65.0
"""Frames quieter than this (RMS, dB re full scale) are never speech."""

_WEBRTC_FRAMES_S = (0.01, 0.02, 0.03)
_MAX_GAIN = 10.0
_TARGET_PEAK = 0.5


def _frame_rms_db(x: np.ndarray, frame: int) -> np.ndarray:
    n = int(np.ceil(x.size / frame))
    padded = np.zeros(n * frame, dtype=np.float64)
    padded[: x.size] = x
    ms = np.mean(padded.reshape(n, frame) ** 2, axis=1)
    return 10.0 * np.log10(np.maximum(ms, 1e-14))


def _webrtc_decisions(x: np.ndarray, frame: int, aggressiveness: int) -> np.ndarray:
    import webrtcvad

    vad = webrtcvad.Vad(int(aggressiveness))
    n = int(np.ceil(x.size / frame))
    pcm = np.zeros(n * frame, dtype=np.int16)
    pcm[: x.size] = np.clip(np.round(x * 32767.0), -32768, 32767).astype(np.int16)
    buf = pcm.tobytes()
    step = 2 * frame
    return np.fromiter(
        (vad.is_speech(buf[i * step : (i + 1) * step], RATE_HZ) for i in range(n)),
        dtype=bool,
        count=n,
    )


def _above_noise_floor(level_db: np.ndarray) -> np.ndarray:
    """Frames clearly above the clip's noise floor (used to trim webrtc's hangover)."""
    floor = float(np.percentile(level_db, 5))
    peak = float(np.percentile(level_db, 99))
    return level_db > min(floor + 6.0, peak - 30.0)


def _energy_decisions(level_db: np.ndarray) -> np.ndarray:
    """Speech where the level is well above the clip's noise floor and near its peak."""
    floor = float(np.percentile(level_db, 10))
    peak = float(np.percentile(level_db, 99))
    threshold = max(floor + 12.0, peak - 40.0)
    return level_db > threshold


def resolve_vad_method(method: str) -> str:
    """``"auto"`` -> ``"webrtc"`` when webrtcvad is importable, else ``"energy"``."""
    if method not in ("auto", "webrtc", "energy"):
        raise InputError(f"VAD method={method!r}; use 'auto', 'webrtc' or 'energy'")
    if method == "auto":
        return "webrtc" if importlib.util.find_spec("webrtcvad") is not None else "energy"
    return method


def voice_activity(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    frame_s: float = 0.03,
    aggressiveness: int = 2,
    method: str = "auto",
) -> np.ndarray:
    """Speech / non-speech decision per frame.

    Parameters
    ----------
    samples : ndarray, shape (n,), audio (other rates are resampled to 16 kHz).
    rate_hz : sampling rate of ``samples`` (Hz).
    frame_s : frame length (s); frames do not overlap. webrtc accepts 0.01, 0.02, 0.03.
    aggressiveness : webrtc mode 0..3 (3 rejects non-speech most aggressively).
    method : ``"auto"``, ``"webrtc"`` or ``"energy"``.

    Returns
    -------
    ndarray, shape (ceil(n_16k / frame),), bool. Frame ``i`` covers
    ``[i * frame_s, (i + 1) * frame_s)`` seconds; the last frame is zero-padded.
    """
    method = resolve_vad_method(method)
    if isinstance(aggressiveness, bool) or aggressiveness not in (0, 1, 2, 3):
        raise InputError(f"aggressiveness={aggressiveness!r}; use 0, 1, 2 or 3")
    if method == "webrtc" and not any(abs(frame_s - f) < 1e-9 for f in _WEBRTC_FRAMES_S):
        raise InputError(f"frame_s={frame_s} is not usable by webrtcvad; use 0.01, 0.02 or 0.03")
    if not 0.005 <= frame_s <= 0.1:
        raise InputError(f"frame_s={frame_s}; use 0.005..0.1 s")
    x = prepare_samples(samples, rate_hz=rate_hz)
    x = x - np.float32(x.mean())  # a DC offset is not sound
    frame = int(round(frame_s * RATE_HZ))
    level_db = _frame_rms_db(x, frame)
    audible = level_db > ABS_FLOOR_DBFS
    if not audible.any():
        return np.zeros(level_db.size, dtype=bool)
    if method == "energy":
        return _energy_decisions(level_db) & audible
    peak = float(np.max(np.abs(x)))
    gain = min(_TARGET_PEAK / peak, _MAX_GAIN) if peak > 0 else 1.0
    decisions = _webrtc_decisions(x * gain, frame, aggressiveness)
    return decisions & audible & _above_noise_floor(level_db)


def segments_from_activity(
    active: np.ndarray,
    *,
    frame_s: float,
    min_speech_s: float = 0.10,
    min_pause_s: float = 0.25,
) -> list[tuple[float, float]]:
    """Turn per-frame decisions into speech segments.

    Gaps shorter than ``min_pause_s`` between two speech runs are filled first, then
    runs shorter than ``min_speech_s`` are dropped (the order of pyannote's Binarize).

    active : ndarray, shape (n_frames,), bool; frame ``i`` spans ``[i, i+1) * frame_s``.
    Returns a list of ``(start_s, end_s)``, sorted and non-overlapping.
    """
    a = np.asarray(active, dtype=bool).ravel()
    if a.size == 0:
        return []
    edges = np.diff(np.concatenate([[0], a.astype(np.int8), [0]]))
    starts = np.flatnonzero(edges == 1)
    ends = np.flatnonzero(edges == -1)
    runs: list[list[int]] = []
    for s, e in zip(starts, ends, strict=True):
        if runs and (s - runs[-1][1]) * frame_s < min_pause_s - 1e-9:
            runs[-1][1] = int(e)
        else:
            runs.append([int(s), int(e)])
    return [
        (round(s * frame_s, 6), round(e * frame_s, 6))
        for s, e in runs
        if (e - s) * frame_s >= min_speech_s - 1e-9
    ]


def speech_segments(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    frame_s: float = 0.03,
    aggressiveness: int = 2,
    method: str = "auto",
    min_speech_s: float = 0.10,
    min_pause_s: float = 0.25,
) -> list[tuple[float, float]]:
    """Speech segments ``[(start_s, end_s), ...]`` of a clip.

    Runs :func:`voice_activity` and then :func:`segments_from_activity`; gaps shorter
    than ``min_pause_s`` are bridged and runs shorter than ``min_speech_s`` dropped.
    Times are in seconds from the start of the clip, quantised to ``frame_s``.
    An all-silent clip gives ``[]``.
    """
    active = voice_activity(
        samples, rate_hz=rate_hz, frame_s=frame_s, aggressiveness=aggressiveness, method=method
    )
    return segments_from_activity(
        active, frame_s=frame_s, min_speech_s=min_speech_s, min_pause_s=min_pause_s
    )
