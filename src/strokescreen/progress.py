"""The one progress-callback convention of the library.

Long work reports ``progress(done, total, note=...)``: ``done`` steps (or seconds, or a
fraction with ``total=1.0``) out of ``total`` (None while unknown), and an optional short
note for a person. The CLI draws a rich bar, the web app stores ``done / total`` in the
job's progress field, and the library default (None) is silent.
"""

from __future__ import annotations

from typing import Protocol


class Progress(Protocol):
    """``progress(done, total=None, *, note=None)``; see the module docstring."""

    def __call__(self, done: float, total: float | None = None, *,
                 note: str | None = None) -> None: ...


def fraction(done: float, total: float | None) -> float:
    """``done / total`` clipped to [0, 1]; ``done`` itself when ``total`` is None or 0."""
    value = float(done) / float(total) if total else float(done)
    return min(max(value, 0.0), 1.0)
