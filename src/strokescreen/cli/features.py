"""`strokescreen features`: the case feature table of a cohort."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar
from strokescreen.cli._engine import EngineOpt, SchedulerOpt, engine_runner, first_videos
from strokescreen.errors import ConfigError, InputError
from strokescreen.io.paths import check_writable


@guarded
def features(
    manifest: Annotated[Path, typer.Argument(help="CSV with case_id, subject_id, video, label")],
    work: Annotated[Path, typer.Option("--work", help="work folder (cached preprocessing)")],
    out: Annotated[Path, typer.Option("--out", help="feature table to write (.parquet or .csv)")],
    workers: Annotated[int, typer.Option(help="parallel processes for preprocessing")] = 1,
    overwrite: Annotated[bool, typer.Option(help="replace an existing --out file")] = False,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    parsing_model: Annotated[Path | None, typer.Option(
        "--parsing-model", help="face-parsing model folder: adds FPP area left/right "
                                "(face_fpp_share_*)")] = None,
) -> None:
    """One row per case with facial and speech features; features.json lands in each case folder."""
    from strokescreen.io.manifest import read_manifest
    from strokescreen.workflows.engine import check_engine
    from strokescreen.workflows.feature_table import build_feature_table

    check_engine(engine)
    if out.suffix.lower() not in (".parquet", ".csv"):
        raise InputError(f"--out {out}: use a .parquet or .csv file name")
    if out.exists() and not overwrite:
        raise InputError(f"{out}: exists; choose another --out or pass --overwrite")
    if workers < 1:
        raise ConfigError(f"--workers {workers}; use 1 or more")
    if parsing_model is not None:
        from strokescreen.parsing.model import read_parsing_sidecar

        read_parsing_sidecar(parsing_model)
    df = read_manifest(manifest, require_two_classes=False, require_videos=False)
    check_writable(work, option="--work", folder=True)
    check_writable(out)
    with engine_runner(engine, scheduler, workers=workers, folders=[work],
                       files=first_videos(df["video"])) as runner, \
            progress_bar("features", len(df)) as cb:
        table = build_feature_table(df, work, runner=runner, progress=cb,
                                    parsing_model=parsing_model)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.tmp-{os.getpid()}")
    if out.suffix.lower() == ".parquet":
        table.to_parquet(tmp, index=False)
    else:
        table.to_csv(tmp, index=False)
    os.replace(tmp, out)
    n_feat = sum(1 for c in table.columns if c.startswith(("face_", "speech_")))
    console.print(f"{len(table)} cases × {n_feat} features → {out}")
    excluded = table.attrs.get("excluded", {})
    if excluded:
        console.print(f"{len(excluded)} case(s) left out (preprocessing failed): "
                      + ", ".join(list(excluded)[:10]))
    if df.attrs.get("synthetic"):
        console.print("[bold yellow]SYNTHETIC cohort: generated recordings, no real person[/]")
    console.print(DISCLAIMER)


def register(app: typer.Typer) -> None:
    app.command("features")(features)
