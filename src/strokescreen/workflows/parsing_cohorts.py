"""Which subjects `parsing-eval` may score: a model's held-out subjects, or every subject
of an independent cohort — never one the model was trained on."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

#: ``parsing-eval --subjects``: the model's held-out subjects, or every subject of an
#: independent cohort (refused on a cohort the model was trained on)
SUBJECT_MODES = ("held-out", "all")


def _file_digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def training_cohort_match(manifest: Path, sidecar: dict[str, Any]) -> str | None:
    """The training source of a model (its cohort or an ``--extra`` one) that ``manifest``
    is, or None. ``model.json`` records each source's manifest path (as given, so possibly
    relative): the same file by path, or a byte-identical manifest (a copied cohort; the
    manifest names its videos relative to itself) count as the same cohort."""
    training = sidecar.get("training", {})
    recorded = [training.get("cohort")] + [e.get("source") for e in
                                           training.get("extra_training_sources", [])]
    mine = manifest.resolve()
    digest = None
    for r in filter(None, recorded):
        path = Path(r)
        if path.resolve() == mine or (path.is_file() and path.samefile(mine)):
            return str(r)
        if path.is_file():
            digest = digest or _file_digest(mine)
            if digest is not None and digest == _file_digest(path):
                return str(r)
    return None
