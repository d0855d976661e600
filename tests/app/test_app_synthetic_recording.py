"""The assessment page says so when the analysed recording is one `strokescreen synth` made."""

from __future__ import annotations

from pathlib import Path

from strokescreen.report.texts import SYNTHETIC_RECORDING_TEXT
from tests.app.app_fakes import _write, fake_result
from tests.app.app_helpers import add_user, sign_in, upload, wait_state


def synthetic_recording_analysis(video, out_dir, *, model_dir=None, progress=None):
    result = {**fake_result(video), "synthetic_model": False, "synthetic_recording": True,
              "synthetic_recording_note": SYNTHETIC_RECORDING_TEXT}
    return _write(Path(out_dir), result)


def test_result_page_names_a_synthetic_recording(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(analysis=synthetic_recording_analysis)
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    status = wait_state(client, job_id)
    assert status["state"] == "done" and status["synthetic_recording"] is True
    page = client.get(f"/assessments/{job_id}").text
    assert 'id="synthetic-recording"' in page and "no real person" in page
    assert "Synthetic training data" not in page  # the model was not synthetic here
    listing = client.get("/assessments").text
    assert f'id="job-{job_id}"' in listing and "synthetic recording" in listing


def test_patient_page_tags_a_synthetic_recording(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for(analysis=synthetic_recording_analysis)
    csrf = sign_in(client)
    with open(tiny_video, "rb") as fh:
        r = client.post("/assessments", data={"csrf_token": csrf, "patient": "P-17"},
                        files={"video": ("v.mp4", fh, "video/mp4")},
                        headers={"Accept": "application/json"}, follow_redirects=False)
    job_id = r.json()["id"]
    assert wait_state(client, job_id)["state"] == "done"
    page = client.get("/patients/P-17").text
    assert f'id="visit-{job_id}"' in page and "synthetic recording" in page


def test_result_page_of_a_real_recording_says_nothing_synthetic(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    assert wait_state(client, job_id)["state"] == "done"
    assert 'id="synthetic-recording"' not in client.get(f"/assessments/{job_id}").text
    assert "synthetic recording" not in client.get("/assessments").text


def test_an_older_database_gains_the_synthetic_recording_column(tmp_path):
    import sqlite3

    from strokescreen.app.db import Database

    db = Database(tmp_path)  # current tables; take the new column away as older releases had it
    path = db.path
    db.engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.execute("ALTER TABLE jobs DROP COLUMN synthetic_recording")
    Database(tmp_path).engine.dispose()
    with sqlite3.connect(path) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(jobs)")}
    assert "synthetic_recording" in columns
