"""Load test of ``strokescreen serve``: 8 concurrent uploads of a 10 s clip.

Starts the server as a subprocess on 127.0.0.1 (loopback only) with a fresh data folder,
creates a user and an API token, uploads the clip 8 times at once through the API, polls
until every job has finished, and checks that none was lost. While it runs it samples the
resident memory of the server's whole process tree (server + worker processes) with psutil.

    .venv/bin/python benchmarks/app_load.py [--uploads 8] [--workers 2] [--clip PATH]
        [--analysis module:function] [--time-limit-s 900]

The clip: ``--clip``, else the last 10 s of ../shared/data/real/video/
wolfgang_langer_pexels.mp4 when present, else a generated 10 s 640x360 clip. The analysis:
the real one (strokescreen.workflows.assess) when importable, else a stand-in in this file that
sleeps 2 s and says so in the output. Every request goes to 127.0.0.1; the run is bounded
by ``--uploads`` (at most 32) and ``--time-limit-s``.
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
REAL_CLIP = REPO.parent / "shared" / "data" / "real" / "video" / "wolfgang_langer_pexels.mp4"
REAL_ANALYSIS = "strokescreen.workflows.assess:assess_video"
STAND_IN = "benchmarks.app_load:stand_in_analysis"


def stand_in_analysis(video, out_dir, *, model_dir=None, progress=None):
    """Used only when the real analysis is not importable: 2 s of sleep, a plain result."""
    for i in range(4):
        if progress:
            progress(i, 4, note="stand-in analysis")
        time.sleep(0.5)
    result = {"probability": None, "threshold": None, "decision": "no decision",
              "quality": {"verdict": "review", "reasons": ["stand-in analysis"]},
              "measures": {}, "synthetic_model": True,
              "disclaimer": "strokescreen is a screening aid, not a diagnosis."}
    (Path(out_dir) / "result.json").write_text(json.dumps(result))
    (Path(out_dir) / "report.html").write_text("<html><body>stand-in</body></html>")
    return result


def make_clip(dest: Path, seconds: float = 10.0) -> Path:
    """The last ``seconds`` of the real clip (re-encoded), else a generated clip."""
    import numpy as np

    from strokescreen.io.video import iter_frames, probe, read_audio, write_video

    if REAL_CLIP.is_file():
        info = probe(REAL_CLIP)
        t0 = max(0.0, info.duration_s - seconds)
        audio = read_audio(REAL_CLIP)
        if audio is not None:
            audio = audio[int(t0 * 16000): int((t0 + seconds) * 16000)]
        frames = (f.image for f in iter_frames(REAL_CLIP) if t0 <= f.t < t0 + seconds)
        return write_video(dest, frames, fps=info.fps, audio=audio)
    fps, w, h = 30, 640, 360
    yy, xx = np.mgrid[0:h, 0:w]
    frames = (np.stack([(xx + 4 * i) % 256, yy % 256, np.full_like(xx, 100)], -1)
              .astype(np.uint8) for i in range(int(seconds * fps)))
    return write_video(dest, frames, fps=fps)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree_memory(pid: int) -> tuple[int, int]:
    """(sum of RSS, sum of PSS) in bytes over ``pid`` and all its descendants.

    RSS counts pages shared between the processes (fork server and its children) once per
    process; PSS splits them, so its sum is the tree's real footprint.
    """
    import psutil

    try:
        proc = psutil.Process(pid)
        procs = [proc, *proc.children(recursive=True)]
    except psutil.NoSuchProcess:
        return 0, 0
    rss = pss = 0
    for p in procs:
        try:
            info = p.memory_full_info()
            rss += info.rss
            pss += getattr(info, "pss", info.rss)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return rss, pss


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--uploads", type=int, default=8)
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--clip", type=Path)
    ap.add_argument("--analysis")
    ap.add_argument("--time-limit-s", type=float, default=900.0)
    args = ap.parse_args()
    n = max(1, min(args.uploads, 32))
    analysis = args.analysis or (REAL_ANALYSIS if importlib.util.find_spec(
        "strokescreen.workflows.assess") else STAND_IN)

    import httpx
    import psutil

    with tempfile.TemporaryDirectory(prefix="ss_app_load_") as tmp:
        tmp_path = Path(tmp)
        clip = args.clip or make_clip(tmp_path / "clip.mp4")
        data = tmp_path / "data"
        env = {**os.environ, "STROKESCREEN_DATA": str(data),
               "PYTHONPATH": os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")])}
        cli = [sys.executable, "-m", "strokescreen.cli"]
        made = subprocess.run([*cli, "user", "add", "bench", "--password-stdin", "--token"],
                              input="loopback load tester\n", capture_output=True, text=True,
                              env=env, cwd=REPO, timeout=120, check=True)
        token = made.stdout.strip().splitlines()[-1]
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        server = subprocess.Popen(
            [*cli, "serve", "--host", "127.0.0.1", "--port", str(port), "--workers",
             str(args.workers), "--analysis", analysis],
            env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        peak = {"tree": 0, "tree_pss": 0, "server": 0}
        stop = threading.Event()

        def sample() -> None:
            while not stop.is_set():
                rss, pss = tree_memory(server.pid)
                peak["tree"] = max(peak["tree"], rss)
                peak["tree_pss"] = max(peak["tree_pss"], pss)
                try:
                    peak["server"] = max(peak["server"],
                                         psutil.Process(server.pid).memory_info().rss)
                except psutil.NoSuchProcess:
                    return
                time.sleep(0.2)

        sampler = threading.Thread(target=sample, daemon=True)
        sampler.start()
        headers = {"Authorization": f"Bearer {token}"}
        t_start = time.monotonic()
        deadline = t_start + args.time_limit_s
        try:
            with httpx.Client(base_url=base, headers=headers, timeout=120) as http:
                while True:  # wait for the server
                    try:
                        if http.get("/api/v1/assessments").status_code == 200:
                            break
                    except httpx.TransportError:
                        pass
                    if server.poll() is not None or time.monotonic() > t_start + 120:
                        print("server did not start:", server.stderr.read()[-2000:])
                        return 1
                    time.sleep(0.2)
                rss_idle = tree_memory(server.pid)[0]

                def send(i: int) -> tuple[str, float]:
                    t0 = time.monotonic()
                    with open(clip, "rb") as fh:
                        r = http.post("/api/v1/assessments",
                                      files={"video": (f"clip{i}.mp4", fh, "video/mp4")})
                    r.raise_for_status()
                    return r.json()["id"], time.monotonic() - t0

                t_up = time.monotonic()
                with cf.ThreadPoolExecutor(n) as pool:
                    sent = list(pool.map(send, range(n)))
                upload_wall = time.monotonic() - t_up
                ids = [i for i, _ in sent]
                status: dict[str, dict] = {}
                while time.monotonic() < deadline:
                    status = {i: http.get(f"/api/v1/assessments/{i}").json() for i in ids}
                    if all(s["state"] in ("done", "failed") for s in status.values()):
                        break
                    time.sleep(0.5)
                total_wall = time.monotonic() - t_up
                listed = {j["id"] for j in http.get("/api/v1/assessments").json()}
        finally:
            stop.set()
            server.terminate()
            try:
                server.wait(30)
            except subprocess.TimeoutExpired:
                server.kill()
            sampler.join(5)

        finished = [s for s in status.values() if s["state"] in ("done", "failed")]
        done = [s for s in finished if s["state"] == "done"]
        lost = set(ids) - listed
        size_mb = clip.stat().st_size / 1e6
        print(f"analysis: {analysis}" + ("  (STAND-IN: real analysis not importable)"
                                        if analysis == STAND_IN else ""))
        print(f"clip: {size_mb:.1f} MB; uploads: {n} concurrent; workers: {args.workers} "
              f"(process mode); cores: {os.cpu_count()}")
        print(f"uploads accepted: {len(ids)} distinct ids: {len(set(ids))}; "
              f"upload wall {upload_wall:.1f} s (slowest request "
              f"{max(t for _, t in sent):.1f} s)")
        print(f"finished: {len(finished)}/{n} (done {len(done)}, failed "
              f"{len(finished) - len(done)}); lost: {len(lost)}; wall from first upload to "
              f"last finish: {total_wall:.1f} s; {total_wall / n:.1f} s per clip")
        for s in sorted(status.values(), key=lambda s: s["created_at"] or ""):
            print(f"  {s['id']}  {s['state']:7s} {s['decision'] or '':16s} "
                  f"quality={s['quality']} {s['error_kind'] or ''} {(s['error'] or '')[:90]}")
        print(f"peak RSS, server process tree: {peak['tree'] / 2**20:.0f} MiB "
              f"(idle {rss_idle / 2**20:.0f} MiB; peak PSS, shared pages split: "
              f"{peak['tree_pss'] / 2**20:.0f} MiB); server process alone: "
              f"{peak['server'] / 2**20:.0f} MiB")
        ok = len(finished) == n and not lost and len(set(ids)) == n
        print("OK: all uploads finished, none lost" if ok else "FAILED: see above")
        return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
