"""Preprocess every case of a manifest into ``WORK/cases/<case_id>/``, cached and resumable.

A case is skipped when its folder is complete and its ``meta.json`` cache key matches
(input content + stage version + config); a half-written case never looks complete
(atomic folders), so an interrupted run (Ctrl-C, kill -9) resumes where it stopped. A
failing case is recorded with its reason and does not stop the others.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from strokescreen.config import PreprocessConfig
from strokescreen.errors import InputError, StrokeScreenError
from strokescreen.preprocess.artifacts import file_sha256, is_complete, read_meta, read_quality
from strokescreen.tasks import TaskRunner, local_runner

STATUSES = ("good", "review", "unusable", "failed")


def case_dir(work: str | Path, case_id: str) -> Path:
    """Artifact folder of one case in a cohort work folder."""
    return Path(work) / "cases" / str(case_id)


def cached(folder: Path, key: str) -> bool:
    if not is_complete(folder):
        return False
    try:
        return read_meta(folder).cache_key == key
    except InputError:
        return False


@dataclass
class CaseOutcome:
    case_id: str
    status: str  # good / review / unusable / failed
    reasons: str
    cached: bool
    usable_share: float | None = None
    n_kept: int | None = None


def _run_case(case_id: str, video: str, folder: str, cfg: PreprocessConfig) -> CaseOutcome:
    """Worker body: preprocess one case unless cached; never raises for a case's own fault."""
    from strokescreen.preprocess.pipeline import cache_key, preprocess_video

    out = Path(folder)
    try:
        sha = file_sha256(video) if Path(video).is_file() else ""
        was_cached = bool(sha) and cached(out, cache_key(sha, cfg))
        if not was_cached:
            preprocess_video(video, out, config=cfg, overwrite=True, raise_on_unusable=False,
                             input_sha256=sha or None)
        q = read_quality(out)
        return CaseOutcome(case_id, q.verdict, "; ".join(q.reasons), was_cached,
                           q.usable_share, q.n_kept)
    except StrokeScreenError as exc:
        return CaseOutcome(case_id, "failed", str(exc).replace(str(video), "<video>"), False)
    except Exception as exc:  # noqa: BLE001 - one bad case must not stop the cohort
        return CaseOutcome(case_id, "failed", f"{exc.__class__.__name__}: {exc}", False)


def _lost_case(job: tuple[str, str, str]) -> CaseOutcome:
    return CaseOutcome(job[0], "failed", "the worker process died every time it ran this case "
                       "(out of memory, or a crash in a native library)", False)


def _sweep_debris(cases_dir: Path) -> None:
    """Remove the hidden temporary folders of writers that died mid-case (a killed worker).

    Called once every task of the run has finished, so none of them is still being written
    by this run; a finished case is only ever a complete, renamed folder."""
    import shutil

    for d in cases_dir.glob(".*.tmp-*"):
        if d.is_dir():
            shutil.rmtree(d, ignore_errors=True)


def preprocess_cohort(
    manifest: pd.DataFrame,
    work: str | Path,
    *,
    config: PreprocessConfig | None = None,
    workers: int = 1,
    runner: TaskRunner | None = None,
    progress: Callable[..., None] | None = None,
) -> pd.DataFrame:
    """Preprocess every case; returns one row per case and writes ``cohort_quality.csv``.

    runner : where the cases run (one task per case); default: this process for
        ``workers=1``, a local process pool otherwise. Every worker writes its case folder
        into ``work`` itself, so ``work`` and the videos must be visible to every worker.
    """
    cfg = (config or PreprocessConfig()).validate()
    work = Path(work)
    (work / "cases").mkdir(parents=True, exist_ok=True)
    # absolute paths: a worker's working folder is not ours
    jobs = [(str(r.case_id), str(Path(str(r.video)).absolute()),
             str(case_dir(work.absolute(), r.case_id))) for r in manifest.itertuples()]
    total = len(jobs)
    done = [0]
    if progress:
        progress(0, total)

    def on_done(i: int, outcome: CaseOutcome) -> None:
        done[0] += 1
        if progress:
            progress(done[0], total, note=f"{outcome.case_id}: {outcome.status}")

    run = runner or local_runner(workers)
    outcomes = run.run(_run_job, jobs, shared=cfg, on_done=on_done,
                       on_lost=lambda i, _reason: _lost_case(jobs[i]),
                       labels=[j[0] for j in jobs], task_name="preprocess")
    _sweep_debris(work / "cases")
    table = pd.DataFrame([vars(o) for o in outcomes],
                         columns=["case_id", "status", "reasons", "cached", "usable_share",
                                  "n_kept"])
    tmp = work / f".cohort_quality.csv.tmp-{os.getpid()}"
    table.to_csv(tmp, index=False)
    os.replace(tmp, work / "cohort_quality.csv")
    return table


def _run_job(cfg: PreprocessConfig, job: tuple[str, str, str]) -> CaseOutcome:
    return _run_case(*job, cfg)


def summarise(table: pd.DataFrame) -> dict[str, Any]:
    """Counts per status and the most common reasons per status."""
    out: dict[str, Any] = {s: int((table["status"] == s).sum()) for s in STATUSES}
    reasons: dict[str, dict[str, int]] = {}
    for s in ("review", "unusable", "failed"):
        sub = table[table["status"] == s]
        counts: dict[str, int] = {}
        for text in sub["reasons"].fillna(""):
            # a failure's text is one error message ("what (detail); what to do"): count
            # its "what"; review/unusable texts are lists of reasons joined by "; "
            parts = str(text).split("; ")
            for part in parts[:1] if s == "failed" else parts:
                if part:
                    key = part.split(" (")[0]
                    counts[key] = counts.get(key, 0) + 1
        reasons[s] = dict(sorted(counts.items(), key=lambda kv: -kv[1])[:5])
    out["reasons"] = reasons
    out["cached"] = int(table["cached"].sum())
    return out
