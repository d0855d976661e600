"""Measures of one face or one case folder, each with its normal range.

:class:`MeasureReport` is what ``strokescreen measure`` prints as a table or as JSON; the
workflow that decides photo or video and runs the preprocessing is
:mod:`strokescreen.workflows.measure`.

Normal ranges of lengths are kept in inter-pupil units and shown in mm scaled by the
subject's own inter-pupil distance (iris-based when MediaPipe iris points exist), so a
value and its range always use the same scale and the out-of-range decision is the same
in IPU and in mm.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from strokescreen.errors import QualityError
from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.face_measures import MEASURES, face_measures, mm_scale
from strokescreen.features.normals import face_normals
from strokescreen.features.states import STATES, photo_state
from strokescreen.jsonable import finite_or_none

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


def face_entries(values: dict[str, float], *, ipd_mm: float, state: str = "rest",
                 averaged: bool = False) -> dict[str, dict[str, Any]]:
    """Measure entries (value, unit, range, flag) for face measure values (no prefix),
    against the healthy ranges of the face ``state`` (a photo's one frame, or with
    ``averaged`` a video's medians)."""
    normals = face_normals(ipd_mm=ipd_mm, state=state, averaged=averaged)
    out = {}
    for name, v in values.items():
        info = MEASURES.get(name)
        desc = info.description if info else ""
        rng = normals.get(name)
        out[name] = measure_entry(v, unit_of(name), (rng[0], rng[1]) if rng else None, desc)
    return out


def _finish(report: MeasureReport, values: dict[str, float], *, state: str = "rest",
            averaged: bool = False) -> MeasureReport:
    scores = asymmetry_scores(values, state=state, averaged=averaged)
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
    state = photo_state(per_frame)
    ranges_state = state if state in STATES else "rest"
    report.measures = face_entries(values, ipd_mm=ipd_mm, state=ranges_state)
    report.measures["roll_deg"] = measure_entry(per_frame["roll_deg"][0], "deg", None, "head roll")
    if state in STATES:
        report.notes.append(f"face state estimated from the landmarks: {state}; compared "
                            f"with healthy faces in that state")
    else:
        report.notes.append(f"face state estimated from the landmarks: {state} (mouth open "
                            "or puckered); no healthy ranges for it, compared with faces at "
                            "rest: take the photo at rest")
    if source == "population":
        report.notes.append("mm assume a 63 mm inter-pupil distance (no iris landmarks)")
    return _finish(report, values, state=ranges_state)


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
    report = MeasureReport(file=str(case.case_dir), kind="video",
                           face_found=bool(kept.any()))
    if not kept.any():
        raise QualityError(f"no usable face frame in {report.file}; re-record with the face "
                           "centred, frontal and lit from the front")
    lm = np.asarray(case.landmarks, dtype=float)
    feats = case_face_features(lm, t_s=case.t, kept=kept, scheme=scheme_of(lm))
    values = {k[len("face_"):]: v for k, v in feats.items()}
    report.ipd_mm = values.pop("ipd_mm")
    report.scale_source = "iris" if values.pop("mm_from_iris") > 0 else "population"
    skip = {"asymmetry_index", *_REGIONS,
            *(f"{st}_asymmetry_index" for st in STATES if st != "rest")}
    report.measures = face_entries({k: v for k, v in values.items() if k not in skip},
                                   ipd_mm=report.ipd_mm, averaged=True)
    speech, notes = _speech_entries(case.audio)
    report.measures.update(speech)
    report.notes += notes
    return _finish(report, values, averaged=True)


def measure_speech_samples(samples: np.ndarray, *, file: str = "") -> MeasureReport:
    """Speech measures of an audio-only recording (no face part).

    samples : ndarray, shape (n,), 16 kHz mono float32.
    Raises :class:`QualityError` when no speech is found.
    """
    report = MeasureReport(file=file, kind="audio", face_found=False)
    report.measures, report.notes = _speech_entries(samples)
    speech_s = report.measures.get("speech_time", {}).get("value") or 0.0
    syllables = report.measures.get("speech_syllable_count", {}).get("value") or 0.0
    if speech_s <= 0.0 or syllables <= 0.0:
        raise QualityError(
            f"no speech found in {file or 'the recording'} ({samples.size / 16000:.1f} s of "
            f"audio, {speech_s:.1f} s of voice activity, {syllables:.0f} syllables); "
            "record the person speaking close to the microphone"
        )
    return report
