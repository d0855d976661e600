"""The case table of a modelling command: from a manifest and its work folder (the feature
table is built, reusing cached preprocessing) or from a precomputed feature table.

``strokescreen train``, ``evaluate`` and ``ablate`` read their cases here.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from strokescreen.errors import ConfigError, InputError, StrokeScreenError
from strokescreen.io.cohort_checks import (
    REQUIRED_TABLE_COLUMNS,
    check_required_columns,
    is_synthetic,
    validate_cohort,
)
from strokescreen.io.manifest import read_manifest
from strokescreen.progress import Progress
from strokescreen.tasks import TaskRunner
from strokescreen.workflows.feature_table import build_feature_table

if TYPE_CHECKING:  # pandas loads lazily: it is slow to import
    import pandas as pd

_GENERIC_STEMS = {"manifest", "features", "cases", "table", "cohort", "feature_table"}


def _check_table_file(path: Path) -> None:
    if path.is_dir():
        raise InputError(f"{path}: is a folder, not a table; give a .parquet or .csv file")
    if not path.is_file():
        raise InputError(f"{path}: file does not exist; check the path")


def _read_csv_table(path: Path) -> pd.DataFrame:
    _check_table_file(path)
    import pandas as pd

    try:
        return pd.read_csv(path, dtype={"case_id": str, "subject_id": str})
    except (pd.errors.ParserError, UnicodeDecodeError, pd.errors.EmptyDataError) as exc:
        raise InputError(f"{path}: not a readable CSV table ({exc})") from exc


def read_feature_table(path: Path, *, require_two_classes: bool = True) -> pd.DataFrame:
    """A precomputed feature table (.parquet or .csv), validated like a manifest
    (``require_two_classes=False`` for a graded target)."""
    _check_table_file(path)
    import pandas as pd

    if path.suffix.lower() == ".parquet":
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise InputError(f"{path}: not a readable parquet table ({exc})") from exc
        offset = 1
    elif path.suffix.lower() == ".csv":
        df, offset = _read_csv_table(path), 2
    else:
        raise InputError(f"{path}: use a .parquet or .csv feature table")
    for col in ("case_id", "subject_id"):
        if col in df.columns:
            df[col] = df[col].astype(str).where(df[col].notna(), None)
    validate_cohort(
        df,
        required=REQUIRED_TABLE_COLUMNS,
        check_videos=False,
        source=str(path),
        line_offset=offset,
        require_two_classes=require_two_classes,
    )
    return df


def cohort_name(path: Path) -> str:
    """The cohort's name: the file's stem, or its folder's name for a generic stem."""
    return (
        path.parent.name if path.stem.lower() in _GENERIC_STEMS and path.parent.name else path.stem
    )


def load_cases(
    manifest: Path | None, work: Path | None, features: Path | None, *,
    progress: Progress | None = None, runner: TaskRunner | None = None,
    require_two_classes: bool = True,
) -> tuple[pd.DataFrame, str, bool]:
    """(case feature table, cohort name, synthetic) from the command's input options.

    ``progress(done, total, note=...)`` counts cases while the feature table is built;
    ``runner`` runs its per-case tasks (default: this process). ``require_two_classes``:
    False for a graded target (a cohort of patients only is fine then).
    """
    if features is not None:
        if manifest is not None:
            raise ConfigError("give either MANIFEST (with --work) or --features FILE, not both")
        table = read_feature_table(features, require_two_classes=require_two_classes)
        return table, cohort_name(features), is_synthetic(table, manifest_path=features)
    if manifest is None:
        raise ConfigError(
            "give a MANIFEST (with --work DIR) or a feature table with --features FILE"
        )
    if work is None:
        raise ConfigError("--work DIR is needed with a MANIFEST (the cohort's work folder)")
    df = read_manifest(manifest, require_two_classes=require_two_classes)
    table = build_feature_table(df, work, progress=progress, runner=runner)
    check_required_columns(table, REQUIRED_TABLE_COLUMNS, source="feature table")
    synthetic = is_synthetic(df, manifest_path=manifest) or is_synthetic(table)
    return table, cohort_name(manifest), synthetic


def ablation_cases(
    manifest: Path, work: Path, features: Path | None, *, runner: TaskRunner | None = None,
) -> tuple[pd.DataFrame, str, bool]:
    """Manifest rows + ``case_dir`` (+ feature columns when a table can be had).

    The feature columns serve the classical row of the ablation; when no table can be
    built, ``df.attrs['feature_note']`` says why and the deep rows still run.
    """
    from strokescreen.models.base import FEATURE_PREFIXES
    from strokescreen.preprocess.cohort import case_dir

    df = read_manifest(manifest, require_videos=False)
    df["case_dir"] = [str(case_dir(work, c)) for c in df["case_id"]]
    have = sum((Path(d) / "crops.npz").is_file() or (Path(d) / "meta.json").is_file()
               for d in df["case_dir"])
    if have == 0:
        raise InputError(f"no case artifacts under {work / 'cases'} for the {len(df)} cases of "
                         f"{manifest.name}; run `strokescreen preprocess-cohort {manifest} --work "
                         f"{work}` first")
    feature_note = ""
    try:
        table, _, _ = load_cases(None if features else manifest, None if features else work,
                                 features, runner=runner)
        cols = [c for c in table.columns if str(c).startswith(FEATURE_PREFIXES)]
        feats = table[["case_id", *cols]].astype({"case_id": str})
        df = df.merge(feats, on="case_id", how="left")
    except StrokeScreenError as exc:
        text = str(exc)
        feature_note = text if len(text) <= 160 else text[:157] + "..."
    df.attrs["feature_note"] = feature_note
    stem = manifest.stem
    cohort = manifest.parent.name if stem.lower() in ("manifest", "cohort") else stem
    return df, cohort, is_synthetic(df, manifest_path=manifest)
