"""`strokescreen parsing-train`, `parse`, `parsing-eval` and `parsing-calibrate`: the
face-parsing network."""

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

ABLATION_HELP = "full | no-attention | no-boundary | no-depth | no-disease"


@guarded
def parsing_train(
    source: Annotated[Path, typer.Argument(help="synthetic cohort folder or manifest CSV")],
    out: Annotated[Path, typer.Option("--out", help="model folder to write (re-run to resume)")],
    preset: Annotated[str, typer.Option(help="tiny (CPU) | paper (GPU)")] = "tiny",
    ablation: Annotated[str, typer.Option(help=ABLATION_HELP)] = "full",
    hair: Annotated[bool, typer.Option(help="hair class from the person-segmentation "
                                            "proxy")] = True,
    epochs: Annotated[int | None, typer.Option(help="epochs (default: the preset's)")] = None,
    frames_per_case: Annotated[int | None, typer.Option(
        help="frames per recording (default: the preset's)")] = None,
    seed: Annotated[int, typer.Option(help="split and training seed")] = 0,
    crop: Annotated[str | None, typer.Option(
        help="crop geometry: box | midline (default: the model's)")] = None,
    balance: Annotated[bool, typer.Option(
        help="median-frequency class weights in the cross-entropy")] = False,
    mirror: Annotated[bool, typer.Option(
        help="give the network the mirrored image as extra channels")] = False,
    fpp_balance: Annotated[bool, typer.Option(
        help="weight FPP pixels by the training crops without FPP over those with it")] = False,
    symmetry: Annotated[bool, typer.Option(
        help="decide the FPP by comparing the two halves of the face (needs --crop "
             "midline)")] = False,
    size: Annotated[int | None, typer.Option(
        help="crop side in pixels, a multiple of 16 (default: the preset's; more pixels "
             "per millimetre for small asymmetries, slower)")] = None,
    threads: Annotated[int, typer.Option(help="torch CPU threads")] = 1,
    device: Annotated[str, typer.Option(
        help="where the network trains: cpu, cuda (cuda:N) or auto (cuda when torch sees "
             "a GPU); the model loads on the CPU wherever it was trained")] = "cpu",
    labels: Annotated[int, typer.Option(
        help="FPP label rule: 3 = corner heights on the 2-D mesh (default), 4 = without the "
             "head's pose (docs/face_parsing.md: models trained on 4 did not learn the FPP)")
    ] = 3,
    overwrite: Annotated[bool, typer.Option(help="replace a model already in --out")] = False,
    extra: Annotated[list[Path] | None, typer.Option(
        "--extra", help="another cohort folder or manifest used for training only (e.g. "
                        "real healthy faces); repeatable")] = None,
) -> None:
    """Train the face-parsing network (skin, hair, brows, eyes, mouth, FPP) on a cohort."""
    from strokescreen.devices import check_device
    from strokescreen.errors import InputError
    from strokescreen.parsing.data import CROP_ALIGNS
    from strokescreen.parsing.model import ABLATIONS, ParsingModel
    from strokescreen.parsing.model import preset as get_preset
    from strokescreen.workflows.parsing import train_parsing

    get_preset(preset)
    if ablation not in ABLATIONS:
        raise InputError(f"unknown --ablation {ablation!r}; one of {', '.join(ABLATIONS)}")
    if crop is not None and crop not in CROP_ALIGNS:
        raise InputError(f"unknown --crop {crop!r}; one of {', '.join(CROP_ALIGNS)}")
    if size is not None:
        ParsingModel(preset=preset, size=size).net_config()  # a usable --size, before any work
    for name, value in (("--epochs", epochs), ("--frames-per-case", frames_per_case),
                        ("--threads", threads)):
        if value is not None and value < 1:
            raise InputError(f"{name} {value}: use 1 or more")
    check_device(device, option="--device")
    if labels not in (3, 4):
        raise InputError(f"unknown --labels {labels}; use 3 or 4")
    # a model folder, or an interrupted training (checkpoint, cached crops), resumes there
    check_results_out(out, marker=("model.json", "checkpoint.pt", "_data"),
                      overwrite=overwrite)
    with progress_bar("parsing-train", None) as cb:
        t = train_parsing(source, out, preset_name=preset, ablation=ablation, hair=hair,
                          epochs=epochs, frames_per_case=frames_per_case, seed=seed,
                          threads=threads, overwrite=overwrite, extra=list(extra or []),
                          crop=crop, balance=balance, mirror=mirror,
                          fpp_balance=fpp_balance, symmetry=symmetry, size=size,
                          device=device, labels=labels, progress=cb)
    s = t["subjects"]
    console.print(f"{t['n_crops']} crops of {t['n_cases']} recordings; subjects train "
                  f"{len(s['train'])} / validation {len(s['val'])} / held out {len(s['test'])}")
    for e in t["extra_training_sources"]:
        console.print(f"training only: {e['n_crops']} crops from {e['source']}")
    gpu = f" ({t['gpu']})" if t.get("gpu") else ""
    console.print(f"crops {t['data_seconds']} s, training {t['train_seconds']} s on "
                  f"{t['device']}{gpu}")
    if t.get("fpp_threshold"):
        th = t["fpp_threshold"]
        console.print(f"FPP threshold chosen on the validation subjects: offset "
                      f"{th['offset']:+.3f} (validation FPP F1 {th['val_fpp_f1']:.3f}); "
                      "applied with --fpp-threshold")
    if t["synthetic"]:
        console.print("trained on SYNTHETIC data")
    console.print(f"written: {out}/model.json, weights.pt. {DISCLAIMER}")


@guarded
def parse(
    source: Annotated[Path, typer.Argument(help="photo or video of a face")],
    model: Annotated[Path, typer.Option("--model", help="parsing-train model folder")],
    out: Annotated[Path, typer.Option("--out", help="folder for masks/, overlay.png, "
                                                    "parsing.json")],
    max_frames: Annotated[int, typer.Option(help="video frames parsed, spread over the "
                                                 "clip")] = 16,
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
    fpp_threshold: Annotated[bool, typer.Option(
        help="decide the FPP with the model's validation-chosen threshold (parsing-train / "
             "parsing-calibrate; a model without one uses the plain arg-max); "
             "--no-fpp-threshold: the plain arg-max")] = True,
    person_gate: Annotated[bool, typer.Option(
        help="turn predicted hair outside the person segmentation of the crop into "
             "background (the hair label lies inside the person); --no-person-gate: "
             "keep it")] = True,
) -> None:
    """Segment skin, hair, brows, eyes, mouth and the paralysed part (FPP)."""
    from strokescreen.errors import InputError
    from strokescreen.workflows.parse import parse_file

    if max_frames < 1:
        raise InputError(f"--max-frames must be 1 or more, got {max_frames}")
    check_results_out(out, marker="parsing.json", overwrite=overwrite)
    with progress_bar("parse", None) as cb:
        r = parse_file(source, model, out, max_frames=max_frames, progress=cb,
                       fpp_threshold=fpp_threshold, person_gate=person_gate)
    console.print(f"{len(r['frames'])} frame(s) parsed; FPP share of the face left "
                  f"{r['fpp_share_left']:.1%}, right {r['fpp_share_right']:.1%}; "
                  f"weak side by FPP: {r['fpp_side']}")
    g = r["person_gate"]
    if g["hair_pixels_removed"]:
        console.print(f"hair outside the person segmentation removed: "
                      f"{g['hair_pixels_removed']} px over {g['frames_applied']} frame(s)")
    if r.get("trained_on_synthetic"):
        console.print("the model was trained on SYNTHETIC data")
    console.print(f"written: {out}/parsing.json, overlay.png, masks/. {DISCLAIMER}")


@guarded
def parsing_eval(
    source: Annotated[Path, typer.Argument(help="the cohort folder or manifest trained on "
                                                "(or, with --subjects all, an independent "
                                                "one)")],
    model: Annotated[list[Path], typer.Option("--model", help="parsing-train model folder; "
                                                              "repeat for the ablations")],
    out: Annotated[Path, typer.Option("--out", help="folder for per_class.csv, "
                                                    "ablation.csv, summary.json")],
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
    fpp_threshold: Annotated[bool, typer.Option(
        help="decide the FPP with each model's validation-chosen threshold (the default); "
             "--no-fpp-threshold: the plain arg-max")] = True,
    subjects: Annotated[str, typer.Option(
        help="held-out: the subjects the model held out of its training cohort; all: every "
             "subject of an independent cohort (refused on a cohort the model was trained "
             "on)")] = "held-out",
) -> None:
    """Per-class F1 / IoU / pixel accuracy and FPP side agreement on held-out subjects
    (or on every subject of an independent cohort)."""
    from strokescreen.errors import InputError
    from strokescreen.workflows.parsing import evaluate_parsing
    from strokescreen.workflows.parsing_cohorts import SUBJECT_MODES

    if subjects not in SUBJECT_MODES:
        raise InputError(f"unknown --subjects {subjects!r}; one of {', '.join(SUBJECT_MODES)}")
    check_results_out(out, marker="summary.json", overwrite=overwrite)
    with progress_bar("parsing-eval", len(model)) as cb:
        r = evaluate_parsing(source, list(model), out, progress=cb,
                             fpp_threshold=fpp_threshold, subjects=subjects)
    what = ("held-out subjects" if r["subjects_mode"] == "held-out"
            else "subjects (all, independent cohort)")
    console.print(f"{what}: {len(r['evaluated_subjects'])}, crops: {r['n_crops']}")
    for row in r["models"]:
        console.print(f"  {row['ablation']:<13} mean F1 {row['mean_f1']:.3f}  mean IoU "
                      f"{row['mean_iou']:.3f}  pixel acc {row['pixel_accuracy']:.3f}  "
                      f"FPP side agreement {row['fpp_side_agreement']:.2f}")
    if r.get("synthetic"):
        console.print("the cohort is SYNTHETIC: the figures describe the generator, not people")
    console.print(f"written: {out}/per_class.csv, ablation.csv, summary.json. {DISCLAIMER}")


@guarded
def parsing_calibrate(
    model: Annotated[Path, typer.Argument(help="parsing-train model folder")],
    source: Annotated[Path, typer.Argument(help="the cohort folder or manifest it was "
                                                "trained on (its validation subjects)")],
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="replace an FPP threshold already in the model")] = False,
) -> None:
    """Choose the FPP decision threshold on the model's validation subjects."""
    from strokescreen.workflows.parsing import calibrate_parsing

    with progress_bar("parsing-calibrate", 1) as cb:
        r = calibrate_parsing(model, source, overwrite=overwrite, progress=cb)
    v0, v1 = r["val_sides_at_0"], r["val_sides_chosen"]
    console.print(f"FPP offset {r['offset']:+.3f} ({r['rule']}); validation FPP F1 "
                  f"{r['val_fpp_f1_at_0']:.3f} -> {r['val_fpp_f1']:.3f} on {r['val_crops']} "
                  f"crops of {len(r['val_subjects'])} subjects")
    console.print(f"validation weak recordings named right {v0['palsy_right_side']} -> "
                  f"{v1['palsy_right_side']} of {v1['palsy']}; recordings without weakness "
                  f"given a side {v0['no_weakness_with_a_side']} -> "
                  f"{v1['no_weakness_with_a_side']} of {v1['no_weakness']}")
    if r.get("synthetic"):
        console.print("validation subjects are SYNTHETIC: the figures describe the generator")
    console.print(f"written: {model}/model.json (fpp_threshold; applied by parse / "
                  f"parsing-eval --fpp-threshold). {DISCLAIMER}")


def register(app: typer.Typer) -> None:
    app.command("parsing-train")(parsing_train)
    app.command("parse")(parse)
    app.command("parsing-eval")(parsing_eval)
    app.command("parsing-calibrate")(parsing_calibrate)
