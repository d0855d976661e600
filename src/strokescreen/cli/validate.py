"""`strokescreen validate`: a trained model, unchanged, on a new cohort."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar
from strokescreen.cli.modelling import FeaturesOpt, ManifestArg, RefSpecOpt, SeedOpt, load_cases
from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import ConfigError, InputError


def _f(x: float | None) -> str:
    return "n/a" if x is None else f"{x:.3f}"


@guarded
def validate(
    model: Annotated[Path, typer.Argument(help="model folder written by `strokescreen train`")],
    manifest: ManifestArg = None,
    out: Annotated[Path | None, typer.Option("--out", help="output folder (created)")] = None,
    work: Annotated[Path | None, typer.Option("--work", help="the new cohort's work folder")] = None,
    features: FeaturesOpt = None,
    update: Annotated[str, typer.Option(
        "--update", help="re-estimate on the new cohort: none, intercept or slope")] = "slope",
    folds: Annotated[int, typer.Option("--folds", help="subject folds for the update")] = 5,
    reference_spec: RefSpecOpt = TRIAGE_SPECIFICITY,
    seed: SeedOpt = 0,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="bootstrap resamples")] = 1000,
) -> None:
    """External validation: discrimination, calibration before and after an update, and
    the decision curve of a trained model on a new cohort (another site or period)."""
    from strokescreen.evaluation.validation import UPDATES
    from strokescreen.workflows.validate import validate_model

    if out is None:
        raise ConfigError("--out DIR is needed: the folder to write the validation into")
    if update not in UPDATES:
        raise ConfigError(f"--update {update!r} is unknown; use one of {', '.join(UPDATES)}")
    if folds < 2:
        raise ConfigError(f"--folds {folds}; use 2 or more")
    if not model.is_dir():
        raise InputError(f"model folder {model} not found; give a folder written by "
                         "`strokescreen train`")
    if out.exists() and any(out.iterdir()):
        raise InputError(f"{out} already exists and is not empty; choose a new --out")
    cases, cohort, synthetic = load_cases(manifest, work, features)
    with progress_bar("validating", total=3) as cb:
        v = validate_model(model, cases, out, cohort_name=cohort, synthetic=synthetic,
                           update=update, folds=folds, seed=seed, n_bootstrap=bootstrap,
                           reference_specificity=reference_spec, progress=cb)
    m = v.summary["metrics"]
    ci = m.get("auc_ci") or [None, None]
    cb_, ca = m["calibration_before"], m.get("calibration_after")
    console.print(f"{v.summary['model']['name']} on {cohort}: {m['n_cases']} cases, "
                  f"{m['n_subjects']} subjects (model unchanged)")
    console.print(f"AUC {_f(m['auc'])} (95% CI {_f(ci[0])}-{_f(ci[1])})")
    console.print(f"calibration as trained: Brier {_f(cb_['brier'])}, slope {_f(cb_['slope'])}, "
                  f"intercept {_f(cb_['intercept'])}")
    if ca:
        console.print(f"after the {update} update (cross-fitted): Brier {_f(ca['brier'])}, "
                      f"slope {_f(ca['slope'])}, intercept {_f(ca['intercept'])}")
    console.print(m["decision_curve"]["helps_text"])
    if v.summary["synthetic"]:
        console.print("[bold yellow]results computed on SYNTHETIC data[/]")
    console.print(f"report: {v.paths['report']}")
    console.print(DISCLAIMER)


def register(app: typer.Typer) -> None:
    """Add `validate` to ``app``."""
    app.command("validate")(validate)
