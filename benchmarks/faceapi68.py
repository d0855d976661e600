"""A torch port of face-api's 68-point landmark net, for measurement only (not shipped).

The npm package ``@vladmandic/face-api`` (MIT) ships the weights of its
``FaceLandmark68Net`` (``model/face_landmark_68_model.bin`` + ``-weights_manifest.json``,
uint8-quantised, 357 kB): four dense blocks of depthwise-separable 3x3 convolutions
(32, 64, 128, 256 channels, each block halving the size), a 7x7 average pool and one
fully connected layer to 136 numbers, the 68 points as fractions of a 112 x 112 crop of
the face box (input: RGB minus a per-channel mean, / 255). The net is rebuilt here from
that description and the manifest's tensor names and shapes; the weights are read from a
folder given on the command line (``npm pack @vladmandic/face-api`` and untar it; the
folder is ``package/model``). Used by ``benchmarks/fit_fusion_weights.py`` as an
independent third landmarker and by ``docs/landmark_accuracy.md``'s candidate table.

Run as a script it measures the net as a 68-point landmarker: MediaPipe's mesh finds the
face (``mediapipe-fit68``'s points), the net runs in the square box around them (one
pass, then a second pass in the box around its own points), on an annotated folder and on
the 40 rendered SYNTHETIC stills of ``landmark_accuracy.py`` (with the droop slope):

    python benchmarks/faceapi68.py --faceapi DIR [--folder ANNOTATED]
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F


def load(folder: str | Path, name: str = "face_landmark_68_model") -> dict[str, torch.Tensor]:
    """The net's tensors by name, dequantised (value = uint8 x scale + min)."""
    d = Path(folder)
    man = json.loads((d / f"{name}-weights_manifest.json").read_text())
    w = {}
    for g in man:
        raw = b"".join((d / p).read_bytes() for p in g["paths"])
        off = 0
        for t in g["weights"]:
            n = int(np.prod(t["shape"]))
            q = t.get("quantization")
            if q:
                a = np.frombuffer(raw, np.uint8, n, off).astype(np.float32) * q["scale"] + q["min"]
                off += n
            else:
                a = np.frombuffer(raw, np.float32, n, off)
                off += 4 * n
            w[t["name"]] = torch.from_numpy(a.reshape(t["shape"]).copy())
    return w

def same_pad(x: torch.Tensor, stride: int, k: int = 3) -> torch.Tensor:
    """TensorFlow's 'same' padding (the extra pixel at the bottom and right)."""
    h = x.shape[-1]
    out = -(-h // stride)
    total = max((out - 1) * stride + k - h, 0)
    a = total // 2
    return F.pad(x, (a, total - a, a, total - a))

def sepconv(x: torch.Tensor, w: dict, pre: str, stride: int) -> torch.Tensor:
    dw = w[pre + "/depthwise_filter"].permute(2, 3, 0, 1)  # (C,1,3,3)
    pw = w[pre + "/pointwise_filter"].permute(3, 2, 0, 1)  # (O,C,1,1)
    x = F.conv2d(same_pad(x, stride), dw, stride=stride, groups=x.shape[1])
    return F.conv2d(x, pw) + w[pre + "/bias"].view(1, -1, 1, 1)

def dense4(x: torch.Tensor, w: dict, pre: str, first: bool) -> torch.Tensor:
    if first:
        f = w[pre + "/conv0/filters"].permute(3, 2, 0, 1)
        o1 = F.relu(F.conv2d(same_pad(x, 2), f, stride=2) + w[pre + "/conv0/bias"].view(1, -1, 1, 1))
    else:
        o1 = F.relu(sepconv(x, w, pre + "/conv0", 2))
    o2 = sepconv(o1, w, pre + "/conv1", 1)
    o3 = sepconv(F.relu(o1 + o2), w, pre + "/conv2", 1)
    o4 = sepconv(F.relu(o1 + o2 + o3), w, pre + "/conv3", 1)
    return F.relu(o1 + o2 + o3 + o4)

def net(x: torch.Tensor, w: dict) -> torch.Tensor:
    """x: (N,112,112,3) float RGB 0..255 -> (N,68,2) in [0,1] of the crop."""
    x = (x - torch.tensor([122.782, 117.001, 104.298])) / 255.0
    x = x.permute(0, 3, 1, 2)
    for i in range(4):
        x = dense4(x, w, f"dense{i}", i == 0)
    x = F.avg_pool2d(x, 7, 2).flatten(1)
    out = x @ w["fc/weights"] + w["fc/bias"]
    return out.view(-1, 68, 2)

def predict(image: np.ndarray, box: tuple[float, float, float, float], w: dict) -> np.ndarray:
    """image (H,W,3) uint8 RGB; box (x0,y0,x1,y1) pixels (square) -> (68,2) pixels."""
    import cv2
    x0, y0, x1, y1 = box
    side = max(x1 - x0, y1 - y0)
    # affine crop of the square box onto 112x112 (zero outside the image)
    s = 112.0 / side
    M = np.array([[s, 0, -x0 * s], [0, s, -y0 * s]], np.float32)
    crop = cv2.warpAffine(image, M, (112, 112), flags=cv2.INTER_AREA if s < 1 else cv2.INTER_LINEAR,
                          borderMode=cv2.BORDER_CONSTANT, borderValue=0)
    with torch.no_grad():
        p = net(torch.from_numpy(crop.astype(np.float32))[None], w)[0].numpy()
    return p * side + np.array([x0, y0])


def points_box(points: np.ndarray) -> tuple[float, float, float, float]:
    """The square box around (68, 2+) points (their bounding box's longer side)."""
    p = np.asarray(points, dtype=float)[:, :2]
    lo, hi = p.min(0), p.max(0)
    c, h = (lo + hi) / 2, float((hi - lo).max()) / 2
    return (c[0] - h, c[1] - h, c[0] + h, c[1] + h)


def _passes(mesh, image: np.ndarray, truth: np.ndarray, w: dict):  # type: ignore[no-untyped-def]
    """(one-pass, two-pass) points of the face nearest ``truth``, or (None, None)."""
    from strokescreen.workflows.landmarks import pick_face

    face = pick_face(mesh.detect(image), truth)
    if face is None:
        return None, None
    first = predict(image, points_box(face), w)
    return first, predict(image, points_box(first), w)


def main() -> None:
    import argparse

    from strokescreen.face.accuracy import commissure_difference, droop_slope, face_errors
    from strokescreen.face.landmarks import get_landmarker
    from strokescreen.io.pts import read_pts
    from strokescreen.synth.stills import render_stills
    from strokescreen.workflows.landmarks import read_image_rgb

    ap = argparse.ArgumentParser(description="face-api's 68-point net, measured")
    ap.add_argument("--faceapi", type=Path, required=True, help="face-api's model folder")
    ap.add_argument("--folder", type=Path, help="annotated images (.pts beside each)")
    args = ap.parse_args()
    w = load(args.faceapi)
    labels = ("face-api68, 1 pass", "face-api68, 2 passes")
    if args.folder is not None:
        mesh = get_landmarker("mediapipe-fit68", static=True, photo=True)
        rows: list[list[float]] = [[], []]
        names = []
        for pts in sorted(args.folder.glob("*.pts")):
            image = next(p for p in sorted(args.folder.glob(pts.stem + ".*"))
                         if p.suffix != ".pts")
            truth = read_pts(pts)
            names.append(pts.stem)
            for row, pred in zip(rows, _passes(mesh, read_image_rgb(image), truth, w),
                                 strict=True):
                row.append(face_errors(pred, truth)["nme_51"])
        mesh.close()
        print("annotated faces: error, 51 inner points, % of the outer-canthus distance")
        print(f"{'landmarker':<22}" + "".join(f"{n[:11]:>12}" for n in names)
              + f"{'mean':>8}{'max':>8}")
        for label, e in zip(labels, rows, strict=True):
            a = 100 * np.array(e)
            print(f"{label:<22}" + "".join(f"{v:12.2f}" for v in a)
                  + f"{a.mean():8.2f}{a.max():8.2f}")
    stills = render_stills(8, (0.0, 1.5, 3.0, 4.5, 6.0), seed=3, width_px=640, height_px=480)
    mesh = get_landmarker("mediapipe-fit68", static=True)
    errs: list[list[float]] = [[], []]
    dh: list[list[float]] = [[], []]
    for s in stills:
        for k, pred in enumerate(_passes(mesh, s.image, s.points68, w)):
            errs[k].append(face_errors(pred, s.points68)["nme_51"])
            dh[k].append(np.nan if pred is None else commissure_difference(pred) / s.px_per_mm)
    mesh.close()
    true = np.array([s.commissure_dh_mm for s in stills])
    print(f"{len(stills)} rendered SYNTHETIC stills (truth: MediaPipe's mesh, fixed vertices)")
    for k, label in enumerate(labels):
        a = 100 * np.array(errs[k])
        print(f"{label:<22} mean {a.mean():5.2f} median {np.median(a):5.2f} "
              f"p90 {np.percentile(a, 90):5.2f} max {a.max():5.2f} "
              f"droop slope {droop_slope(np.array(dh[k]), true):.3f}")


if __name__ == "__main__":
    main()
