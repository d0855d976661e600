"""Execution engines for the cohort commands: ``local`` (this machine's process pool, the
default) or ``dask`` (a Dask cluster: an existing scheduler's address, or a ``LocalCluster``
on this machine).

:func:`open_engine` yields a :class:`strokescreen.tasks.TaskRunner`; the stages receive it
and never import Dask. Every worker reads the videos and writes its case folders itself, so
the manifest's videos and the work folder must be reachable from every worker at the same
path (a shared file system); :func:`open_engine` checks that at start and fails with one
clear error instead of hanging. See ``docs/cluster.md``.
"""

from __future__ import annotations

import difflib
import logging
import os
import socket
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from strokescreen.errors import ConfigError, InputError, StrokeScreenError, require_extra
from strokescreen.tasks import OnDone, OnLost, TaskRunner, local_runner

ENGINES = ("local", "dask")
# reaching the scheduler: Dask's own setting distributed.comm.timeouts.connect (30 s by
# default; DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT=10s in the environment changes it)
WORKERS_TIMEOUT_S = 60.0  # the scheduler having at least one worker
PROBE_TIMEOUT_S = 30.0  # every worker answering the path check
NO_WORKER_TIMEOUT_S = 120.0  # a run with tasks left and no worker at all gives up after this


def check_engine(name: str) -> str:
    """``name`` if it is a known engine; ConfigError with the closest match otherwise."""
    if name in ENGINES:
        return name
    close = difflib.get_close_matches(name, ENGINES, n=1)
    hint = f" (did you mean {close[0]}?)" if close else ""
    raise ConfigError(f"--engine {name!r} is unknown{hint}; use one of: {', '.join(ENGINES)}")


def _call(fn: Callable[..., Any], shared: Any, item: Any) -> Any:
    return fn(item) if shared is None else fn(shared, item)


class DaskRunner:
    """Tasks on a ``distributed.Client``: one Dask task per item, results gathered as they
    finish. A task whose worker dies is rescheduled on another worker by the scheduler
    (``distributed.scheduler.allowed-failures`` times, 3 by default); after that
    ``on_lost`` decides what it yields."""

    name = "dask"
    in_process = False

    def __init__(self, client: Any, *, no_worker_timeout_s: float = NO_WORKER_TIMEOUT_S) -> None:
        self.client = client
        self.no_worker_timeout_s = no_worker_timeout_s

    @property
    def workers(self) -> int:
        return len(self.client.scheduler_info().get("workers", {}))

    def run(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None,
            on_done: OnDone | None = None, on_lost: OnLost | None = None,
            labels: Sequence[str] | None = None, task_name: str = "task") -> list[Any]:
        from distributed import wait
        from distributed.scheduler import KilledWorker

        if not items:
            return []
        token = uuid.uuid4().hex[:8]
        shared_f = (self.client.scatter(shared, broadcast=True, hash=False)
                    if shared is not None else None)
        names = [str(labels[i]) if labels else str(i) for i in range(len(items))]
        futures = [self.client.submit(_call, fn, shared_f, item, pure=False,
                                      key=f"{task_name}-{names[i]}-{token}")
                   for i, item in enumerate(items)]
        index = {f.key: i for i, f in enumerate(futures)}
        results: dict[int, Any] = {}
        pending = set(futures)
        idle_since: float | None = None
        try:
            while pending:
                try:
                    done, pending = wait(pending, timeout=2.0, return_when="FIRST_COMPLETED")
                except TimeoutError:  # nothing finished in 2 s
                    done = set()
                if not done:
                    idle_since = self._check_workers(idle_since, len(pending), task_name)
                    continue
                idle_since = None
                for fut in sorted(done, key=lambda f: index[f.key]):
                    i = index[fut.key]
                    try:
                        results[i] = fut.result()
                    except KilledWorker:
                        reason = (f"{task_name} {names[i]} killed every worker that ran it (out "
                                  "of memory, or a crash in a native library)")
                        if on_lost is None:
                            raise StrokeScreenError(reason + "; finished work is kept and a "
                                                    "re-run resumes") from None
                        results[i] = on_lost(i, reason)
                    if on_done is not None:
                        on_done(i, results[i])
        finally:
            if pending:
                self.client.cancel(list(pending))
            del futures, pending
        return [results[i] for i in range(len(items))]

    def _check_workers(self, idle_since: float | None, n_pending: int, task_name: str
                       ) -> float | None:
        """Give up when no worker has been there for ``no_worker_timeout_s``."""
        if self.workers:
            return None
        now = time.monotonic()
        if idle_since is None:
            return now
        if now - idle_since > self.no_worker_timeout_s:
            raise InputError(
                f"the Dask cluster has had no worker for {self.no_worker_timeout_s:.0f} s with "
                f"{n_pending} {task_name} task(s) left; start workers (or check the job queue) "
                "and re-run: finished work is kept")
        return idle_since


def _probe(paths: list[str], token: str) -> dict[str, str]:
    """Worker side of the path check: what each path looks like from here."""
    import strokescreen

    out = {"host": socket.gethostname(), "version": strokescreen.__version__}
    for p in paths:
        if p.endswith(f".probe-{token}"):
            try:
                seen = Path(p).read_text() == token
            except OSError as exc:
                out[p] = f"unreadable ({exc.__class__.__name__})"
                continue
            out[p] = "ok" if seen else "a different folder"
        else:
            out[p] = "ok" if os.path.exists(p) else "missing"
    return out


def check_worker_paths(client: Any, *, folders: Sequence[Path] = (),
                       files: Sequence[Path] = (), timeout_s: float = PROBE_TIMEOUT_S) -> None:
    """Every worker must see ``folders`` (the same folder as here: a token file written here
    is read back there) and ``files``, and run this strokescreen version; InputError naming
    the first worker that does not."""
    token = uuid.uuid4().hex
    probes: dict[str, Path] = {}
    for folder in folders:
        folder = Path(folder).absolute()
        folder.mkdir(parents=True, exist_ok=True)
        probe = folder / f".strokescreen.probe-{token}"
        probe.write_text(token)
        probes[str(probe)] = folder
    paths = [*probes, *(str(Path(f).absolute()) for f in files)]
    try:
        n_workers = len(client.scheduler_info().get("workers", {}))
        # client.run calls _probe on every worker directly (not as a task), so a worker that
        # cannot even unpickle it answers with the exception instead of holding the task
        pool = ThreadPoolExecutor(max_workers=1)
        call = pool.submit(client.run, _probe, paths, token, on_error="return")
        try:
            replies: dict[str, Any] = call.result(timeout=timeout_s)
        except FutureTimeout:
            raise InputError(f"the workers did not answer the path check within {timeout_s:.0f} s "
                             f"({n_workers} workers); check that they are running and not "
                             "overloaded") from None
        finally:
            pool.shutdown(wait=False)
        import strokescreen

        answers: dict[str, dict[str, str]] = {}
        for w, reply in replies.items():
            if isinstance(reply, BaseException):
                text = str(reply).splitlines()[0] if str(reply) else ""
                if type(reply) is not Exception:  # Dask wraps a worker's error in Exception
                    text = f"{reply.__class__.__name__}: {text}"
                raise InputError(
                    f"worker {w} cannot run strokescreen's tasks ({text}); install strokescreen "
                    f"{strokescreen.__version__} with the 'cluster' extra in the workers' "
                    "environment")
            if reply["version"] != strokescreen.__version__:
                raise InputError(
                    f"worker {w} runs strokescreen {reply['version']}, this machine "
                    f"{strokescreen.__version__}; install the same version on every worker so "
                    "that artifacts and cache keys agree")
            answers[w] = reply
        workers = list(answers)
        for w, seen in answers.items():
            for p, state in seen.items():
                if p in ("host", "version") or state == "ok":
                    continue
                what = (f"the work folder {probes[p]}" if p in probes else f"the file {p}")
                bad = sum(1 for a in answers.values() if a.get(p) != "ok")
                raise InputError(
                    f"worker {w} (host {seen['host']}) cannot see {what} ({state}; {bad} of "
                    f"{len(workers)} workers); the manifest's videos and the work folder must be "
                    "on a file system every worker mounts at the same path (see docs/cluster.md)")
    finally:
        for p in probes:
            Path(p).unlink(missing_ok=True)


def connect_timeout() -> float:
    """Seconds to wait for the scheduler: Dask's ``distributed.comm.timeouts.connect``."""
    import dask.config
    from dask.utils import parse_timedelta

    return float(parse_timedelta(dask.config.get("distributed.comm.timeouts.connect"),
                                 default="seconds") or 30.0)


@contextmanager
def _dask_client(scheduler: str | None, workers: int, *, connect_timeout_s: float | None,
                 workers_timeout_s: float) -> Iterator[Any]:
    require_extra("distributed", "cluster")
    from distributed import Client, LocalCluster

    if connect_timeout_s is None:
        connect_timeout_s = connect_timeout()

    logging.getLogger("distributed").setLevel(logging.ERROR)
    if scheduler is None:
        # everything on loopback: scheduler, workers, nannies and the scheduler's HTTP server
        # (dashboard when bokeh is installed, health routes otherwise) on a free port
        cluster = LocalCluster(n_workers=workers, threads_per_worker=1, processes=True,
                               host="127.0.0.1", scheduler_port=0,
                               dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR)
        try:
            with Client(cluster, timeout=connect_timeout_s) as client:
                yield client
        finally:
            cluster.close()
        return
    try:
        client = Client(scheduler, timeout=connect_timeout_s)
    except (OSError, TimeoutError, ValueError) as exc:
        raise InputError(
            f"cannot reach the Dask scheduler at {scheduler!r} within {connect_timeout_s:.0f} s "
            f"({exc.__class__.__name__}); check the address (e.g. tcp://HOST:8786) and that "
            "the scheduler is running") from None
    try:
        try:
            client.wait_for_workers(1, timeout=workers_timeout_s)
        except (TimeoutError, OSError):
            raise InputError(
                f"the Dask scheduler at {scheduler} has no worker after {workers_timeout_s:.0f} s; "
                "start workers (`dask worker ADDRESS`) or check the job queue") from None
        yield client
    finally:
        client.close()


@contextmanager
def open_engine(engine: str = "local", *, scheduler: str | None = None, workers: int = 1,
                folders: Sequence[Path] = (), files: Sequence[Path] = (),
                connect_timeout_s: float | None = None,
                workers_timeout_s: float = WORKERS_TIMEOUT_S,
                probe_timeout_s: float = PROBE_TIMEOUT_S,
                dashboard: bool = False,
                on_ready: Callable[[str], None] | None = None) -> Iterator[TaskRunner]:
    """A task runner for ``engine``; closed (a LocalCluster shut down) on exit.

    scheduler : a running scheduler's address (``tcp://host:8786``) for ``dask``; None
        starts a ``LocalCluster`` of ``workers`` processes (1 thread each) on 127.0.0.1.
    folders, files : what every worker must see (the work folder, some videos); checked
        before any task is sent.
    on_ready : called with a one-line description of the engine (workers, dashboard link).
    """
    check_engine(engine)
    if engine == "local":
        if scheduler is not None:
            raise ConfigError("--scheduler needs --engine dask")
        runner = local_runner(workers)
        if on_ready is not None:
            on_ready(f"local engine, {workers} process(es)")
        yield runner
        return
    with _dask_client(scheduler, workers, connect_timeout_s=connect_timeout_s,
                      workers_timeout_s=workers_timeout_s) as client:
        check_worker_paths(client, folders=folders, files=files, timeout_s=probe_timeout_s)
        dask_runner = DaskRunner(client)
        if on_ready is not None:
            import importlib.util

            has_dashboard = dashboard and (scheduler is not None
                                           or importlib.util.find_spec("bokeh") is not None)
            link = getattr(client, "dashboard_link", None) if has_dashboard else None
            where = scheduler or "a LocalCluster on 127.0.0.1"
            on_ready(f"dask engine: {dask_runner.workers} worker(s) at {where}"
                     + (f"; dashboard {link}" if link else ""))
        yield dask_runner


__all__ = ["ENGINES", "DaskRunner", "check_engine", "check_worker_paths", "open_engine"]
