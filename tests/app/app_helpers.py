"""Helpers of the web app's tests: tiny videos, users, signing in, uploading, waiting."""

from __future__ import annotations

import re
import time
from pathlib import Path

import numpy as np
from fastapi.testclient import TestClient

from strokescreen.app.db import Database
from strokescreen.app.security import create_token, create_user, ensure_data_dir

REPO = Path(__file__).resolve().parents[2]
REAL = REPO / ".." / "shared" / "data" / "real"
PASSWORD = "correct horse battery"


def write_tiny_video(path: Path, *, seconds: float = 1.0, fps: int = 10, size: int = 64,
                     audio: bool = False) -> Path:
    """An H.264 mp4 of a moving gradient: ``seconds`` long, ``size`` x ``size`` pixels."""
    import av

    n = max(1, int(round(seconds * fps)))
    with av.open(str(path), "w") as out:
        stream = out.add_stream("libx264", rate=fps)
        stream.width = stream.height = size
        stream.pix_fmt = "yuv420p"
        astream = out.add_stream("aac", rate=16000) if audio else None
        yy, xx = np.mgrid[0:size, 0:size]
        for i in range(n):
            img = np.stack([(xx * 4 + i * 8) % 256, (yy * 4) % 256,
                            np.full_like(xx, 128)], -1).astype(np.uint8)
            for packet in stream.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(packet)
        for packet in stream.encode():
            out.mux(packet)
        if astream is not None:
            t = np.arange(int(seconds * 16000)) / 16000
            samples = (0.1 * np.sin(2 * np.pi * 220 * t)).astype(np.float32)[None, :]
            for start in range(0, samples.shape[1], 1024):
                frame = av.AudioFrame.from_ndarray(samples[:, start:start + 1024],
                                                   format="flt", layout="mono")
                frame.sample_rate = 16000
                for packet in astream.encode(frame):
                    out.mux(packet)
            for packet in astream.encode():
                out.mux(packet)
    return path


def add_user(data_dir: Path, name: str = "alice", *, token: bool = False) -> tuple[int, str | None]:
    db = Database(ensure_data_dir(data_dir))
    uid = create_user(db, name, PASSWORD)
    tok = create_token(db, uid) if token else None
    db.dispose()
    return uid, tok


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF token in the page"
    return m.group(1)


def sign_in(client: TestClient, name: str = "alice", password: str = PASSWORD) -> str:
    """Sign ``client`` in; return the session's CSRF token."""
    token = csrf_of(client.get("/signin").text)
    r = client.post("/signin", data={"username": name, "password": password,
                                     "csrf_token": token}, follow_redirects=False)
    assert r.status_code == 303, r.text
    return csrf_of(client.get("/assessments/new").text)


def upload(client: TestClient, csrf: str, video: Path, *, filename: str = "clip.mp4"):
    with open(video, "rb") as fh:
        return client.post(
            "/assessments",
            data={"csrf_token": csrf},
            files={"video": (filename, fh, "video/mp4")},
            follow_redirects=False,
        )


def wait_state(client: TestClient, job_id: str, states=("done", "failed"), *,
               timeout_s: float = 30.0, api_token: str | None = None) -> dict:
    url = f"/api/v1/assessments/{job_id}" if api_token else f"/assessments/{job_id}/status"
    headers = {"Authorization": f"Bearer {api_token}"} if api_token else {}
    deadline = time.monotonic() + timeout_s
    while True:
        s = client.get(url, headers=headers).json()
        if s["state"] in states:
            return s
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id} still {s['state']} after {timeout_s} s")
        time.sleep(0.05)


