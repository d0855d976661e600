"""`strokescreen demo`: the main job on built-in synthetic data, ending with where the reports are."""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Annotated

import numpy as np
import typer

from strokescreen.cli._common import DISCLAIMER, console, guarded, progress_bar

SYNTHETIC_NOTE = "All data in this demo is SYNTHETIC (generated here); its results describe no real person."


def _demo_clip(path: Path, *, seconds: float = 4.0, fps: int = 30) -> Path:
    """A synthetic clip: the bundled public-domain portrait with gentle motion and a voice-like tone."""
    import cv2
    import skimage.data

    from strokescreen.io.video import write_video

    portrait = skimage.data.astronaut()
    head = portrait[10:300, 100:390]
    n = int(seconds * fps)
    rng = np.random.default_rng(0)

    def frames():  # type: ignore[no-untyped-def]
        for i in range(n):
            canvas = np.full((480, 640, 3), 70, np.uint8)
            face = cv2.resize(head, (400, 400))
            dx, dy = int(3 * math.sin(i / 5)), int(2 * math.cos(i / 7))
            canvas[40 + dy:440 + dy, 120 + dx:520 + dx] = face
            yield np.clip(canvas + rng.integers(-3, 4, canvas.shape), 0, 255).astype(np.uint8)

    t = np.arange(int(seconds * 16000)) / 16000
    audio = (0.25 * np.sin(2 * np.pi * 150 * t) * (np.sin(2 * np.pi * 4 * t) > 0)).astype(np.float32)
    return write_video(path, frames(), fps=fps, audio=audio)


@guarded
def demo(
    out: Annotated[Path, typer.Option("--out", help="folder for the demo's work and reports")] = Path("demo_out"),
) -> None:
    """Run the main job on built-in synthetic data and print where the reports are."""
    from strokescreen.config import PreprocessConfig, ProposalConfig
    from strokescreen.preprocess.pipeline import preprocess_video

    started = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    console.print(f"[bold]strokescreen demo[/] — {SYNTHETIC_NOTE}")
    clip = _demo_clip(out / "synthetic_clip.mp4")
    # the bundled portrait looks slightly upwards; widen beta1 for this still-image demo
    cfg = PreprocessConfig(proposal=ProposalConfig(beta1_deg=40.0))
    with progress_bar("preprocess", None) as cb:
        case = preprocess_video(clip, out / "case", config=cfg, overwrite=True, progress=cb)
    import json

    q = json.loads((case / "quality.json").read_text())
    console.print(f"quality: {q['verdict']} — {q['n_kept']} of {q['n_frames']} frames usable")
    console.print(f"artifacts (SYNTHETIC): {case}")
    console.print(f"done in {time.perf_counter() - started:.0f} s. {DISCLAIMER}")


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
