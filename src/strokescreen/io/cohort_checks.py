"""The manifest schema, and checks of a cohort table (a manifest or a case feature table)
that name the rows at fault.

Each function takes a DataFrame and raises :class:`strokescreen.errors.InputError` with a
one-line message: what is wrong, which rows (manifest line numbers, counting the header as
line 1, and case ids), and what to do. ``strokescreen.io.manifest.read_manifest`` calls
them; the evaluation commands call :func:`validate_cohort` on every table they read.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.errors import InputError

# the manifest schema: required columns, then the optional ones (in the feature table's order)
REQUIRED_MANIFEST_COLUMNS = ("case_id", "subject_id", "video", "label")
OPTIONAL_MANIFEST_COLUMNS = ("task", "severity", "side", "condition", "age", "sex", "ethnicity",
                             "race", "site", "recorded_at", "synthetic")
REQUIRED_TABLE_COLUMNS = ("case_id", "subject_id", "label")
_LIMIT = 8


def _lines(df: pd.DataFrame, mask: np.ndarray, *, line_offset: int = 2) -> str:
    """'line 3 (case c01), line 7 (case c05)' for the rows where ``mask`` is True."""
    pos = np.flatnonzero(np.asarray(mask))
    ids = df["case_id"].to_numpy() if "case_id" in df.columns else None
    parts = []
    for i in pos[:_LIMIT]:
        who = f" (case {ids[i]})" if ids is not None and pd.notna(ids[i]) else ""
        parts.append(f"line {int(i) + line_offset}{who}")
    more = f" and {pos.size - _LIMIT} more" if pos.size > _LIMIT else ""
    return ", ".join(parts) + more


def check_required_columns(
    df: pd.DataFrame,
    required: Iterable[str] = REQUIRED_MANIFEST_COLUMNS,
    *,
    source: str = "manifest",
) -> None:
    """InputError naming the missing required columns and the ones present."""
    missing = [c for c in required if c not in df.columns]
    if missing:
        raise InputError(
            f"{source} is missing required column(s) {', '.join(missing)}; it has "
            f"{', '.join(map(str, df.columns)) or 'no columns'}; required are "
            f"{', '.join(required)}"
        )


def check_not_empty(df: pd.DataFrame, *, source: str = "manifest") -> None:
    if len(df) == 0:
        raise InputError(f"{source} has no rows; list one case per row")


def check_ids_present(
    df: pd.DataFrame, columns: Iterable[str] = ("case_id", "subject_id"), *, line_offset: int = 2
) -> None:
    """InputError naming rows with an empty case_id or subject_id."""
    for col in columns:
        vals = df[col]
        empty = vals.isna().to_numpy() | (vals.astype(str).str.strip() == "").to_numpy()
        if empty.any():
            raise InputError(
                f"{col} is empty on {int(empty.sum())} row(s): "
                f"{_lines(df, empty, line_offset=line_offset)}; give every case its {col}"
            )


def check_unique_case_ids(df: pd.DataFrame, *, line_offset: int = 2) -> None:
    """InputError naming every duplicated case id and its lines."""
    ids = df["case_id"].astype(str)
    dup = ids.duplicated(keep=False).to_numpy()
    if dup.any():
        groups = []
        for cid in list(dict.fromkeys(ids[dup]))[:_LIMIT]:
            lines = np.flatnonzero((ids == cid).to_numpy()) + line_offset
            groups.append(f"'{cid}' on lines {', '.join(map(str, lines))}")
        n = len(set(ids[dup]))
        more = f" and {n - _LIMIT} more" if n > _LIMIT else ""
        raise InputError(
            f"duplicate case_id: {'; '.join(groups)}{more}; every case needs its own case_id"
        )


def check_labels(df: pd.DataFrame, *, line_offset: int = 2) -> None:
    """InputError naming rows whose label is not 0 or 1."""
    num = pd.to_numeric(df["label"], errors="coerce")
    bad = (num.isna() | ~num.isin([0, 1])).to_numpy()
    if bad.any():
        seen = sorted({str(v) for v in df["label"][bad]})[:5]
        raise InputError(
            f"label must be 0 (not stroke) or 1 (stroke); {int(bad.sum())} row(s) have "
            f"{', '.join(seen)}: {_lines(df, bad, line_offset=line_offset)}"
        )


def check_two_classes(df: pd.DataFrame) -> None:
    """InputError when every case has the same label."""
    labels = pd.to_numeric(df["label"], errors="coerce").dropna().astype(int).unique()
    if len(labels) < 2:
        only = int(labels[0]) if len(labels) else "?"
        raise InputError(
            f"all {len(df)} cases have label {only}; training and evaluation need both "
            "stroke (1) and not-stroke (0) cases"
        )


def check_videos_exist(
    df: pd.DataFrame, *, base_dir: str | Path | None = None, line_offset: int = 2
) -> None:
    """InputError naming rows whose ``video`` file does not exist.

    Relative paths are taken against ``base_dir`` (the manifest's folder) when given.
    """
    base = Path(base_dir) if base_dir is not None else None
    missing = np.zeros(len(df), dtype=bool)
    for i, v in enumerate(df["video"].to_numpy()):
        if pd.isna(v) or str(v).strip() == "":
            missing[i] = True
            continue
        p = Path(str(v))
        if not p.is_absolute() and base is not None:
            p = base / p
        missing[i] = not p.is_file()
    if missing.any():
        first = df["video"].to_numpy()[np.flatnonzero(missing)[0]]
        raise InputError(
            f"{int(missing.sum())} video file(s) not found: "
            f"{_lines(df, missing, line_offset=line_offset)} (first: {first}); "
            "fix the paths (relative paths are read from the manifest's folder)"
        )


def validate_cohort(
    df: pd.DataFrame,
    *,
    required: Iterable[str] = REQUIRED_MANIFEST_COLUMNS,
    check_videos: bool = True,
    base_dir: str | Path | None = None,
    source: str = "manifest",
    line_offset: int = 2,
    require_two_classes: bool = True,
) -> None:
    """Run every check in order: columns, rows, ids, duplicates, labels, classes, videos.

    require_two_classes : False for a graded target, which a cohort of patients only (all
        label 1, e.g. a recovery cohort) can still be evaluated on."""
    required = tuple(required)
    check_required_columns(df, required, source=source)
    check_not_empty(df, source=source)
    check_ids_present(df, line_offset=line_offset)
    check_unique_case_ids(df, line_offset=line_offset)
    check_labels(df, line_offset=line_offset)
    if require_two_classes:
        check_two_classes(df)
    if check_videos and "video" in required:
        check_videos_exist(df, base_dir=base_dir, line_offset=line_offset)


def is_synthetic(df: pd.DataFrame, *, manifest_path: str | Path | None = None) -> bool:
    """True when the cohort is synthetic.

    Synthetic when a ``synthetic`` column is true in any row, when ``df.attrs`` says
    ``synthetic``, or when a metadata JSON next to the manifest (``cohort.json``,
    ``metadata.json``, ``synth.json`` or ``<manifest stem>.json``) has ``"synthetic": true``.
    """
    if "synthetic" in df.columns:
        col = df["synthetic"]
        truthy = col.map(lambda v: str(v).strip().lower() in ("1", "true", "yes", "y", "t"))
        if bool(truthy.any()):
            return True
    if bool(df.attrs.get("synthetic", False)):
        return True
    if manifest_path is not None:
        import json

        mp = Path(manifest_path)
        for name in ("cohort.json", "metadata.json", "synth.json", f"{mp.stem}.json"):
            meta = mp.parent / name
            if meta.is_file() and meta != mp:
                try:
                    data = json.loads(meta.read_text(encoding="utf-8"))
                except (OSError, ValueError):
                    continue
                if isinstance(data, dict) and bool(data.get("synthetic", False)):
                    return True
    return False
