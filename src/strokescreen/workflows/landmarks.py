"""Landmark accuracy workflows: ``landmarks-eval`` and ``landmarks-train``.

A folder of images (or video frames) with an iBUG-68 ``.pts`` file beside each image
(same stem) is the annotated data. The subject of an image is the part of its stem before
the first ``_`` (``S01_frame0042.png`` -> ``S01``), or what ``subjects.csv`` in the folder
says (columns ``image, subject``); splits never put one subject on both sides.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.accuracy import (
    ERROR_KEYS,
    REGIONS,
    compare_paired,
    face_errors,
    outer_canthus_distance,
    summarise_errors,
)
from strokescreen.io.pts import read_pts, write_pts

Progress = Callable[..., None]
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".ppm", ".tif", ".tiff", ".webp")


@dataclass(frozen=True)
class Annotated:
    """One annotated image: its path, its ``.pts`` path and its subject id."""

    image: Path
    pts: Path
    subject: str


def _subjects_table(folder: Path) -> dict[str, str]:
    path = folder / "subjects.csv"
    if not path.is_file():
        return {}
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames or not {"image", "subject"} <= set(reader.fieldnames):
            raise InputError(f"{path}: needs columns image, subject; has {reader.fieldnames}")
        return {Path(r["image"]).name: r["subject"].strip() for r in reader}


def find_annotated(folder: str | Path) -> list[Annotated]:
    """Images of ``folder`` (sorted) with their ``.pts`` files; InputError when any lacks one."""
    folder = Path(folder)
    if folder.is_file():
        raise InputError(f"{folder}: is a file; give the folder of images with their .pts files")
    if not folder.is_dir():
        raise InputError(f"annotated folder not found: {folder}")
    images = sorted(p for p in folder.iterdir()
                    if p.is_file() and p.suffix.lower() in IMAGE_SUFFIXES)
    if not images:
        raise InputError(f"{folder}: no images ({', '.join(IMAGE_SUFFIXES)}) with .pts files")
    lonely = [p for p in images if not p.with_suffix(".pts").is_file()]
    if lonely:
        more = f" and {len(lonely) - 1} more" if len(lonely) > 1 else ""
        raise InputError(f"{lonely[0]} has no annotation {lonely[0].with_suffix('.pts').name}"
                         f"{more}; put an iBUG-68 .pts file beside every image")
    table = _subjects_table(folder)
    return [Annotated(p, p.with_suffix(".pts"), table.get(p.name) or p.stem.split("_")[0])
            for p in images]


def read_image_rgb(path: Path) -> np.ndarray:
    """An image file as RGB uint8 (H, W, 3), pixels as stored (no EXIF rotation, so they
    match the annotation's coordinates)."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            return np.ascontiguousarray(np.asarray(im.convert("RGB"), dtype=np.uint8))
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InputError(f"{path} is not a readable image: {exc}") from None


def pick_face(faces: Sequence[np.ndarray], truth: np.ndarray) -> np.ndarray | None:
    """The detected face that is the annotated one: nearest centroid of the inner points,
    within one outer-canthus distance of the truth's; None when no face is (a miss)."""
    if not faces:
        return None
    t = np.asarray(truth, float)[17:, :2].mean(0)
    dist = [float(np.linalg.norm(np.asarray(f, float)[17:68, :2].mean(0) - t)) for f in faces]
    k = int(np.argmin(dist))
    return np.asarray(faces[k], float)[:, :2] if dist[k] <= outer_canthus_distance(truth) \
        else None


def label_of(name: str) -> str:
    """A file-system-safe label for a landmarker name or model folder."""
    path = Path(name)
    base = path.name if (path.is_dir() or "/" in name) else name
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in base) or "model"


def predict_faces(items: Sequence[Annotated], truths: Sequence[np.ndarray], name: str, *,
                  progress: Progress | None = None, offset: int = 0, total: int | None = None
                  ) -> list[np.ndarray | None]:
    """Each annotated face's 68 predicted points by landmarker ``name`` (None = missed)."""
    from strokescreen.face.landmarks import get_landmarker, landmarker_points

    if landmarker_points(name) != 68:
        raise InputError(f"landmarker '{name}' gives {landmarker_points(name)} points; "
                         "evaluate a 68-point one (ibug68, mediapipe-fused68, mediapipe-fit68, "
                         "mediapipe68, mediapipe-ert68, dlib68)")
    lm = get_landmarker(name, static=True, photo=True)
    out: list[np.ndarray | None] = []
    try:
        for k, (item, truth) in enumerate(zip(items, truths, strict=True)):
            out.append(pick_face(lm.detect(read_image_rgb(item.image)), truth))
            if progress is not None:
                progress(offset + k + 1, total, f"{name}: {item.image.name}")
    finally:
        lm.close()
    return out


@dataclass(frozen=True)
class EvalResult:
    """What ``evaluate_landmarkers`` wrote and its headline figures."""

    out_dir: Path
    summary: dict
    errors: list[dict]


def evaluate_landmarkers(folder: str | Path, names: Sequence[str], out_dir: str | Path, *,
                         progress: Progress | None = None) -> EvalResult:
    """Run landmarkers on an annotated folder; write points/, errors.csv, summary.json, ced.png.

    Errors are fractions of the true outer-canthus distance (see
    :mod:`strokescreen.face.accuracy`); a missed face is a failure (error ``inf``).
    """
    from strokescreen.face.landmarks import check_landmarker

    if not names:
        raise InputError("give at least one --landmarker")
    for n in names:
        check_landmarker(n)
    labels = [label_of(n) for n in names]
    if len(set(labels)) != len(labels):
        raise InputError(f"landmarkers given twice: {', '.join(names)}")
    items = find_annotated(folder)
    truths = [read_pts(i.pts) for i in items]
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    rows: list[dict] = []
    per: dict[str, dict[str, np.ndarray]] = {}
    total = len(items) * len(names)
    for j, (name, label) in enumerate(zip(names, labels, strict=True)):
        preds = predict_faces(items, truths, name, progress=progress, offset=j * len(items),
                              total=total)
        errs = {k: [] for k in ERROR_KEYS}  # type: dict[str, list[float]]
        for item, truth, pred in zip(items, truths, preds, strict=True):
            if pred is not None:
                write_pts(out / "points" / label / f"{item.image.stem}.pts", pred)
            e = face_errors(pred, truth)
            for k in ERROR_KEYS:
                errs[k].append(e[k])
            rows.append({"image": item.image.name, "subject": item.subject, "landmarker": label,
                         "found": pred is not None, **e})
        per[label] = {k: np.array(v) for k, v in errs.items()}
    summary = _summary(per, n_images=len(items))
    _write_errors(out / "errors.csv", rows)
    (out / "summary.json").write_text(json.dumps(summary, indent=2, allow_nan=True) + "\n")
    plot_ced({k: v["nme_51"] for k, v in per.items()}, out / "ced.png")
    return EvalResult(out, summary, rows)


def _summary(per: dict[str, dict[str, np.ndarray]], *, n_images: int) -> dict:
    summary: dict = {
        "n_images": n_images,
        "error": "mean point-to-point distance (nme) or RMS distance (rmse) divided by the "
                 "true outer-canthus distance (points 36-45); _51 = inner points 17-67",
        "missed_faces": "count as failures and never reach the CED; mean, median, p90 and "
                        "max are over the faces found",
        "landmarkers": {},
    }
    for label, errs in per.items():
        entry = {k: summarise_errors(errs[k]) for k in ("nme_51", "nme_68", "rmse_51", "rmse_68")}
        entry["regions"] = {r: summarise_errors(errs[f"nme_{r}"])["mean"] for r in REGIONS}
        summary["landmarkers"][label] = entry
    labels = list(per)
    if len(labels) >= 2:
        comps = []
        for a in range(len(labels)):
            for b in range(a + 1, len(labels)):
                la, lb = labels[a], labels[b]
                comps.append({"a": la, "b": lb, "by_error": {
                    k: compare_paired(per[la][k], per[lb][k])
                    for k in ("nme_51", "nme_68", *(f"nme_{r}" for r in REGIONS))}})
        summary["comparisons"] = comps
    return summary


def _write_errors(path: Path, rows: list[dict]) -> None:
    fields = ["image", "subject", "landmarker", "found", *ERROR_KEYS]
    with path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=fields)
        w.writeheader()
        for r in rows:
            w.writerow({k: (f"{r[k]:.6f}" if isinstance(r[k], float) else r[k]) for k in fields})


def plot_ced(errors: dict[str, np.ndarray], path: Path, *, limit: float = 0.10) -> Path:
    """Cumulative error distribution, one curve per landmarker, saved as a PNG."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from strokescreen.face.accuracy import ced_curve

    fig, ax = plt.subplots(figsize=(5.5, 4.0), dpi=110)
    for label, err in errors.items():
        x, y = ced_curve(err, limit=limit, n_steps=201)
        ax.plot(100 * x, 100 * y, label=label)
    ax.axvline(8.0, color="grey", lw=0.8, ls="--")
    ax.set(xlabel="error, % of outer-canthus distance (51 inner points)",
           ylabel="faces with error at most x (%)", xlim=(0, 100 * limit), ylim=(0, 100))
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)
    return path
