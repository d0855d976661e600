"""Audio files: reading any common format at 16 kHz mono, and WAV writing (16-bit PCM).

:func:`read_audio_file` decodes wav, flac and ogg with soundfile (libsndfile) and mp3,
m4a/aac (and anything else FFmpeg reads) with PyAV, which bundles FFmpeg; the result is
always 16 kHz mono float32, the one rate of strokescreen. Every failure is an
:class:`~strokescreen.errors.InputError` that names the file and what to do.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import soundfile as sf

from strokescreen.errors import InputError

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".oga", ".opus", ".mp3", ".m4a", ".aac")
"""Suffixes read as audio-only recordings."""

_SOUNDFILE_SUFFIXES = (".wav", ".flac", ".ogg", ".oga")
_HINT = "use a wav, flac, ogg, mp3 or m4a recording that plays in a media player"


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


def _check_file(p: Path) -> None:
    if not p.exists():
        raise InputError(f"{p}: file does not exist; check the path")
    if not p.is_file():
        raise InputError(f"{p}: is not a file; {_HINT}")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: file is empty (0 bytes); re-export or re-copy the recording")


def _read_soundfile(p: Path) -> tuple[np.ndarray, int] | None:
    """(mono samples, rate in Hz), or None when libsndfile cannot open the file (FFmpeg may)."""
    try:
        f = sf.SoundFile(str(p))
    except (RuntimeError, sf.LibsndfileError):
        return None
    try:
        with f:
            rate = int(f.samplerate)
            data = f.read(dtype="float32", always_2d=True)
    except (RuntimeError, sf.LibsndfileError) as exc:
        raise InputError(f"{p}: not a readable audio file (corrupt or truncated: {exc}); "
                         f"{_HINT}") from exc
    if data.shape[0] == 0:
        raise InputError(f"{p}: holds no audio samples; {_HINT}")
    if _header_says_truncated(p):
        raise InputError(f"{p}: is truncated (its header promises more audio than the file "
                         f"holds); re-export or re-copy the recording")
    return data.mean(axis=1).astype(np.float32), rate


def _header_says_truncated(p: Path) -> bool:
    """libsndfile's log says a WAV/AIFF data chunk is longer than the file ("should be")."""
    try:
        log = sf.info(str(p)).extra_info
    except (RuntimeError, sf.LibsndfileError):
        return False
    return any(line.startswith(("data", "SSND")) and "should be" in line
               for line in log.splitlines())


def _read_pyav(p: Path, rate_hz: int) -> np.ndarray:
    import av

    chunks: list[np.ndarray] = []
    try:
        with av.open(str(p), mode="r") as container:
            if not container.streams.audio:
                raise InputError(f"{p}: has no audio stream; {_HINT}")
            stream = container.streams.audio[0]
            expected_s = container.duration / av.time_base if container.duration else None
            resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz)
            for frame in container.decode(stream):
                chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(frame)]
            chunks += [out.to_ndarray().reshape(-1) for out in resampler.resample(None)]
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: not a readable audio file (corrupt, truncated or an unknown "
                         f"format: {exc.strerror}); {_HINT}") from exc
    x = np.concatenate(chunks).astype(np.float32) if chunks else np.zeros(0, np.float32)
    if x.size == 0:
        raise InputError(f"{p}: holds no audio samples; {_HINT}")
    if not np.all(np.isfinite(x)):
        raise InputError(f"{p}: decodes to non-finite samples (corrupt); {_HINT}")
    # The container's duration comes from its header (an MP3 Xing/Info frame, MP4 moov);
    # decoding far less than it means the file was cut short.
    if expected_s is not None and x.size / rate_hz < 0.9 * expected_s - 0.05:
        raise InputError(f"{p}: is truncated ({x.size / rate_hz:.1f} s decoded of "
                         f"{expected_s:.1f} s in its header); re-export or re-copy the recording")
    return x


def read_audio_file(path: str | Path, *, rate_hz: int = 16000) -> tuple[np.ndarray, int]:
    """Decode an audio file to mono float32 samples in [-1, 1] and their rate.

    wav, flac and ogg go through soundfile at the file's own rate (the audio stage's
    ``prepare_samples`` brings them to 16 kHz); everything else (mp3, m4a, aac, opus, ...)
    and any file soundfile refuses go through PyAV/FFmpeg, resampled to ``rate_hz``.
    Multichannel audio is averaged to mono.

    Returns
    -------
    samples : ndarray, shape (n,), float32.
    rate : int, Hz.

    Raises
    ------
    InputError
        missing, empty, corrupt, truncated or unknown-format file, or one without sound.
    """
    p = Path(path)
    _check_file(p)
    if p.suffix.lower() in _SOUNDFILE_SUFFIXES:
        read = _read_soundfile(p)
        if read is not None:
            return read
        # not opened by libsndfile (e.g. an ogg holding Opus it lacks): let FFmpeg try
    return _read_pyav(p, rate_hz), rate_hz


def has_audio_stream(path: str | Path) -> bool:
    """True when FFmpeg opens ``path`` and finds an audio stream but no video stream."""
    import av

    try:
        with av.open(str(path), mode="r") as c:
            return bool(c.streams.audio) and not c.streams.video
    except (av.error.FFmpegError, OSError, ValueError):
        return False
