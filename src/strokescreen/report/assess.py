"""Assess one recording: preprocessing, measures, risk model, ``result.json`` and report.

:func:`assess_video` is what ``strokescreen assess`` and the web app call. It writes into
``out_dir``:

- ``case/``: the preprocessing artifact folder (DESIGN.md) with ``features.json``;
- ``result.json``: probability, threshold, decision, the threshold's validation operating
  point (with a model) or the norm-based ``screen`` block (without one), quality,
  measures against normal, the measures that pushed the probability most, model name
  and version, ``synthetic_model`` and the disclaimer;
- ``report.html``: the same for a person, one self-contained page;
- ``report.pdf`` when headless Chromium is installed.

Privacy: the input's file name and path are never written; the recording is named by the
first 12 hex digits of its SHA-256.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from strokescreen import __version__
from strokescreen.config import PreprocessConfig
from strokescreen.errors import InputError, QualityError
from strokescreen.report.risk import RiskModel

DISCLAIMER = (
    "strokescreen is a screening aid, not a diagnosis. A negative result does not rule out "
    "a stroke: follow your stroke protocol and clinical judgement."
)
SYNTHETIC_TEXT = (
    "The risk model behind this result was trained on synthetic (computer-generated) faces "
    "and speech only; its probability and operating point have not been validated on patients."
)
RERECORD = (
    "keep the face centred and frontal, lit from the front, in a quiet room, with the phone "
    "held steady at eye level, and speak the task sentences"
)
NO_MODEL_NOTE = (
    "No trained model was given, so the decision comes from the norm-based screen, not a "
    "trained risk model: each sign (facial asymmetry by region, speech rate) against its "
    "healthy normal range; no probability. Give a trained model folder (--model) for a "
    "risk estimate."
)
RESULT_JSON, REPORT_HTML, REPORT_PDF = "result.json", "report.html", "report.pdf"
SCHEMA = "strokescreen-assessment-1"

Progress = Callable[[float, str], None]


def _json_safe(obj: Any) -> Any:
    """NaN / inf -> None, numpy scalars -> Python, recursively."""
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        obj = obj.item()
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    return obj


def _anonymise(message: str, video: Path) -> str:
    """A preprocessing message with the input's path and name replaced by "the recording"."""
    for s in (str(video), str(video.resolve()), video.name):
        if s:
            message = message.replace(s, "the recording")
    return message


def _check_video(video: Path) -> None:
    if not video.exists():
        raise InputError("the recording was not found (check the path you gave)")
    if not video.is_file():
        raise InputError("the recording path is not a file; give a video file (mp4, mov, ...)")
    if video.stat().st_size == 0:
        raise InputError("the recording is an empty file; record or copy it again")


def _quality(q: dict[str, Any]) -> dict[str, Any]:
    keys = ("verdict", "reasons", "advice", "n_frames", "n_kept", "usable_share",
            "face_found_share", "longest_usable_run_s", "speech_s", "duration_s",
            "reject_counts")
    return {k: q.get(k) for k in keys}


def _label(key: str) -> str:
    """A readable name for a feature without a description (dynamics, region scores)."""
    if key.startswith("dyn_"):
        return "movement dynamics: " + key[len("dyn_"):].replace("_", " ")
    if key.endswith("_score") or key == "asymmetry_index":
        return key.removesuffix("_score").replace("_", " ") + " asymmetry score (equivalent |z|)"
    return key.replace("_", " ")


def _contributors(table: Any, measures: dict[str, dict[str, Any]], *, top: int,
                  unit: str) -> list[dict[str, Any]]:
    """The ``top`` largest |contribution| rows, described with their measure entries."""
    from strokescreen.features.measure import unit_of

    rows = table[table["contribution"].abs() > 0].copy()
    rows = rows.reindex(rows["contribution"].abs().sort_values(ascending=False).index)[:top]
    out = []
    for r in rows.itertuples(index=False):
        key = r.feature[len("face_"):] if r.feature.startswith("face_") else r.feature
        e = measures.get(key, {})
        desc = e.get("description") or _label(key)
        value = None if not math.isfinite(r.value) else float(r.value)
        out.append({
            "feature": r.feature, "label": desc[:1].upper() + desc[1:],
            "value": value, "missing": value is None,
            "unit": e.get("unit", unit_of(key)),
            "reference": None if not math.isfinite(r.reference) else float(r.reference),
            "normal_low": e.get("normal_low"), "normal_high": e.get("normal_high"),
            "out_of_range": e.get("out_of_range"),
            "contribution": float(r.contribution), "contribution_unit": unit,
            "direction": "towards screen positive" if r.contribution > 0
            else "towards screen negative",
        })
    return out


def _decide(result: dict[str, Any], risk: RiskModel | None, verdict: str) -> None:
    """Fill decision, decision_text and (for unusable recordings) the missing fields."""
    p, thr = result["probability"], result["threshold"]
    screen = result.get("screen")
    if risk is None and screen is not None:  # the norm-based screen decides
        result["decision"] = screen["decision"]
        result["decision_text"] = screen["decision_text"]
        if verdict == "unusable":
            result["decision_text"] += f" How to re-record: {RERECORD}."
        elif verdict == "review":
            result["decision_text"] += " The recording quality needs review: interpret with care."
        return
    if verdict == "unusable":
        result["decision"] = "no decision"
        result["decision_text"] = ("No decision: the recording is not usable, so no probability "
                                   f"was computed. How to re-record: {RERECORD}.")
    elif risk is None:
        result["decision"] = "no decision"
        result["decision_text"] = "No decision: no risk model was used for this assessment."
    elif p is None:
        result["decision"] = "no decision"
        result["decision_text"] = "No decision: the model gave no probability for this recording."
    elif p >= thr:
        result["decision"] = "screen positive"
        result["decision_text"] = (f"Screen positive: the probability {p:.2f} is at or above the "
                                   f"threshold {thr:.2f}. Stroke signs are suggested; assess "
                                   "the patient now.")
    else:
        result["decision"] = "screen negative"
        result["decision_text"] = (f"Screen negative: the probability {p:.2f} is below the "
                                   f"threshold {thr:.2f}. This does not rule out a stroke.")
    if verdict == "review" and result["decision"] != "no decision":
        result["decision_text"] += " The recording quality needs review: interpret with care."


def assess_video(
    video: Path,
    out_dir: Path,
    *,
    model_dir: Path | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
    config: PreprocessConfig | None = None,
    pdf: bool = True,
) -> dict:
    """Assess one recording; returns the result dict (also written to ``result.json``).

    Parameters
    ----------
    video : the recording (any format PyAV decodes).
    out_dir : folder to write ``result.json``, ``report.html``, ``report.pdf`` and
        ``case/`` into; it must be absent or empty unless ``overwrite``.
    model_dir : a model folder written by ``strokescreen train``; None decides with the
        norm-based screen (:func:`strokescreen.screen.norm_screen`; decision "signs
        present" / "no signs found" / "cannot tell", result key ``screen``).
    progress : ``progress(fraction 0..1, note)``, called now and then.
    config : preprocessing settings (default :class:`PreprocessConfig`).
    pdf : also print ``report.pdf`` when headless Chromium is installed.

    Raises
    ------
    InputError : unreadable or missing video, non-empty ``out_dir``, unusable model folder.
    QualityError : no usable face; raised after ``result.json`` and ``report.html`` are
        written with decision "no decision" and the advice on re-recording.
    """
    from strokescreen.features.table import case_features, case_speech
    from strokescreen.preprocess.artifacts import check_out_dir, write_json
    from strokescreen.preprocess.pipeline import preprocess_video
    from strokescreen.report.findings import affected_side
    from strokescreen.report.measures import measures_from_features
    from strokescreen.report.page import build_report
    from strokescreen.report.risk import (
        METHOD_TEXT,
        attributions,
        case_table,
        load_risk_model,
        model_info,
        operating_point_info,
        predict,
    )

    video, out = Path(video), Path(out_dir)

    def tell(fraction: float, note: str) -> None:
        if progress is not None:
            progress(min(max(float(fraction), 0.0), 1.0), note)

    timings: dict[str, float] = {}
    started = time.perf_counter()
    _check_video(video)
    check_out_dir(out, overwrite=overwrite)
    risk = load_risk_model(model_dir) if model_dir is not None else None
    out.mkdir(parents=True, exist_ok=True)
    for name in (RESULT_JSON, REPORT_HTML, REPORT_PDF):
        (out / name).unlink(missing_ok=True)
    case_dir = out / "case"

    tell(0.0, "reading the recording")
    t0 = time.perf_counter()
    speech: dict[str, dict] = {}

    def measure_speech(wav: Path) -> None:  # in the soundtrack's thread, alongside frames
        t_s = time.perf_counter()
        speech["values"] = case_speech(wav)
        timings["speech_alongside"] = time.perf_counter() - t_s

    try:
        preprocess_video(
            video, case_dir, config=config, overwrite=True, raise_on_unusable=False,
            on_audio=measure_speech,
            progress=lambda done, total=None, **_: tell(0.7 * done / max(total or done, 1),
                                                        "finding the face in each frame"),
        )
    except InputError as exc:
        raise InputError(_anonymise(str(exc), video)) from None
    timings["preprocess"] = time.perf_counter() - t0

    meta = json.loads((case_dir / "meta.json").read_text())
    quality = json.loads((case_dir / "quality.json").read_text())
    verdict = quality.get("verdict", "unusable")
    result: dict[str, Any] = {
        "schema": SCHEMA,
        "recording": {
            "id": str(meta.get("input_sha256", ""))[:12], "sha256": meta.get("input_sha256"),
            "duration_s": meta.get("duration_s"), "fps": meta.get("fps"),
            "width": meta.get("width"), "height": meta.get("height"),
            "audio_present": bool(meta.get("audio_present")),
        },
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "strokescreen_version": __version__,
        "probability": None,
        "threshold": risk.threshold if risk is not None else None,
        "decision": "no decision",
        "decision_text": "",
        "operating_point": operating_point_info(risk) if risk is not None else None,
        "quality": _quality(quality),
        "measures": {},
        "composite_asymmetry": None,
        "region_scores": {},
        "ipd_mm": None,
        "scale_source": None,
        "affected_side": None,
        "top_contributors": [],
        "attribution": None,
        "model_used": risk is not None,
        "model": model_info(risk) if risk is not None else None,
        "synthetic_model": bool(risk.synthetic) if risk is not None else False,
        "no_model_note": None if risk is not None else NO_MODEL_NOTE,
        "screen": None,
        "notes": [],
        "disclaimer": DISCLAIMER,
        "files": {"case": "case", "result": RESULT_JSON, "report_html": REPORT_HTML,
                  "report_pdf": None},
        "timings_s": timings,
    }

    features: dict[str, Any] | None = None
    if verdict != "unusable":
        tell(0.72, "measuring face and speech")
        t0 = time.perf_counter()
        record = case_features(case_dir, speech=speech.get("values"))
        features = record["features"]
        m = measures_from_features(features, audio_present=bool(meta.get("audio_present")))
        result.update({k: m[k] for k in ("measures", "composite_asymmetry", "region_scores",
                                         "ipd_mm", "scale_source")})
        result["notes"] += m["notes"]
        result["affected_side"] = affected_side(result["measures"])
        timings["measures"] = time.perf_counter() - t0
        if risk is not None:
            tell(0.82, "estimating the risk")
            t0 = time.perf_counter()
            cases = case_table(features, case_dir)
            result["probability"] = predict(risk, cases)
            table, method, unit = attributions(risk, cases)
            result["attribution"] = {"method": method, "unit": unit,
                                     "method_text": METHOD_TEXT[method]}
            result["top_contributors"] = _contributors(table, result["measures"], top=5,
                                                       unit=unit)
            timings["model"] = time.perf_counter() - t0
    else:
        result["notes"].append("measures not computed: the recording is not usable")
    if risk is None:
        from strokescreen.screen import norm_screen

        result["screen"] = norm_screen(features or {}, quality=quality)
    _decide(result, risk, verdict)

    tell(0.88, "writing the report")
    t0 = time.perf_counter()
    html = build_report(result, case_dir, synthetic_text=SYNTHETIC_TEXT, rerecord=RERECORD)
    (out / REPORT_HTML).write_text(html, encoding="utf-8")
    timings["report"] = time.perf_counter() - t0
    if pdf:
        tell(0.95, "printing the PDF")
        t0 = time.perf_counter()
        from strokescreen.report.pdf import html_to_pdf

        if html_to_pdf(out / REPORT_HTML, out / REPORT_PDF) is not None:
            result["files"]["report_pdf"] = REPORT_PDF
        timings["pdf"] = time.perf_counter() - t0
    timings["total"] = time.perf_counter() - started
    result["timings_s"] = {k: round(v, 3) for k, v in timings.items()}
    result = _json_safe(result)
    write_json(out / RESULT_JSON, result)
    tell(1.0, "done")
    if verdict == "unusable":
        raise QualityError(
            "the recording is not usable: " + "; ".join(quality.get("reasons") or ["no usable face"])
            + f"; re-record: {RERECORD}; result.json and report.html say so"
        )
    return result
