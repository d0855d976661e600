"""Preprocess one video into its artifact folder (DESIGN.md "Per-case artifact folder").

Frames stream through once: decode (in a background thread) → patient landmarks →
head pose → face-region flow → frame proposal and stabilised crops, decided a few
frames behind the decoder (the pose-change window and the crop smoothing look ahead);
frontality, which needs the recording's reference pose, is decided at the end over
crops and landmarks spilled to disk (``preprocess.framestream``). Only a handful of
frames are ever held, so memory is flat in the video's length.
"""

from __future__ import annotations

import math
import os
import queue
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pyarrow as pa

from strokescreen import __version__
from strokescreen.config import PreprocessConfig, config_hash, to_dict
from strokescreen.errors import InputError, QualityError
from strokescreen.face.landmarks import (
    Landmarker,
    downscale_for_landmarks,
    get_landmarker,
    landmarker_points,
)
from strokescreen.face.tracking import PatientFollower
from strokescreen.io.video import Frame, extract_audio_wav, iter_frames, probe
from strokescreen.preprocess.artifacts import (
    CaseMeta,
    CaseQuality,
    atomic_dir,
    file_sha256,
    write_meta,
    write_quality,
)
from strokescreen.preprocess.framestream import CaseStream
from strokescreen.preprocess.quality import assess_quality, speech_seconds_in_wav
from strokescreen.progress import Progress

os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

# 2: flow shrinks by pyramid + bilinear; the patient is followed
# 3: frontality judged against the recording's own reference pose (proposal.reference)
# 4: face gaps: the first frame after a gap is flow-tested (flow from the previous decoded
#    frame, or into the next one), a window's pose change bridges gaps
STAGE_VERSION = "preprocess-4"



def cache_key(input_sha256: str, cfg: PreprocessConfig) -> str:
    """Key of a case's artifacts: input content + stage version + config."""
    return f"{input_sha256[:24]}-{STAGE_VERSION}-{config_hash(cfg)}"


_HELPER_NICE = 5  # measured: 5 took about 1 s off a 12–13 s minute of video; 0 turns it off


def _lower_priority() -> None:
    """Lower the calling thread's scheduling priority (Linux: nice is per thread).

    Landmarking is the one stage that cannot be split; with three busy stages on two
    cores the scheduler would otherwise give it two thirds of a core. Helpers yield to
    it and still take every cycle it leaves. A no-op where threads have no own priority.
    """
    if _HELPER_NICE <= 0 or not hasattr(os, "setpriority") or not sys.platform.startswith("linux"):
        return
    try:
        tid = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, tid, os.getpriority(os.PRIO_PROCESS, tid) + _HELPER_NICE)
    except OSError:
        pass


_DONE = object()


class _Prefetch:
    """Run a frame iterator in a background thread from construction on (decoding overlaps
    start-up and landmarking); iterate to consume, ``close()`` to stop early."""

    def __init__(self, it: Iterator[Frame], depth: int = 6):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._stop = threading.Event()
        self._it = it
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def _run(self) -> None:
        _lower_priority()
        try:
            for item in self._it:
                while not self._stop.is_set():
                    try:
                        self._q.put(item, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if self._stop.is_set():
                    return
        except BaseException as exc:  # handed to the consumer
            self._q.put(exc)
        finally:
            close = getattr(self._it, "close", None)
            if close is not None:  # a generator: release its file now
                close()
        self._q.put(_DONE)

    def __iter__(self) -> Iterator[Frame]:
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            yield item

    def close(self) -> None:
        self._stop.set()
        while self._th.is_alive():  # unblock a producer waiting on a full queue
            try:
                self._q.get(timeout=0.05)
            except queue.Empty:
                pass


class _Worker:
    """Apply ``fn`` to items in a background thread, in order (a bounded queue).

    ``put`` and ``close`` re-raise, in the caller's thread, an exception ``fn`` raised.
    """

    def __init__(self, fn: Callable[[Any], None], depth: int = 8):
        self._q: queue.Queue = queue.Queue(maxsize=depth)
        self._exc: BaseException | None = None
        self._fn = fn
        self._th = threading.Thread(target=self._run, daemon=True)
        self._th.start()

    def _run(self) -> None:
        _lower_priority()
        while True:
            item = self._q.get()
            if item is _DONE:
                return
            if self._exc is None:
                try:
                    self._fn(item)
                except BaseException as exc:  # handed to the caller
                    self._exc = exc

    def _raise(self) -> None:
        if self._exc is not None:
            exc, self._exc = self._exc, None
            raise exc

    def put(self, item: Any) -> None:
        self._raise()
        self._q.put(item)

    def close(self) -> None:
        self._q.put(_DONE)
        self._th.join()
        self._raise()


class _Background:
    """Run ``fn()`` in a thread; ``result()`` waits and returns (or re-raises)."""

    def __init__(self, fn: Callable[[], Any]):
        self._out: list[Any] = []
        self._exc: BaseException | None = None

        def run() -> None:
            _lower_priority()
            try:
                self._out.append(fn())
            except BaseException as exc:  # handed to the caller
                self._exc = exc

        self._th = threading.Thread(target=run, daemon=True)
        self._th.start()

    def wait(self) -> None:
        self._th.join()

    def result(self) -> Any:
        self._th.join()
        if self._exc is not None:
            raise self._exc
        return self._out[0]


def _audio_part(video: Path, wav: Path, rate_hz: int,
                on_audio: Callable[[Path], None] | None = None
                ) -> tuple[float | None, float | None]:
    """Soundtrack to ``wav``; returns (seconds of audio, seconds of speech)."""
    audio_s = extract_audio_wav(video, wav, rate_hz=rate_hz)
    if audio_s is None:
        return None, None
    speech_s = speech_seconds_in_wav(wav, rate_hz=rate_hz)
    if on_audio is not None:
        on_audio(wav)
    return audio_s, speech_s


def preprocess_video(
    video: str | Path,
    out_dir: str | Path,
    *,
    config: PreprocessConfig | None = None,
    overwrite: bool = False,
    progress: Progress | None = None,
    raise_on_unusable: bool = True,
    input_sha256: str | None = None,
    on_audio: Callable[[Path], None] | None = None,
    on_written: Callable[[CaseMeta, CaseQuality], None] | None = None,
) -> Path:
    """Write the artifact folder of ``video`` to ``out_dir``; returns ``out_dir``.

    ``on_audio(wav_path)``, when given, runs in the soundtrack's thread right after
    ``audio.wav`` is written (while frames are still being processed), e.g. to measure
    the speech alongside; its exception is raised here. ``on_written(meta, quality)``,
    when given, receives what was written to ``meta.json`` and ``quality.json``, so the
    caller need not read them back.

    Raises :class:`InputError` for an unreadable input and, when ``raise_on_unusable``,
    :class:`QualityError` (after writing the folder) when no usable face was found.
    """
    cfg = (config or PreprocessConfig()).validate()
    video, out = Path(video), Path(out_dir)
    started = time.perf_counter()
    info = probe(video, min_duration_s=cfg.decode.min_duration_s)
    sha = input_sha256 or file_sha256(video)
    lc = cfg.landmarks
    stateless: list[Landmarker] = []  # dlib keeps no state between frames: build it once

    def make_landmarker(max_faces: int) -> Landmarker:
        if lc.landmarker != "mediapipe":
            if not stateless:
                stateless.append(get_landmarker(lc.landmarker))
            return stateless[0]
        return get_landmarker("mediapipe", static=False, max_faces=max_faces,
                              min_detection_confidence=lc.min_detection_confidence,
                              min_tracking_confidence=lc.min_tracking_confidence)

    n_points = landmarker_points(cfg.landmarks.landmarker)
    with atomic_dir(out, overwrite=overwrite) as tmp:
        stream = CaseStream(tmp, width=info.width, height=info.height, n_points=n_points,
                            cfg=cfg.proposal)
        try:
            audio_s, speech_s = _run_stages(video, tmp, info, cfg, stream, make_landmarker,
                                            progress, on_audio)
            times = stream.times
            if not times:
                raise InputError(f"{video}: no video frames could be decoded; {_hint()}")
            last_t = times[-1] + 1.0 / info.fps
            if math.isfinite(info.duration_s) and info.duration_s > 2.0 and \
                    last_t < 0.85 * info.duration_s:
                raise InputError(
                    f"{video}: video is truncated (decoded {last_t:.1f} s of the "
                    f"{info.duration_s:.1f} s it declares); re-export or re-copy the recording"
                )
            reasons, reference = stream.finish(landmarker=lc.landmarker)
        finally:
            stream.close()
        fps_measured = (len(times) - 1) / (times[-1] - times[0]) if len(times) > 1 and \
            times[-1] > times[0] else info.fps
        quality = CaseQuality.from_dict(assess_quality(
            reasons, np.asarray(times), fps=fps_measured, speech_s=speech_s,
            cfg=cfg.proposal, reference=reference))
        write_quality(tmp, quality)
        meta = CaseMeta.from_dict({
            "input_sha256": sha,
            "input_bytes": video.stat().st_size,
            "duration_s": round(float(last_t), 4),
            "declared_duration_s": info.duration_s if math.isfinite(info.duration_s) else None,
            "fps": info.fps,
            "fps_measured": round(float(fps_measured), 4),
            "n_frames": len(times),
            "width": info.width,
            "height": info.height,
            "rotation_deg": info.rotation_deg,
            "codec": info.codec,
            "audio_present": audio_s is not None,
            "audio_note": "" if audio_s is not None else "the video has no soundtrack",
            "audio_rate_hz": cfg.decode.audio_rate_hz if audio_s is not None else None,
            "audio_s": None if audio_s is None else round(audio_s, 4),
            "landmarker": cfg.landmarks.landmarker,
            "n_points": n_points,
            "frontal_reference": reference.as_dict(),
            "versions": _versions(),
            "stage_version": STAGE_VERSION,
            "config": to_dict(cfg),
            "config_hash": config_hash(cfg),
            "cache_key": cache_key(sha, cfg),
            "elapsed_s": round(time.perf_counter() - started, 3),
        })
        write_meta(tmp, meta)
    if progress is not None:
        progress(max(info.n_frames_est, 1), max(info.n_frames_est, 1))
    if on_written is not None:
        on_written(meta, quality)
    if raise_on_unusable and quality.verdict == "unusable":
        raise QualityError(
            f"{video}: no usable face — " + "; ".join(quality.reasons)
            + f"; {quality.advice} (artifacts written to {out})"
        )
    return out


def _run_stages(video: Path, tmp: Path, info: Any, cfg: PreprocessConfig, stream: CaseStream,
                make_landmarker: Callable[[int], Landmarker], progress: Progress | None,
                on_audio: Callable[[Path], None] | None) -> tuple[float | None, float | None]:
    """Stream every frame through ``stream``; returns (audio seconds, speech seconds).

    Three stages on the machine's cores: decoding (thread), landmarks (here), pose, flow
    and crops (worker thread); OpenCV, PyAV and MediaPipe release the GIL while they
    compute. The soundtrack is extracted alongside. Decoding and the soundtrack start
    first, while MediaPipe loads.
    """
    lc = cfg.landmarks
    total = max(info.n_frames_est, 1)
    audio_job = _Background(
        lambda: _audio_part(video, tmp / "audio.wav", cfg.decode.audio_rate_hz, on_audio)
        if info.has_audio else (None, None))
    frames = _Prefetch(iter_frames(video))
    try:
        follower = PatientFollower(make_landmarker, max_faces=lc.max_faces, follow=lc.follow)
        try:
            worker = _Worker(stream.add)
            try:
                for frame in frames:
                    small, scale = downscale_for_landmarks(frame.image,
                                                           cfg.decode.max_landmark_side_px)
                    lm = follower.update(small)
                    if lm is not None and scale != 1.0:
                        lm = lm / np.float32(scale)
                    worker.put((frame, small, scale, lm))
                    if progress is not None and (frame.index % 10 == 0):
                        progress(frame.index + 1, total)
            finally:
                worker.close()
        finally:
            follower.close()
    finally:
        frames.close()
        audio_job.wait()  # nothing may still write into the folder
    return audio_job.result()


def _hint() -> str:
    return "check that the file is a complete video recording"


def _versions() -> dict[str, str]:
    import av
    import mediapipe

    return {"strokescreen": __version__, "numpy": np.__version__, "opencv": cv2.__version__,
            "mediapipe": mediapipe.__version__, "av": av.__version__, "pyarrow": pa.__version__}
