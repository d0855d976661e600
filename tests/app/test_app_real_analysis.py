"""The web app with the real analysis (``strokescreen.workflows.assess.assess_video``)."""

from __future__ import annotations

import importlib.util
import json

import pytest
from fastapi.testclient import TestClient

from strokescreen.app.main import create_app
from tests.app.app_helpers import REAL, add_user, sign_in, upload, wait_state


@pytest.mark.slow
def test_real_analysis_through_the_api_and_pages(settings_for, data_dir):
    if importlib.util.find_spec("strokescreen.workflows.assess") is None:
        pytest.skip("strokescreen.workflows.assess is not written yet")
    clip = REAL / "video" / "single_face.mp4"
    if not clip.is_file():
        pytest.skip(f"real recording {clip} not present (../shared/data/real is optional)")
    add_user(data_dir)
    settings = settings_for(analysis="strokescreen.workflows.assess:assess_video",
                            worker_mode="process")
    with TestClient(create_app(settings)) as client:
        csrf = sign_in(client)
        r = upload(client, csrf, clip)
        assert r.status_code == 303
        job_id = r.headers["location"].rsplit("/", 1)[-1]
        s = wait_state(client, job_id, timeout_s=300)
        page = client.get(f"/assessments/{job_id}").text
        assert "Screening aid, not a diagnosis" in page
        if s["state"] == "done":
            assert s["decision"] in ("screen positive", "screen negative", "no decision",
                                  "signs present", "no signs found", "cannot tell")
            assert s["quality"] in ("good", "review", "unusable")
            rep = client.get(f"/assessments/{job_id}/report")
            assert rep.status_code == 200 and "<html" in rep.text.lower()
            if (data_dir / "results" / job_id / "report.pdf").exists():
                pdf = client.get(f"/assessments/{job_id}/report.pdf")
                assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
            result = (data_dir / "results" / job_id / "result.json").read_text()
            assert '"disclaimer"' in result
            trend = json.loads(result)["trend"]  # the signs over the real recording
            if s["quality"] != "unusable":
                assert trend["windows"] and "not a diagnosis" in trend["note"]
                for sign in trend["signs"]:
                    share = sign["share_outside_normal"]
                    assert share is None or 0.0 <= share <= 1.0
            if s["synthetic_model"]:
                assert "synthetic" in page.lower()
        else:
            assert s["error_kind"] in ("input", "quality"), s
            assert s["error"]
    assert list((data_dir / "uploads").iterdir()) == []
