"""The task-runner interface the cohort stages hand their independent work to.

A stage that has many independent pieces of work (one per case, per fold, per ablation
variant and fold) describes them as a module-level function and a list of picklable items
and calls ``runner.run(fn, items, ...)``. Where the work runs is the runner's business: in
this process (:class:`SerialRunner`), in a local process pool (:class:`ProcessRunner`) or on
a Dask cluster (``strokescreen.workflows.engine.DaskRunner``); the stages never import Dask.

Contract of :meth:`TaskRunner.run`:

- ``fn(item)`` is called once per item, or ``fn(shared, item)`` when ``shared`` is given
  (``shared`` is shipped to each worker once, not once per item);
- results come back as a list in the order of ``items``, whatever order they finished in;
- ``on_done(index, result)`` is called in this process as each task finishes (a progress
  bar is fed from it), in completion order;
- a task whose worker process died is retried elsewhere by runners that can (Dask); when
  it keeps killing its workers, ``on_lost(index, reason)`` gives the result to record
  instead (without ``on_lost`` the run fails with a :class:`StrokeScreenError`);
- an exception raised by ``fn`` propagates to the caller.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Protocol

from strokescreen.errors import StrokeScreenError

OnDone = Callable[[int, Any], None]
OnLost = Callable[[int, str], Any]


class TaskRunner(Protocol):
    """Runs independent tasks; see the module docstring for the contract."""

    name: str
    in_process: bool  # True when fn runs in this process (callbacks may cross into it)

    @property
    def workers(self) -> int:
        """How many tasks can run at once."""

    def run(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None,
            on_done: OnDone | None = None, on_lost: OnLost | None = None,
            labels: Sequence[str] | None = None, task_name: str = "task") -> list[Any]: ...


def _call(fn: Callable[..., Any], shared: Any, item: Any) -> Any:
    return fn(item) if shared is None else fn(shared, item)


class SerialRunner:
    """Every task in this process, one after the other, in item order."""

    name = "local"
    workers = 1
    in_process = True

    def run(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None,
            on_done: OnDone | None = None, on_lost: OnLost | None = None,
            labels: Sequence[str] | None = None, task_name: str = "task") -> list[Any]:
        out = []
        for i, item in enumerate(items):
            out.append(_call(fn, shared, item))
            if on_done is not None:
                on_done(i, out[-1])
        return out


_SHARED: dict[str, Any] = {}


def _init_shared(shared: Any) -> None:
    _SHARED["value"] = shared


def _call_pooled(fn: Callable[..., Any], item: Any) -> Any:
    return _call(fn, _SHARED.get("value"), item)


class ProcessRunner:
    """A local pool of ``workers`` spawned processes (spawn keeps MediaPipe's threads out
    of forked children); at most ``2 * workers`` tasks are queued at a time so memory stays
    bounded. ``fn`` and the items must pickle."""

    name = "local"
    in_process = False

    def __init__(self, workers: int) -> None:
        self.workers = int(workers)

    def run(self, fn: Callable[..., Any], items: Sequence[Any], *, shared: Any = None,
            on_done: OnDone | None = None, on_lost: OnLost | None = None,
            labels: Sequence[str] | None = None, task_name: str = "task") -> list[Any]:
        import multiprocessing as mp

        results: dict[int, Any] = {}
        with ProcessPoolExecutor(max_workers=self.workers, mp_context=mp.get_context("spawn"),
                                 initializer=_init_shared, initargs=(shared,)) as pool:
            futures: dict[Future, int] = {}
            queue = list(range(len(items)))
            while queue or futures:
                while queue and len(futures) < 2 * self.workers:
                    i = queue.pop(0)
                    futures[pool.submit(_call_pooled, fn, items[i])] = i
                done, _ = wait(futures, return_when=FIRST_COMPLETED)
                for fut in done:
                    i = futures.pop(fut)
                    try:
                        results[i] = fut.result()
                    except BrokenProcessPool as exc:
                        raise StrokeScreenError(
                            f"a worker process died while running {task_name} "
                            f"{labels[i] if labels else i} (out of memory?); finished work is "
                            "kept and a re-run resumes") from exc
                    if on_done is not None:
                        on_done(i, results[i])
        return [results[i] for i in range(len(items))]


def local_runner(workers: int = 1) -> SerialRunner | ProcessRunner:
    """This process for one worker, a spawned process pool for more."""
    return SerialRunner() if workers <= 1 else ProcessRunner(workers)


__all__ = ["OnDone", "OnLost", "ProcessRunner", "SerialRunner", "TaskRunner", "local_runner"]
