"""Frame proposal on every real recording: the recording-relative default vs the paper.

For every video under ../shared/data/real/ (relative to the repository root) this
preprocesses it once with MediaPipe and the default settings (``proposal.reference:
recording``), then re-decides the same frames with the paper's absolute criterion
(|yaw|, |pitch|, |roll| < beta1 around 0°) from the stored per-frame pose and flow, and
prints, side by side: face share, kept share, verdict and reasons, median yaw / pitch /
roll.

With ``--landmarkers`` it also runs dlib68 on every video and on the annotated photo
(landmarks/takeo.png, whose manual iBUG points give a third reading) and prints each
recording's median pose with both landmarkers and their difference (dlib − MediaPipe):
the measured landmarker bias in ``preprocess.proposal.LANDMARKER_POSE_BIAS_DEG``.

Usage: python benchmarks/real_recordings.py [--landmarkers] [--real DIR]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import tempfile
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"
VIDEO_SUFFIXES = {".mp4", ".mov", ".mpg", ".avi", ".mkv", ".webm"}


def videos(real: Path) -> list[Path]:
    return sorted(p for p in real.rglob("*") if p.suffix.lower() in VIDEO_SUFFIXES)


def run_case(video: Path, out: Path, landmarker: str = "mediapipe") -> dict:
    """Preprocess ``video``; both criteria's summaries from the same frames."""
    import pandas as pd

    from strokescreen.config import LandmarkConfig, PreprocessConfig
    from strokescreen.preprocess.pipeline import preprocess_video
    from strokescreen.preprocess.proposal import propose, reference_pose
    from strokescreen.preprocess.quality import assess_quality

    cfg = PreprocessConfig(landmarks=LandmarkConfig(landmarker=landmarker))
    preprocess_video(video, out, config=cfg, raise_on_unusable=False, overwrite=True)
    q_new = json.loads((out / "quality.json").read_text())
    meta = json.loads((out / "meta.json").read_text())
    f = pd.read_parquet(out / "frames.parquet", columns=["t", "face_found", "yaw", "pitch",
                                                         "roll", "flow", "reject_reason"])
    found = f.face_found.to_numpy(bool)
    pose = f[["yaw", "pitch", "roll"]].to_numpy(float)
    flow = f.flow.to_numpy(float)
    abs_cfg = dataclasses.replace(cfg.proposal, reference="absolute")
    reasons = propose(found, pose, flow, abs_cfg, landmarker=landmarker)
    ref = reference_pose(found, pose, abs_cfg, landmarker=landmarker)
    q_abs = assess_quality(reasons, f.t.to_numpy(float), fps=float(meta["fps_measured"]),
                           speech_s=q_new["speech_s"], cfg=abs_cfg, reference=ref)
    # the streaming pipeline and the whole-recording function agree
    again = propose(found, pose, flow, cfg.proposal, landmarker=landmarker)
    agree = float(np.mean(again == f.reject_reason.to_numpy(object)))
    med = np.nanmedian(pose[found], axis=0) if found.any() else np.full(3, np.nan)
    return {"new": q_new, "abs": q_abs, "median": med, "agree": agree}


def _row(name: str, q: dict) -> str:
    reasons = "; ".join(q["reasons"]) or "-"
    return (f"  {name:<9} face {q['face_found_share']:5.0%}  kept {q['usable_share']:5.0%}  "
            f"{q['verdict']:<8} {reasons}")


def photo_poses(real: Path) -> None:
    """takeo.png: head pose from MediaPipe, dlib68 and the manual iBUG points."""
    import cv2

    from strokescreen.face.landmarks import get_landmarker
    from strokescreen.face.pose import head_pose

    img_path, pts_path = real / "landmarks" / "takeo.png", real / "landmarks" / "takeo.pts"
    if not img_path.is_file():
        return
    img = cv2.cvtColor(cv2.imread(str(img_path)), cv2.COLOR_BGR2RGB)
    h, w = img.shape[:2]
    lines = pts_path.read_text().splitlines()
    rows = [ln.split() for ln in lines]
    manual = np.array([[float(a), float(b)] for a, b, *_ in
                       (r for r in rows if len(r) == 2 and r[0][0].isdigit())])
    out = {"manual iBUG": head_pose(manual, width=w, height=h)}
    for name in ("mediapipe", "dlib68"):
        lm = get_landmarker(name, static=True).detect(img)
        if lm:
            out[name] = head_pose(lm[0], width=w, height=h)
    print(f"\ntakeo.png ({w}x{h}) head pose, yaw / pitch / roll (deg):")
    for k, v in out.items():
        print(f"  {k:<12} {v[0]:6.1f} {v[1]:6.1f} {v[2]:6.1f}")


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--real", type=Path, default=REAL)
    ap.add_argument("--landmarkers", action="store_true",
                    help="also run dlib68 and print the landmarker pose offsets")
    args = ap.parse_args()
    if not args.real.is_dir():
        raise SystemExit(f"{args.real} not found; pass --real DIR")
    diffs = []
    with tempfile.TemporaryDirectory() as td:
        for video in videos(args.real):
            name = str(video.relative_to(args.real))
            r = run_case(video, Path(td) / "mp")
            y, p, ro = r["median"]
            print(f"{name}: median yaw {y:+.1f}  pitch {p:+.1f}  roll {ro:+.1f} (MediaPipe); "
                  f"streaming = whole-recording decision on {r['agree']:.0%} of frames")
            print(_row("recording", r["new"]))
            print(_row("absolute", r["abs"]))
            if args.landmarkers:
                d = run_case(video, Path(td) / "dlib", landmarker="dlib68")
                dm = d["median"]
                diff = dm - r["median"]
                if np.all(np.isfinite(diff)):
                    diffs.append(diff)
                print(f"  dlib68    median yaw {dm[0]:+.1f}  pitch {dm[1]:+.1f}  roll {dm[2]:+.1f}; "
                      f"dlib - MediaPipe: {diff[0]:+.1f} {diff[1]:+.1f} {diff[2]:+.1f}")
                print(_row("dlib rec", d["new"]))
            sys.stdout.flush()
    if args.landmarkers:
        photo_poses(args.real)
        if diffs:
            a = np.array(diffs)
            print(f"\ndlib68 - MediaPipe over {len(a)} recordings, yaw / pitch / roll (deg): "
                  f"mean {a.mean(0)[0]:+.1f} {a.mean(0)[1]:+.1f} {a.mean(0)[2]:+.1f}, "
                  f"sd {a.std(0)[0]:.1f} {a.std(0)[1]:.1f} {a.std(0)[2]:.1f}")


if __name__ == "__main__":
    main()
