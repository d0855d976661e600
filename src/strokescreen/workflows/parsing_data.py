"""Face-parsing training data from a cohort: labelled face crops, cached in one npz.

A cohort is a folder holding ``manifest.csv`` or a manifest CSV itself. Per case a few
frames are spread over the usable part of the recording; each gets a crop with its label
map, depth map and crop landmarks (:func:`strokescreen.parsing.data.make_sample`).

Landmarks: a synthetic cohort's planted mesh (``truth/<case_id>.parquet`` beside the
manifest; occluded frames skipped) or, for other recordings, MediaPipe on the frame.
FPP: the planted weakness (synthetic: condition, side, droop and excursion loss of the
truth), or the manifest's ``condition`` / ``side`` / ``severity`` columns; it is drawn on
a crop only where the crop shows the droop (``fpp_drawn`` in ``meta``, see
:func:`strokescreen.parsing.data.droop_visible`), beyond two standard deviations of the
normal commissure height asymmetry measured on the cohort's own recordings without
planted weakness (:func:`cohort_normal_sd_mm`; every subject's, held-out ones included:
it defines the label from the planted truth, nothing is fitted on it).
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.errors import InputError
from strokescreen.face.landmarks import get_landmarker
from strokescreen.io.manifest import read_manifest
from strokescreen.io.video import iter_frames, probe
from strokescreen.parsing.data import (
    PUBLISHED_DH_SD_MM,
    corner_drop_px,
    face_dh_mm,
    fpp_spec,
    make_sample,
    normal_dh_sd_mm,
    pick_frames,
)
from strokescreen.parsing.person import PersonSegmenter
from strokescreen.progress import Progress

#: 2: FPP drawn only where the crop shows the droop; 3: the normal spread of that rule
#: measured on the cohort, and the crop alignment a setting; 4: the rule and its spread
#: measure the corner heights without the head's pose (3-D mesh turned frontal,
#: perspective undone; ``labels=3`` still builds v3 labels)
DATA_VERSION = 4
#: the FPP label rule ``parsing-train`` uses unless told (``--labels 4``): v3. The v4 rule
#: is the better measure of a droop, but the models trained on it at two seeds did not
#: learn the FPP (docs/face_parsing.md, "Labels v4"); a default must give a working model.
DEFAULT_LABELS = 3
LABEL_RULES = (3, 4)
#: fewer frames without weakness than this and the published spread stands in
MIN_NORMAL_FRAMES = 30
N_POINTS = 478


@dataclass
class ParsingData:
    """Crops of a cohort. images (N,S,S,3) uint8, labels (N,S,S) uint8 (masks.CLASSES),
    depth (N,S,S) float16, points (N,478,3) float32; ``meta`` one row per crop
    (case_id, subject_id, frame, side, region = the recording's planted FPP region,
    fpp_drawn = whether this crop's labels hold it, drop_px = weak corner drop in the crop,
    dh_mm = left minus right corner drop in mm, normal_sd_mm = the rule's normal spread)."""

    images: np.ndarray
    labels: np.ndarray
    depth: np.ndarray
    points: np.ndarray
    meta: pd.DataFrame

    def subset(self, mask: np.ndarray) -> ParsingData:
        return ParsingData(self.images[mask], self.labels[mask], self.depth[mask],
                           self.points[mask], self.meta[mask].reset_index(drop=True))


def _load(path: Path) -> ParsingData:
    z = np.load(path, allow_pickle=False)
    meta = pd.DataFrame(json.loads(str(z["meta"])))
    return ParsingData(z["images"], z["labels"], z["depth"], z["points"], meta)


def find_manifest(source: str | Path) -> Path:
    p = Path(source)
    if p.is_dir():
        p = p / "manifest.csv"
        if not p.is_file():
            raise InputError(f"{source}: folder has no manifest.csv; give a synthetic cohort "
                             "folder (strokescreen synth) or a manifest CSV")
    return p


def _truth_points(table: pd.DataFrame) -> np.ndarray:
    cols = [f"{a}_{j}" for j in range(N_POINTS) for a in "xyz"]
    return table[cols].to_numpy(np.float32).reshape(len(table), N_POINTS, 3)


def case_spec(row: pd.Series, truth: pd.DataFrame | None) -> tuple[str, str]:
    """(side, region) of one manifest row (and its truth table when synthetic)."""
    def get(name: str) -> str:
        v = row.get(name, "")
        return "" if pd.isna(v) else str(v)

    if truth is not None and "droop_mm" in truth:
        return fpp_spec(get("condition"), get("side"), droop_mm=float(truth["droop_mm"].iloc[0]),
                        exc_loss=float(truth["excursion_loss_pct"].iloc[0]) / 100.0)
    return fpp_spec(get("condition"), get("side"), severity=get("severity") or None)


def cohort_normal_sd_mm(df: pd.DataFrame, base: Path, *,
                        labels: int = 4) -> tuple[float, str]:
    """The normal spread (mm) of the commissure height difference in a cohort, and where it
    came from: the RMS over every usable frame of the planted meshes of the recordings
    without planted facial weakness, measured as the label rule ``labels`` measures it
    (:func:`strokescreen.parsing.data.face_dh_mm`: v4 without the head's pose); the MEEI
    normals' published 1.6 mm when the cohort has no planted truth (or under
    ``MIN_NORMAL_FRAMES`` such frames)."""
    values: list[float] = []
    for _, row in df.iterrows():
        path = base / "truth" / f"{row['case_id']}.parquet"
        if not path.is_file():
            continue
        truth = pd.read_parquet(path)
        if case_spec(row, truth)[1] != "none":
            continue
        pts = _truth_points(truth)
        if "occluded" in truth:
            pts = pts[~truth["occluded"].to_numpy(bool)]
        size = _frame_size(base / str(row["video"])) if labels == 4 else None
        values.extend(face_dh_mm(p, labels=labels, frame_size=size) for p in pts)
    if len(values) < MIN_NORMAL_FRAMES:
        return PUBLISHED_DH_SD_MM, "published (MEEI normals RMS)"
    return round(normal_dh_sd_mm(np.array(values)), 3), (
        f"cohort: {len(values)} frames of recordings without planted weakness")


def _frame_size(video: Path) -> tuple[int, int] | None:
    """(width, height) of a recording's frames; None where it cannot be read."""
    try:
        info = probe(video)
    except Exception:  # noqa: BLE001 - a spread measured without perspective undone
        return None
    return int(info.width), int(info.height)


def case_samples(row: pd.Series, *, base: Path, size: int, frames_per_case: int,
                 segmenter: PersonSegmenter | None, normal_sd_mm: float = PUBLISHED_DH_SD_MM,
                 align: str = "box", labels: int = 4) -> tuple[list[tuple], str, str]:
    """Samples of one case as (Sample, frame index) pairs, and its FPP (side, region)."""
    truth_path = base / "truth" / f"{row['case_id']}.parquet"
    truth = pd.read_parquet(truth_path) if truth_path.is_file() else None
    side, region = case_spec(row, truth)
    opts: dict[str, Any] = {"size": size, "side": side, "region": region,
                            "segmenter": segmenter, "normal_sd_mm": normal_sd_mm, "align": align,
                            "labels": labels}
    if truth is not None:
        usable = ~truth["occluded"].to_numpy(bool) if "occluded" in truth else None
        wanted = set(pick_frames(len(truth), frames_per_case, usable=usable).tolist())
        pts_all = _truth_points(truth)
        out = []
        for fr in iter_frames(row["video"]):
            if fr.index in wanted and fr.index < len(pts_all):
                out.append((make_sample(fr.image, pts_all[fr.index], **opts), fr.index))
        return out, side, region
    n = max(probe(row["video"]).n_frames_est, 1)
    wanted = set(pick_frames(n, frames_per_case).tolist())
    lm = get_landmarker("mediapipe", static=True)
    out = []
    try:
        for fr in iter_frames(row["video"]):
            if fr.index not in wanted:
                continue
            faces = lm.detect(fr.image)
            if faces:
                out.append((make_sample(fr.image, faces[0], **opts), fr.index))
    finally:
        lm.close()
    return out, side, region


def _cache_key(manifest: Path, size: int, frames_per_case: int, hair: bool, align: str,
               normal_sd_mm: float | None, labels: int = 4) -> str:
    h = hashlib.sha256(manifest.read_bytes())
    version = DATA_VERSION if labels == 4 else labels
    h.update(json.dumps([version, size, frames_per_case, hair, align,
                         normal_sd_mm]).encode())
    return h.hexdigest()[:16]


def build_parsing_data(source: str | Path, *, size: int, frames_per_case: int,
                       hair: bool = True, subjects: set[str] | None = None,
                       cache_dir: str | Path | None = None, align: str = "box",
                       normal_sd_mm: float | None = None, labels: int = 4,
                       progress: Progress | None = None) -> ParsingData:
    """Labelled crops of every case (or of ``subjects`` only) of a cohort.

    align : crop geometry (:func:`strokescreen.parsing.data.crop_transform`).
    normal_sd_mm : the normal spread of the FPP visibility rule; None = measured on the
    whole cohort (:func:`cohort_normal_sd_mm`, before any ``subjects`` filter, so every
    subset is labelled by the same rule). labels : the FPP label rule, 4 (the corner
    heights without the head's pose) or 3 (on the 2-D mesh, for older models' figures).
    """
    manifest = find_manifest(source)
    df = read_manifest(manifest, require_two_classes=False)
    cache = None
    if cache_dir is not None:
        key = _cache_key(manifest, size, frames_per_case, hair, align, normal_sd_mm, labels)
        tag = "all" if subjects is None else hashlib.sha256(
            ",".join(sorted(subjects)).encode()).hexdigest()[:8]
        cache = Path(cache_dir) / f"parsing_data_{key}_{tag}.npz"
        whole = cache.with_name(f"parsing_data_{key}_all.npz")
        for path in (cache, whole):
            if path.is_file():
                data = _load(path)
                if subjects is None or path == cache:
                    return data
                return data.subset(data.meta["subject_id"].isin(subjects).to_numpy())
    if normal_sd_mm is None:
        normal_sd_mm, _ = cohort_normal_sd_mm(df, manifest.parent, labels=labels)
    if subjects is not None:
        df = df[df["subject_id"].isin(subjects)].reset_index(drop=True)
    rows: list[dict] = []
    images, label_maps, depth, points = [], [], [], []
    seg = PersonSegmenter() if hair else None
    try:
        for i, (_, row) in enumerate(df.iterrows()):
            samples, side, region = case_samples(row, base=manifest.parent, size=size,
                                                 frames_per_case=frames_per_case, segmenter=seg,
                                                 normal_sd_mm=normal_sd_mm, align=align,
                                                 labels=labels)
            for sample, frame in samples:
                images.append(sample.image)
                label_maps.append(sample.labels)
                depth.append(sample.depth.astype(np.float16))
                points.append(sample.points)
                rows.append({"case_id": row["case_id"], "subject_id": row["subject_id"],
                             "frame": int(frame), "side": side, "region": region,
                             "fpp_drawn": sample.fpp_drawn,
                             "drop_px": round(corner_drop_px(sample.points, side), 3),
                             "dh_mm": round(sample.dh_mm, 3), "labels": labels,
                             "normal_sd_mm": normal_sd_mm})
            if progress is not None:
                progress(i + 1, len(df), note=str(row["case_id"]))
    finally:
        if seg is not None:
            seg.close()
    if not images:
        raise InputError(f"{manifest}: no usable face frame in {len(df)} cases; check the "
                         "videos show a face")
    data = ParsingData(np.stack(images), np.stack(label_maps), np.stack(depth), np.stack(points),
                       pd.DataFrame(rows))
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_name(f"{cache.stem}.{os.getpid()}.tmp.npz")
        np.savez(tmp, images=data.images, labels=data.labels, depth=data.depth,
                 points=data.points, meta=np.array(json.dumps(data.meta.to_dict(orient="records"))))
        tmp.replace(cache)
    return data


def split_subjects(subjects: list[str], *, test_share: float, val_share: float,
                   seed: int) -> dict[str, list[str]]:
    """Disjoint train / val / test subject lists (random, seeded; at least 1 each when
    there are 3 or more subjects)."""
    uniq = sorted(set(subjects))
    rng = np.random.default_rng(seed)
    order = [uniq[i] for i in rng.permutation(len(uniq))]
    n = len(order)
    n_test = max(1, round(test_share * n)) if n >= 3 else 0
    n_val = max(1, round(val_share * n)) if n - n_test >= 2 else 0
    return {"test": sorted(order[:n_test]), "val": sorted(order[n_test:n_test + n_val]),
            "train": sorted(order[n_test + n_val:])}
