"""`strokescreen demo`: the whole story on the built-in synthetic cohort.

Synthesise a small cohort → preprocess → features → evaluate (logistic regression,
subject-grouped 5-fold) → train on all subjects but one → assess a recording of the
held-out subject, then print where the reports are. Each step runs the same command a
user would type, so the demo shows exactly what the commands do.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import DISCLAIMER, check_results_out, console, guarded
from strokescreen.errors import ConfigError, StrokeScreenError

SYNTHETIC_NOTE = ("All data in this demo is SYNTHETIC (generated here); "
                  "its results describe no real person.")


def _step(title: str, *args: str, ok_codes: tuple[int, ...] = (0,)) -> None:
    console.rule(f"[bold]{title}")
    console.print("$ strokescreen " + " ".join(args), highlight=False)
    res = subprocess.run([sys.executable, "-m", "strokescreen.cli", *args])
    if res.returncode not in ok_codes:
        raise StrokeScreenError(f"demo step '{title}' failed with exit code {res.returncode}")


def _set_aside(folder: Path) -> Path:
    """Rename ``folder`` to the first free ``<name>.old``, ``<name>.old2``, ... (nothing is
    deleted) and return the new path."""
    n = 1
    while True:
        target = folder.with_name(f"{folder.name}.old{n if n > 1 else ''}")
        if not target.exists():
            folder.rename(target)
            return target
        n += 1


@guarded
def demo(
    out: Annotated[Path, typer.Option("--out", help="folder for the demo's work and reports")] = Path(
        "demo_out"),
    subjects: Annotated[int, typer.Option(help="synthetic subjects")] = 16,
    recordings: Annotated[int, typer.Option(help="recordings per subject")] = 2,
    seconds: Annotated[float, typer.Option(help="seconds per recording")] = 8.0,
    seed: Annotated[int, typer.Option(help="seed of the synthetic cohort")] = 7,
    workers: Annotated[int, typer.Option(help="parallel processes")] = 2,
) -> None:
    """Run the main job on the built-in synthetic cohort and print where the reports are."""
    import pandas as pd

    from strokescreen.synth.cohort import GENERATOR_VERSION, generator_version

    for name, value, least in (("--subjects", subjects, 5), ("--recordings", recordings, 1),
                               ("--workers", workers, 1)):
        if value < least:  # 5 subjects: the evaluation's subject-grouped 5-fold split
            raise ConfigError(f"{name} {value}: the demo needs {least} or more")
    if seconds <= 0:
        raise ConfigError(f"--seconds {seconds}: give a positive length")
    # the demo's own folder (it holds cohort/) is reused; a folder of other files is not
    check_results_out(out, marker="cohort", overwrite=False,
                      advice="choose a new or empty --out for the demo")
    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    cohort, work = out / "cohort", out / "work"
    console.print(f"[bold]strokescreen demo[/] — {SYNTHETIC_NOTE}")
    if (cohort / "manifest.csv").is_file() and generator_version(cohort) != GENERATOR_VERSION:
        kept = _set_aside(cohort)
        console.print(f"the synthetic cohort in {cohort} was made by an older generator; "
                      f"kept it as {kept} and making a new one")
    if not (cohort / "manifest.csv").is_file():
        _step("1/6 synthesise the demo cohort", "synth", "--out", str(cohort), "--subjects",
              str(subjects), "--recordings-per-subject", str(recordings), "--seconds",
              str(seconds), "--seed", str(seed), "--workers", str(workers))
    else:
        console.print(f"reusing the synthetic cohort in {cohort}")
    manifest = cohort / "manifest.csv"
    _step("2/6 preprocess every recording", "preprocess-cohort", str(manifest), "--work",
          str(work), "--workers", str(workers))
    features = out / "features.parquet"
    _step("3/6 facial and speech features", "features", str(manifest), "--work", str(work),
          "--out", str(features), "--overwrite")
    evaluation = out / "evaluation"
    _step("4/6 evaluate logistic regression, subject-grouped 5-fold", "evaluate",
          "--features", str(features), "--model", "logreg", "--split", "group-kfold", "--folds",
          "5", "--seed", str(seed), "--out", str(evaluation))
    # hold out one subject (one with a stroke if there is one) for the case assessment
    table = pd.read_parquet(features)
    stroke_subjects = sorted(table.loc[table["label"] == 1, "subject_id"].unique())
    held = stroke_subjects[0] if stroke_subjects else sorted(table["subject_id"].unique())[0]
    train_table = out / "features_train.parquet"
    table[table["subject_id"] != held].to_parquet(train_table, index=False)
    model = out / "model"
    _step(f"5/6 train on every subject but {held}", "train", "--features",
          str(train_table), "--model", "logreg", "--seed", str(seed), "--out", str(model),
          "--overwrite")
    m = pd.read_csv(manifest)
    video = cohort / str(m.loc[m["subject_id"] == held, "video"].iloc[0])
    assessment = out / "assessment"
    _step(f"6/6 assess a recording of held-out subject {held}", "assess", str(video), "--model",
          str(model), "--out", str(assessment), "--overwrite", ok_codes=(0, 4))
    console.rule("[bold]reports")
    console.print(f"evaluation report (SYNTHETIC cohort): {evaluation / 'report.html'}")
    console.print(f"case report (SYNTHETIC recording):    {assessment / 'report.html'}")
    console.print(f"cohort card:                          {cohort / 'cohort_card.md'}")
    console.print(f"demo finished in {time.perf_counter() - started:.0f} s. {DISCLAIMER}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
