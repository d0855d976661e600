"""A patient's earlier visit is the next visit's baseline: the signed-in user's own visits
only, unusable baselines named, changes shown on the patient page's time axis."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from strokescreen.preprocess.artifacts import file_sha256
from strokescreen.workflows.baseline import (
    ASSESSMENT_SCHEMA,
    baseline_block,
    check_not_same,
    load_baseline,
)
from tests.app.app_fakes import _write, fake_result
from tests.app.app_helpers import add_user, sign_in, wait_state, write_tiny_video

#: video size -> the rest measures the fake analysis reports for it (IPU)
PLANTED: dict[int, dict[str, float]] = {}
IPD_MM = 63.0


@pytest.fixture(autouse=True)
def _fresh_plants():
    PLANTED.clear()


def baseline_analysis(video, out_dir, *, model_dir=None, progress=None, baseline=None,
                      baseline_note=None):
    """Reports planted measures; with a baseline, the real comparison of
    :mod:`strokescreen.workflows.baseline` (as ``assess_video`` does)."""
    values = PLANTED[Path(video).stat().st_size]
    result = fake_result(video)
    result.update(schema=ASSESSMENT_SCHEMA, created_at="2025-01-10T09:00:00+00:00",
                  recording={"sha256": file_sha256(video)},
                  measures={k: {"value": v} for k, v in values.items()},
                  seen_baseline=None if baseline is None else str(baseline))
    if baseline is not None:
        earlier = load_baseline(baseline)
        check_not_same(earlier, video)
        result["baseline"] = baseline_block(
            earlier, {f"face_{k}": v for k, v in values.items()}, None)
    elif baseline_note:
        result["baseline"] = {"used": False, "reason": baseline_note, "signs": []}
    return _write(Path(out_dir), result)


def _rest(droop_mm: float) -> dict[str, float]:
    """A face's rest measures with ``droop_mm`` of commissure droop on one side."""
    return {"mouth_corner_height_lr_ipu": 0.012 + droop_mm / IPD_MM, "mouth_tilt_deg": 0.4,
            "eye_opening_lr_ipu": 0.003, "brow_height_lr_ipu": -0.004}


def _upload(client: TestClient, csrf: str, video: Path, patient: str) -> str:
    with open(video, "rb") as fh:
        r = client.post("/assessments", data={"csrf_token": csrf, "patient": patient},
                        files={"video": ("v.mp4", fh, "video/mp4")},
                        headers={"Accept": "application/json"}, follow_redirects=False)
    assert r.status_code == 201, r.text
    job = r.json()["id"]
    assert wait_state(client, job)["state"] == "done"
    return job


def _result(client: TestClient, job: str) -> dict:
    return json.loads((client.app.state.db.data_dir / "results" / job / "result.json")
                      .read_text())


def _video(tmp_path: Path, name: str, seconds: float, measures: dict[str, float]) -> Path:
    v = write_tiny_video(tmp_path / f"{name}.mp4", seconds=seconds)
    assert v.stat().st_size not in PLANTED
    PLANTED[v.stat().st_size] = measures
    return v


def test_earlier_visit_is_the_baseline_and_a_planted_droop_shows(client_for, data_dir,
                                                                  tmp_path):
    add_user(data_dir, "alice")
    add_user(data_dir, "bob")
    client = client_for(analysis=baseline_analysis)
    csrf = sign_in(client, "alice")
    before = _video(tmp_path, "before", 0.5, _rest(0.0))
    after = _video(tmp_path, "after", 0.8, _rest(3.0))  # a 3 mm droop since the first visit
    first = _upload(client, csrf, before, "P-1")
    second = _upload(client, csrf, after, "P-1")
    assert _result(client, first)["seen_baseline"] is None  # the first visit has none
    got = _result(client, second)
    assert Path(got["seen_baseline"]) == data_dir / "results" / first / "result.json"
    height = next(s for s in got["baseline"]["signs"]
                  if s["measure"] == "mouth_corner_height_lr_ipu")
    assert height["status"] == "sign" and abs(height["change"] - 3.0 / IPD_MM) < 1e-9
    assert all(s["status"] in ("within", "not assessed") for s in got["baseline"]["signs"]
               if s is not height)
    data = client.get("/patients/P-1", headers={"Accept": "application/json"}).json()
    assert [v["id"] for v in data["visits"]] == [first, second]
    assert [v["baseline_status"] for v in data["visits"]] == [None, "sign"]
    assert data["visits"][1]["baseline_z"] == height["value"] > height["sign_above"]
    page = client.get("/patients/P-1").text
    assert "change since baseline (|z|)" in page  # the chart's panel on the time axis
    assert 'fill="#c1121f"' in page  # the visit with a sign drawn red
    assert "sign: commissure height difference at rest" in page
    assert "not a diagnosis" in page
    # bob's patient with the same label never takes alice's visit as baseline
    bob = TestClient(client.app)
    bob_csrf = sign_in(bob, "bob")
    theirs = _upload(bob, bob_csrf, _video(tmp_path, "bob", 1.1, _rest(3.0)), "P-1")
    assert _result(client, theirs)["seen_baseline"] is None
    assert "baseline" not in _result(client, theirs)
    # alice's next visit compares with her most recent visit, not bob's later one
    third = _upload(client, csrf, _video(tmp_path, "third", 1.4, _rest(3.0)), "P-1")
    assert Path(_result(client, third)["seen_baseline"]).parent.name == second
    assert client.get("/patients/P-1", headers={"Accept": "application/json"}).json()[
        "visits"][2]["baseline_status"] == "within"


def test_unusable_baseline_still_assesses_and_says_why(client_for, data_dir, tmp_path):
    add_user(data_dir, "alice")
    client = client_for(analysis=baseline_analysis)
    csrf = sign_in(client, "alice")
    # an earlier visit without facial measures (e.g. the face was never scored)
    empty = _upload(client, csrf, _video(tmp_path, "empty", 0.5, {}), "P-2")
    later = _upload(client, csrf, _video(tmp_path, "later", 0.8, _rest(0.0)), "P-2")
    got = _result(client, later)
    assert got["seen_baseline"] is None and got["baseline"]["used"] is False
    assert "cannot serve as the baseline" in got["baseline"]["reason"]
    assert "no facial measures" in got["baseline"]["reason"]
    assert str(data_dir) not in got["baseline"]["reason"]  # no server path shown
    page = client.get("/patients/P-2").text
    assert "no baseline: the visit of" in page and empty in page
    # the same recording uploaded again is not its own baseline
    clip = _video(tmp_path, "again", 1.1, _rest(0.0))
    _upload(client, csrf, clip, "P-3")
    again = _result(client, _upload(client, csrf, clip, "P-3"))
    assert again["seen_baseline"] is None and "same recording" in again["baseline"]["reason"]


def test_an_analysis_without_a_baseline_parameter_gets_none(client_for, data_dir, tmp_path):
    from tests.app.app_fakes import fake_analysis

    add_user(data_dir, "alice")
    client = client_for(analysis=fake_analysis)
    csrf = sign_in(client, "alice")
    for i in range(2):
        job = _upload(client, csrf, write_tiny_video(tmp_path / f"f{i}.mp4",
                                                     seconds=0.5 + 0.3 * i), "P-4")
    assert "baseline" not in _result(client, job)
