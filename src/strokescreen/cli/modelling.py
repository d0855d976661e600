"""`strokescreen train`, `strokescreen evaluate` and `strokescreen models`.

Input is either a manifest with a work folder (the feature table is built, reusing cached
preprocessing) or a precomputed feature table (``--features FILE.parquet|.csv`` from
`strokescreen features`); :mod:`strokescreen.workflows.cases` reads either.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from strokescreen.cli._common import (
    DISCLAIMER,
    check_results_out,
    console,
    guarded,
    progress_bar,
)
from strokescreen.cli._engine import EngineOpt, SchedulerOpt, engine_runner
from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import ConfigError, InputError

if TYPE_CHECKING:  # pandas loads lazily: it is slow to import
    import pandas as pd

    from strokescreen.tasks import TaskRunner

def load_cases(
    manifest: Path | None, work: Path | None, features: Path | None, *,
    runner: TaskRunner | None = None, target: str = "label",
) -> tuple[pd.DataFrame, str, bool]:
    """The command's cases (see :func:`strokescreen.workflows.cases.load_cases`), with a bar."""
    from strokescreen.workflows import cases

    with progress_bar("features", total=None) as cb:
        return cases.load_cases(manifest, work, features, progress=cb, runner=runner,
                                require_two_classes=target == "label")


def parse_params(items: list[str] | None) -> dict[str, Any]:
    """``["C=0.5", "class_weight=balanced"]`` -> {"C": 0.5, "class_weight": "balanced"}."""
    out: dict[str, Any] = {}
    for item in items or []:
        key, sep, raw = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError(f"--param '{item}' must look like NAME=VALUE")
        try:
            value = json.loads(raw)
        except json.JSONDecodeError:
            value = {"none": None, "true": True, "false": False}.get(raw.lower(), raw)
        out[key.strip()] = value
    return out


ManifestArg = Annotated[
    Path | None, typer.Argument(help="cohort manifest CSV (case_id, subject_id, video, label, ...)")
]
WorkOpt = Annotated[
    Path | None, typer.Option("--work", help="cohort work folder (cached artifacts)")
]
FeaturesOpt = Annotated[
    Path | None, typer.Option("--features", help="precomputed feature table (.parquet or .csv)")
]
ModelOpt = Annotated[str, typer.Option("--model", help="model name (see `strokescreen models`)")]
ParamOpt = Annotated[
    list[str] | None, typer.Option("--param", help="model parameter NAME=VALUE (repeatable)")
]
PresetOpt = Annotated[
    str | None,
    typer.Option("--preset", help="deep models only: input sizes and training settings "
                 "(tiny, paper; as `ablate --preset`)"),
]
SeedOpt = Annotated[int, typer.Option("--seed", help="seed for splits, bootstrap and models")]
CalibrationOpt = Annotated[
    str, typer.Option("--calibration", help="recalibrate on held-out training subjects: "
                      "none, sigmoid or isotonic")
]
RefSpecOpt = Annotated[
    float, typer.Option("--reference-spec",
                        help=f"specificity to match (triage team: {TRIAGE_SPECIFICITY})")
]


TargetOpt = Annotated[
    str, typer.Option("--target", help="label (stroke 0/1, default) or a graded column: "
                      "severity (none/subtle/mild/moderate -> 0..3) or any numeric column")
]
FeatureSetOpt = Annotated[
    str, typer.Option("--feature-set", help="default (face + speech), face, speech, "
                      "metadata or fused (face + speech + clinical metadata)")
]
MetadataOpt = Annotated[
    str | None, typer.Option("--metadata", help="comma-separated clinical metadata columns "
                             "(default: those present of age, sex, days_since_onset, "
                             "hypertension, diabetes, atrial_fibrillation, smoking, "
                             "hyperlipidaemia); never label/severity/side/condition")
]


def split_names(text: str | None) -> list[str] | None:
    """"age, sex" -> ["age", "sex"]; None stays None."""
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def with_preset(model: str, params: dict[str, Any], preset: str | None) -> dict[str, Any]:
    """``params`` plus ``preset`` for a deep model; ConfigError (exit 2) otherwise.

    The valid names are those of :data:`strokescreen.models.deep_data.PRESETS`.
    """
    if preset is None:
        return params
    from strokescreen.models.registry import model_spec

    kind = model_spec(model).kind
    if kind != "deep":
        raise ConfigError(f"--preset {preset}: '{model}' is a {kind} model and has no presets; "
                          "--preset applies to deep models (see `strokescreen models`)")
    from strokescreen.models.deep_data import PRESETS

    if preset not in PRESETS:
        raise ConfigError(f"--preset {preset!r} is unknown; valid presets: "
                          f"{', '.join(sorted(PRESETS))}")
    if params.get("preset", preset) != preset:
        raise ConfigError(f"--preset {preset} and --param preset={params['preset']} disagree; "
                          "give one of them")
    return {**params, "preset": preset}


def _fmt(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def _pct(x: Any) -> str:
    return "n/a" if x is None else f"{100 * x:.1f}%"


@guarded
def evaluate(
    out: Annotated[Path, typer.Option("--out", help="output folder (created)")],
    manifest: ManifestArg = None,
    work: WorkOpt = None,
    features: FeaturesOpt = None,
    model: ModelOpt = "logreg",
    split: Annotated[
        str, typer.Option("--split", help="group-kfold, loso or holdout")
    ] = "group-kfold",
    folds: Annotated[int, typer.Option("--folds", help="k of the (inner) group k-fold")] = 5,
    holdout_first: Annotated[
        int | None, typer.Option("--holdout-first", help="hold-out: first N recorded cases train")
    ] = None,
    holdout_after: Annotated[
        str | None, typer.Option("--holdout-after", help="hold-out: cases after DATE are tested")
    ] = None,
    reference_spec: RefSpecOpt = TRIAGE_SPECIFICITY,
    reference_sens: Annotated[
        float | None, typer.Option("--reference-sens", help="also report this sensitivity's point")
    ] = None,
    seed: SeedOpt = 0,
    bootstrap: Annotated[
        int, typer.Option("--bootstrap", help="bootstrap resamples for the CI")
    ] = 1000,
    importance: Annotated[
        str, typer.Option("--importance", help="permutation, native or none")
    ] = "permutation",
    param: ParamOpt = None,
    preset: PresetOpt = None,
    calibration: CalibrationOpt = "sigmoid",
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="with --engine dask and no --scheduler: LocalCluster workers")] = 2,
    target: TargetOpt = "label",
    feature_set: FeatureSetOpt = "default",
    metadata: MetadataOpt = None,
    compare_feature_sets: Annotated[bool, typer.Option(
        "--compare-feature-sets", help="evaluate face only, speech only, metadata only and "
        "fused on the same folds; the report shows them side by side")] = False,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
) -> None:
    """Subject-grouped evaluation: predictions, metrics, ROC, fairness and an HTML report.

    With --target COLUMN (e.g. severity) a graded model (ridge, rf-regressor,
    ordinal-logit) is scored with MAE, RMSE, Spearman, kappa and Bland-Altman instead."""
    from strokescreen.cli._graded import check_feature_options, run_evaluate_outcomes
    from strokescreen.evaluation.config import EvaluationConfig
    from strokescreen.features.metadata import check_feature_set
    from strokescreen.workflows.engine import check_engine
    from strokescreen.workflows.feature_sets import build_factory

    check_engine(engine)
    if workers < 1:
        raise ConfigError(f"--workers {workers}; use 1 or more")

    config = EvaluationConfig(
        split=split,
        folds=folds,
        holdout_first=holdout_first,
        holdout_after=holdout_after,
        seed=seed,
        reference_specificity=reference_spec,
        reference_sensitivity=reference_sens,
        n_bootstrap=bootstrap,
        importance=importance,
    )
    config.validate()
    check_feature_set(feature_set)
    if target != "label" and split == "holdout":
        raise ConfigError("--split holdout is not offered for a graded target; use "
                          "--split group-kfold or --split loso")
    params = with_preset(model, parse_params(param), preset)
    factory = build_factory(model, params, seed=seed, target=target, calibration=calibration)
    check_feature_options(factory(), model, feature_set, split_names(metadata))
    check_results_out(out, marker="metrics.json", overwrite=overwrite)
    # the local engine fits the folds one after the other here, as before; dask: one task
    # per fold (and per case while the feature table is built)
    with engine_runner(engine, scheduler, workers=1 if engine == "local" else workers,
                       folders=[work] if work is not None else []) as runner:
        cases, cohort, synthetic = load_cases(manifest, work, features, runner=runner,
                                              target=target)
        outcome, paths = run_evaluate_outcomes(
            cases, factory, config, out, model=model, target=target, feature_set=feature_set,
            metadata=split_names(metadata), compare=compare_feature_sets, synthetic=synthetic,
            cohort=cohort, runner=runner)
    if outcome.graded:
        return
    m = outcome.result.metrics
    spec = config.split_spec()
    ci = m.get("auc_ci") or [None, None]
    console.print(
        f"{model} on {cohort}: {m['n_cases']} cases, {m['n_subjects']} subjects; {spec.describe()}"
    )
    console.print(f"AUC {_fmt(m['auc'])} (95% CI {_fmt(ci[0])}-{_fmt(ci[1])})")
    cal = m.get("calibration") or {}
    console.print(f"calibration ({calibration}): Brier {_fmt(cal.get('brier'))}, slope "
                  f"{_fmt(cal.get('slope'))}, intercept {_fmt(cal.get('intercept'))}")
    console.print((m.get("decision_curve") or {}).get("helps_text", ""))
    op = m.get("at_reference_specificity")
    if op:
        console.print(
            f"at specificity >= {reference_spec:.2%}: sensitivity {_pct(op['sensitivity'])}, "
            f"specificity {_pct(op['specificity'])}, threshold {op['threshold']:.3f}"
        )
    if synthetic:
        console.print("[bold yellow]results computed on SYNTHETIC data[/]")
    console.print(f"report: {paths['report']}")
    console.print(DISCLAIMER)


@guarded
def train(
    out: Annotated[Path, typer.Option("--out", help="model folder to write")],
    manifest: ManifestArg = None,
    work: WorkOpt = None,
    features: FeaturesOpt = None,
    model: ModelOpt = "logreg",
    folds: Annotated[
        int, typer.Option("--folds", help="k of the group k-fold for the threshold")
    ] = 5,
    reference_spec: RefSpecOpt = TRIAGE_SPECIFICITY,
    seed: SeedOpt = 0,
    param: ParamOpt = None,
    preset: PresetOpt = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="replace an existing model folder")
    ] = False,
    calibration: CalibrationOpt = "sigmoid",
    target: TargetOpt = "label",
    feature_set: FeatureSetOpt = "default",
    metadata: MetadataOpt = None,
) -> None:
    """Fit a model on a cohort and save it with a threshold chosen out of fold.

    With --target COLUMN a graded model is saved with its out-of-fold MAE, Spearman and
    kappa instead of a threshold."""
    from strokescreen.cli._graded import check_feature_options
    from strokescreen.evaluation.training import save_trained, train_model
    from strokescreen.features.metadata import apply_feature_set, check_feature_set
    from strokescreen.workflows.feature_sets import build_factory

    if not 0.0 <= reference_spec <= 1.0:
        raise ConfigError(f"--reference-spec {reference_spec} is not a fraction in [0, 1]")
    if folds < 2:
        raise ConfigError(f"--folds {folds}; use 2 or more")
    from strokescreen.models.calibration import check_method

    check_method(calibration)
    check_feature_set(feature_set)
    params = with_preset(model, parse_params(param), preset)
    # unknown names/params, and a model that cannot predict the target, fail before work
    probe = build_factory(model, params, seed=seed, target=target)()
    uses_features = check_feature_options(probe, model, feature_set, split_names(metadata))
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise InputError(
            f"{out} already exists and is not empty; choose a new --out or pass --overwrite"
        )
    cases, cohort, synthetic = load_cases(manifest, work, features, target=target)
    fs_info: dict[str, Any] = {"name": "case folders (deep model)"}
    if uses_features:
        cases, info = apply_feature_set(cases, feature_set, metadata_columns=split_names(metadata),
                                        target=target)
        fs_info = info.to_dict()
    if target != "label":
        _train_graded(cases, out, model=model, params=params, target=target, folds=folds,
                      seed=seed, cohort=cohort, synthetic=synthetic, overwrite=overwrite,
                      feature_set=fs_info)
        return
    with progress_bar(f"training {model}", total=folds + 1) as cb:
        trained = train_model(
            cases,
            model,
            params=params,
            folds=folds,
            reference_specificity=reference_spec,
            seed=seed,
            cohort_name=cohort,
            synthetic=synthetic,
            calibration=calibration,
            progress=cb,
        )
    trained.extra = {"target": {"name": "label", "kind": "label"}, "feature_set": fs_info}
    save_trained(trained, out, overwrite=overwrite)
    op = trained.operating_point
    console.print(
        f"trained {model} on {cohort}: {op['n_cases']} cases, {op['n_subjects']} subjects"
    )
    console.print(
        f"threshold {trained.threshold:.3f} (out of fold: sensitivity {_pct(op['sensitivity'])}, "
        f"specificity {_pct(op['specificity'])}, AUC {_fmt(op['oof_auc'])})"
    )
    cal = op.get("calibration") or {}
    console.print(f"probabilities: calibration {calibration}; out of fold Brier "
                  f"{_fmt(cal.get('brier'))}, slope {_fmt(cal.get('slope'))}, intercept "
                  f"{_fmt(cal.get('intercept'))}")
    if synthetic:
        console.print("[bold yellow]trained on SYNTHETIC data[/]")
    console.print(f"model folder: {out}")
    console.print(DISCLAIMER)


def _train_graded(cases: pd.DataFrame, out: Path, *, model: str, params: dict[str, Any],
                  target: str, folds: int, seed: int, cohort: str, synthetic: bool,
                  overwrite: bool, feature_set: dict[str, Any]) -> None:
    from strokescreen.evaluation.graded_training import train_graded_model
    from strokescreen.evaluation.training import save_trained

    with progress_bar(f"training {model} on {target}", total=folds + 1) as cb:
        trained = train_graded_model(cases, model, target, params=params, folds=folds,
                                     seed=seed, cohort_name=cohort, synthetic=synthetic,
                                     progress=cb)
    trained.extra["feature_set"] = feature_set
    save_trained(trained, out, overwrite=overwrite)
    op = trained.operating_point
    console.print(f"trained {model} on {target} ({op['target']['kind']}) of {cohort}: "
                  f"{op['n_cases']} cases, {op['n_subjects']} subjects")
    kappa = f", kappa {_fmt(op.get('kappa_quadratic'))}" if "kappa_quadratic" in op else ""
    console.print(f"out of fold: MAE {_fmt(op['mae'])}, Spearman rho {_fmt(op['spearman'])}"
                  f"{kappa}")
    if synthetic:
        console.print("[bold yellow]trained on SYNTHETIC data[/]")
    console.print(f"model folder: {out}")
    console.print(DISCLAIMER)


def models() -> None:
    """List the models available by name."""
    from strokescreen.models.registry import describe_models

    for d in describe_models():
        console.print(f"{d['name']:<16} {d['kind']:<10} {d['description']}")


def register(app: typer.Typer) -> None:
    """Add the modelling commands to ``app``."""
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    app.command("models")(models)
