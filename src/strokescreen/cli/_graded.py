"""The part of `strokescreen evaluate` that runs a target with one feature set or compares
feature sets, writes the folders and prints a graded evaluation's figures."""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import TYPE_CHECKING, Any

from strokescreen.cli._common import DISCLAIMER, console, progress_bar
from strokescreen.errors import ConfigError

if TYPE_CHECKING:
    import pandas as pd

    from strokescreen.evaluation.config import EvaluationConfig
    from strokescreen.tasks import TaskRunner
    from strokescreen.workflows.feature_sets import Outcome


def check_feature_options(probe: Any, model: str, feature_set: str,
                          metadata: list[str] | None) -> bool:
    """Whether ``probe`` reads feature columns; ConfigError when a deep model (which reads
    case folders) is given --feature-set or --metadata."""
    uses = bool(getattr(probe, "uses_features", True))
    if not uses and (feature_set != "default" or metadata is not None):
        raise ConfigError(f"--feature-set/--metadata apply to models that read feature columns;"
                          f" '{model}' reads the case folders (deep models take metadata "
                          "with deepstroke-meta and --param metadata=age,sex)")
    return uses


def _f(x: Any) -> str:
    return "n/a" if x is None else f"{x:.3f}"


def print_graded(outcome: Outcome, *, model: str, cohort: str, synthetic: bool,
                 report: Path) -> None:
    m = outcome.result.metrics
    ci = m.get("spearman_ci") or [None, None]
    ba = m["bland_altman"]
    console.print(f"{model} predicting {m['target']['name']} ({m['target']['kind']}) on "
                  f"{cohort}: {m['n_cases']} cases, {m['n_subjects']} subjects; "
                  f"{m['split']['description']}; features: {m['feature_set']['name']}")
    console.print(f"MAE {_f(m['mae'])} (training mean: {_f(m['mae_of_training_mean'])}), "
                  f"RMSE {_f(m['rmse'])}, Spearman rho {_f(m['spearman'])} "
                  f"(95% CI {_f(ci[0])} to {_f(ci[1])})")
    if "kappa_quadratic" in m:
        a = m["agreement"]
        console.print(f"exact grade {100 * a['exact']:.1f}%, within one grade "
                      f"{100 * a['within_one']:.1f}%, quadratic-weighted kappa "
                      f"{_f(m['kappa_quadratic'])}")
    console.print(f"Bland-Altman bias {_f(ba['bias'])}, limits of agreement "
                  f"{_f(ba['loa_low'])} to {_f(ba['loa_high'])}")
    if synthetic:
        console.print("[bold yellow]results computed on SYNTHETIC data[/]")
    console.print(f"report: {report}")
    console.print(DISCLAIMER)


def print_comparison(table: pd.DataFrame) -> None:
    cols = [c for c in ("feature_set", "n_features", "auc", "mae", "spearman",
                        "kappa_quadratic") if c in table.columns]
    console.print("feature sets (same folds):")
    for rec in table.to_dict(orient="records"):
        if isinstance(rec.get("note"), str):
            console.print(f"  feature_set {rec['feature_set']}: {rec['note']}")
            continue
        console.print("  " + ", ".join(
            f"{k} {rec[k]:.3f}" if isinstance(rec[k], float) else f"{k} {rec[k]}"
            for k in cols))


def run_evaluate_outcomes(
    cases: pd.DataFrame, factory: Any, config: EvaluationConfig, out: Path, *, model: str,
    target: str, feature_set: str, metadata: list[str] | None, compare: bool,
    synthetic: bool, cohort: str, runner: TaskRunner | None,
) -> tuple[Outcome, dict[str, Path]]:
    """Evaluate (or compare feature sets), write the folder(s); print a graded summary."""
    from strokescreen.workflows.feature_sets import (
        compare_feature_sets,
        evaluate_outcome,
        write_outcome,
    )

    uses_features = check_feature_options(factory(), model, feature_set, metadata)
    kw: dict[str, Any] = dict(target=target, metadata_columns=metadata, model_name=model,
                              uses_features=uses_features, synthetic=synthetic,
                              cohort_name=cohort, runner=runner)
    comparison = None
    if compare:
        from strokescreen.features.metadata import COMPARED_SETS

        n = len(COMPARED_SETS)
        with progress_bar(f"{model}: {n} feature sets", total=n) as cb:
            step = [0]

            def progress_for(name: str) -> Any:
                k = step[0]
                step[0] += 1

                def update(done: float, total: float | None = None,
                           note: str | None = None) -> None:
                    frac = done / total if total else 0.0
                    cb(k + min(frac, 1.0), n, note=f"{name}: {note or ''}")

                return update

            outcomes, comparison = compare_feature_sets(cases, factory, config,
                                                        progress_for=progress_for, **kw)
        for name, o in outcomes.items():
            o.result.metrics["config"] = dataclasses.asdict(config)
            write_outcome(o, out / "by_feature_set" / name)
        outcome = outcomes.get("fused") or list(outcomes.values())[-1]
    else:
        with progress_bar(f"evaluating {model}", total=None) as cb:
            outcome = evaluate_outcome(cases, factory, config, feature_set=feature_set,
                                       progress=cb, **kw)
    outcome.result.metrics["config"] = dataclasses.asdict(config)
    paths = write_outcome(outcome, out, comparison=comparison)
    if comparison is not None:
        print_comparison(comparison)
        console.print(f"each feature set's files: {out / 'by_feature_set'}")
    if outcome.graded:
        print_graded(outcome, model=model, cohort=cohort, synthetic=synthetic,
                     report=paths["report"])
    return outcome, paths
