"""`strokescreen assess` through typer's CliRunner: without and with a model."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from tests.assess_helpers import PRIVATE_NAME, make_clip, planted_model

runner = CliRunner()


@pytest.fixture(scope="module")
def setup(tmp_path_factory, astronaut):
    d = tmp_path_factory.mktemp("cli_assess")
    clip = make_clip(d / "clips", astronaut)
    config = d / "loose.yaml"
    config.write_text("proposal:\n  beta1_deg: 40.0\n")
    return d, clip, config


@pytest.fixture(scope="module")
def json_run(setup):
    d, clip, config = setup
    out = d / "out_json"
    res = runner.invoke(app, ["assess", str(clip), "--out", str(out), "--config", str(config),
                              "--no-pdf", "--json"])
    return out, res


@pytest.mark.slow
def test_json_output_is_result_json(json_run):
    out, res = json_run
    assert res.exit_code == 0, res.output
    printed = json.loads(res.stdout)
    assert printed == json.loads((out / "result.json").read_text())
    assert printed["decision"] == printed["screen"]["decision"] and printed["probability"] is None
    assert printed["decision"] in ("signs present", "no signs found", "cannot tell")
    assert printed["model_used"] is False and printed["files"]["report_pdf"] is None
    assert (out / "report.html").is_file() and (out / "case" / "quality.json").is_file()
    assert not (out / "report.pdf").exists()


@pytest.mark.slow
def test_summary_with_a_model(setup, json_run):
    d, clip, config = setup
    feats = json.loads((json_run[0] / "case" / "features.json").read_text())["features"]
    model_dir = planted_model(d / "model", feats, positive=True, synthetic=True)
    out = d / "out_model"
    res = runner.invoke(app, ["assess", str(clip), "--model", str(model_dir), "--out", str(out),
                              "--config", str(config), "--no-pdf"])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "result.json").read_text())
    assert result["decision"] == "screen positive"
    assert "decision: screen positive" in res.stdout
    assert result["operating_point"]["sentence"] in " ".join(res.stdout.split())
    assert "synthetic" in res.stdout and "screening aid, not a diagnosis" in res.stdout
    assert PRIVATE_NAME.split(".")[0] not in res.output  # the file name is never printed
    assert result["screen"] is None and "norm-based screen" not in res.stdout  # the model decides


def test_summary_without_a_model_prints_the_screen(setup, json_run):
    d, clip, config = setup
    out = d / "out_screen"
    res = runner.invoke(app, ["assess", str(clip), "--out", str(out), "--config", str(config),
                              "--no-pdf"])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "result.json").read_text())
    text = " ".join(res.stdout.split())
    decision = result["screen"]["decision"]
    assert f"decision: {decision}" in text
    assert f"norm-based screen, not a trained risk model: {decision}" in text
    for s in result["screen"]["signs"]:
        assert f"{s['label']}: " in text
    assert "screening aid, not a diagnosis" in text


@pytest.mark.slow
def test_baseline_from_an_earlier_result(setup, json_run, tmp_path):
    d, clip, config = setup
    earlier = json.loads((json_run[0] / "result.json").read_text())
    same = runner.invoke(app, ["assess", str(clip), "--out", str(tmp_path / "same"),
                               "--baseline", str(json_run[0] / "result.json")])
    assert same.exit_code != 0 and "this same recording" in same.output
    assert "Traceback" not in same.output and not (tmp_path / "same").exists()
    earlier["recording"]["sha256"] = "0" * 64  # as if another, earlier recording
    base = tmp_path / "earlier.json"
    base.write_text(json.dumps(earlier))
    out = tmp_path / "out"
    res = runner.invoke(app, ["assess", str(clip), "--out", str(out), "--config", str(config),
                              "--no-pdf", "--baseline", str(base)])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "result.json").read_text())
    signs = result["baseline"]["signs"]
    assert {s["kind"] for s in signs} == {"baseline"}
    assert [s for s in result["screen"]["signs"] if s["kind"] == "baseline"] == signs
    # the same recording against its own values: no change anywhere
    assert all(s["change"] in (None, 0.0) and s["status"] in ("within", "not assessed")
               for s in signs)
    assert result["screen"]["operating_point"]["n_families"] == 4
    assert "Baseline: the same person" in (out / "report.html").read_text()


@pytest.mark.slow
def test_a_baseline_that_could_not_be_used_is_named_in_result_and_report(setup, tmp_path):
    """The web app's earlier visit that failed the baseline checks: the recording is still
    assessed, against healthy people only, and the reason is shown."""
    from strokescreen.workflows.assess import assess_video

    d, clip, config = setup
    note = "the visit of 2025-01-10 09:00 UTC cannot serve as the baseline: no facial measures"
    result = assess_video(clip, tmp_path / "out", pdf=False, baseline_note=note)
    assert result["baseline"] == {"used": False, "reason": note, "signs": []}
    assert not [s for s in result["screen"]["signs"] if s["kind"] == "baseline"]
    assert result["screen"]["operating_point"]["n_families"] == 3
    html = (tmp_path / "out" / "report.html").read_text()
    assert "No baseline used:" in html and "cannot serve as the baseline" in html
