"""Shared helpers for CLI commands: one-line errors, progress bars, console."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)

from strokescreen.errors import StrokeScreenError

console = Console()
err_console = Console(stderr=True)

F = TypeVar("F", bound=Callable[..., Any])

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."


def os_error_line(exc: OSError) -> str:
    """One line for a file-system error: which path, what the system said, what to do."""
    where = " -> ".join(str(f) for f in (exc.filename, exc.filename2) if f is not None)
    why = exc.strerror or str(exc)
    return (f"{where + ': ' if where else ''}{why}; check the path, its permissions and the "
            "free disk space (STROKESCREEN_DEBUG=1 shows the traceback)")


def check_results_out(out: Path, *, marker: str | tuple[str, ...], overwrite: bool,
                      advice: str = "choose a new --out or pass --overwrite") -> None:
    """Refuse an ``--out`` folder that holds someone's other files, before any work.

    A folder an earlier (or interrupted) run of the same command wrote (it holds one of
    ``marker``) is updated in place, as before; any other non-empty folder needs
    ``--overwrite``; a path that cannot be written fails here, not after the work.
    """
    from strokescreen.errors import InputError
    from strokescreen.io.paths import check_writable

    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file, not a folder; choose a folder path")
    markers = (marker,) if isinstance(marker, str) else marker
    if (out.is_dir() and not overwrite and not any((out / m).exists() for m in markers)
            and any(out.iterdir())):
        raise InputError(f"--out {out}: folder holds other files and no earlier result "
                         f"({' or '.join(markers)}); {advice}")
    check_writable(out)


def guarded(fn: F) -> F:
    """Turn a :class:`StrokeScreenError` into one line on stderr and its exit code."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except StrokeScreenError as exc:
            err_console.print(f"[bold red]error:[/] {exc}", highlight=False, soft_wrap=True)
            raise typer.Exit(code=exc.exit_code) from None
        except OSError as exc:  # a file system refusal: the user's path or disk, not a bug
            if os.environ.get("STROKESCREEN_DEBUG"):
                raise
            err_console.print(f"[bold red]error:[/] {os_error_line(exc)}", highlight=False,
                              soft_wrap=True)
            raise typer.Exit(code=3) from None
        except KeyboardInterrupt:
            err_console.print("interrupted; finished work is kept and a re-run resumes")
            raise typer.Exit(code=130) from None

    return wrapper  # type: ignore[return-value]


@contextmanager
def progress_bar(description: str, total: float | None) -> Iterator[Callable[..., None]]:
    """Yield a progress callback ``cb(done, total=None, note=None)`` drawn as a rich bar.

    Silent (no bar) when stderr is not a terminal, so logs and tests stay clean.
    """
    if not sys.stderr.isatty():
        yield lambda *a, **k: None
        return
    with Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        TextColumn("{task.fields[note]}"),
        console=err_console,
        transient=False,
    ) as progress:
        task = progress.add_task(description, total=total, note="")

        def update(done: float, total: float | None = None, note: str | None = None) -> None:
            kwargs: dict[str, Any] = {"completed": done}
            if total is not None:
                kwargs["total"] = total
            if note is not None:
                kwargs["note"] = note
            progress.update(task, **kwargs)

        yield update
