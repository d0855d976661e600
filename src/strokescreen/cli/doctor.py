"""`strokescreen doctor`: versions of the stack and where the bundled models are."""

from __future__ import annotations

import importlib
import importlib.util
import os
import platform
from pathlib import Path

import typer
from rich.markup import escape
from rich.table import Table

from strokescreen.cli._common import console, err_console


def _version(module: str) -> tuple[str, str]:
    try:
        mod = importlib.import_module(module)
    except Exception as exc:  # noqa: BLE001 - doctor reports every failure
        return "missing", f"{exc.__class__.__name__}: {exc}".splitlines()[0][:120]
    return str(getattr(mod, "__version__", getattr(mod, "VERSION", "?"))), ""


def _mediapipe_models() -> tuple[str, str]:
    spec = importlib.util.find_spec("mediapipe")
    if spec is None or not spec.submodule_search_locations:
        return "", "mediapipe not installed"
    root = Path(list(spec.submodule_search_locations)[0]) / "modules"
    wanted = ["face_landmark/face_landmark_with_attention.tflite",
              "face_detection/face_detection_short_range.tflite"]
    missing = [w for w in wanted if not (root / w).is_file()]
    return str(root), ("missing: " + ", ".join(missing)) if missing else ""


def _smoke_test() -> str:
    """Run the face mesh on the bundled portrait; '' when a face is found."""
    try:
        import skimage.data

        from strokescreen.face.landmarks import get_landmarker

        lm = get_landmarker("mediapipe", static=True)
        faces = lm.detect(skimage.data.astronaut())
        lm.close()
        return "" if faces else "face mesh found no face in the bundled test portrait"
    except Exception as exc:  # noqa: BLE001
        return f"face mesh failed: {exc.__class__.__name__}: {exc}"


def doctor() -> None:
    """Print versions of the stack, where model files were found, and the core count."""
    table = Table(title="strokescreen doctor", show_lines=False)
    table.add_column("component")
    table.add_column("version / place")
    table.add_column("status")
    problems: list[str] = []
    table.add_row("python", platform.python_version(), "ok")
    core = [("strokescreen", "strokescreen"), ("numpy", "numpy"), ("opencv", "cv2"),
            ("mediapipe", "mediapipe"), ("pyav", "av"), ("pandas", "pandas"),
            ("pyarrow", "pyarrow"), ("librosa", "librosa"), ("scikit-learn", "sklearn"),
            ("torch", "torch")]
    for label, mod in core:
        ver, err = _version(mod)
        table.add_row(label, ver, "ok" if not err else f"[red]{err}")
        if err:
            problems.append(f"{label}: {err}")
    for label, mod, extra in [("dlib", "dlib", "dlib"), ("parselmouth", "parselmouth", "praat"),
                              ("opensmile", "opensmile", "opensmile"),
                              ("fastapi", "fastapi", "app")]:
        ver, err = _version(mod)
        hint = escape(f"optional: pip install 'strokescreen[{extra}]'")
        table.add_row(label, ver, "ok" if not err else hint)
    place, err = _mediapipe_models()
    table.add_row("mediapipe face models", place, "ok" if not err else f"[red]{err}")
    if err:
        problems.append(err)
    try:
        from strokescreen.face.landmarks import dlib_model_dir

        d = dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"
        table.add_row("dlib 68-point model", str(d), "ok" if d.is_file() else "missing (optional)")
    except Exception:  # noqa: BLE001
        table.add_row("dlib 68-point model", "", escape("optional: pip install 'strokescreen[dlib]'"))
    try:
        import espeakng_loader

        table.add_row("espeak-ng (synthetic speech)", str(espeakng_loader.get_library_path()), "ok")
    except Exception as exc:  # noqa: BLE001
        table.add_row("espeak-ng (synthetic speech)", "", f"[red]{exc}")
        problems.append(f"espeak-ng: {exc}")
    if not problems:
        smoke = _smoke_test()
        table.add_row("face mesh on bundled portrait", "", "ok" if not smoke else f"[red]{smoke}")
        if smoke:
            problems.append(smoke)
    table.add_row("CPU cores", str(os.cpu_count()), "ok")
    console.print(table)
    if problems:
        err_console.print(f"[bold red]core stack not working:[/] {problems[0]}")
        raise typer.Exit(code=1)
    console.print("core stack works.")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
