"""assess_video end to end on a tiny portrait clip: without a model and with planted models."""

from __future__ import annotations

import json
import math

import pytest

from strokescreen.report.risk import operating_point_sentence
from strokescreen.workflows.assess import assess_video
from tests.assess_helpers import (
    LOOSE,
    PLANTED,
    PRIVATE_NAME,
    case_feature_values,
    external_references,
    planted_model,
)


@pytest.fixture(scope="module")
def with_models(tmp_path_factory, clip, no_model):
    """Assessments with a planted positive (synthetic) and negative (real-labelled) model."""
    feats = case_feature_values(no_model[0])
    base = tmp_path_factory.mktemp("models")
    runs = {}
    for name, positive, synthetic in (("pos", True, True), ("neg", False, False)):
        model_dir = planted_model(base / f"model_{name}", feats, positive=positive,
                                  synthetic=synthetic)
        out = base / f"out_{name}"
        runs[name] = (out, assess_video(clip, out, model_dir=model_dir, config=LOOSE,
                                        pdf=False), model_dir)
    return runs


@pytest.mark.slow
def test_without_model_reports_quality_and_measures(no_model):
    out, result, calls = no_model
    assert (out / "result.json").is_file() and (out / "report.html").is_file()
    assert (out / "case" / "meta.json").is_file() and (out / "case" / "features.json").is_file()
    on_disk = json.loads((out / "result.json").read_text())
    assert on_disk == result
    assert result["probability"] is None and result["threshold"] is None
    # no model: the norm-based screen decides, and says what it is
    screen = result["screen"]
    assert screen["method"] == "norm-based screen"
    assert result["decision"] == screen["decision"]
    assert screen["decision"] in ("signs present", "no signs found", "cannot tell")
    assert "norm-based screen, not a trained risk model" in result["decision_text"]
    assert "screening aid, not a diagnosis" in result["decision_text"]
    names = [s["name"] for s in screen["signs"]]
    assert names == ["asymmetry_index", "mouth_score", "eye_score", "brow_score", "speech_rate",
                     "speech_articulation_rate"]
    face = {s["name"]: s["value"] for s in screen["signs"] if s["kind"] == "face"}
    assert face["asymmetry_index"] == pytest.approx(result["composite_asymmetry"])
    assert face["mouth_score"] == pytest.approx(result["region_scores"]["mouth_score"])
    assert result["model_used"] is False and result["synthetic_model"] is False
    assert result["quality"]["verdict"] in ("good", "review")
    assert result["quality"]["n_frames"] == 60
    assert "screening aid, not a diagnosis" in result["disclaimer"]
    # measures as in `measure --json`: each with its range and flag
    m = result["measures"]
    for name in ("mouth_corner_height_lr_mm", "mouth_tilt_deg", "speech_rate",
                 "speech_f0_median"):
        assert set(m[name]) == {"value", "unit", "normal_low", "normal_high", "out_of_range",
                                "description"}
    assert m["mouth_tilt_deg"]["normal_low"] < 0 < m["mouth_tilt_deg"]["normal_high"]
    # the soundtrack is a 160 Hz tone: the speech measures find it
    assert abs(m["speech_f0_median"]["value"] - 160.0) < 5.0
    assert m["speech_f0_median"]["out_of_range"] is False
    # the portrait is an ordinary face: no clearly weaker side
    assert result["affected_side"]["side"] is None
    # progress goes from 0 to 1
    fracs = [f for f, _ in calls]
    assert fracs[0] == 0.0 and fracs[-1] == 1.0 and fracs == sorted(fracs)


def test_report_is_self_contained_without_model(no_model):
    out, result, _ = no_model
    html = (out / "report.html").read_text()
    assert external_references(html) == []
    assert "http://" not in html and "https://" not in html and "<script" not in html.lower()
    assert "screening aid, not a diagnosis" in html.lower()
    verdict = result["quality"]["verdict"]
    assert f'<span class="badge q-{verdict}">{verdict}</span>' in html
    assert "No risk model was used" in html
    assert 'id="screen"' in html and "norm-based screen, not a trained risk model" in html
    assert html.count('src="data:image/jpeg;base64,') >= 2  # key frames
    # asymmetry, signs over the recording (trend) and speech plots
    assert html.count('src="data:image/png;base64,') == 3
    assert "subject&rsquo;s" in html or "subject's" in html


@pytest.mark.slow
def test_no_file_name_in_outputs(no_model, with_models):
    stem = PRIVATE_NAME.rsplit(".", 1)[0]
    for out in [no_model[0]] + [r[0] for r in with_models.values()]:
        for name in ("result.json", "report.html"):
            text = (out / name).read_text()
            assert stem not in text and "jane_doe" not in text and "mrn123456" not in text
        meta = (out / "case" / "meta.json").read_text()
        assert "jane_doe" not in meta


def test_positive_planted_model(with_models):
    out, result, model_dir = with_models["pos"]
    sidecar = json.loads((model_dir / "model.json").read_text())
    p, thr = result["probability"], result["threshold"]
    assert 0.0 <= p <= 1.0 and thr == pytest.approx(sidecar["threshold"])
    assert p >= thr and result["decision"] == "screen positive"
    top = result["top_contributors"][0]
    assert top["feature"] == PLANTED and top["direction"] == "towards screen positive"
    assert top["contribution"] > 0 and result["attribution"]["method"] == "shap-linear"
    fams = {g["family"]: g["contribution"] for g in result["attribution"]["families"]}
    assert max(fams, key=lambda k: abs(fams[k])) == "mouth" and fams["mouth"] > 0
    assert "By measure family" in (out / "report.html").read_text()
    op = result["operating_point"]
    assert op["sensitivity"] == pytest.approx(sidecar["operating_point"]["sensitivity"])
    assert op["specificity"] == pytest.approx(sidecar["operating_point"]["specificity"])
    assert op["cohort"] == "planted-test-cohort" and op["synthetic"] is True
    assert result["synthetic_model"] is True
    assert result["model"]["name"] == "logreg"
    assert result["model"]["weights_sha256"] == sidecar["weights"]["files"][0]["sha256"]
    html = (out / "report.html").read_text()
    sentence = operating_point_sentence(sidecar["operating_point"]["sensitivity"],
                                        sidecar["operating_point"]["specificity"])
    sens = round(sidecar["operating_point"]["sensitivity"] * 100)
    spec = round(sidecar["operating_point"]["specificity"] * 100)
    assert f"{sens} of 100 strokes in validation were flagged" in sentence
    assert f"{spec} of 100 non-strokes were cleared" in sentence
    assert sentence in html
    assert "Synthetic training data" in html and "trained on synthetic" in html
    assert "Screen positive" in html and external_references(html) == []


def test_negative_planted_model(with_models):
    out, result, _ = with_models["neg"]
    p, thr = result["probability"], result["threshold"]
    assert 0.0 <= p < thr and result["decision"] == "screen negative"
    top = result["top_contributors"][0]
    assert top["feature"] == PLANTED and top["contribution"] < 0
    assert top["direction"] == "towards screen negative"
    assert result["synthetic_model"] is False and result["operating_point"]["synthetic"] is False
    html = (out / "report.html").read_text()
    assert "Synthetic training data" not in html and "does not rule out a stroke" in html


def test_report_says_what_the_result_meant_in_validation(with_models):
    out, result, _ = with_models["pos"]
    assert result["calibration"]["method"] == "sigmoid"
    assert result["result_sentences"][0].startswith("Of 100 people with this result")
    html = (out / "report.html").read_text()
    assert result["result_sentences"][0] in html and result["calibration"]["sentence"] in html


def test_linear_contributions_add_up_to_the_logit(with_models):
    from strokescreen.models.persist import load_model

    out, result, model_dir = with_models["pos"]
    model, sidecar = load_model(model_dir)  # recalibrated: logit q = a + b * logit p
    a = b = None
    if sidecar["calibration"]["method"] == "sigmoid":
        a, b = model.calibrator_.values["intercept"], model.calibrator_.values["slope"]
    intercept = float(model.pipeline_[-1].intercept_[0])
    if a is not None:
        intercept = a + b * intercept  # the contributions are scaled by the slope b
    from strokescreen.report.risk import RiskModel, attributions, case_table

    feats = case_feature_values(out)
    table, method, unit = attributions(RiskModel(model, {"threshold": 0.5}),
                                       case_table(feats, out / "case"))
    p = result["probability"]
    assert method == "shap-linear" and unit == "log-odds"
    assert table["contribution"].sum() + intercept == pytest.approx(math.log(p / (1 - p)),
                                                                    abs=1e-6)


def test_overwrite_replaces_previous_outputs(tmp_path, clip, no_model):
    out = tmp_path / "out"
    out.mkdir()
    (out / "report.pdf").write_text("stale")
    (out / "keep.txt").write_text("user file")
    result = assess_video(clip, out, config=LOOSE, pdf=False, overwrite=True)
    assert result["files"]["report_pdf"] is None and not (out / "report.pdf").exists()
    assert (out / "keep.txt").read_text() == "user file"
    # same recording, same measures
    assert result["measures"] == no_model[1]["measures"]
