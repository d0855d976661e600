"""Assess one recording: preprocessing, measures, risk model, ``result.json`` and report.

:func:`assess_video` is what ``strokescreen assess`` and the web app call. It writes into
``out_dir``:

- ``case/``: the preprocessing artifact folder (docs/architecture.md) with ``features.json``;
- ``result.json``: probability, threshold, decision, the threshold's validation operating
  point (with a model) or the norm-based ``screen`` block (without one), quality,
  the ``trend`` of the signs over the recording (per-window measures and risk, and the
  share of time each sign stays outside its normal range),
  measures against normal, the measures that pushed the probability most, model name
  and version, ``synthetic_model`` and the disclaimer;
- ``report.html``: the same for a person, one self-contained page;
- ``report.pdf`` when headless Chromium is installed.

Privacy: the input's file name and path are never written; the recording is named by the
first 12 hex digits of its SHA-256.
"""

from __future__ import annotations

import datetime as _dt
import math
import time
from pathlib import Path
from typing import Any

from strokescreen import __version__
from strokescreen.config import PreprocessConfig
from strokescreen.errors import InputError, QualityError
from strokescreen.jsonable import json_safe
from strokescreen.preprocess.artifacts import CaseMeta, CaseQuality
from strokescreen.progress import Progress
from strokescreen.report.risk import RiskModel
from strokescreen.report.texts import DISCLAIMER, NO_MODEL_NOTE, RERECORD, SYNTHETIC_TEXT

RESULT_JSON, REPORT_HTML, REPORT_PDF = "result.json", "report.html", "report.pdf"
SCHEMA = "strokescreen-assessment-1"



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


def _family_sums(table: Any) -> list[dict[str, Any]]:
    """Contributions summed per measure family (SHAP values add up), largest first."""
    from strokescreen.features.families import feature_family

    if not len(table):
        return []
    sums = table.assign(family=table["feature"].map(feature_family)).groupby("family")[
        "contribution"].sum()
    sums = sums[sums.abs() > 0].sort_values(key=abs, ascending=False)
    return [{"family": str(k), "contribution": float(v)} for k, v in sums.items()]


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


class _Run:
    """What one assessment carries between its steps: timings and the progress callback."""

    def __init__(self, progress: Progress | None) -> None:
        self.progress = progress
        self.timings: dict[str, float] = {}
        self.started = time.perf_counter()

    def tell(self, fraction: float, note: str) -> None:
        if self.progress is not None:
            self.progress(min(max(float(fraction), 0.0), 1.0), 1.0, note=note)


def _prepare(video: Path, out: Path, *, model_dir: Path | None, overwrite: bool,
             parsing_model: Path | None = None) -> RiskModel | None:
    """Check the input and the output folder, load the model, clear old result files."""
    from strokescreen.preprocess.artifacts import check_out_dir
    from strokescreen.report.risk import load_risk_model

    _check_video(video)
    check_out_dir(out, overwrite=overwrite)
    risk = load_risk_model(model_dir) if model_dir is not None else None
    _check_fpp_inputs(getattr(risk, "model", None), parsing_model)
    out.mkdir(parents=True, exist_ok=True)
    for name in (RESULT_JSON, REPORT_HTML, REPORT_PDF):
        (out / name).unlink(missing_ok=True)
    return risk


def _preprocess(video: Path, case_dir: Path, run: _Run, *, config: PreprocessConfig | None
                ) -> tuple[CaseMeta, CaseQuality, dict[str, float] | None]:
    """The case folder, with the speech measured alongside the frames; (meta, quality,
    speech features or None)."""
    from strokescreen.preprocess.pipeline import preprocess_video
    from strokescreen.workflows.feature_table import case_speech

    run.tell(0.0, "reading the recording")
    t0 = time.perf_counter()
    speech: dict[str, dict] = {}
    written: dict[str, Any] = {}

    def measure_speech(wav: Path) -> None:  # in the soundtrack's thread, alongside frames
        t_s = time.perf_counter()
        speech["values"] = case_speech(wav)
        run.timings["speech_alongside"] = time.perf_counter() - t_s

    try:
        preprocess_video(
            video, case_dir, config=config, overwrite=True, raise_on_unusable=False,
            on_audio=measure_speech,
            on_written=lambda meta, quality: written.update(meta=meta, quality=quality),
            progress=lambda done, total=None, **_: run.tell(0.7 * done / max(total or done, 1),
                                                            "finding the face in each frame"),
        )
    except InputError as exc:
        raise InputError(_anonymise(str(exc), video)) from None
    run.timings["preprocess"] = time.perf_counter() - t0
    return written["meta"], written["quality"], speech.get("values")


def _new_result(meta: CaseMeta, quality: CaseQuality, risk: RiskModel | None,
                run: _Run) -> dict[str, Any]:
    """The result before measuring: recording, quality, model, and empty measure fields."""
    from strokescreen.report.risk import calibration_info, model_info, operating_point_info

    return {
        "schema": SCHEMA,
        "recording": {
            "id": meta.input_sha256[:12], "sha256": meta.input_sha256,
            "duration_s": meta.duration_s, "fps": meta.fps,
            "width": meta.width, "height": meta.height,
            "audio_present": bool(meta.audio_present),
        },
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "strokescreen_version": __version__,
        "probability": None,
        "threshold": risk.threshold if risk is not None else None,
        "decision": "no decision",
        "decision_text": "",
        "operating_point": operating_point_info(risk) if risk is not None else None,
        "calibration": calibration_info(risk) if risk is not None else None,
        "result_sentences": [],
        "quality": _quality(quality.to_dict()),
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
        "trend": None,
        "notes": [],
        "disclaimer": DISCLAIMER,
        "files": {"case": "case", "result": RESULT_JSON, "report_html": REPORT_HTML,
                  "report_pdf": None},
        "timings_s": run.timings,
    }


def _measure(result: dict[str, Any], case_dir: Path, *, audio_present: bool,
             speech: dict[str, float] | None, run: _Run) -> dict[str, Any]:
    """Fill the measures, region scores and weaker side; returns the case's features."""
    from strokescreen.report.findings import affected_side
    from strokescreen.report.measures import measures_from_features
    from strokescreen.workflows.feature_table import case_features

    run.tell(0.72, "measuring face and speech")
    t0 = time.perf_counter()
    features: dict[str, Any] = case_features(case_dir, speech=speech)["features"]
    m = measures_from_features(features, audio_present=audio_present)
    result.update({k: m[k] for k in ("measures", "composite_asymmetry", "region_scores",
                                     "ipd_mm", "scale_source")})
    result["notes"] += m["notes"]
    result["affected_side"] = affected_side(result["measures"])
    run.timings["measures"] = time.perf_counter() - t0
    return features


def _predict(result: dict[str, Any], risk: RiskModel, features: dict[str, Any],
             case_dir: Path, run: _Run) -> None:
    """Fill the probability, the attribution method and the top contributors."""
    from strokescreen.report.risk import METHOD_TEXT, attributions, case_table, predict

    run.tell(0.82, "estimating the risk")
    t0 = time.perf_counter()
    cases = case_table(features, case_dir)
    result["probability"] = predict(risk, cases)
    table, method, unit = attributions(risk, cases)
    result["attribution"] = {"method": method, "unit": unit,
                             "method_text": METHOD_TEXT[method],
                             "families": _family_sums(table)}
    result["top_contributors"] = _contributors(table, result["measures"], top=5, unit=unit)
    run.timings["model"] = time.perf_counter() - t0


def _parse(result: dict[str, Any], case_dir: Path, parsing_model: Path, run: _Run, *,
           fpp_threshold: bool = True) -> dict[str, float]:
    """FPP side by the parsing network next to the landmark-based weaker side; returns the
    case's FPP features (``face_fpp_share_*``, as ``features --parsing-model`` computes
    them for a training table), NaN (imputed by a model) when no kept frame was parsed."""
    from strokescreen.workflows.parse import fpp_case_features, parse_case, side_agreement

    run.tell(0.85, "parsing the face")
    t0 = time.perf_counter()
    try:
        p = parse_case(case_dir, parsing_model, fpp_threshold=fpp_threshold)
    except QualityError as exc:
        result["notes"].append(f"face parsing not done: {exc}")
        return {k: float("nan") for k in fpp_case_features({"fpp_share_left": 0.0,
                                                            "fpp_share_right": 0.0})}
    p["agreement"] = side_agreement(p["fpp_side"], (result.get("affected_side") or {}).get("side"))
    result["parsing"] = p
    run.timings["parsing"] = time.perf_counter() - t0
    return fpp_case_features(p)


def _check_fpp_inputs(model: Any, parsing_model: Path | None, *,
                      option: str = "--model") -> None:
    """A model (risk or graded) trained on a table with the FPP shares (``features
    --parsing-model``) needs a parsing model to measure them on this recording: refused
    before any work."""
    names = getattr(model, "feature_names_in_", None)
    if parsing_model is None and any(str(c).startswith("face_fpp_")
                                     for c in (names if names is not None else [])):
        raise InputError(f"the {option} model was trained with the face-parsing FPP shares "
                         "(face_fpp_share_*); give --parsing-model with the parsing model "
                         "its training table was built with")


def _write_report(result: dict[str, Any], out: Path, case_dir: Path, *, pdf: bool,
                  run: _Run) -> None:
    """``report.html`` and, when asked and Chromium is there, ``report.pdf``."""
    from strokescreen.report.page import build_report

    run.tell(0.88, "writing the report")
    t0 = time.perf_counter()
    html = build_report(result, case_dir, synthetic_text=SYNTHETIC_TEXT, rerecord=RERECORD)
    (out / REPORT_HTML).write_text(html, encoding="utf-8")
    run.timings["report"] = time.perf_counter() - t0
    if pdf:
        run.tell(0.95, "printing the PDF")
        t0 = time.perf_counter()
        from strokescreen.report.pdf import html_to_pdf

        if html_to_pdf(out / REPORT_HTML, out / REPORT_PDF) is not None:
            result["files"]["report_pdf"] = REPORT_PDF
        run.timings["pdf"] = time.perf_counter() - t0


def assess_video(
    video: Path,
    out_dir: Path,
    *,
    model_dir: Path | None = None,
    progress: Progress | None = None,
    overwrite: bool = False,
    config: PreprocessConfig | None = None,
    pdf: bool = True,
    parsing_model: Path | None = None,
    fpp_threshold: bool = True,
    severity_model: Path | None = None,
    baseline: Path | None = None,
    baseline_note: str | None = None,
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
    progress : ``progress(fraction 0..1, 1.0, note=...)``, called now and then.
    config : preprocessing settings (default :class:`PreprocessConfig`).
    pdf : also print ``report.pdf`` when headless Chromium is installed.
    parsing_model : a ``parsing-train`` model folder: the FPP overlay on key frames and the
        FPP side next to the landmark-based weaker side (result key ``parsing``).
    fpp_threshold : decide the FPP with the parsing model's validation-chosen threshold
        (docs/face_parsing.md; the default; False = the plain arg-max;
        ``parsing.fpp_offset`` records the offset). The parse runs before the risk model,
        so a model trained with the FPP features (``features --parsing-model``) gets them.
    severity_model : a graded model folder (``train --target severity``): its estimate of
        the grade (result key ``severity``, :mod:`strokescreen.workflows.assess_severity`).
    baseline : the ``result.json`` of the same person's earlier assessment: changes beyond
        the measures' repeatability are signs of the norm-based screen (result key
        ``baseline``; with a model, shown beside its decision).
    baseline_note : why an intended baseline was not used (the web app's earlier visit
        that failed the checks): assessed without one, the reason in ``baseline``.

    Raises
    ------
    InputError : unreadable or missing video, non-empty ``out_dir``, unusable model folder.
    QualityError : no usable face; raised after ``result.json`` and ``report.html`` are
        written with decision "no decision" and the advice on re-recording.
    """
    from strokescreen.preprocess.artifacts import write_json

    video, out = Path(video), Path(out_dir)
    run = _Run(progress)
    created = not out.exists()
    if parsing_model is not None:
        from strokescreen.parsing.model import read_parsing_sidecar

        read_parsing_sidecar(parsing_model)  # a wrong folder fails before any work
    graded = None
    if severity_model is not None:
        from strokescreen.workflows.assess_severity import load_severity_model

        graded = load_severity_model(severity_model)  # a wrong folder fails before any work
        _check_fpp_inputs(graded[0], parsing_model, option="--severity-model")
    earlier = None
    if baseline is not None:
        from strokescreen.workflows.baseline import check_not_same, load_baseline

        earlier = load_baseline(baseline)  # a wrong file fails before any work
        check_not_same(earlier, video)
    risk = _prepare(video, out, model_dir=model_dir, overwrite=overwrite,
                    parsing_model=parsing_model)
    case_dir = out / "case"
    try:
        meta, quality, speech = _preprocess(video, case_dir, run, config=config)
    except InputError:
        # an unreadable recording leaves nothing behind: not even the folder we made
        if created and out.is_dir() and not any(out.iterdir()):
            out.rmdir()
        raise
    result = _new_result(meta, quality, risk, run)
    from strokescreen.io.video import is_synthetic_recording
    from strokescreen.report.texts import SYNTHETIC_RECORDING_TEXT

    result["synthetic_recording"] = is_synthetic_recording(video)
    result["synthetic_recording_note"] = (SYNTHETIC_RECORDING_TEXT
                                          if result["synthetic_recording"] else None)
    features: dict[str, Any] | None = None
    if quality.verdict != "unusable":
        features = _measure(result, case_dir, audio_present=bool(meta.audio_present),
                            speech=speech, run=run)
        if parsing_model is not None:
            features = {**features, **_parse(result, case_dir, parsing_model, run,
                                             fpp_threshold=fpp_threshold)}
        if risk is not None:
            _predict(result, risk, features, case_dir, run)
        if graded is not None:
            from strokescreen.workflows.assess_severity import severity_estimate

            result["severity"] = severity_estimate(*graded, features, case_dir)
        from strokescreen.workflows.assess_trend import recording_trend

        t0 = time.perf_counter()
        result["trend"] = recording_trend(case_dir, features=features, risk=risk)
        run.timings["trend"] = time.perf_counter() - t0
    else:
        result["notes"].append("measures not computed: the recording is not usable")
    if risk is None:
        from strokescreen.screen import norm_screen

        result["screen"] = norm_screen(features or {}, quality=quality.to_dict(),
                                       baseline=None if earlier is None else earlier["values"])
    if earlier is not None:
        from strokescreen.workflows.baseline import baseline_block

        result["baseline"] = baseline_block(earlier, features, result.get("screen"))
    elif baseline_note:
        result["baseline"] = {"used": False, "reason": str(baseline_note)[:300], "signs": []}
    _decide(result, risk, quality.verdict)
    if risk is not None:
        from strokescreen.report.risk import result_sentences

        result["result_sentences"] = result_sentences(
            result["calibration"], result["probability"], result["decision"])
    _write_report(result, out, case_dir, pdf=pdf, run=run)
    run.timings["total"] = time.perf_counter() - run.started
    result["timings_s"] = {k: round(v, 3) for k, v in run.timings.items()}
    result = json_safe(result)
    write_json(out / RESULT_JSON, result)
    run.tell(1.0, "done")
    if quality.verdict == "unusable":
        raise QualityError(
            "the recording is not usable: " + "; ".join(quality.reasons or ["no usable face"])
            + f"; re-record: {RERECORD}; result.json and report.html say so"
        )
    return result
