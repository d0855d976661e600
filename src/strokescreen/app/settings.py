"""Settings of the clinicians' web app (``strokescreen serve``).

The app holds no science: the analysis of one recording is a callable with the signature
of :func:`strokescreen.workflows.assess.assess_video`, taken from :class:`AppSettings` so that
tests (and other deployments) can inject their own.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from strokescreen.errors import ConfigError

#: Dotted reference of the real analysis; imported lazily, in the worker, when a job runs.
DEFAULT_ANALYSIS = "strokescreen.workflows.assess:assess_video"

#: ``analysis(video, out_dir, *, model_dir=None, progress=None) -> dict``; ``progress``
#: follows :class:`strokescreen.progress.Progress`: ``progress(done, total, note=...)``
AnalysisFn = Callable[..., dict[str, Any]]

WORKER_MODES = ("process", "thread")


@dataclass(frozen=True)
class AppSettings:
    """Everything ``strokescreen serve`` can be told.

    data_dir : folder holding the SQLite database, uploads, results, the session secret
        and the audit log; created (mode 0700) when missing.
    max_upload_bytes : an upload larger than this is refused with 413 while it streams
        (default 500 MB).
    workers : how many recordings are analysed at once (1..8); further uploads queue.
    worker_mode : ``"process"`` runs each job in a fresh child process (memory is returned
        to the system after each job, a crash fails one job, not the server); ``"thread"``
        runs jobs in threads of the server process (tests, debugging).
    keep_video : keep the uploaded recording after it has been analysed (default: delete).
    analysis : the analysis callable, or a ``"module:function"`` reference resolved when a
        job runs. In ``"process"`` mode a callable must be importable by reference.
    model_dir : passed to the analysis as ``model_dir`` (None: the analysis's default).
    severity_model_dir : a graded model folder, passed to the analysis as
        ``severity_model`` (the patient page shows its grade per visit); None: no grade.
    job_timeout_s : a job running longer is stopped and marked failed (process mode).
    session_max_age_s : sign-in lifetime of the session cookie.
    secure_cookies : mark the session cookie ``Secure`` (set when served over HTTPS).
    poll_interval_s : how often the job dispatcher looks for queued work when idle.
    max_job_attempts : a job requeued after this many interrupted runs is failed instead,
        so a recording that kills the server cannot do it forever.
    keep_case_data : keep each analysis's face crops, voice and per-frame landmarks
        (``case/crops.npz``, ``case/audio.wav``, ``case/frames.parquet``); by default they
        are deleted as soon as the report is written (the report does not need them).
    retention_days : finished assessments (results, reports) are deleted this many days
        after they finished, by a purge that runs every ``purge_interval_s`` and by
        ``strokescreen purge``; 0 keeps them until a user deletes them.
    record_min_s / record_max_s : in-browser recording: Stop is allowed from ``record_min_s``;
        recording stops by itself at the end of the task script (45 s) or ``record_max_s``.
    """

    data_dir: Path = Path("strokescreen_data")
    max_upload_bytes: int = 500_000_000
    workers: int = 1
    worker_mode: str = "process"
    keep_video: bool = False
    analysis: AnalysisFn | str = DEFAULT_ANALYSIS
    model_dir: Path | None = None
    severity_model_dir: Path | None = None
    job_timeout_s: float = 900.0
    session_max_age_s: int = 8 * 3600
    secure_cookies: bool = False
    poll_interval_s: float = 0.5
    max_job_attempts: int = 3
    keep_case_data: bool = False
    retention_days: float = 30.0
    purge_interval_s: float = 3600.0
    record_min_s: int = 30
    record_max_s: int = 60

    def validate(self) -> None:
        """Raise :class:`ConfigError` naming the first invalid value."""
        if not 1 <= self.workers <= 8:
            raise ConfigError(f"workers={self.workers}; use 1..8")
        if self.worker_mode not in WORKER_MODES:
            raise ConfigError(f"worker_mode={self.worker_mode!r}; use one of {WORKER_MODES}")
        if self.max_upload_bytes < 1024:
            raise ConfigError(f"max_upload_bytes={self.max_upload_bytes}; use >= 1024")
        if self.job_timeout_s <= 0:
            raise ConfigError(f"job_timeout_s={self.job_timeout_s}; use > 0")
        if self.session_max_age_s < 60:
            raise ConfigError(f"session_max_age_s={self.session_max_age_s}; use >= 60")
        if not 0.01 <= self.poll_interval_s <= 60:
            raise ConfigError(f"poll_interval_s={self.poll_interval_s}; use 0.01..60")
        if not 0 <= self.retention_days <= 36500:
            raise ConfigError(f"retention_days={self.retention_days}; use 0..36500 (0: keep)")
        if self.purge_interval_s < 1:
            raise ConfigError(f"purge_interval_s={self.purge_interval_s}; use >= 1")
        if self.max_job_attempts < 1:
            raise ConfigError(f"max_job_attempts={self.max_job_attempts}; use >= 1")
        if not 1 <= self.record_min_s <= self.record_max_s <= 600:
            raise ConfigError(
                f"record_min_s={self.record_min_s}, record_max_s={self.record_max_s}; "
                "use 1 <= min <= max <= 600"
            )
        if isinstance(self.analysis, str) and ":" not in self.analysis:
            raise ConfigError(
                f"analysis={self.analysis!r}; give a callable or 'module:function'"
            )
        if self.model_dir is not None and not Path(self.model_dir).is_dir():
            raise ConfigError(f"model_dir={self.model_dir} is not a folder")
        if self.severity_model_dir is not None and not Path(self.severity_model_dir).is_dir():
            raise ConfigError(f"severity_model_dir={self.severity_model_dir} is not a folder")


def resolve_analysis(ref: AnalysisFn | str) -> AnalysisFn:
    """Return the analysis callable for ``ref`` (a callable or ``"module:function"``)."""
    if not isinstance(ref, str):
        return ref
    module_name, _, attr = ref.partition(":")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ConfigError(
            f"analysis module {module_name!r} cannot be imported ({exc}); "
            "is strokescreen fully installed?"
        ) from exc
    fn = getattr(module, attr, None)
    if not callable(fn):
        raise ConfigError(f"analysis {ref!r}: {attr!r} is not a callable in {module_name}")
    return fn
