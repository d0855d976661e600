"""Measure one photo or one video: every facial (and speech) measure with its normal range.

The library side of ``strokescreen measure``: :func:`measure_file` decides photo or video,
and returns a :class:`MeasureReport` that the CLI prints as a table or as JSON.

Normal ranges of lengths are kept in inter-pupil units and shown in mm scaled by the
subject's own inter-pupil distance (iris-based when MediaPipe iris points exist), so a
value and its range always use the same scale and the out-of-range decision is the same
in IPU and in mm.
"""

from __future__ import annotations

import math
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.errors import InputError, QualityError
from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.face_measures import MEASURES, face_measures, mm_scale
from strokescreen.features.normals import face_normals
from strokescreen.features.photo import IMAGE_SUFFIXES, PhotoLandmarker, load_image

VIDEO_SUFFIXES = (".mp4", ".mov", ".m4v", ".avi", ".mkv", ".webm", ".mpg", ".mpeg", ".3gp")
_REGIONS = tuple(f"{r}_score" for r in ASYMMETRY_MEASURES)


@dataclass
class MeasureReport:
    """Result of measuring one file.

    measures : name -> {value, unit, normal_low, normal_high, out_of_range, description}
        (``None`` where there is no range / no value)
    """

    file: str
    kind: str
    face_found: bool
    measures: dict[str, dict[str, Any]] = field(default_factory=dict)
    composite_asymmetry: float | None = None
    region_scores: dict[str, float | None] = field(default_factory=dict)
    ipd_mm: float | None = None
    scale_source: str | None = None
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file, "kind": self.kind, "face_found": self.face_found,
            "measures": self.measures, "composite_asymmetry": self.composite_asymmetry,
            "region_scores": self.region_scores, "ipd_mm": self.ipd_mm,
            "scale_source": self.scale_source, "notes": self.notes,
        }


def finite_or_none(v: Any) -> float | None:
    """``float(v)`` when it is a finite number, else None."""
    try:
        f = float(v)
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) else None


def unit_of(name: str) -> str:
    """Unit of a face measure from its name (``..._mm_r``, ``..._ipu``, ``..._deg``, ...)."""
    if name.endswith(("_nd", "_ldlj_r", "_ldlj_l", "_ldlj_lr")):
        return ""  # normalised differences and log dimensionless jerk have no unit
    for part, unit in (("_mm_s", "mm/s"), ("_ipu", "IPU"), ("_mm", "mm"), ("_deg", "deg"),
                       ("_hz", "Hz"), ("_px", "px")):
        if name.endswith(part) or f"{part}_" in name:
            return unit
    return "s" if name.endswith("_s") else ""


def measure_entry(value: Any, unit: str, rng: tuple[float, float] | None, desc: str) -> dict[str, Any]:
    """One measure as shown everywhere: value, unit, normal range and out-of-range flag."""
    v = finite_or_none(value)
    low = finite_or_none(rng[0]) if rng else None
    high = finite_or_none(rng[1]) if rng else None
    out = None
    if v is not None and rng is not None:
        out = bool((low is not None and v < low) or (high is not None and v > high))
    return {"value": v, "unit": unit, "normal_low": low, "normal_high": high,
            "out_of_range": out, "description": desc}


def face_entries(values: dict[str, float], *, ipd_mm: float) -> dict[str, dict[str, Any]]:
    """Measure entries (value, unit, range, flag) for face measure values (no prefix)."""
    normals = face_normals(ipd_mm=ipd_mm)
    out = {}
    for name, v in values.items():
        info = MEASURES.get(name)
        desc = info.description if info else ""
        rng = normals.get(name)
        out[name] = measure_entry(v, unit_of(name), (rng[0], rng[1]) if rng else None, desc)
    return out


def _finish(report: MeasureReport, values: dict[str, float]) -> MeasureReport:
    scores = asymmetry_scores(values)
    report.composite_asymmetry = finite_or_none(scores["asymmetry_index"])
    report.region_scores = {k: finite_or_none(scores[k]) for k in _REGIONS}
    return report


def measure_landmarks_photo(landmarks: np.ndarray, *, file: str = "") -> MeasureReport:
    """Report for one face's landmarks, shape (478, 3) or (68, 2|3), pixels."""
    from strokescreen.face.schemes import scheme_of

    scheme = scheme_of(landmarks)
    per_frame = face_measures(landmarks, scheme=scheme)
    ipd_mm, source = mm_scale(landmarks, scheme=scheme)
    values = {
        k: float(v[0]) for k, v in per_frame.items()
        if k in MEASURES and not MEASURES[k].dynamic and MEASURES[k].region != "pose"
    }
    report = MeasureReport(file=file, kind="photo", face_found=True, ipd_mm=ipd_mm,
                           scale_source=source)
    report.measures = face_entries(values, ipd_mm=ipd_mm)
    report.measures["roll_deg"] = measure_entry(per_frame["roll_deg"][0], "deg", None, "head roll")
    if source == "population":
        report.notes.append("mm assume a 63 mm inter-pupil distance (no iris landmarks)")
    return _finish(report, values)


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


def _speech_entries(audio: np.ndarray | None) -> tuple[dict[str, dict[str, Any]], list[str]]:
    if audio is None or np.size(audio) == 0:
        return {}, ["no soundtrack: speech measures skipped"]
    from strokescreen.audio import compare_to_normals, speech_measures, speech_normals

    measures = speech_measures(np.asarray(audio, dtype=np.float32), rate_hz=16000)
    values = {k: float(m.value) for k, m in measures.items()}
    verdict = compare_to_normals(values)
    ranges = speech_normals()
    out = {}
    for name, m in measures.items():
        rng = ranges.get(name) if name in verdict else None
        out[name] = measure_entry(m.value, m.unit, rng, getattr(m, "description", ""))
    return out, []


def measure_case(case: Any) -> MeasureReport:
    """Report for a loaded case folder (``strokescreen.preprocess.artifacts.CaseArtifacts``)."""
    from strokescreen.face.schemes import scheme_of
    from strokescreen.features.case_features import case_face_features

    kept = np.asarray(case.kept, bool)
    report = MeasureReport(file=str(case.meta.get("input", case.case_dir)), kind="video",
                           face_found=bool(kept.any()))
    if not kept.any():
        raise QualityError(f"no usable face frame in {report.file}; re-record with the face "
                           "centred, frontal and lit from the front")
    lm = np.asarray(case.landmarks, dtype=float)
    feats = case_face_features(lm, t_s=case.t, kept=kept, scheme=scheme_of(lm))
    values = {k[len("face_"):]: v for k, v in feats.items()}
    report.ipd_mm = values.pop("ipd_mm")
    report.scale_source = "iris" if values.pop("mm_from_iris") > 0 else "population"
    skip = {"asymmetry_index", *_REGIONS}
    report.measures = face_entries({k: v for k, v in values.items() if k not in skip},
                                   ipd_mm=report.ipd_mm)
    speech, notes = _speech_entries(case.audio)
    report.measures.update(speech)
    report.notes += notes
    return _finish(report, values)


def measure_video(
    path: str | Path, *, work_dir: str | Path | None = None,
    progress: Callable[..., None] | None = None,
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
    from strokescreen.io.audio import read_audio_file

    samples = read_audio_file(path)
    report = MeasureReport(file=str(path), kind="audio", face_found=False)
    report.measures, report.notes = _speech_entries(samples)
    speech_s = report.measures.get("speech_time", {}).get("value") or 0.0
    syllables = report.measures.get("speech_syllable_count", {}).get("value") or 0.0
    if speech_s <= 0.0 or syllables <= 0.0:
        raise QualityError(
            f"no speech found in {path} ({samples.size / 16000:.1f} s of audio, "
            f"{speech_s:.1f} s of voice activity, {syllables:.0f} syllables); "
            "record the person speaking close to the microphone"
        )
    return report


def measure_file(path: str | Path, *, progress: Callable[..., None] | None = None) -> MeasureReport:
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
