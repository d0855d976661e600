"""The per-case artifact folder: atomic writing, streamed crops, and loading.

A case folder is complete when ``meta.json`` exists in it: every file is first written
into a hidden sibling folder that is renamed into place at the end, so a crash never
leaves a half-written folder that looks complete.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import uuid
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from strokescreen.errors import InputError

if TYPE_CHECKING:  # pandas loads lazily: it is slow to import
    import pandas as pd

ARTIFACT_FILES = ("meta.json", "frames.parquet", "crops.npz", "audio.wav", "quality.json")


def file_sha256(path: str | Path, *, chunk_bytes: int = 1 << 20) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def write_json(path: Path, data: Any) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True, default=_json_default) + "\n")


def _json_default(o: Any) -> Any:
    if isinstance(o, np.integer):
        return int(o)
    if isinstance(o, np.floating):
        return None if not np.isfinite(o) else float(o)
    if isinstance(o, np.ndarray):
        return o.tolist()
    if isinstance(o, Path):
        return str(o)
    raise TypeError(type(o))


def is_complete(case_dir: Path) -> bool:
    return (case_dir / "meta.json").is_file()


def check_out_dir(out: Path, *, overwrite: bool) -> None:
    """Refuse a non-empty output folder unless ``overwrite``; never touch it otherwise."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(
            f"{out}: folder exists and is not empty; choose another --out or pass --overwrite"
        )


@contextmanager
def atomic_dir(out: Path, *, overwrite: bool) -> Iterator[Path]:
    """Yield a temporary sibling folder; on success it replaces ``out`` in one rename."""
    check_out_dir(out, overwrite=overwrite)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    try:
        yield tmp
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


class CropWriter:
    """Append uint8 crops to a raw file, then package them as ``crops.npz`` (stored zip).

    Memory stays flat whatever the number of crops.
    """

    def __init__(self, folder: Path, *, crop_px: int):
        self.folder, self.crop_px = folder, crop_px
        self._raw_path = folder / ".crops.raw"
        self._raw = open(self._raw_path, "wb")
        self.index: list[int] = []

    def add(self, frame_index: int, image: np.ndarray) -> None:
        assert image.shape == (self.crop_px, self.crop_px, 3) and image.dtype == np.uint8
        self._raw.write(np.ascontiguousarray(image).tobytes())
        self.index.append(int(frame_index))

    def finish(self) -> Path:
        self._raw.close()
        n = len(self.index)
        path = self.folder / "crops.npz"
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with zf.open("frames.npy", "w", force_zip64=True) as fh:
                header = {"descr": "|u1", "fortran_order": False,
                          "shape": (n, self.crop_px, self.crop_px, 3)}
                np.lib.format.write_array_header_2_0(fh, header)
                with open(self._raw_path, "rb") as raw:
                    shutil.copyfileobj(raw, fh, 1 << 22)
            with zf.open("index.npy", "w") as fh:
                np.lib.format.write_array(fh, np.asarray(self.index, dtype=np.int64))
        self._raw_path.unlink()
        return path


@dataclass
class CaseArtifacts:
    """A loaded case folder. Arrays are per decoded frame unless said otherwise.

    landmarks : ndarray (n_frames, n_points, 3), pixels, NaN where no face.
    crops : ndarray uint8 (n_kept, 224, 224, 3); crop_index : int (n_kept,) frame numbers.
    audio : float32 samples at 16 kHz, or None when the video has no soundtrack.
    """

    case_dir: Path
    meta: dict[str, Any]
    frames: pd.DataFrame
    landmarks: np.ndarray
    t: np.ndarray
    kept: np.ndarray
    fps: float
    quality: dict[str, Any]
    crops: np.ndarray = field(repr=False)
    crop_index: np.ndarray = field(repr=False)
    audio: np.ndarray | None = field(repr=False, default=None)
    features: dict[str, Any] | None = None

    @property
    def pose(self) -> np.ndarray:
        return self.frames[["yaw", "pitch", "roll"]].to_numpy(dtype=float)


def landmark_array(frames: pd.DataFrame) -> np.ndarray:
    """(n_frames, n_points, 3) landmarks from the flat x_i, y_i, z_i columns."""
    n_points = sum(1 for c in frames.columns if c.startswith("x_"))
    cols = [f"{a}_{i}" for a in "xyz" for i in range(n_points)]
    flat = frames[cols].to_numpy(dtype=np.float32)
    return flat.reshape(len(frames), 3, n_points).transpose(0, 2, 1).copy()


def load_case(case_dir: str | Path, *, crops: bool = True, audio: bool = True) -> CaseArtifacts:
    """Load a complete case folder written by :func:`preprocess_video`."""
    from strokescreen.io.audio import read_wav

    d = Path(case_dir)
    if not is_complete(d):
        raise InputError(f"{d}: not a complete strokescreen case folder (no meta.json); "
                         "run `strokescreen preprocess` first")
    meta = json.loads((d / "meta.json").read_text())
    import pandas as pd

    frames = pd.read_parquet(d / "frames.parquet")
    quality = json.loads((d / "quality.json").read_text())
    if crops and (d / "crops.npz").is_file():
        with np.load(d / "crops.npz") as z:
            crop_arr, crop_index = z["frames"], z["index"]
    else:
        crop_arr = np.zeros((0, 224, 224, 3), np.uint8)
        crop_index = np.zeros(0, np.int64)
    samples = None
    if audio and (d / "audio.wav").is_file():
        samples, _ = read_wav(d / "audio.wav")
    feats = None
    if (d / "features.json").is_file():
        feats = json.loads((d / "features.json").read_text())
    return CaseArtifacts(
        case_dir=d, meta=meta, frames=frames, landmarks=landmark_array(frames),
        t=frames["t"].to_numpy(float), kept=frames["kept"].to_numpy(bool),
        fps=float(meta.get("fps_measured") or meta.get("fps") or 30.0), quality=quality,
        crops=crop_arr, crop_index=crop_index, audio=samples, features=feats,
    )
