"""`strokescreen measure FILE [--json]`: facial and speech measures of a photo, video or audio file."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar
from strokescreen.errors import QualityError
from strokescreen.jsonable import json_safe


def _fmt(v: float | None, unit: str = "") -> str:
    if v is None:
        return "-"
    digits = 3 if unit in ("IPU", "") or abs(v) < 1 else 1 if abs(v) >= 100 else 2
    return f"{v:.{digits}f}"


def _range(e: dict[str, Any]) -> str:
    lo, hi = e["normal_low"], e["normal_high"]
    if lo is None and hi is None:
        return ""
    if lo is None:
        return f"< {_fmt(hi, e['unit'])}"
    if hi is None:
        return f"> {_fmt(lo, e['unit'])}"
    return f"{_fmt(lo, e['unit'])} .. {_fmt(hi, e['unit'])}"


def _shown(name: str, e: dict[str, Any]) -> bool:
    """The text table shows mm rather than IPU (the JSON has both) and skips empty values."""
    return not name.endswith("_ipu") and e["value"] is not None


def _synthetic_note(file: Path) -> str | None:
    """The synthetic-recording sentence when ``file`` is a video `strokescreen synth` made."""
    from strokescreen.io.video import is_synthetic_recording
    from strokescreen.report.texts import SYNTHETIC_RECORDING_TEXT

    if file.is_file() and is_synthetic_recording(file):
        return SYNTHETIC_RECORDING_TEXT
    return None


def _print_table(report: Any, synthetic: str | None = None) -> None:
    table = Table(title=f"{report.kind}: {report.file}", title_justify="left")
    for col, justify in (("measure", "left"), ("value", "right"), ("unit", "left"),
                         ("normal range", "right"), ("", "left")):
        table.add_column(col, justify=justify)  # type: ignore[arg-type]
    n_out = 0
    for name, e in report.measures.items():
        if not _shown(name, e):
            continue
        flag = "[bold red]OUT[/]" if e["out_of_range"] else ""
        n_out += bool(e["out_of_range"])
        table.add_row(name, _fmt(e["value"], e["unit"]), e["unit"], _range(e), flag)
    console.print(table)
    if report.kind == "audio":  # speech only: no face part
        console.print(f"{n_out} measure(s) outside the normal range")
        for note in report.notes:
            console.print(f"note: {note}")
        console.print(DISCLAIMER)
        return
    scores = ", ".join(f"{k.removesuffix('_score')} {_fmt(v)}"
                       for k, v in report.region_scores.items())
    console.print("region scores (equivalent |z| vs healthy faces; midline = head-turn hint, "
                  f"not in the index): {scores}")
    console.print(f"composite asymmetry index: [bold]{_fmt(report.composite_asymmetry)}[/] "
                  "(largest of mouth, eye, brow, corrected for three; 95 % of healthy faces "
                  "< 2.0; MEEI healthy faces at rest: 0.01-1.15)")
    scale = "iris diameter 11.7 mm" if report.scale_source == "iris" else "assumed 63 mm"
    console.print(f"{n_out} measure(s) outside the normal range; inter-pupil distance "
                  f"{_fmt(report.ipd_mm, 'mm')} mm ({scale})")
    for note in report.notes:
        console.print(f"note: {note}")
    if synthetic:
        console.print(f"[bold yellow]{synthetic}[/]", highlight=False, soft_wrap=True)
    console.print(DISCLAIMER)


@guarded
def measure(
    file: Annotated[Path, typer.Argument(
        help="photo (jpg, png), video (mp4, mov) or audio (wav, flac, ogg, mp3, m4a)")],
    as_json: Annotated[bool, typer.Option("--json", help="print one JSON object")] = False,
) -> None:
    """Measure facial asymmetry and speech against normal ranges (speech only for audio)."""
    from strokescreen.workflows.measure import measure_file

    try:
        with progress_bar("measure", None) as cb:
            report = measure_file(file, progress=cb)
    except QualityError as exc:
        if as_json:
            out = {"file": str(file), "face_found": False, "measures": {},
                   "composite_asymmetry": None, "error": str(exc),
                   "synthetic_recording": _synthetic_note(file) is not None,
                   "disclaimer": DISCLAIMER}
            typer.echo(json.dumps(out))
        raise
    synthetic = _synthetic_note(file)
    if as_json:
        doc = report.to_dict()
        doc["synthetic_recording"] = synthetic is not None
        if synthetic:
            doc["synthetic_recording_note"] = synthetic
        doc["disclaimer"] = DISCLAIMER
        typer.echo(json.dumps(json_safe(doc), allow_nan=False))
    else:
        _print_table(report, synthetic)


def register(app: typer.Typer) -> None:
    app.command("measure")(measure)

