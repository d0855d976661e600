"""`strokescreen preprocess` and `strokescreen preprocess-cohort`."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar
from strokescreen.cli._engine import EngineOpt, SchedulerOpt, engine_runner, first_videos
from strokescreen.config import PreprocessConfig, load_config
from strokescreen.errors import ConfigError
from strokescreen.face.landmarks import resolve_landmarker
from strokescreen.io.paths import check_writable


def _config(config: Path | None, landmarker: str | None) -> PreprocessConfig:
    cfg = load_config(PreprocessConfig, config)
    if landmarker is not None:
        landmarker = resolve_landmarker(landmarker)
        import dataclasses

        cfg = dataclasses.replace(cfg, landmarks=dataclasses.replace(cfg.landmarks,
                                                                     landmarker=landmarker))
    return cfg.validate()


@guarded
def preprocess(
    video: Annotated[Path, typer.Argument(help="video file (mp4, mov, mkv, webm, avi)")],
    out: Annotated[Path, typer.Option("--out", help="artifact folder to create")],
    landmarker: Annotated[str | None, typer.Option(
        help="mediapipe (478 points) | ibug68 (the default 68-point one) | mediapipe-fused68 | "
             "mediapipe-fit68 | mediapipe-ert68 | "
             "mediapipe68 | dlib68 | a folder from landmarks-train")] = None,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an existing non-empty --out")] = False,
) -> None:
    """Decode a video, find the face, keep frontal steady frames, write the artifacts."""
    from strokescreen.preprocess.artifacts import check_out_dir, read_quality
    from strokescreen.preprocess.pipeline import preprocess_video

    cfg = _config(config, landmarker)
    check_out_dir(out, overwrite=overwrite)
    with progress_bar("preprocess", None) as cb:
        preprocess_video(video, out, config=cfg, overwrite=overwrite, progress=cb)

    q = read_quality(out).to_dict()
    console.print(f"quality: [bold]{q['verdict']}[/] — {q['n_kept']} of {q['n_frames']} frames "
                  f"usable ({q['usable_share']:.0%}); " + ("; ".join(q["reasons"]) or "no issues"))
    console.print(f"artifacts: {out}")
    console.print(DISCLAIMER)


@guarded
def preprocess_cohort(
    manifest: Annotated[Path, typer.Argument(help="CSV with case_id, subject_id, video, label")],
    work: Annotated[Path, typer.Option("--work", help="work folder (cases are cached here)")],
    workers: Annotated[int, typer.Option(help="parallel processes (with --engine dask and no "
                                          "--scheduler: LocalCluster workers)")] = 1,
    config: Annotated[Path | None, typer.Option("--config", help="YAML settings")] = None,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
) -> None:
    """Preprocess every case of a manifest (cached, resumable); print a quality summary."""
    from strokescreen.io.manifest import read_manifest
    from strokescreen.preprocess.cohort import preprocess_cohort as run
    from strokescreen.workflows.engine import check_engine

    check_engine(engine)
    if workers < 1 or workers > (os.cpu_count() or 1) * 4:
        raise ConfigError(f"--workers {workers}; use 1..{(os.cpu_count() or 1) * 4}")
    cfg = _config(config, None)
    df = read_manifest(manifest, require_two_classes=False, require_videos=False)
    check_writable(work, option="--work", folder=True)
    with engine_runner(engine, scheduler, workers=workers, folders=[work],
                       files=first_videos(df["video"])) as runner, \
            progress_bar("preprocess cohort", len(df)) as cb:
        table = run(df, work, config=cfg, runner=runner, progress=cb)
    print_summary(table, work, synthetic=bool(df.attrs.get("synthetic")))


def print_summary(table, work: Path, *, synthetic: bool = False) -> None:  # type: ignore[no-untyped-def]
    from strokescreen.preprocess.cohort import summarise

    s = summarise(table)
    t = Table(title=f"cohort quality ({len(table)} cases, {s['cached']} from cache)")
    t.add_column("verdict")
    t.add_column("cases", justify="right")
    t.add_column("most common reasons")
    for status in ("good", "review", "unusable", "failed"):
        reasons = s["reasons"].get(status, {})
        t.add_row(status, str(s[status]), "; ".join(f"{k} ({v})" for k, v in reasons.items()))
    console.print(t)
    console.print(f"per-case table: {Path(work) / 'cohort_quality.csv'}")
    if synthetic:
        console.print("[bold yellow]SYNTHETIC cohort: generated recordings, no real person[/]")
    console.print(DISCLAIMER)


def register(app: typer.Typer) -> None:
    app.command("preprocess")(preprocess)
    app.command("preprocess-cohort")(preprocess_cohort)
