"""Bad input and hostile requests: CSRF, other users' assessments, oversize uploads,
non-videos, crafted file names."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from strokescreen.app.main import create_app
from tests.app.app_helpers import add_user, sign_in, upload, wait_state


def _job(client, csrf, video) -> str:
    r = upload(client, csrf, video)
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[-1]


def test_csrf_missing_or_wrong_is_403(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    job_id = _job(client, csrf, tiny_video)
    wait_state(client, job_id)
    for data in ({}, {"csrf_token": "forged"}):
        assert client.post(f"/assessments/{job_id}/delete", data=data).status_code == 403
        assert client.post("/signout", data=data).status_code == 403
        with open(tiny_video, "rb") as fh:
            r = client.post("/assessments", data=data, files={"video": ("a.mp4", fh)})
        assert r.status_code == 403
    assert client.get(f"/assessments/{job_id}").status_code == 200  # not deleted
    assert len(list((data_dir / "uploads").iterdir())) == 0  # nothing written by 403s


def test_csrf_field_after_the_file_is_refused(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    boundary = "XyZ"
    body = (
        f"--{boundary}\r\nContent-Disposition: form-data; name=\"video\"; filename=\"a.mp4\"\r\n"
        f"Content-Type: video/mp4\r\n\r\n".encode() + tiny_video.read_bytes()
        + f"\r\n--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
        f"{csrf}\r\n--{boundary}--\r\n".encode()
    )
    r = client.post("/assessments", content=body,
                    headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    assert r.status_code == 403


def test_csrf_in_header_is_accepted(client_for, data_dir, tiny_video):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    with open(tiny_video, "rb") as fh:
        r = client.post("/assessments", files={"video": ("rec.webm", fh)},
                        headers={"X-CSRF-Token": csrf, "Accept": "application/json"})
    assert r.status_code == 201 and r.json()["url"].startswith("/assessments/")


def test_signin_without_csrf_is_403(client_for, data_dir):
    add_user(data_dir)
    r = client_for().post("/signin", data={"username": "alice", "password": "x" * 10})
    assert r.status_code == 403


def test_other_users_assessment_is_404(client_for, data_dir, tiny_video):
    add_user(data_dir, "alice")
    _, bob_token = add_user(data_dir, "bob", token=True)
    alice = client_for()
    csrf = sign_in(alice, "alice")
    job_id = _job(alice, csrf, tiny_video)
    wait_state(alice, job_id)
    bob = TestClient(alice.app)
    bob_csrf = sign_in(bob, "bob")
    for path in ("", "/status", "/report"):
        assert bob.get(f"/assessments/{job_id}{path}").status_code == 404
    assert bob.post(f"/assessments/{job_id}/delete",
                    data={"csrf_token": bob_csrf}).status_code == 404
    auth = {"Authorization": f"Bearer {bob_token}"}
    for path in ("", "/result", "/report"):
        assert bob.get(f"/api/v1/assessments/{job_id}{path}", headers=auth).status_code == 404
    assert bob.delete(f"/api/v1/assessments/{job_id}", headers=auth).status_code == 404
    assert job_id not in bob.get("/assessments").text
    assert bob.get("/api/v1/assessments", headers=auth).json() == []
    # a 404 for someone else's id is the same as for an id that does not exist
    assert bob.get("/assessments/0123456789abcdef").status_code == 404
    assert alice.get(f"/assessments/{job_id}").status_code == 200


@pytest.mark.parametrize("job_id", ["..%2F..%2Fsecret_key", "ABCDEF0123456789", "1" * 17])
def test_malformed_ids_are_404(client_for, data_dir, job_id):
    add_user(data_dir)
    client = client_for()
    sign_in(client)
    assert client.get(f"/assessments/{job_id}/report").status_code == 404


@pytest.mark.parametrize("pad_bytes", [0, 200_000])
def test_oversize_upload_is_413(client_for, data_dir, tmp_path, tiny_video, pad_bytes):
    """Refused while streaming the multipart body (pad 0: under limit + slack by
    Content-Length) and up front from Content-Length (pad 200 kB)."""
    add_user(data_dir)
    limit = 1024 if pad_bytes == 0 else 20_000
    client = client_for(max_upload_bytes=limit)
    csrf = sign_in(client)
    big = tmp_path / "big.mp4"
    big.write_bytes(tiny_video.read_bytes() + b"\0" * pad_bytes)
    assert big.stat().st_size > limit
    r = upload(client, csrf, big)
    assert r.status_code == 413 and "larger than the limit" in r.text
    assert list((data_dir / "uploads").iterdir()) == []
    assert client.get("/api/v1/assessments").status_code == 401  # no job was made either
    assert "job-" not in client.get("/assessments").text


def test_pages_take_multipart_only_and_api_takes_raw(client_for, data_dir, tiny_video):
    _, token = add_user(data_dir, token=True)
    client = client_for()
    csrf = sign_in(client)
    r = client.post("/assessments", content=tiny_video.read_bytes(),
                    headers={"Content-Type": "application/octet-stream", "X-CSRF-Token": csrf})
    assert r.status_code == 415
    r = client.post("/api/v1/assessments", content=tiny_video.read_bytes(),
                    headers={"Content-Type": "application/octet-stream",
                             "Authorization": f"Bearer {token}"})
    assert r.status_code == 202


@pytest.mark.parametrize("multipart", [False, True])
def test_oversize_is_refused_while_streaming(tmp_path, tiny_video, multipart):
    """Without a Content-Length (chunked), the limit is enforced on the streamed bytes:
    the body is abandoned soon after the limit, not read to its end."""
    import asyncio

    from starlette.requests import Request

    from strokescreen.app.uploads import UploadRejected, receive_upload

    chunk, n_chunks, limit = 65536, 100, 200_000
    head = tiny_video.read_bytes()[:1024]
    pre = b"--B\r\nContent-Disposition: form-data; name=\"video\"; filename=\"x\"\r\n\r\n"
    pulled = []

    async def receive():
        i = len(pulled)
        pulled.append(i)
        body = (pre if multipart else b"") + head if i == 0 else b"\0" * chunk
        return {"type": "http.request", "body": body, "more_body": i < n_chunks}

    ctype = b"multipart/form-data; boundary=B" if multipart else b"application/octet-stream"
    scope = {"type": "http", "method": "POST", "path": "/", "headers": [(b"content-type", ctype)]}
    with pytest.raises(UploadRejected) as err:
        asyncio.run(receive_upload(Request(scope, receive), tmp_path, max_bytes=limit,
                                   allow_raw=True))
    assert err.value.status_code == 413
    assert len(pulled) <= limit // chunk + 2, f"read {len(pulled)} of {n_chunks} chunks"
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("content,name", [
    (b"this is plain text, not a video\n" * 40, "notes.mp4"),
    (b"%PDF-1.4\n" + b"0" * 1000, "scan.mov"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 1000, "photo.webm"),
    (b"\0\0\0\x18ftypisom" + b"\0" * 2000, "broken.mp4"),  # right magic, unreadable content
])
def test_not_a_video_is_422(client_for, data_dir, content, name):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    r = client.post("/assessments", data={"csrf_token": csrf},
                    files={"video": (name, io.BytesIO(content), "video/mp4")})
    assert r.status_code == 422
    assert "video" in r.text
    assert list((data_dir / "uploads").iterdir()) == []


def test_audio_only_file_is_422(client_for, data_dir, tmp_path):
    import av
    import numpy as np

    path = tmp_path / "voice.m4a"
    with av.open(str(path), "w", format="mp4") as out:
        st = out.add_stream("aac", rate=16000)
        frame = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="flt",
                                           layout="mono")
        frame.sample_rate = 16000
        for p in list(st.encode(frame)) + list(st.encode()):
            out.mux(p)
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    r = upload(client, csrf, path)
    assert r.status_code == 422 and "no video track" in r.text


@pytest.mark.parametrize("filename", ["../../../escape.mp4", "/tmp/abs_escape.mp4",
                                      "..\\..\\win.mp4", "a/../../b.mp4", "x\0y.mp4"])
def test_crafted_filename_stays_inside_data(client_for, data_dir, tiny_video, filename):
    add_user(data_dir)
    client = client_for(keep_video=True)
    csrf = sign_in(client)
    r = upload(client, csrf, tiny_video, filename=filename)
    assert r.status_code == 303
    job_id = r.headers["location"].rsplit("/", 1)[-1]
    wait_state(client, job_id)
    saved = list((data_dir / "uploads").iterdir())
    assert len(saved) == 1
    assert saved[0].parent.resolve() == (data_dir / "uploads").resolve()
    assert len(saved[0].name) == 32 and "escape" not in saved[0].name
    assert not (data_dir.parent / "escape.mp4").exists()
    assert not Path("/tmp/abs_escape.mp4").exists()
    db_bytes = (data_dir / "strokescreen.sqlite3").read_bytes()
    assert b"escape" not in db_bytes and b"win.mp4" not in db_bytes


def test_empty_or_missing_file_is_400(client_for, data_dir):
    add_user(data_dir)
    client = client_for()
    csrf = sign_in(client)
    r = client.post("/assessments", data={"csrf_token": csrf},
                    files={"video": ("a.mp4", io.BytesIO(b""), "video/mp4")})
    assert r.status_code == 400
    r = client.post("/assessments", data={"csrf_token": csrf, "other": "x"},
                    files={"notvideo": ("a.mp4", io.BytesIO(b"abc"))})
    assert r.status_code == 400


def test_two_servers_cannot_share_a_data_folder(settings_for, data_dir):
    from strokescreen.errors import ConfigError

    with TestClient(create_app(settings_for())):
        with pytest.raises(ConfigError, match="another strokescreen server"):
            with TestClient(create_app(settings_for())):
                pass
