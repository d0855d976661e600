"""`strokescreen landmarks-eval` and `strokescreen landmarks-train`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from strokescreen.cli._common import console, guarded, progress_bar


@guarded
def landmarks_eval(
    folder: Annotated[Path, typer.Argument(help="images with iBUG-68 .pts files beside them")],
    out: Annotated[Path, typer.Option("--out", help="folder for points/, errors.csv, "
                                                    "summary.json, ced.png")],
    landmarker: Annotated[list[str], typer.Option(
        "--landmarker", help="68-point landmarker name or landmarks-train model folder; "
                             "repeat to compare")] = ["ibug68"],  # noqa: B006
) -> None:
    """Measure 68-point landmark error against manual annotations (300-W / Guarin style)."""
    from strokescreen.face.landmarks import check_landmarker
    from strokescreen.workflows.landmarks import evaluate_landmarkers, find_annotated

    for name in landmarker:
        check_landmarker(name)
    n = len(find_annotated(folder)) * len(landmarker)
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


def register(app: typer.Typer) -> None:
    app.command("landmarks-eval")(landmarks_eval)
