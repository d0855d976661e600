"""Stand-ins for ``strokescreen.workflows.assess.assess_video`` in the web app's tests.

Module-level functions, so that a spawned worker process can import them by reference.
Each has the real function's signature and writes ``result.json`` and ``report.html``.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

from strokescreen.errors import InputError, QualityError

REPORT_MARK = "FAKE-REPORT-7f3a"


def _write(out_dir: Path, result: dict) -> dict:
    (out_dir / "result.json").write_text(json.dumps(result))
    (out_dir / "report.html").write_text(
        f"<!doctype html><html><body><h1>{REPORT_MARK}</h1>"
        f"<p>decision: {result['decision']}</p><script>window.parent.pwned = 1</script>"
        "</body></html>"
    )
    return result


def fake_result(video: Path) -> dict:
    """A planted answer that depends on the video's size, so tests can tell runs apart."""
    size = Path(video).stat().st_size
    return {
        "probability": 0.125,
        "threshold": 0.5,
        "decision": "screen negative",
        "quality": {"verdict": "good", "reasons": ["face visible in 100 % of frames"]},
        "measures": {"video_bytes": size},
        "synthetic_model": True,
        "disclaimer": "strokescreen is a screening aid, not a diagnosis.",
    }


def fake_analysis(video, out_dir, *, model_dir=None, progress=None):
    for i in range(3):
        if progress:
            progress(i, 3, note=f"step {i + 1} of 3")
    return _write(Path(out_dir), fake_result(video))


def slow_fake_analysis(video, out_dir, *, model_dir=None, progress=None):
    """Like :func:`fake_analysis` but takes ``FAKE_ANALYSIS_S`` seconds (default 0.6)."""
    total = float(os.environ.get("FAKE_ANALYSIS_S", "0.6"))
    steps = 6
    for i in range(steps):
        if progress:
            progress(i, steps, note=f"step {i + 1} of {steps}")
        time.sleep(total / steps)
    return _write(Path(out_dir), fake_result(video))


def quality_failing_analysis(video, out_dir, *, model_dir=None, progress=None):
    raise QualityError(f"{video}: no face found in 0 of 20 frames; re-record with the face "
                       "centred")


def input_failing_analysis(video, out_dir, *, model_dir=None, progress=None):
    raise InputError("the clip lasts 0.2 s; record at least 30 s")


def crashing_analysis(video, out_dir, *, model_dir=None, progress=None):
    raise RuntimeError("boom")


def dying_analysis(video, out_dir, *, model_dir=None, progress=None):
    os._exit(9)  # a worker process killed mid-job (e.g. out of memory)


def hanging_analysis(video, out_dir, *, model_dir=None, progress=None):
    """Never finishes on its own (stopped by the server's shutdown or time limit)."""
    if progress:
        progress(0.1, 1.0, note="hanging")
    time.sleep(600)
    raise AssertionError("hanging_analysis was not stopped")


def unusable_with_report_analysis(video, out_dir, *, model_dir=None, progress=None):
    """Like the real analysis on a clip with no usable face: writes the result and a
    report that says so, then raises QualityError."""
    result = fake_result(video)
    result.update(probability=None, decision="no decision",
                  quality={"verdict": "unusable", "reasons": ["0 usable frames"]})
    _write(Path(out_dir), result)
    (Path(out_dir) / "report.pdf").write_bytes(b"%PDF-1.4\n% fake\n%%EOF\n")
    raise QualityError("no usable face — 0 usable frames; re-record")


#: a planted one-sided mouth droop (0.25 IPU = about 16 mm commissure-height difference,
#: z about 6.4) on an otherwise symmetric face, with healthy-rate read speech
SCREEN_DROOP_FEATURES = {
    "face_mouth_corner_height_lr_ipu": 0.25, "face_mouth_tilt_deg": 0.0,
    "face_lip_height_lr_ipu": 0.0, "face_eye_opening_lr_ipu": 0.0,
    "face_brow_height_lr_ipu": 0.0, "face_nose_tip_deviation_ipu": 0.0,
    "speech_syllable_count": 40.0, "speech_utterance_duration": 9.0, "speech_time": 7.5,
    "speech_rate": 40 / 9.0, "speech_articulation_rate": 40 / 7.5,
}


def screen_analysis(video, out_dir, *, model_dir=None, progress=None):
    """No model given: the decision of the real norm-based screen on planted features."""
    from strokescreen.screen import norm_screen

    quality = {"verdict": "good", "reasons": [], "n_kept": 60}
    screen = norm_screen(SCREEN_DROOP_FEATURES, quality=quality)
    result = fake_result(video)
    result.update(probability=None, threshold=None, decision=screen["decision"],
                  decision_text=screen["decision_text"], screen=screen, model_used=False,
                  synthetic_model=False, quality=quality)
    return _write(Path(out_dir), result)


def crash_probe_analysis(video, out_dir, *, model_dir=None, progress=None):
    """A steppable analysis for the crash tests; it leaves evidence in ``FAKE_RUN_DIR``.

    Holds an exclusive lock on ``FAKE_RUN_DIR/analysis.lock`` while it runs: a run that finds
    it taken writes ``overlap`` (two analyses at once). Logs ``start``/``end`` with its PID
    in ``runs.log``. Reports progress in 20 steps over ``FAKE_ANALYSIS_S`` seconds, writes
    its result, then reports 0.95 ("written") and waits one more step before returning.

    ``FAKE_RUN_DIR/hold`` holding ``JOB_ID FRACTION`` (``*`` for any job) makes that job's run stop once its
    progress reaches FRACTION and wait there (reporting it again every 0.3 s, past the
    runner's 0.25 s throttle) until the file changes: a test kills the server at exactly
    that point, however slow the machine.
    """
    import fcntl

    run_dir = Path(os.environ["FAKE_RUN_DIR"])
    total = float(os.environ.get("FAKE_ANALYSIS_S", "1.5"))
    lock = os.open(run_dir / "analysis.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        (run_dir / "overlap").write_text(f"{os.getpid()}\n")
        fcntl.flock(lock, fcntl.LOCK_EX)

    def log(what: str) -> None:
        with open(run_dir / "runs.log", "a") as fh:
            fh.write(f"{what} {os.getpid()}\n")

    job_id = Path(out_dir).name

    def report(frac: float, note: str) -> None:
        if not progress:
            return
        progress(frac, note=note)
        hold = run_dir / "hold"
        while True:
            try:
                held_job, held_at = hold.read_text().split()
            except (OSError, ValueError):
                return
            if held_job not in (job_id, "*") or frac < float(held_at):
                return
            time.sleep(0.3)
            progress(frac, note=note)

    log("start")
    steps = 20
    for i in range(steps):
        report(0.9 * i / steps, f"step {i + 1} of {steps}")
        time.sleep(total / steps)
    case = Path(out_dir) / "case"
    case.mkdir()
    (case / "features.json").write_text("{}")
    result = _write(Path(out_dir), fake_result(video))
    time.sleep(0.3)  # progress reports closer than 0.25 s apart are dropped
    report(0.95, "written")
    time.sleep(total / 4)
    log("end")
    return result
