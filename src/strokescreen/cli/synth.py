"""`strokescreen synth`: generate a synthetic cohort with known ground truth."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import check_results_out, console, guarded, progress_bar
from strokescreen.cli._engine import EngineOpt, SchedulerOpt, engine_runner
from strokescreen.errors import InputError


@guarded
def synth(
    out: Annotated[Path, typer.Option("--out", help="folder to write the cohort into")],
    subjects: Annotated[int, typer.Option("--subjects", help="number of subjects")],
    recordings_per_subject: Annotated[int, typer.Option(
        "--recordings-per-subject", help="recordings per subject")] = 1,
    visits: Annotated[int, typer.Option(
        "--visits", help="visits per subject; over 1, stroke signs recover along planted "
        "courses (manifest gets visit, days_since_onset and recovery targets)")] = 1,
    metadata_linked: Annotated[bool, typer.Option(
        "--metadata-linked", help="draw age and vascular risk factors depending on the "
        "condition (default: independent of it)")] = False,
    seconds: Annotated[float, typer.Option("--seconds", help="length of each recording")] = 10.0,
    seed: Annotated[int, typer.Option("--seed", help="master random seed")] = 0,
    difficulty: Annotated[str, typer.Option(
        "--difficulty", help="easy | realistic | hard")] = "realistic",
    portraits: Annotated[Path | None, typer.Option(
        "--portraits", help="folder of extra portraits (jpg/png), added to the bundled one")
    ] = None,
    workers: Annotated[int, typer.Option("--workers", help="parallel processes")] = 1,
    width: Annotated[int, typer.Option("--width", help="frame width in pixels")] = 640,
    height: Annotated[int, typer.Option("--height", help="frame height in pixels")] = 480,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    shortcut: Annotated[str, typer.Option(
        "--shortcut", help="plant a shortcut that correlates with the label: none | lighting "
        "(a side lamp; see the cohort card)")] = "none",
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
) -> None:
    """Generate a SYNTHETIC cohort: videos, manifest, per-frame truth and a cohort card."""
    from strokescreen.synth.cohort import generate_cohort
    from strokescreen.synth.config import SynthConfig
    from strokescreen.synth.portraits import portrait_files
    from strokescreen.workflows.engine import check_engine

    check_engine(engine)
    max_workers = (os.cpu_count() or 1) * 4
    if not 1 <= workers <= max_workers:
        raise InputError(f"--workers {workers}: use 1..{max_workers}")
    if out.exists() and not out.is_dir():
        raise InputError(f"--out {out}: is a file; give a folder (it is created if missing)")
    # a cohort folder (or an interrupted one) is written again; another folder is not
    check_results_out(out, marker=("manifest.csv", "generator.json", "videos"),
                      overwrite=overwrite)
    if portraits is not None:
        portrait_files(portraits)
    cfg = SynthConfig(n_subjects=subjects, recordings_per_subject=recordings_per_subject,
                      seconds=seconds, seed=seed, difficulty=difficulty, width_px=width,
                      height_px=height, visits=visits, metadata_linked=metadata_linked,
                      portraits_dir=str(portraits) if portraits is not None else None,
                      shortcut=shortcut).validate()
    n_cases = subjects * recordings_per_subject * visits
    with engine_runner(engine, scheduler, workers=workers, folders=[out]) as runner, \
            progress_bar("synthesise", n_cases) as cb:
        result = generate_cohort(cfg, out, runner=runner, progress=cb)
    console.print(f"[bold]SYNTHETIC cohort[/] — {n_cases} cases of {subjects} subjects in "
                  f"{result.seconds:.0f} s")
    auc = "n/a" if result.oracle_auc != result.oracle_auc else f"{result.oracle_auc:.3f}"
    console.print(f"oracle AUC: {auc} (this cohort), {result.reference_oracle_auc:.3f} "
                  "(200-subject draw, same settings)")
    if result.graded:
        for name in ("severity_grade", "severity_last", "severity_change"):
            m = result.graded[name]
            console.print(f"oracle {name}: MAE {m['mae']:.3f}, Spearman {m['spearman']:.3f}, "
                          f"kappa {m['kappa']:.3f}")
    console.print(f"manifest: {result.manifest}")
    console.print(f"card: {result.card}")


def register(app: typer.Typer) -> None:
    app.command("synth")(synth)
