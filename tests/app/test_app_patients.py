"""Patient pages: a user's own patients only, visits in time order on one time axis."""

from __future__ import annotations

import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

from fastapi.testclient import TestClient

from strokescreen.app.db import AuditEntry, Job
from tests.app.app_fakes import _write, fake_result
from tests.app.app_helpers import add_user, sign_in, wait_state, write_tiny_video

# the analysis plants a probability and an asymmetry index that differ per video
PLANTED = {}


def planted_analysis(video, out_dir, *, model_dir=None, progress=None):
    result = fake_result(video)
    p, index = PLANTED[Path(video).stat().st_size]
    result.update(probability=p, composite_asymmetry=index, severity={"grade": "mild"},
                  measures={"speech_rate": {"value": 4.2, "unit": "syllables/s"}},
                  trend={"signs": [{"name": "asymmetry_index", "share_outside_normal": 0.5}]})
    return _write(Path(out_dir), result)


def _upload(client: TestClient, csrf: str, video: Path, patient: str | None):
    data = {"csrf_token": csrf, **({"patient": patient} if patient is not None else {})}
    with open(video, "rb") as fh:
        r = client.post("/assessments", data=data, files={"video": ("v.mp4", fh, "video/mp4")},
                        headers={"Accept": "application/json"}, follow_redirects=False)
    return r


def _videos(tmp_path: Path, n: int) -> list[Path]:
    out = []
    for i in range(n):
        out.append(write_tiny_video(tmp_path / f"v{i}.mp4", seconds=0.5 + 0.3 * i))
    return out


def test_patient_page_lists_own_visits_in_time_order(client_for, data_dir, tmp_path):
    add_user(data_dir, "alice")
    add_user(data_dir, "bob")
    client = client_for(analysis=planted_analysis)
    csrf = sign_in(client, "alice")
    videos = _videos(tmp_path, 4)
    for i, v in enumerate(videos):
        PLANTED[v.stat().st_size] = (0.9 - 0.2 * i, 5.0 - i)
    ids = []
    for v in videos[:3]:
        r = _upload(client, csrf, v, "P-001")
        assert r.status_code == 201, r.text
        ids.append(r.json()["id"])
        wait_state(client, ids[-1])
    other = _upload(client, csrf, videos[3], None).json()["id"]  # no patient: not listed
    wait_state(client, other)
    # make the third upload the earliest visit: the page follows the visit times
    db = client.app.state.db
    start = datetime(2025, 1, 10, tzinfo=timezone.utc)
    with db.session() as s:
        for job_id, days in zip(ids, (7, 30, 0), strict=True):
            s.get(Job, job_id).created_at = start + timedelta(days=days)
        s.commit()
    page = client.get("/patients/P-001")
    assert page.status_code == 200
    order = [page.text.index(f'id="visit-{i}"') for i in (ids[2], ids[0], ids[1])]
    assert order == sorted(order)
    assert other not in page.text
    assert "<svg" in page.text and "2025-01-10" in page.text and "2025-02-09" in page.text
    assert "not a diagnosis" in page.text and "mild" in page.text
    data = client.get("/patients/P-001", headers={"Accept": "application/json"}).json()
    assert [v["id"] for v in data["visits"]] == [ids[2], ids[0], ids[1]]
    assert [v["probability"] for v in data["visits"]] == [0.5, 0.9, 0.7]
    assert [v["asymmetry_index"] for v in data["visits"]] == [3.0, 5.0, 4.0]
    assert data["visits"][0]["share_outside_normal"] == 0.5
    listing = client.get("/patients").text
    assert "P-001" in listing and ">3<" in listing
    assert "/patients/P-001" in client.get("/assessments").text
    # the patient identifier never reaches the audit log
    with db.session() as s:
        assert s.query(AuditEntry).count() > 0
    assert "P-001" not in (data_dir / "audit.log").read_text()


def test_another_users_patient_is_not_found(client_for, data_dir, tmp_path):
    add_user(data_dir, "alice")
    add_user(data_dir, "bob")
    video = _videos(tmp_path, 1)[0]
    PLANTED[video.stat().st_size] = (0.3, 1.0)
    alice = client_for(analysis=planted_analysis)
    csrf = sign_in(alice, "alice")
    job = _upload(alice, csrf, video, "P 7").json()["id"]
    wait_state(alice, job)
    assert alice.get("/patients/P 7").status_code == 200
    bob = TestClient(alice.app)
    sign_in(bob, "bob")
    for path in ("/patients/P 7", "/patients/P-unknown", "/patients/..%2F..%2Fetc"):
        r = bob.get(path, headers={"Accept": "application/json"})
        assert r.status_code == 404, path
    assert "P 7" not in bob.get("/patients").text
    assert bob.get(f"/assessments/{job}").status_code == 404
    r = bob.get("/patients/P-unknown")
    assert r.status_code == 404 and job not in r.text


def test_malformed_patient_identifier_is_refused_and_nothing_kept(client_for, data_dir,
                                                                  tmp_path):
    add_user(data_dir, "alice")
    client = client_for(analysis=planted_analysis)
    csrf = sign_in(client, "alice")
    r = _upload(client, csrf, _videos(tmp_path, 1)[0], "<script>x</script>")
    assert r.status_code == 400 and "patient identifier" in json.dumps(r.json())
    assert not list((data_dir / "uploads").glob("*"))
    with client.app.state.db.session() as s:
        assert s.query(Job).count() == 0


def test_api_upload_takes_the_patient_field(client_for, data_dir, tmp_path):
    _, token = add_user(data_dir, "alice", token=True)
    client = client_for(analysis=planted_analysis)
    video = _videos(tmp_path, 1)[0]
    PLANTED[video.stat().st_size] = (0.2, 2.0)
    with open(video, "rb") as fh:
        r = client.post("/api/v1/assessments", data={"patient": "S-12"},
                        files={"video": ("v.mp4", fh, "video/mp4")},
                        headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 202, r.text
    with client.app.state.db.session() as s:
        assert s.get(Job, r.json()["id"]).patient == "S-12"
