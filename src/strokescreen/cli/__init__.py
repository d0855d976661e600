"""The ``strokescreen`` command line: a thin typer app over the library.

Each command group lives in its own module in this package and exposes
``register(app)``; modules are wired here so that a command's code stays next to
the others of its kind.
"""

from __future__ import annotations

import gc
import importlib
import importlib.util

import typer

app = typer.Typer(
    name="strokescreen",
    help=(
        "Stroke screening aid from a short face video. A screening aid, not a diagnosis."
    ),
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

# Command modules, in the order their commands appear in --help.
_COMMAND_MODULES = (
    "demo",
    "doctor",
    "preprocess",
    "landmarks",
    "synth",
    "measure",
    "features",
    "modelling",
    "validate",
    "ablate",
    "shortcut",
    "assess",
    "parsing",
    "serve",
)

for _name in _COMMAND_MODULES:
    if importlib.util.find_spec(f"{__name__}.{_name}") is not None:
        importlib.import_module(f"{__name__}.{_name}").register(app)


def run(args: list[str] | None = None) -> int:
    """Run the app on ``args`` (default: the command line) and return the exit code.

    A mistyped command line (unknown command or option, a value out of range) is one
    ``error:`` line naming the command's ``--help``, like every other user error, rather
    than click's usage panel.
    """
    from strokescreen.cli._common import err_console

    # typer vendors its own click (typer._click) in newer releases; catch either's classes
    mods = []
    for name in ("typer._click.exceptions", "click.exceptions"):
        try:
            mods.append(importlib.import_module(name))
        except ImportError:
            pass

    def of(cls: str) -> tuple[type[BaseException], ...]:
        return tuple(getattr(m, cls) for m in mods if hasattr(m, cls))

    def message(exc: BaseException) -> str:
        fmt = getattr(exc, "format_message", None)
        return str(fmt()) if callable(fmt) else str(exc)

    try:
        rv = app(args=args, standalone_mode=False)
    except of("NoArgsIsHelpError") as exc:  # the help is already printed
        return int(getattr(exc, "exit_code", 2))
    except of("UsageError") as exc:
        ctx = getattr(exc, "ctx", None)
        where = ctx.command_path if ctx is not None else "strokescreen"
        err_console.print(f"[bold red]error:[/] {message(exc)} (see `{where} --help`)",
                          highlight=False, soft_wrap=True)
        return int(getattr(exc, "exit_code", 2))
    except of("ClickException") as exc:
        err_console.print(f"[bold red]error:[/] {message(exc)}", highlight=False,
                          soft_wrap=True)
        return int(getattr(exc, "exit_code", 1))
    except of("Abort"):
        err_console.print("aborted")
        return 1
    # commands return None; an explicit typer.Exit comes back as its code
    return rv if isinstance(rv, int) and not isinstance(rv, bool) else 0


def main() -> None:
    """Console-script entry point."""
    from strokescreen.cli._native_logs import filtered_stderr

    try:
        with filtered_stderr():
            code = run()
    finally:
        # The command is done and its files are closed. Interpreter shutdown would then
        # walk every object the scientific stack built looking for cycles (measured: 1.1 s
        # after an assessment); freezing them skips that walk. Memory goes back to the OS.
        gc.freeze()
    raise SystemExit(code)
