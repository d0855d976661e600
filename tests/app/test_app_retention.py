"""Retention: derived face/voice data deleted once the report is written (unless kept),
finished assessments purged after ``retention_days``, on a schedule and on demand."""

from __future__ import annotations

import time
from datetime import timedelta

from sqlalchemy import update
from typer.testing import CliRunner

from strokescreen.app.db import Database, Job, utcnow
from strokescreen.cli import app
from tests.app.app_helpers import add_user, sign_in, upload, wait_state


def case_data_analysis(video, out_dir, *, model_dir=None, progress=None):
    from tests.app.app_fakes import fake_analysis

    case = out_dir / "case"
    case.mkdir()
    for name in ("crops.npz", "audio.wav", "frames.parquet", "features.json"):
        (case / name).write_bytes(b"x")
    return fake_analysis(video, out_dir, progress=progress)


def _done_job(client, tiny_video) -> str:
    job_id = upload(client, sign_in(client), tiny_video).headers["location"].rsplit("/", 1)[-1]
    assert wait_state(client, job_id)["state"] == "done"
    return job_id


def test_face_and_voice_data_are_deleted_once_the_report_is_written(client_for, data_dir,
                                                                    tiny_video):
    add_user(data_dir)
    client = client_for(analysis=case_data_analysis)
    job_id = _done_job(client, tiny_video)
    out = data_dir / "results" / job_id
    assert sorted(p.name for p in (out / "case").iterdir()) == ["features.json"]
    assert (out / "report.html").is_file() and (out / "result.json").is_file()
    page = client.get(f"/assessments/{job_id}").text
    assert "face crops, voice and landmarks are deleted" in page and "30 days" in page


def test_keep_case_data_keeps_them(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(analysis=case_data_analysis, keep_case_data=True, retention_days=0)
    job_id = _done_job(client, tiny_video)
    assert len(list((data_dir / "results" / job_id / "case").iterdir())) == 4
    assert "kept until you delete it" in client.get(f"/assessments/{job_id}").text


def _age(data_dir, job_id, days):
    db = Database(data_dir)
    with db.session() as s:
        s.execute(update(Job).where(Job.id == job_id)
                  .values(finished_at=utcnow() - timedelta(days=days)))
        s.commit()
    db.dispose()


def test_purge_on_schedule_and_on_demand(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(retention_days=7, purge_interval_s=1.0)
    old, recent = _done_job(client, tiny_video), _done_job(client, tiny_video)
    _age(data_dir, old, 8)
    _age(data_dir, recent, 6)
    wait_state(client, recent)
    deadline = time.monotonic() + 10
    # the purge deletes the row, then the files: wait for both (the files follow within ms)
    while (client.get(f"/assessments/{old}/status").status_code != 404
           or (data_dir / "results" / old).exists()):
        assert time.monotonic() < deadline, "the scheduled purge did not run"
        time.sleep(0.1)
    assert (data_dir / "results" / recent / "report.html").is_file()
    # on demand, with a shorter retention
    r = CliRunner().invoke(app, ["purge", "--data", str(data_dir), "--retention-days", "5"])
    assert r.exit_code == 0 and "deleted 1 assessment" in r.output
    assert client.get(f"/assessments/{recent}/status").status_code == 404
    assert "purged" in (data_dir / "audit.log").read_text()
    bad = CliRunner().invoke(app, ["purge", "--data", str(data_dir), "--retention-days", "0"])
    assert bad.exit_code == 3 and "keeps everything" in bad.output
