"""Checks on the paths a user names for output, made before any long work starts."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from strokescreen.errors import InputError


def check_writable(target: str | Path, *, option: str = "--out", folder: bool = False) -> None:
    """Raise :class:`InputError` unless ``target`` (a file or folder) can be created or written.

    The nearest existing folder on the way to ``target`` must be a folder in which a
    probe folder can be made (and is removed at once). Nothing else is created: missing
    parents are made later by the writer itself. Permission bits are not trusted (root
    passes them on any file system); only a real attempt tells. ``folder``: ``target``
    names a folder, so an existing file there is refused.
    """
    path = Path(target)
    if folder and path.exists() and not path.is_dir():
        raise InputError(f"{option} {path}: is a file, not a folder; give a folder path")
    probe_at = path if path.is_dir() else path.parent
    while not probe_at.exists() and probe_at != probe_at.parent:
        probe_at = probe_at.parent
    if not probe_at.is_dir():
        raise InputError(f"{option} {path}: {probe_at} is a file, not a folder; "
                         "choose an output path inside a folder")
    try:
        probe = tempfile.mkdtemp(prefix=".strokescreen-probe-", dir=probe_at)
    except OSError as exc:
        raise InputError(f"{option} {path}: cannot write in {probe_at} "
                         f"({exc.strerror or exc}); choose a folder you can write to") from None
    os.rmdir(probe)
