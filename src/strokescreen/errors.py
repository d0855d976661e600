"""One exception root for strokescreen.

Every error a user can cause derives from :class:`StrokeScreenError`. Its message names
what was wrong, the value seen and what to do; the CLI prints that one line and exits
with :attr:`StrokeScreenError.exit_code` (no traceback).
"""

from __future__ import annotations


class StrokeScreenError(Exception):
    """Root of every strokescreen error. ``exit_code`` is what the CLI exits with."""

    exit_code = 1


class InputError(StrokeScreenError):
    """The user's input (file, manifest, option) is unusable as given."""

    exit_code = 3


class QualityError(StrokeScreenError):
    """The recording was read but has no usable face (too few usable frames)."""

    exit_code = 4


class ConfigError(StrokeScreenError):
    """A configuration file or option value is invalid."""

    exit_code = 2


class NotFittedError(StrokeScreenError, ValueError):
    """A model was asked to predict before ``fit``."""

    exit_code = 1


class MissingExtraError(StrokeScreenError, ImportError):
    """An optional dependency is not installed; the message names the extra."""

    exit_code = 2


def require_extra(module: str, extra: str) -> object:
    """Import ``module`` or raise :class:`MissingExtraError` naming ``extra``."""
    import importlib

    try:
        return importlib.import_module(module)
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise MissingExtraError(
            f"optional dependency '{module}' is not installed ({exc}); "
            f"install it with: pip install 'strokescreen[{extra}]'"
        ) from exc
