"""`strokescreen landmarks-eval` and `strokescreen landmarks-train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import check_results_out, console, guarded, progress_bar


@guarded
def landmarks_eval(
    folder: Annotated[Path, typer.Argument(help="images with iBUG-68 .pts files beside them")],
    out: Annotated[Path, typer.Option("--out", help="folder for points/, errors.csv, "
                                                    "summary.json, ced.png")],
    landmarker: Annotated[list[str], typer.Option(
        "--landmarker", help="68-point landmarker name or landmarks-train model folder; "
                             "repeat to compare")] = ["ibug68"],  # noqa: B006
    overwrite: Annotated[bool, typer.Option(
        "--overwrite", help="write into an --out folder that holds other files")] = False,
) -> None:
    """Measure 68-point landmark error against manual annotations (300-W / Guarin style)."""
    from strokescreen.face.landmarks import check_landmarker
    from strokescreen.workflows.landmarks import evaluate_landmarkers, find_annotated

    for name in landmarker:
        check_landmarker(name)
    n = len(find_annotated(folder)) * len(landmarker)
    check_results_out(out, marker="summary.json", overwrite=overwrite)
    with progress_bar("landmarks-eval", n) as cb:
        result = evaluate_landmarkers(folder, landmarker, out, progress=cb)
    s = result.summary
    console.print(f"{s['n_images']} annotated faces; error = % of the outer-canthus distance, "
                  "51 inner points")
    for label, entry in s["landmarkers"].items():
        e = entry["nme_51"]

        def pct(v: float | None) -> str:
            return "–" if v is None else f"{100 * v:.2f}"

        console.print(f"  {label}: mean {pct(e['mean'])}  median {pct(e['median'])}  "
                      f"p90 {pct(e['p90'])}  max {pct(e['max'])}  missed {e['n_missed']}  "
                      f"failures@8% {100 * e['failure_rate_8pct']:.0f}%")
    console.print(f"written: {out}/errors.csv, summary.json, ced.png, points/")


@guarded
def landmarks_train(
    folder: Annotated[Path, typer.Argument(help="images with iBUG-68 .pts files beside them; "
                                                "subject = file name up to the first '_' "
                                                "or subjects.csv")],
    out: Annotated[Path, typer.Option("--out", help="model folder to write")],
    folds: Annotated[int, typer.Option(help="subject-grouped cross-validation folds")] = 5,
    cascade_depth: Annotated[int, typer.Option(help="ERT cascade levels")] = 10,
    trees: Annotated[int, typer.Option(help="trees per cascade level")] = 300,
    tree_depth: Annotated[int, typer.Option(help="depth of each tree")] = 4,
    oversampling: Annotated[int, typer.Option(help="random initial shapes per face")] = 20,
    seed: Annotated[int, typer.Option(help="training seed")] = 0,
    overwrite: Annotated[bool, typer.Option(help="replace an existing non-empty --out")] = False,
) -> None:
    """Adapt the 68-point regressor to your annotated frames; print CV error before/after."""
    from strokescreen.errors import ConfigError
    from strokescreen.face.ert_train import ERTOptions
    from strokescreen.workflows.landmarks_train import train_landmarker

    if not 2 <= folds <= 50:
        raise ConfigError(f"--folds {folds}; use 2..50")
    for name, value in (("--cascade-depth", cascade_depth), ("--trees", trees),
                        ("--tree-depth", tree_depth), ("--oversampling", oversampling)):
        if value < 1:
            raise ConfigError(f"{name} {value}; use 1 or more")
    opts = ERTOptions(cascade_depth=cascade_depth, trees_per_level=trees, tree_depth=tree_depth,
                      oversampling=oversampling, seed=seed).validate()
    with progress_bar("landmarks-train", None) as cb:
        r = train_landmarker(folder, out, folds=folds, options=opts, overwrite=overwrite,
                             progress=cb)

    def line(e: dict) -> str:
        mean = "–" if e["mean"] is None else f"{100 * e['mean']:.2f} %"
        med = "–" if e["median"] is None else f"{100 * e['median']:.2f} %"
        return f"mean {mean}, median {med}, missed {e['n_missed']} of {e['n']}"

    console.print(f"{r.n_faces} faces of {r.n_subjects} subjects, {r.n_folds} subject-grouped "
                  "folds; error over 51 inner points, % of the outer-canthus distance")
    console.print(f"  before (ibug68): {line(r.before)}")
    console.print(f"  after (trained): {line(r.after)}")
    console.print(f"model: {r.model_dir} (use it as --landmarker {r.model_dir})")


def register(app: typer.Typer) -> None:
    app.command("landmarks-eval")(landmarks_eval)
    app.command("landmarks-train")(landmarks_train)
