"""The job queue: restart resumes queued work, bounded workers, deletion, raw-video
retention, the audit log, worker processes."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from strokescreen.app.db import RUNNING, AuditEntry, Database, Job
from strokescreen.app.main import create_app
from tests.app import app_fakes
from tests.app.app_helpers import add_user, sign_in, upload, wait_state


def _job_id(resp) -> str:
    assert resp.status_code == 303, resp.text
    return resp.headers["location"].rsplit("/", 1)[-1]


def test_restart_resumes_queued_and_interrupted_jobs(settings_for, data_dir, tiny_video):
    add_user(data_dir)
    # First server: never started (no lifespan), so nothing is processed.
    first = TestClient(create_app(settings_for()))
    csrf = sign_in(first)
    queued = _job_id(upload(first, csrf, tiny_video))
    interrupted = _job_id(upload(first, csrf, tiny_video))
    db = Database(data_dir)
    with db.session() as s:  # as if the server died while this one ran
        s.execute(update(Job).where(Job.id == interrupted).values(state=RUNNING, attempts=1))
        s.commit()
    assert first.get(f"/assessments/{queued}/status").json()["state"] == "queued"
    del first

    # Second server on the same --data: both jobs complete.
    with TestClient(create_app(settings_for())) as second:
        sign_in(second)
        for job_id in (queued, interrupted):
            s = wait_state(second, job_id)
            assert s["state"] == "done" and s["decision"] == "screen negative"
    with db.session() as s:
        assert s.get(Job, interrupted).attempts == 2
    assert list((data_dir / "uploads").iterdir()) == []  # raw videos deleted once processed
    db.dispose()


def test_job_interrupted_too_often_fails(settings_for, data_dir, tiny_video):
    add_user(data_dir)
    first = TestClient(create_app(settings_for(max_job_attempts=2)))
    job_id = _job_id(upload(first, sign_in(first), tiny_video))
    db = Database(data_dir)
    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id).values(state=RUNNING, attempts=2))
        s.commit()
    with TestClient(create_app(settings_for(max_job_attempts=2))) as second:
        sign_in(second)
        s = wait_state(second, job_id)
    assert s["state"] == "failed" and "interrupted 2 times" in s["error"]
    db.dispose()


def test_stop_requeues_the_running_job(settings_for, data_dir, tiny_video):
    add_user(data_dir)
    with TestClient(create_app(settings_for(analysis=app_fakes.hanging_analysis,
                                            worker_mode="process"))) as c:
        job_id = _job_id(upload(c, sign_in(c), tiny_video))
        wait_state(c, job_id, ("running",))
    db = Database(data_dir)
    with db.session() as s:
        job = s.get(Job, job_id)
    assert job.state == "queued" and job.attempts == 0
    db.dispose()


def test_workers_bound_concurrency(client_for, data_dir, tiny_video, monkeypatch):
    monkeypatch.setenv("FAKE_ANALYSIS_S", "0.4")
    add_user(data_dir)
    client = client_for(analysis=app_fakes.slow_fake_analysis, workers=2)
    csrf = sign_in(client)
    ids = [_job_id(upload(client, csrf, tiny_video)) for _ in range(5)]
    db = Database(data_dir)
    peak, deadline = 0, time.monotonic() + 30
    while time.monotonic() < deadline:
        with db.session() as s:
            states = [j.state for j in s.scalars(select(Job))]
        peak = max(peak, states.count("running"))
        if all(st == "done" for st in states):
            break
        time.sleep(0.02)
    assert states == ["done"] * 5
    assert peak == 2
    positions = [client.get(f"/assessments/{i}/status").json()["queue_position"] for i in ids]
    assert positions == [None] * 5
    db.dispose()


def test_queue_position_reported(settings_for, data_dir, tiny_video):
    add_user(data_dir)
    c = TestClient(create_app(settings_for()))  # not started: jobs stay queued
    csrf = sign_in(c)
    ids = [_job_id(upload(c, csrf, tiny_video)) for _ in range(3)]
    assert [c.get(f"/assessments/{i}/status").json()["queue_position"] for i in ids] == [1, 2, 3]
    assert "place 3 in the queue" in c.get(f"/assessments/{ids[2]}").text


def test_delete_removes_files_and_row(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(keep_video=True)
    csrf = sign_in(client)
    job_id = _job_id(upload(client, csrf, tiny_video))
    wait_state(client, job_id)
    results = data_dir / "results" / job_id
    assert (results / "report.html").exists()
    assert len(list((data_dir / "uploads").iterdir())) == 1  # kept: keep_video=True
    r = client.post(f"/assessments/{job_id}/delete", data={"csrf_token": csrf},
                    follow_redirects=False)
    assert r.status_code == 303
    assert not results.exists()
    assert list((data_dir / "uploads").iterdir()) == []
    assert client.get(f"/assessments/{job_id}").status_code == 404
    assert job_id not in client.get("/assessments").text


def test_delete_while_running_leaves_nothing(client_for, data_dir, tiny_video, monkeypatch):
    monkeypatch.setenv("FAKE_ANALYSIS_S", "1.0")
    add_user(data_dir)
    client = client_for(analysis=app_fakes.slow_fake_analysis)
    csrf = sign_in(client)
    job_id = _job_id(upload(client, csrf, tiny_video))
    wait_state(client, job_id, ("running",))
    client.post(f"/assessments/{job_id}/delete", data={"csrf_token": csrf})
    runner = client.app.state.runner
    deadline = time.monotonic() + 10
    while runner.running_ids() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not (data_dir / "results" / job_id).exists()
    assert list((data_dir / "uploads").iterdir()) == []


def test_audit_records_create_view_delete(client_for, data_dir, tiny_video):
    uid, _ = add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    job_id = _job_id(upload(client, csrf, tiny_video))
    wait_state(client, job_id)
    client.get(f"/assessments/{job_id}")
    client.get(f"/assessments/{job_id}/report")
    client.post(f"/assessments/{job_id}/delete", data={"csrf_token": csrf})
    db = Database(data_dir)
    with db.session() as s:
        rows = [(a.user_id, a.action, a.job_id) for a in s.scalars(select(AuditEntry))
                if a.job_id]
    expected = [(uid, "create", job_id), (uid, "view", job_id), (uid, "view_report", job_id),
                (uid, "delete", job_id)]
    assert rows == expected
    lines = [json.loads(x) for x in (data_dir / "audit.log").read_text().splitlines()]
    from_file = [(x["user_id"], x["action"], x["assessment_id"]) for x in lines
                 if x["assessment_id"]]
    assert from_file == expected
    assert set(lines[0]) == {"at", "user_id", "action", "assessment_id", "via"}
    db.dispose()


def test_raw_video_deleted_after_processing(client_for, data_dir, tiny_video):
    seen: list[tuple[Path, bool]] = []

    def recording_analysis(video, out_dir, **kw):  # the job may finish before we look
        seen.append((Path(video), Path(video).is_file()))
        return app_fakes.fake_analysis(video, out_dir, **kw)

    add_user(data_dir)
    client = client_for(analysis=recording_analysis)
    csrf = sign_in(client)
    job_id = _job_id(upload(client, csrf, tiny_video))
    wait_state(client, job_id)
    (raw, existed), = seen
    assert existed and raw.parent == data_dir / "uploads"
    deadline = time.monotonic() + 5
    while list((data_dir / "uploads").iterdir()) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert list((data_dir / "uploads").iterdir()) == []
    assert (data_dir / "results" / job_id / "result.json").exists()


@pytest.mark.parametrize("analysis,kind", [
    (app_fakes.fake_analysis, None),
    (app_fakes.dying_analysis, "internal"),
    (app_fakes.input_failing_analysis, "input"),
])
def test_process_workers(client_for, data_dir, tiny_video, analysis, kind):
    add_user(data_dir)
    client = client_for(worker_mode="process", analysis=analysis)
    csrf = sign_in(client)
    job_id = _job_id(upload(client, csrf, tiny_video))
    s = wait_state(client, job_id, timeout_s=60)
    if kind is None:
        assert s["state"] == "done" and s["probability"] == 0.125
    else:
        assert s["state"] == "failed" and s["error_kind"] == kind
    # the server survives a worker's death and takes the next job
    if analysis is app_fakes.dying_analysis:
        s2 = wait_state(client, _job_id(upload(client, csrf, tiny_video)), timeout_s=60)
        assert s2["state"] == "failed"


def test_job_time_limit(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(worker_mode="process", analysis=app_fakes.hanging_analysis,
                        job_timeout_s=1.0)
    s = wait_state(client, _job_id(upload(client, sign_in(client), tiny_video)), timeout_s=30)
    assert s["state"] == "failed" and s["error_kind"] == "timeout"
    assert "longer than 1 s" in s["error"]
    assert client.app.state.runner.running_ids() == []


def test_analysis_by_reference_string(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(analysis="tests.app.app_fakes:fake_analysis")
    csrf = sign_in(client)
    s = wait_state(client, _job_id(upload(client, csrf, tiny_video)))
    assert s["state"] == "done" and s["decision"] == "screen negative"


def test_restart_kills_a_run_left_behind_and_spares_a_reused_pid(settings_for, data_dir,
                                                                  tiny_video):
    import subprocess
    import sys

    from strokescreen.app.jobs import JobRunner, process_start_ticks

    add_user(data_dir)
    c = TestClient(create_app(settings_for()))  # not started
    csrf = sign_in(c)
    left, reused = _job_id(upload(c, csrf, tiny_video)), _job_id(upload(c, csrf, tiny_video))
    # a "worker" of a killed server, leading its own process group, and a process whose
    # PID a job recorded but that started at another time (a reused PID)
    orphan = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                              start_new_session=True)
    bystander = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"],
                                 start_new_session=True)
    try:
        db = Database(data_dir)
        start = process_start_ticks(orphan.pid)
        assert start is not None
        with db.session() as s:
            s.execute(update(Job).where(Job.id == left).values(
                state=RUNNING, attempts=1, worker_pid=orphan.pid, worker_start=start))
            s.execute(update(Job).where(Job.id == reused).values(
                state=RUNNING, attempts=1, worker_pid=bystander.pid,
                worker_start=process_start_ticks(bystander.pid) - 1))
            s.commit()
        JobRunner(db, settings_for()).recover()
        assert orphan.wait(5) == -9  # killed before its job was queued again
        assert bystander.poll() is None  # not the recorded process: left alone
        with db.session() as s:
            for job_id in (left, reused):
                job = s.get(Job, job_id)
                assert (job.state, job.worker_pid) == ("queued", None)
                assert (data_dir / "uploads" / job.video_name).is_file()
        db.dispose()
    finally:
        for p in (orphan, bystander):
            p.kill()
            p.wait()


def test_a_run_that_lost_its_job_writes_nothing_and_keeps_the_video(data_dir, tiny_video,
                                                                    settings_for):
    from strokescreen.app.jobs import execute_job

    add_user(data_dir)
    c = TestClient(create_app(settings_for()))
    job_id = _job_id(upload(c, sign_in(c), tiny_video))
    db = Database(data_dir)
    with db.session() as s:  # a later run (attempt 2) owns the job now
        s.execute(update(Job).where(Job.id == job_id).values(state=RUNNING, attempts=2))
        s.commit()
        video = data_dir / "uploads" / s.get(Job, job_id).video_name
    calls = []

    def analysis(video, out_dir, *, progress=None, **kw):
        calls.append(1)
        return app_fakes.fake_analysis(video, out_dir, progress=progress, **kw)

    execute_job(str(db.path), job_id, str(video), str(data_dir / "results" / job_id),
                analysis, None, False, 1)  # the stale run 1
    with db.session() as s:
        job = s.get(Job, job_id)
    assert (job.state, job.attempts, job.progress) == ("running", 2, 0.0)
    assert video.is_file() and calls == []
    db.dispose()
