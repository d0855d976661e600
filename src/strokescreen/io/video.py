"""Video reading and writing (PyAV). Readers and writers only; no analysis here.

Frames are streamed one at a time so memory stays flat in the video's length. Each
frame carries its own presentation timestamp (phones record variable frame rate) and
is turned upright according to the stream's rotation metadata.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import cast

import av
import numpy as np
from av.audio.stream import AudioStream
from av.video.stream import VideoStream

from strokescreen.errors import InputError

# What FFmpeg reads is what we read; these extensions are only used in messages.
VIDEO_HINT = "use a video file FFmpeg can read (mp4, mov, mkv, webm, avi; H.264, HEVC, VP9, MJPEG)"
_IMAGE_CODECS = {"png", "mjpeg_single", "bmp", "gif", "webp", "tiff", "jpegls", "apng"}


@dataclass(frozen=True)
class VideoInfo:
    """What a video file holds. ``width``/``height`` are after rotation (display size)."""

    path: str
    duration_s: float
    fps: float
    width: int
    height: int
    rotation_deg: int
    n_frames_est: int
    has_audio: bool
    codec: str
    container: str


@dataclass
class Frame:
    """One decoded frame. ``image`` is H×W×3 uint8 RGB, upright; ``t`` in seconds."""

    index: int
    t: float
    image: np.ndarray


def _check_file(path: str | Path) -> Path:
    p = Path(path)
    if not p.exists():
        raise InputError(f"{p}: file does not exist; check the path")
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a video file")
    if p.stat().st_size == 0:
        raise InputError(f"{p}: file is empty (0 bytes); re-export or re-copy the recording")
    return p


def _open(p: Path) -> av.container.InputContainer:
    try:
        return av.open(str(p), mode="r")
    except (av.error.InvalidDataError, av.error.EOFError) as exc:
        raise InputError(
            f"{p}: not a readable video (truncated, corrupt or not a video file); {VIDEO_HINT}"
        ) from exc
    except av.error.FFmpegError as exc:
        raise InputError(f"{p}: cannot be opened as a video ({exc.strerror}); {VIDEO_HINT}") from exc


def _norm_rotation(deg: float) -> int:
    r = int(round(deg / 90.0)) * 90
    return ((r + 180) % 360) - 180


def _stream_rotation(stream: av.video.stream.VideoStream) -> int:
    """Rotation (degrees counter-clockwise, multiple of 90) from the display matrix."""
    rot = stream.metadata.get("rotate") if stream.metadata else None
    if rot is not None:
        try:
            return _norm_rotation(-float(rot))
        except ValueError:
            return 0
    return 0


def probe(path: str | Path, *, min_duration_s: float = 0.0) -> VideoInfo:
    """Describe a video file, or raise :class:`InputError` saying what is wrong with it.

    Decodes the first frame to check the stream really decodes and to read its rotation.
    """
    p = _check_file(path)
    with _open(p) as container:
        if not container.streams.video:
            if container.streams.audio:
                raise InputError(f"{p}: is an audio-only file; strokescreen needs a video of the face")
            raise InputError(
                f"{p}: not a readable video (no video stream: truncated, corrupt or not a video "
                f"file); {VIDEO_HINT}"
            )
        vs = container.streams.video[0]
        codec = vs.codec_context.name
        fmt = container.format.name
        if codec in _IMAGE_CODECS or fmt in {"image2", "png_pipe", "jpeg_pipe", "bmp_pipe",
                                              "webp_pipe", "gif", "tiff_pipe"}:
            raise InputError(f"{p}: is a still image ({codec}), not a video; {VIDEO_HINT}")
        try:
            first = next(container.decode(vs))
        except (StopIteration, av.error.FFmpegError) as exc:
            raise InputError(
                f"{p}: video stream does not decode (truncated or corrupt); {VIDEO_HINT}"
            ) from exc
        rotation = _norm_rotation(first.rotation or 0) if hasattr(first, "rotation") else 0
        if rotation == 0:
            rotation = _stream_rotation(vs)
        w, h = first.width, first.height
        if rotation in (90, -90):
            w, h = h, w
        fps = float(vs.average_rate) if vs.average_rate else float(vs.guessed_rate or 0) or 30.0
        if container.duration is not None:
            duration = container.duration / av.time_base
        elif vs.duration is not None and vs.time_base is not None:
            duration = float(vs.duration * vs.time_base)
        else:
            duration = float("nan")
        if (vs.duration is not None and vs.time_base is not None
                and vs.duration > 0):
            duration = float(vs.duration * vs.time_base)
        n_est = int(vs.frames) if vs.frames else int(round(duration * fps)) if math.isfinite(duration) else 0
        info = VideoInfo(
            path=str(p), duration_s=float(duration), fps=fps, width=w, height=h,
            rotation_deg=rotation, n_frames_est=n_est, has_audio=bool(container.streams.audio),
            codec=codec, container=fmt,
        )
    if math.isfinite(info.duration_s) and info.duration_s < min_duration_s:
        raise InputError(
            f"{p}: clip is {info.duration_s:.2f} s long, under the minimum of {min_duration_s:g} s; "
            "record at least a few seconds of speech"
        )
    return info


def _upright(img: np.ndarray, rotation: int) -> np.ndarray:
    k = (rotation // 90) % 4
    return np.ascontiguousarray(np.rot90(img, k=k)) if k else img


def iter_frames(path: str | Path) -> Iterator[Frame]:
    """Stream the frames of the first video stream, upright, with their own timestamps.

    Raises :class:`InputError` when the stream breaks off (a truncated file) before any
    frame decodes; a stream that breaks off later ends the iteration at the last good
    frame (what a phone's interrupted recording leaves).
    """
    p = _check_file(path)
    container = _open(p)
    try:
        vs = container.streams.video[0] if container.streams.video else None
        if vs is None:
            raise InputError(f"{p}: has no video stream")
        vs.thread_type = "AUTO"
        index = 0
        t0: float | None = None
        last_t = -math.inf
        fallback_dt = 1.0 / float(vs.average_rate or 30)
        decoder = container.decode(vs)
        while True:
            try:
                frame = next(decoder)
            except StopIteration:
                break
            except av.error.FFmpegError as exc:
                if index == 0:
                    raise InputError(f"{p}: video does not decode ({exc.strerror}); {VIDEO_HINT}") from exc
                break
            t = frame.time
            if t is None:
                t = last_t + fallback_dt if math.isfinite(last_t) else 0.0
            if t0 is None:
                t0 = t
            t = float(t - t0)
            if t <= last_t:  # repair non-monotonic timestamps
                t = last_t + 1e-3
            last_t = t
            img = frame.to_ndarray(format="rgb24")
            rotation = _norm_rotation(frame.rotation or 0) if hasattr(frame, "rotation") else 0
            yield Frame(index=index, t=t, image=_upright(img, rotation))
            index += 1
    finally:
        container.close()


def read_audio(path: str | Path, *, rate_hz: int = 16000) -> np.ndarray | None:
    """Decode the first audio stream to mono float32 at ``rate_hz``; None when there is none."""
    p = _check_file(path)
    with _open(p) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz)
        # one growing buffer (doubling) instead of a list of chunks joined at the end,
        # so a long soundtrack is held once, not twice
        buf = np.zeros(rate_hz * 16, dtype=np.float32)
        n = 0

        def add(samples: np.ndarray) -> None:
            nonlocal buf, n
            if n + len(samples) > len(buf):
                grown = np.zeros(max(2 * len(buf), n + len(samples)), dtype=np.float32)
                grown[:n] = buf[:n]
                buf = grown
            buf[n:n + len(samples)] = samples
            n += len(samples)

        try:
            for frame in container.decode(stream):
                for out in resampler.resample(frame):
                    add(out.to_ndarray().reshape(-1))
        except av.error.FFmpegError:
            pass  # keep what decoded before a truncation
        for out in resampler.resample(None):
            add(out.to_ndarray().reshape(-1))
    return buf[:n].copy()


def extract_audio_wav(path: str | Path, wav_path: str | Path, *, rate_hz: int = 16000) -> float | None:
    """Stream the first audio stream into a 16-bit mono WAV at ``rate_hz``.

    Returns its duration in seconds, or None (and writes nothing) when the video has no
    soundtrack or it holds no samples. Memory stays flat in the soundtrack's length.
    """
    import soundfile as sf

    p = _check_file(path)
    n = 0
    with _open(p) as container:
        if not container.streams.audio:
            return None
        stream = container.streams.audio[0]
        resampler = av.AudioResampler(format="flt", layout="mono", rate=rate_hz)
        with sf.SoundFile(str(wav_path), "w", samplerate=rate_hz, channels=1,
                          subtype="PCM_16") as out:

            def write(frames: list) -> None:
                nonlocal n
                for f in frames:
                    x = np.clip(f.to_ndarray().reshape(-1), -1.0, 1.0)
                    out.write(x)
                    n += len(x)

            try:
                for frame in container.decode(stream):
                    write(resampler.resample(frame))
            except av.error.FFmpegError:
                pass  # keep what decoded before a truncation
            write(resampler.resample(None))
    if n == 0:
        Path(wav_path).unlink(missing_ok=True)
        return None
    return n / rate_hz


def write_video(
    path: str | Path,
    frames: Iterable[np.ndarray],
    *,
    fps: float,
    audio: np.ndarray | None = None,
    audio_rate_hz: int = 16000,
    crf: int = 23,
    rotation_deg: int = 0,
    codec: str = "libx264",
    threads: int = 1,
) -> Path:
    """Encode RGB uint8 frames (H×W×3, even H and W) to an mp4 with H.264 and AAC.

    ``threads=1`` and fixed settings make the output byte-identical for identical input.
    ``rotation_deg`` writes display-rotation metadata (to test portrait phone video).
    """
    p = Path(path)
    rate = Fraction(fps).limit_denominator(1001)
    with av.open(str(p), mode="w") as container:
        vs: VideoStream | None = None
        astream: AudioStream | None = None
        if audio is not None:
            astream = cast(AudioStream, container.add_stream("aac", rate=audio_rate_hz))
            astream.layout = "mono"
        pts = 0
        for img in frames:
            if vs is None:
                h, w = img.shape[:2]
                vs = cast(VideoStream, container.add_stream(codec, rate=rate))
                vs.width, vs.height = w, h
                vs.pix_fmt = "yuv420p" if codec != "mjpeg" else "yuvj420p"
                if codec == "libx264":
                    vs.options = {"crf": str(crf), "preset": "veryfast", "threads": str(threads)}
                vs.codec_context.thread_count = threads
                if rotation_deg:
                    vs.set_display_rotation(rotation_deg)
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img), format="rgb24")
            vf.pts = pts
            pts += 1
            for packet in vs.encode(vf):
                container.mux(packet)
        if vs is None:
            raise InputError("write_video: no frames given")
        for packet in vs.encode(None):
            container.mux(packet)
        if astream is not None and audio is not None:
            samples = np.asarray(audio, dtype=np.float32).reshape(1, -1)
            step = 1024
            for start in range(0, samples.shape[1], step):
                chunk = np.ascontiguousarray(samples[:, start:start + step])
                af = av.AudioFrame.from_ndarray(chunk, format="flt", layout="mono")
                af.sample_rate = audio_rate_hz
                af.pts = start
                for packet in astream.encode(af):
                    container.mux(packet)
            for packet in astream.encode(None):
                container.mux(packet)
    return p
