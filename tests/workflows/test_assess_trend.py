"""assess_video's ``trend``: per-window measures and risk, and the share outside normal."""

from __future__ import annotations

import json

import pytest

from strokescreen.workflows.assess import assess_video
from tests.assess_helpers import LOOSE, case_feature_values, planted_model

pytestmark = pytest.mark.slow


def test_trend_in_result_and_report_without_model(no_model):
    out, result, _ = no_model
    trend = json.loads((out / "result.json").read_text())["trend"]
    assert trend == result["trend"]
    windows = trend["windows"]
    duration = result["quality"]["duration_s"]
    assert len(windows) >= 1 and windows[-1]["end_s"] <= duration + 1e-6
    assert all(w["risk"] is None for w in windows)  # no model: no window probability
    starts = [w["start_s"] for w in windows]
    assert starts == sorted(starts)
    index = next(s for s in trend["signs"] if s["name"] == "asymmetry_index")
    scored = [w for w in windows if w["scored"]]
    assert index["n_windows"] == len(scored)
    if scored:  # the share is the windows above their normal limit
        outside = sum(w["asymmetry_index"] > w["normal_high"] for w in scored)
        assert index["share_outside_normal"] == pytest.approx(outside / len(scored))
    html = (out / "report.html").read_text()
    assert "Signs over the recording" in html and "not a diagnosis" in html
    assert "time outside the normal range" in html


def test_window_risk_from_a_feature_model(tmp_path, clip, no_model):
    feats = case_feature_values(no_model[0])
    model_dir = planted_model(tmp_path / "model", feats, positive=True, synthetic=True)
    result = assess_video(clip, tmp_path / "out", model_dir=model_dir, config=LOOSE, pdf=False)
    scored = [w for w in result["trend"]["windows"] if w["scored"]]
    assert scored and all(0.0 <= w["risk"] <= 1.0 for w in scored)
    assert "trained model" in result["trend"]["risk_source"]
    assert "window probability" in (tmp_path / "out" / "report.html").read_text()
