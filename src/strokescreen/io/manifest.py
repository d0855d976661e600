"""Cohort manifest (CSV) reader.

Required columns: ``case_id, subject_id, video, label`` (1 = stroke, 0 = not stroke).
Optional: ``task, severity, side, condition, age, sex, ethnicity, race, site,
recorded_at`` (and ``synthetic``). Relative video paths resolve against the manifest's
folder. Problems are reported with the manifest lines at fault.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from strokescreen.errors import InputError
from strokescreen.io import cohort_checks as checks

REQUIRED = checks.REQUIRED_MANIFEST_COLUMNS
OPTIONAL = checks.OPTIONAL_MANIFEST_COLUMNS


def read_manifest(path: str | Path, *, require_two_classes: bool = True,
                  require_videos: bool = True) -> pd.DataFrame:
    """Read and validate a manifest; ``video`` becomes an absolute path string.

    ``df.attrs`` gets ``manifest_path`` and ``synthetic``.
    """
    p = Path(path)
    if p.is_dir():
        raise InputError(f"{p}: is a folder, not a manifest file; give a CSV with columns "
                         f"{', '.join(REQUIRED)}")
    if not p.is_file():
        raise InputError(f"{p}: manifest file does not exist; give a CSV with columns "
                         f"{', '.join(REQUIRED)}")
    try:
        df = pd.read_csv(p, dtype={"case_id": str, "subject_id": str}, keep_default_na=True)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise InputError(f"{p}: not a readable CSV manifest ({exc.__class__.__name__}); "
                         "save it as comma-separated UTF-8") from exc
    df.columns = [str(c).strip() for c in df.columns]
    source = f"manifest {p.name}"
    checks.check_required_columns(df, REQUIRED, source=source)
    checks.check_not_empty(df, source=source)
    checks.check_ids_present(df)
    checks.check_unique_case_ids(df)
    checks.check_labels(df)
    if require_two_classes:
        checks.check_two_classes(df)
    if require_videos:
        checks.check_videos_exist(df, base_dir=p.parent)
    df["case_id"] = df["case_id"].astype(str).str.strip()
    df["subject_id"] = df["subject_id"].astype(str).str.strip()
    df["label"] = pd.to_numeric(df["label"]).astype(int)
    df["video"] = [str(v if Path(str(v)).is_absolute() else (p.parent / str(v)).resolve())
                   for v in df["video"]]
    bad_ids = [c for c in df["case_id"] if "/" in c or "\\" in c or c in (".", "..")]
    if bad_ids:
        raise InputError(f"case_id values may not contain path separators: {bad_ids[:5]}")
    df.attrs["manifest_path"] = str(p.resolve())
    df.attrs["synthetic"] = checks.is_synthetic(df, manifest_path=p)
    return df
