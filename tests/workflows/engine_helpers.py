"""Comparing two work folders file by file."""

from __future__ import annotations

import json
from pathlib import Path

# Fields that measure time on the machine that did the work, and nothing else; every
# other byte must match between engines.
TIMING_FIELDS = {"meta.json": ("elapsed_s",)}
# Lines of Markdown files that report wall time and the number of workers used.
TIMING_LINES = {"cohort_card.md": ("- wall time ",)}


def _normalised(path: Path) -> bytes:
    if path.name in TIMING_LINES:
        lines = path.read_text().splitlines(keepends=True)
        kept = [ln for ln in lines if not ln.startswith(TIMING_LINES[path.name])]
        assert len(kept) == len(lines) - 1, f"{path}: expected one timing line"
        return "".join(kept).encode()
    drop = TIMING_FIELDS.get(path.name)
    if not drop:
        return path.read_bytes()
    data = json.loads(path.read_text())
    for key in drop:
        assert key in data, f"{path}: expected timing field {key}"
        data.pop(key)
    return json.dumps(data, sort_keys=True).encode()


def assert_same_tree(a: Path, b: Path, *, pattern: str = "**/*") -> int:
    """Every file under ``a`` exists under ``b`` with the same bytes (timing fields aside)
    and vice versa; returns the number of files compared."""
    fa = sorted(p.relative_to(a) for p in a.glob(pattern) if p.is_file())
    fb = sorted(p.relative_to(b) for p in b.glob(pattern) if p.is_file())
    assert fa == fb
    for rel in fa:
        assert _normalised(a / rel) == _normalised(b / rel), f"{rel} differs"
    return len(fa)
