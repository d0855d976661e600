"""The report page from planted result dicts (no video): wording, escaping, self-containment."""

from __future__ import annotations

import copy

from strokescreen.report.html import range_text, render_report
from strokescreen.report.texts import DISCLAIMER, RERECORD, SYNTHETIC_TEXT
from tests.assess_helpers import external_references

BASE = {
    "recording": {"id": "abc123def456", "duration_s": 30.0, "width": 1280, "height": 720,
                  "audio_present": True},
    "created_at": "2025-01-01T00:00:00+00:00", "strokescreen_version": "0.1.0",
    "probability": 0.73, "threshold": 0.41, "decision": "screen positive",
    "decision_text": "Screen positive: the probability 0.73 is at or above the threshold 0.41.",
    "operating_point": {"sentence": "At this threshold, 88 of 100 strokes in validation were "
                                    "flagged, and 55 of 100 non-strokes were cleared.",
                        "n_cases": 120, "n_subjects": 60, "cohort": "ward-a",
                        "synthetic": False, "validation_auc": 0.81, "chosen_on": None},
    "quality": {"verdict": "review", "reasons": ["only 40% of frames usable"], "advice": "x",
                "n_frames": 900, "n_kept": 360, "usable_share": 0.4, "face_found_share": 1.0,
                "speech_s": 12.0},
    "measures": {
        "mouth_corner_height_lr_mm": {"value": 4.2, "unit": "mm", "normal_low": -3.0,
                                      "normal_high": 3.0, "out_of_range": True,
                                      "description": "commissure height, left - right"},
        "speech_rate": {"value": 2.1, "unit": "syllables/s", "normal_low": 3.0,
                        "normal_high": 6.5, "out_of_range": True, "description": "rate"},
    },
    "composite_asymmetry": 1.9, "region_scores": {"mouth_score": 2.5},
    "affected_side": {"side": "left", "sentence": "Weaker side: subject's left (clear)."},
    "top_contributors": [{"label": "Commissure height", "value": 4.2, "unit": "mm",
                          "reference": 0.1, "normal_low": -3.0, "normal_high": 3.0,
                          "contribution": 1.23, "direction": "towards screen positive"}],
    "attribution": {"unit": "log-odds", "method_text": "coefficient x standardised value"},
    "model_used": True,
    "model": {"name": "logreg", "kind": "classical", "version": "strokescreen 0.1.0",
              "created_at": "2025-01-01", "training_cohort": {"name": "ward-a",
                                                              "n_cases": 120}},
    "synthetic_model": False, "no_model_note": None, "notes": [], "disclaimer": DISCLAIMER,
}


def render(result: dict) -> str:
    return render_report(result, frames=[{"src": "data:image/jpeg;base64,AAAA",
                                          "label": "at rest", "t": 1.0}],
                         asym_src="data:image/png;base64,AAAA", speech_src=None,
                         region_text="Most asymmetric region: mouth.",
                         synthetic_text=SYNTHETIC_TEXT, rerecord=RERECORD)


def test_positive_report_wording():
    html = render(BASE)
    assert "Screen positive" in html and "0.73" in html and "threshold 0.41" in html
    assert BASE["operating_point"]["sentence"] in html
    assert "ward-a" in html and "(not synthetic)" in html
    assert '<span class="badge q-review">review</span>' in html
    assert "subject&#39;s left" in html or "subject's left" in html
    assert "Screening aid, not a diagnosis." in html and "screening aid, not a diagnosis" in html
    assert "Synthetic training data" not in html
    assert "Commissure height" in html and "+1.230" in html
    assert external_references(html) == []


def test_synthetic_model_is_said_twice():
    result = copy.deepcopy(BASE)
    result["synthetic_model"] = True
    html = render(result)
    assert html.count(SYNTHETIC_TEXT) == 2  # banner at the top and notice at the end


def test_no_model_report():
    result = copy.deepcopy(BASE)
    result.update(probability=None, threshold=None, decision="no decision", model_used=False,
                  model=None, operating_point=None, top_contributors=[],
                  no_model_note="No probability without a model.")
    html = render(result)
    assert "No risk model was used." in html and "No probability without a model." in html
    assert "Probability of stroke signs" not in html and "What pushed" not in html


def test_unusable_report_says_why_and_how_to_re_record():
    result = copy.deepcopy(BASE)
    result.update(probability=None, decision="no decision", measures={},
                  quality={**BASE["quality"], "verdict": "unusable",
                           "reasons": ["face found in 0% of frames (minimum 30%)"]})
    html = render(result)
    assert '<span class="badge q-unusable">unusable</span>' in html
    assert "No probability: the recording is not usable." in html
    assert "face found in 0% of frames" in html
    for words in ("centred", "frontal", "lit from the front", "quiet room"):
        assert words in html
    assert "<h2>Face</h2>" not in html


def test_text_is_escaped():
    result = copy.deepcopy(BASE)
    result["quality"]["reasons"] = ['<script>alert("x")</script>', '<img src="http://e.vil/">']
    html = render(result)
    assert "<script>" not in html and "&lt;script&gt;" in html
    assert external_references(html) == []


def test_range_text():
    assert range_text({"normal_low": 1.0, "normal_high": 2.0}) == "1.00 to 2.00"
    assert range_text({"normal_low": None, "normal_high": 1.04}) == "< 1.04"
    assert range_text({"normal_low": 20.0, "normal_high": None}) == "> 20.00"
    assert range_text({"normal_low": None, "normal_high": None}) == ""
