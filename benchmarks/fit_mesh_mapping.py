"""Fit the 478 -> 68 mesh mapping shipped as src/strokescreen/data/mp478_to_ibug68_fit.npz.

Targets: dlib's iBUG-68 predictor (HOG detector, upsample 1) on frames of the real videos
in ../shared/data/real/video (GRID clips, single_face, wolfgang_langer), every 4th frame,
as given and mirrored; only frames where MediaPipe and dlib find one face each, and agree
(mapped-mesh error to dlib below 8 % of the outer-canthus distance). dlib stands in for
manual annotation here (it is trained on iBUG 300-W); takeo.pts (the one manual annotation
here) is NOT used for fitting, only reported. K and the ridge are chosen by
leave-one-video-out cross-validation.

    python benchmarks/fit_mesh_mapping.py [--write]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from real_frames import REAL, print_counts, real_frames

from strokescreen.face.accuracy import face_errors
from strokescreen.face.landmarks import get_landmarker
from strokescreen.face.mesh_fit import MAPPING_FILE, apply_mesh_mapping, fit_mesh_mapping
from strokescreen.face.schemes import to_ibug68
from strokescreen.io.pts import read_pts
from strokescreen.workflows.landmarks import read_image_rgb


def collect(step: int = 4, max_frames: int = 160) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    mp, dl = get_landmarker("mediapipe", static=True, max_faces=1), get_landmarker("dlib68",
                                                                                  upsample=1)
    meshes, targets, groups = [], [], []
    for g, im in real_frames(step, max_frames):
        a, b = mp.detect(im), dl.detect(im)
        if len(a) != 1 or len(b) != 1:
            continue
        if face_errors(to_ibug68(a[0]), b[0][:, :2])["nme_51"] > 0.08:
            continue
        meshes.append(a[0][:, :2])
        targets.append(b[0][:, :2])
        groups.append(g)
    print_counts(groups)
    return np.array(meshes), np.array(targets), np.array(groups)


def cv_error(meshes, targets, groups, **kw) -> float:
    errs = []
    for g in np.unique(groups):
        tr, te = groups != g, groups == g
        m = fit_mesh_mapping(meshes[tr], targets[tr], **kw)
        errs += [face_errors(apply_mesh_mapping(x, m), t)["nme_51"]
                 for x, t in zip(meshes[te], targets[te], strict=True)]
    return float(np.mean(errs))


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--write", action="store_true", help="write the shipped mapping file")
    ap.add_argument("--k", type=int, nargs="+", default=[1, 4, 8, 12],
                    help="neighbour counts to try (1 = a fitted offset per vertex)")
    ap.add_argument("--cache", type=Path, help="npz of collected faces (made when absent)")
    args = ap.parse_args()
    if args.cache is not None and args.cache.is_file():
        with np.load(args.cache) as z:
            meshes, targets, groups = z["meshes"], z["targets"], z["groups"]
    else:
        meshes, targets, groups = collect()
        if args.cache is not None:
            np.savez(args.cache, meshes=meshes, targets=targets, groups=groups)
    fixed = np.mean([face_errors(to_ibug68(np.pad(m, ((0, 0), (0, 1)))), t)["nme_51"]
                     for m, t in zip(meshes, targets, strict=True)])
    print(f"{len(meshes)} faces from {len(np.unique(groups))} videos; fixed mapping vs dlib: "
          f"{100 * fixed:.2f} %")
    best = None
    for k in args.k:
        for ridge in (1e-4, 1e-3, 1e-2):
            if k == 1 and ridge != 1e-3:
                continue
            e = cv_error(meshes, targets, groups, k=k, ridge=ridge)
            print(f"k={k:2d} ridge={ridge:g}: leave-one-video-out error vs dlib {100 * e:.2f} %")
            if best is None or e < best[0]:
                best = (e, k, ridge)
    assert best is not None
    e, k, ridge = best
    mapping = fit_mesh_mapping(meshes, targets, k=k, ridge=ridge)
    takeo = REAL / "landmarks" / "takeo.png"
    if takeo.is_file():
        mesh = get_landmarker("mediapipe", static=True).detect(read_image_rgb(takeo))[0]
        truth = read_pts(takeo.with_suffix(".pts"))
        e_fixed = face_errors(to_ibug68(mesh), truth)["nme_51"]
        e_fit = face_errors(apply_mesh_mapping(mesh, mapping), truth)["nme_51"]
        print(f"takeo (manual, not fitted on): fixed {100 * e_fixed:.2f} %, "
              f"fitted {100 * e_fit:.2f} %")
    if args.write:
        np.savez(MAPPING_FILE, **mapping)
        MAPPING_FILE.with_suffix(".json").write_text(json.dumps({
            "what": "fitted MediaPipe 478 -> iBUG 68 mapping (strokescreen.face.mesh_fit)",
            "targets": "dlib shape_predictor_68_face_landmarks (non-commercial licence) on "
                       "real video frames, as given and mirrored",
            "videos": "../shared/data/real/video: grid/*.mpg, single_face.mp4, "
                      "wolfgang_langer_pexels.mp4", "n_faces": int(len(meshes)),
            "k": k, "ridge": ridge, "cv_error_vs_dlib_pct": round(100 * e, 3),
            "fixed_mapping_error_vs_dlib_pct": round(100 * float(fixed), 3),
            "script": "benchmarks/fit_mesh_mapping.py"}, indent=2) + "\n")
        print(f"written {MAPPING_FILE} (k={k}, ridge={ridge})")


if __name__ == "__main__":
    main()
