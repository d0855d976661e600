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
    assert wait_state(client, job_id)["state"] == "done"
    page = client.get(f"/assessments/{job_id}").text
    assert 'id="synthetic-recording"' in page and "no real person" in page
    assert "Synthetic training data" not in page  # the model was not synthetic here


def test_result_page_of_a_real_recording_says_nothing_synthetic(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    job_id = upload(client, csrf, tiny_video).headers["location"].rsplit("/", 1)[-1]
    assert wait_state(client, job_id)["state"] == "done"
    assert 'id="synthetic-recording"' not in client.get(f"/assessments/{job_id}").text
