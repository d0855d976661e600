"""Crash safety of the job queue: ``kill -9`` of a real server process at several points of
an analysis, then a restart on the same data folder.

After every kill: no analysis process outlives the server; after every restart the job is
analysed again from its recording, never by two runs at once, and ends done with its full
result; the recording is deleted only once the job is done.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

import strokescreen
from tests.app.app_helpers import REPO, add_user

SRC = Path(strokescreen.__file__).resolve().parents[1]  # the package under test

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``strokescreen serve`` as a real subprocess on a loopback port."""

    def __init__(self, data: Path, run_dir: Path) -> None:
        self.port = _free_port()
        env = {**os.environ, "PYTHONPATH": f"{SRC}{os.pathsep}{REPO}",
               "FAKE_RUN_DIR": str(run_dir), "FAKE_ANALYSIS_S": "1.2"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "strokescreen.cli", "serve", "--data", str(data),
             "--port", str(self.port), "--analysis", "tests.app.app_fakes:crash_probe_analysis"],
            cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self.url = f"http://127.0.0.1:{self.port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                httpx.get(self.url + "/signin", timeout=2)
                return
            except httpx.TransportError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    err = self.proc.stderr.read().decode() if self.proc.stderr else ""
                    raise RuntimeError(f"the server did not start: {err[-2000:]}") from None
                time.sleep(0.1)

    def kill9(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


def _runs(run_dir: Path) -> list[tuple[str, int]]:
    path = run_dir / "runs.log"
    if not path.exists():
        return []
    return [(w, int(p)) for w, p in (ln.split() for ln in path.read_text().splitlines())]


def _alive(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _alive_runs(run_dir: Path) -> list[int]:
    return [pid for what, pid in _runs(run_dir) if what == "start" and _alive(pid)]


def _wait(server: Server, token: str, job_id: str, until, timeout_s: float = 60.0) -> dict:
    deadline = time.monotonic() + timeout_s
    while True:
        s = httpx.get(f"{server.url}/api/v1/assessments/{job_id}",
                      headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        if until(s):
            return s
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id}: still {s} after {timeout_s} s")
        time.sleep(0.05)


def _running_past(fraction: float):
    return lambda s: s["state"] == "running" and s["progress"] >= fraction


def test_kill9_at_several_points_loses_nothing_and_never_runs_twice(data_dir, tmp_path,
                                                                    tiny_video):
    run_dir = tmp_path / "runs"
    run_dir.mkdir()
    _, token = add_user(data_dir, token=True)
    auth = {"Authorization": f"Bearer {token}"}
    size = tiny_video.stat().st_size
    # (job, kill when) -> the kill points: 30 % into job A; 80 % into A's second run (a job
    # interrupted twice); after B's result is written but before B is marked done.
    plan = [("A", 0.3), ("A", 0.8), ("B", 0.95)]
    server = Server(data_dir, run_dir)
    jobs = {}
    (run_dir / "hold").write_text(f"* {plan[0][1]}")  # the first job waits at the first point
    try:
        for name in ("A", "B"):
            r = httpx.post(f"{server.url}/api/v1/assessments", content=tiny_video.read_bytes(),
                           headers={**auth, "Content-Type": "application/octet-stream"},
                           timeout=30)
            assert r.status_code == 202, r.text
            jobs[name] = r.json()["id"]
        for name, fraction in plan:
            # the fake analysis of this job stops at the kill point until the file changes
            (run_dir / "hold").write_text(f"{jobs[name]} {fraction}")
            _wait(server, token, jobs[name], _running_past(fraction))
            server.kill9()
            # no analysis outlives its server
            deadline = time.monotonic() + 1.0
            while _alive_runs(run_dir) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert _alive_runs(run_dir) == [], f"kill at {name} {fraction}: orphan runs"
            # the recording is still there for the rerun
            left = len(list((data_dir / "uploads").glob("*")))
            assert left == (1 if name == "B" else 2), (name, fraction, left, _runs(run_dir))
            if (name, fraction) == plan[-1]:
                (run_dir / "hold").unlink()
            server = Server(data_dir, run_dir)
        for name, job_id in jobs.items():
            s = _wait(server, token, job_id, lambda s: s["state"] in ("done", "failed"))
            assert s["state"] == "done", (name, s)
            result = httpx.get(f"{server.url}/api/v1/assessments/{job_id}/result",
                               headers=auth, timeout=10).json()
            assert result["measures"]["video_bytes"] == size  # the whole recording was read
            out = data_dir / "results" / job_id
            assert (out / "report.html").is_file() and (out / "case" / "features.json").is_file()
    finally:
        server.stop()
    assert not (run_dir / "overlap").exists(), "two analyses ran at once"
    runs = _runs(run_dir)
    # A: 2 killed runs + 1 full; B: 1 killed + 1 full; each run started after the last ended
    assert [w for w, _ in runs].count("start") == 5 and [w for w, _ in runs].count("end") == 2
    assert list((data_dir / "uploads").glob("*")) == []  # deleted once done
