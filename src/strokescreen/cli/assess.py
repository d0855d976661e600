"""`strokescreen assess VIDEO [--model MODEL_DIR] --out DIR`: one recording to a report."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated, Any

import typer

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar
from strokescreen.errors import ConfigError, QualityError


def _print_summary(result: dict[str, Any], out: Path) -> None:
    q = result["quality"]
    console.print(f"decision: [bold]{result['decision']}[/]", highlight=False)
    if result["probability"] is not None:
        console.print(f"probability {result['probability']:.2f}, threshold "
                      f"{result['threshold']:.2f}", highlight=False)
    if result.get("operating_point"):
        op = result["operating_point"]
        synth = " (synthetic)" if op.get("synthetic") else ""
        console.print(f"{op['sentence']} Validation cohort: {op.get('cohort')}{synth}.",
                      highlight=False)
    sev = result.get("severity")
    if sev:
        shown = sev["grade"] if sev.get("grade") is not None else sev.get("value")
        console.print(f"estimated {sev['target']}: {shown} (model value "
                      f"{sev.get('value') if sev.get('value') is None else round(sev['value'], 2)})"
                      f"{' - model trained on SYNTHETIC data' if sev.get('synthetic') else ''}",
                      highlight=False)
    if not result["model_used"]:
        console.print(f"no risk model was used: {result['no_model_note']}", highlight=False)
    screen = result.get("screen")
    if screen:
        console.print(f"{screen['label']}: [bold]{screen['decision']}[/]", highlight=False)
        console.print(screen["decision_text"], highlight=False, soft_wrap=True)
        for s in screen["signs"]:
            value = "-" if s["value"] is None else f"{s['value']:.2f}"
            console.print(f"  {s['label']}: {value} {s['unit']} — {s['status']}",
                          highlight=False)
    console.print(f"quality: [bold]{q['verdict']}[/]"
                  + (" — " + "; ".join(q["reasons"]) if q.get("reasons") else ""),
                  highlight=False)
    side = result.get("affected_side") or {}
    if side.get("sentence"):
        console.print(side["sentence"], highlight=False)
    if result.get("parsing"):
        console.print(result["parsing"]["agreement"]["text"], highlight=False, soft_wrap=True)
    trend = result.get("trend") or {}
    index = next((s for s in trend.get("signs") or [] if s["name"] == "asymmetry_index"), None)
    if index and index.get("share_outside_normal") is not None:
        console.print(f"over the recording: {index['label']} outside its normal range in "
                      f"{100 * index['share_outside_normal']:.0f} % of {index['n_windows']} "
                      f"windows ({index['persistence']})", highlight=False)
    for c in result.get("top_contributors", [])[:3]:
        console.print(f"  {c['direction']}: {c['label']} ({c['contribution']:+.3f} "
                      f"{c['contribution_unit']})", highlight=False)
    if result.get("synthetic_recording"):
        console.print(f"[bold yellow]{result['synthetic_recording_note']}[/]", highlight=False,
                      soft_wrap=True)
    if result.get("synthetic_model"):
        console.print("[bold yellow]the model was trained on synthetic data; its numbers are "
                      "not validated on patients[/]")
    files = [str(out / "result.json"), str(out / "report.html")]
    if result["files"].get("report_pdf"):
        files.append(str(out / "report.pdf"))
    console.print("written: " + ", ".join(files), highlight=False, soft_wrap=True)
    console.print(DISCLAIMER)


@guarded
def assess(
    video: Annotated[Path, typer.Argument(help="video of the face while speaking (mp4, mov)")],
    out: Annotated[Path, typer.Option("--out", help="folder for result.json, report.html, "
                                      "report.pdf and the case artifacts")],
    model: Annotated[Path | None, typer.Option("--model", help="model folder written by "
                                               "`strokescreen train`")] = None,
    overwrite: Annotated[bool, typer.Option(help="replace an existing non-empty --out")] = False,
    config: Annotated[Path | None, typer.Option("--config", help="preprocessing YAML")] = None,
    pdf: Annotated[bool, typer.Option(help="also print report.pdf (needs chromium)")] = True,
    as_json: Annotated[bool, typer.Option("--json", help="print result.json to stdout")] = False,
    parsing_model: Annotated[Path | None, typer.Option(
        "--parsing-model", help="face-parsing model folder (`strokescreen parsing-train`): "
                                "FPP overlay and side in the report")] = None,
    fpp_threshold: Annotated[bool | None, typer.Option(
        "--fpp-threshold/--no-fpp-threshold", help="with --parsing-model: decide the FPP "
        "with the model's validation-chosen threshold (the default) or by the plain "
        "arg-max (docs/face_parsing.md)", show_default=False)] = None,
    severity_model: Annotated[Path | None, typer.Option(
        "--severity-model", help="a graded model folder (train --target severity): its "
        "estimate of the grade in result.json and the report")] = None,
    baseline: Annotated[Path | None, typer.Option(
        "--baseline", help="result.json of the same person's earlier assessment: changes "
        "beyond the measures' repeatability are signs")] = None,
) -> None:
    """Assess one recording: quality, measures, risk (with --model) and a report."""
    from strokescreen.config import PreprocessConfig, load_config
    from strokescreen.progress import fraction
    from strokescreen.workflows.assess import assess_video

    if fpp_threshold is not None and parsing_model is None:
        flag = "--fpp-threshold" if fpp_threshold else "--no-fpp-threshold"
        raise ConfigError(f"{flag} applies to the face-parsing model; give "
                          f"--parsing-model parser/ too, or leave {flag} out")
    cfg = load_config(PreprocessConfig, config).validate()
    with progress_bar("assess", 100) as cb:

        def progress(done: float, total: float | None = None, *,
                     note: str | None = None) -> None:
            cb(round(100 * fraction(done, total), 1), note=note)

        try:
            result = assess_video(video, out, model_dir=model, overwrite=overwrite, config=cfg,
                                  pdf=pdf, progress=progress, parsing_model=parsing_model,
                                  fpp_threshold=fpp_threshold is not False,
                                  severity_model=severity_model, baseline=baseline)
        except QualityError as exc:
            raise QualityError(f"{exc} (in {out})") from None
    if as_json:
        typer.echo(json.dumps(result, allow_nan=False))
    else:
        _print_summary(result, out)


def register(app: typer.Typer) -> None:
    app.command("assess")(assess)
