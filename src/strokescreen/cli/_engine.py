"""The ``--engine`` / ``--scheduler`` options shared by the cohort commands."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import err_console
from strokescreen.tasks import TaskRunner

EngineOpt = Annotated[str, typer.Option(
    "--engine", help="local (this machine's processes, the default) or dask (a Dask cluster; "
                     "see docs/cluster.md)")]
SchedulerOpt = Annotated[str | None, typer.Option(
    "--scheduler", help="with --engine dask: a running scheduler's address (tcp://HOST:8786); "
                        "without it a LocalCluster of --workers processes starts here")]


@contextmanager
def engine_runner(engine: str, scheduler: str | None, *, workers: int = 1,
                  folders: Sequence[Path] = (), files: Sequence[Path] = ()
                  ) -> Iterator[TaskRunner]:
    """Open the engine the options name; say on stderr where the work runs (dask only)."""
    from strokescreen.workflows.engine import open_engine

    def ready(text: str) -> None:
        if engine != "local":
            err_console.print(text, highlight=False)

    with open_engine(engine, scheduler=scheduler, workers=workers, folders=folders,
                     files=files, dashboard=True, on_ready=ready) as runner:
        yield runner


def first_videos(videos: Sequence[str], n: int = 3) -> list[Path]:
    """A few of the manifest's videos that exist here, for the workers' path check."""
    out: list[Path] = []
    for v in videos:  # stops after n: a large manifest is not stat'ed whole
        if len(out) == n:
            break
        if Path(v).is_file():
            out.append(Path(v))
    return out
