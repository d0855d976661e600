"""`strokescreen shortcut-check`: has the model learned stroke signs or a shortcut?"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import (
    DISCLAIMER,
    check_results_out,
    console,
    guarded,
    progress_bar,
)
from strokescreen.cli.modelling import (
    CalibrationOpt,
    FeaturesOpt,
    ModelOpt,
    ParamOpt,
    PresetOpt,
    SeedOpt,
    parse_params,
    with_preset,
)
from strokescreen.errors import ConfigError


def _f(x: object) -> str:
    return "n/a" if not isinstance(x, float) or x != x else f"{x:.3f}"


@guarded
def shortcut_check(
    manifest: Annotated[Path, typer.Argument(help="cohort manifest CSV")],
    work: Annotated[Path, typer.Option("--work", help="cohort work folder (preprocessed)")],
    model: ModelOpt = "logreg",
    out: Annotated[Path | None, typer.Option(
        "--out", help="folder for shortcut_check.json and shortcut_predictions.csv")] = None,
    features: FeaturesOpt = None,
    folds: Annotated[int, typer.Option("--folds", help="subject-grouped folds")] = 5,
    seed: SeedOpt = 0,
    param: ParamOpt = None,
    preset: PresetOpt = None,
    calibration: CalibrationOpt = "sigmoid",
    threshold: Annotated[float, typer.Option(
        "--threshold", help="probability at which a case is called positive")] = 0.5,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
) -> None:
    """Train MODEL (subject-grouped CV) and report how its AUC moves when the facial regions
    are masked, only the background is kept, the background is masked, or left and right
    are swapped. A stroke model reads the face; a shortcut model reads the scene."""
    from strokescreen.evaluation.splits import SplitSpec
    from strokescreen.models.calibration import calibrated_factory, check_method
    from strokescreen.models.registry import model_factory
    from strokescreen.workflows.cases import ablation_cases
    from strokescreen.workflows.shortcut import shortcut_check as run_check
    from strokescreen.workflows.shortcut import write_shortcut_check

    if folds < 2:
        raise ConfigError(f"--folds {folds}: use 2 or more")
    if not 0.0 < threshold < 1.0:
        raise ConfigError(f"--threshold {threshold}: use a probability between 0 and 1")
    if out is not None and out.exists() and not out.is_dir():
        raise ConfigError(f"--out {out}: is a file; give a folder (it is created if missing)")
    if out is not None:
        check_results_out(out, marker="shortcut_check.json", overwrite=overwrite)
    params = with_preset(model, parse_params(param), preset)
    factory = calibrated_factory(model_factory(model, random_state=seed, **params),
                                 check_method(calibration), seed=seed)
    cases, cohort, synthetic = ablation_cases(manifest, work, features)
    with progress_bar(f"shortcut check of {model}", total=None) as cb:
        result = run_check(cases, factory, split=SplitSpec("group-kfold", folds=folds, seed=seed),
                           threshold=threshold, model_name=model, cohort_name=cohort,
                           synthetic=synthetic, progress=cb)
    clean = result.rows[0]["auc_clean"] if result.rows else float("nan")
    console.print(f"{model} on {cohort}: {len(result.predictions)} cases; {result.split}; "
                  f"AUC {_f(clean)} unperturbed")
    for r in result.rows:
        console.print(f"  {r['description']}: AUC {_f(r['auc'])} (falls {_f(r['auc_drop'])}; "
                      f"mean over folds {_f(r.get('fold_auc'))}); "
                      f"calls kept {_f(r['calls_kept'])}"
                      + (f", flagged still flagged {_f(r['flagged_kept'])}"
                         if r["perturbation"] == "mirrored" else "")
                      + "; a stroke model: "
                      f"{r['stroke_model_expected']}", highlight=False)
    for note in result.notes:
        console.print(f"note: {note}")
    if out is not None:
        paths = write_shortcut_check(result, out)
        console.print(f"written: {paths['summary']}")
    if synthetic:
        console.print("[bold yellow]results computed on SYNTHETIC data[/]")
    console.print(DISCLAIMER)


def register(app: typer.Typer) -> None:
    app.command("shortcut-check")(shortcut_check)
