"""Assemble the per-case report page from a result dict and the case artifact folder.

Reads only what the page needs from the case folder: the landmark x/y columns, times and
kept flags of ``frames.parquet``, and the few key-frame crops out of ``crops.npz`` (memory
mapped, so a long recording's crops are never all loaded).
"""

from __future__ import annotations

import struct
import zipfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.preprocess.artifacts import CROPS_NPZ, CaseMeta, read_frame_table, read_meta
from strokescreen.report import figures
from strokescreen.report.findings import (
    TIME_SERIES,
    frame_series,
    key_frames,
    normal_bands,
    region_summary,
)
from strokescreen.report.html import render_report


def read_crops(path: Path, frames: Sequence[int]) -> dict[int, np.ndarray]:
    """Crops (S, S, 3) uint8 of the given real frame numbers from ``crops.npz``.

    The ``frames`` array of the stored (uncompressed) zip is memory-mapped and only the
    wanted crops are copied; frames without a crop are left out of the answer.
    """
    with zipfile.ZipFile(path) as zf:
        with zf.open("index.npy") as fh:
            index = np.lib.format.read_array(fh)
        info = zf.getinfo("frames.npy")
    where = {int(f): k for k, f in enumerate(index)}
    wanted = [int(f) for f in frames if int(f) in where]
    if not wanted:
        return {}
    try:
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError("compressed member")
        with open(path, "rb") as fh:
            fh.seek(info.header_offset)
            local = fh.read(30)
            n_name, n_extra = struct.unpack("<HH", local[26:30])
            fh.seek(info.header_offset + 30 + n_name + n_extra)
            version = np.lib.format.read_magic(fh)
            read_header = (np.lib.format.read_array_header_1_0 if version == (1, 0)
                           else np.lib.format.read_array_header_2_0)
            shape, fortran, dtype = read_header(fh)
            offset = fh.tell()
        if fortran or np.dtype(dtype) != np.uint8 or len(shape) != 4:
            raise ValueError("unexpected crop array layout")
        arr = np.memmap(path, dtype=np.uint8, mode="r", offset=offset, shape=tuple(shape))
        out = {f: np.array(arr[where[f]]) for f in wanted}
        del arr
        return out
    except (ValueError, OSError, struct.error):
        with np.load(path) as z:
            all_crops = z["frames"]
        return {f: np.array(all_crops[where[f]]) for f in wanted}


def _key_frame_images(
    case_dir: Path, table: dict[str, np.ndarray], picks: list[tuple[int, str]],
    *, side: str | None, meta: CaseMeta,
) -> list[dict[str, Any]]:
    proposal = meta.config.get("proposal") or {}
    crop_px = int(proposal.get("crop_size_px", 224))
    smooth = int(proposal.get("smooth_frames", 1))
    crops = read_crops(case_dir / CROPS_NPZ, [int(table["frame"][p]) for p, _ in picks])
    lm = table["landmarks"]
    out = []
    for pos, label in picks:
        crop = crops.get(int(table["frame"][pos]))
        if crop is None:
            continue
        p = figures.crop_params(lm, pos, crop_px=crop_px, smooth_frames=smooth)
        points = figures.to_crop(lm[pos], p)
        jpeg = figures.keyframe_jpeg(crop, points, side=side)
        out.append({"src": figures.data_uri(jpeg, "image/jpeg"), "label": label,
                    "t": float(table["t"][pos])})
    return out


def build_report(result: dict[str, Any], case_dir: Path, *, synthetic_text: str,
                 rerecord: str) -> str:
    """The HTML page of ``result`` with key frames and plots from ``case_dir``."""
    from strokescreen.face.schemes import scheme_of

    case_dir = Path(case_dir)
    frames: list[dict[str, Any]] = []
    asym_src = speech_src = None
    if result.get("measures"):
        meta = read_meta(case_dir)
        table = read_frame_table(case_dir, n_points=meta.n_points)
        lm = table["landmarks"]
        per_frame, rest, ipd_mm = frame_series(lm, table["kept"], scheme=scheme_of(lm))
        picks = key_frames(per_frame, table["kept"], rest,
                           min_gap_frames=max(int(round(0.5 * (meta.fps or 30))), 1))
        side = (result.get("affected_side") or {}).get("side")
        if lm.shape[1] >= 468:
            frames = _key_frame_images(case_dir, table, picks, side=side, meta=meta)
        ipd = result.get("ipd_mm") or ipd_mm
        series = {k: per_frame[k] for k in TIME_SERIES if k in per_frame}
        asym_src = figures.data_uri(figures.asymmetry_png(
            table["t"], series, TIME_SERIES, normal_bands(list(series), ipd_mm=ipd),
            table["kept"], marks_s=[float(table["t"][p]) for p, _ in picks],
        ), "image/png")
        speech = {k: v for k, v in result["measures"].items() if k.startswith("speech_")}
        png = figures.speech_png(speech)
        speech_src = figures.data_uri(png, "image/png") if png is not None else None
    parsing_src = None
    overlay = case_dir / str((result.get("parsing") or {}).get("overlay") or "")
    if result.get("parsing") and overlay.is_file():
        parsing_src = figures.data_uri(overlay.read_bytes(), "image/png")
    trend_src = None
    if result.get("trend"):
        png = figures.trend_png(result["trend"])
        trend_src = figures.data_uri(png, "image/png") if png is not None else None
    return render_report(
        result, frames=frames, asym_src=asym_src, speech_src=speech_src, trend_src=trend_src,
        parsing_src=parsing_src,
        region_text=region_summary(result.get("region_scores") or {}),
        synthetic_text=synthetic_text, rerecord=rerecord,
    )
