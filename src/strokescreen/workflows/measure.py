"""Measure one photo, video or audio recording: every facial and speech measure with its
normal range.

The library side of ``strokescreen measure``: :func:`measure_file` decides photo, video or
audio, runs the landmarker, the preprocessing or the audio decoder, and returns a
:class:`~strokescreen.features.measure.MeasureReport` that the CLI prints as a table or as
JSON.
"""

from __future__ import annotations

import tempfile
from pathlib import Path

from strokescreen.errors import InputError, QualityError
from strokescreen.features.measure import (
    MeasureReport,
    measure_case,
    measure_landmarks_photo,
    measure_speech_samples,
)
from strokescreen.features.photo import IMAGE_SUFFIXES, PhotoLandmarker, load_image
from strokescreen.progress import Progress

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".3gp")


def measure_photo(path: str | Path) -> MeasureReport:
    """Landmark a photo and measure its face; :class:`QualityError` when no face is found."""
    image = load_image(path)
    with PhotoLandmarker() as landmarker:
        lm = landmarker(image)
    if lm is None:
        h, w = image.shape[:2]
        raise QualityError(
            f"no face found in {path} ({w}x{h} px); use a frontal photo with the whole "
            "face visible, centred and lit from the front"
        )
    return measure_landmarks_photo(lm, file=str(path))


def measure_video(
    path: str | Path, *, work_dir: str | Path | None = None,
    progress: Progress | None = None,
) -> MeasureReport:
    """Preprocess a video into a temporary case folder and measure it.

    ``work_dir``: keep the case folder there instead of a temporary directory.
    Raises :class:`InputError` (unreadable) or :class:`QualityError` (no usable face).
    """
    from strokescreen.preprocess.artifacts import load_case
    from strokescreen.preprocess.pipeline import preprocess_video

    def run(folder: Path) -> MeasureReport:
        case_dir = preprocess_video(path, folder / "case", overwrite=True, progress=progress)
        report = measure_case(load_case(case_dir, crops=False))
        report.file = str(path)
        return report

    if work_dir is not None:
        return run(Path(work_dir))
    with tempfile.TemporaryDirectory(prefix="strokescreen-measure-") as tmp:
        return run(Path(tmp))


def measure_audio(path: str | Path) -> MeasureReport:
    """Speech measures of an audio-only recording (no face part).

    Raises :class:`InputError` (unreadable, empty, corrupt) or :class:`QualityError`
    (no speech found).
    """
    from strokescreen.audio import prepare_samples
    from strokescreen.io.audio import read_audio_file

    samples, rate = read_audio_file(path)
    return measure_speech_samples(prepare_samples(samples, rate_hz=rate), file=str(path))


def measure_file(path: str | Path, *, progress: Progress | None = None) -> MeasureReport:
    """Measure a photo (by suffix, or anything PIL reads), a video (anything PyAV decodes)
    or an audio recording (wav, flac, ogg, mp3, m4a: speech measures only)."""
    from strokescreen.io.audio import AUDIO_SUFFIXES, has_audio_stream

    path = Path(path)
    if not path.exists():
        raise InputError(f"file not found: {path}")
    if not path.is_file():
        raise InputError(f"{path} is not a file; give a photo (jpg, png), a video (mp4, mov) "
                         "or an audio recording (wav, mp3, m4a)")
    suffix = path.suffix.lower()
    if suffix in IMAGE_SUFFIXES:
        return measure_photo(path)
    if suffix in VIDEO_SUFFIXES:
        return measure_video(path, progress=progress)
    if suffix in AUDIO_SUFFIXES:
        return measure_audio(path)
    try:
        load_image(path)
    except InputError:
        pass
    else:
        return measure_photo(path)
    if _is_video(path):
        return measure_video(path, progress=progress)
    if has_audio_stream(path):
        return measure_audio(path)
    raise InputError(
        f"{path} is neither a readable image (jpg, png, ...), a video (mp4, mov, ...) nor "
        "an audio recording (wav, flac, ogg, mp3, m4a)"
    )


def _is_video(path: Path) -> bool:
    try:
        import av

        with av.open(str(path)) as c:
            return len(c.streams.video) > 0
    except Exception:  # any decoder failure means "not a video"
        return False
