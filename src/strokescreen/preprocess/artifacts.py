"""The per-case artifact folder: the one contract for reading and writing it.

A case folder is complete when ``meta.json`` exists in it: every file is first written
into a hidden sibling folder that is renamed into place at the end, so a crash never
leaves a half-written folder that looks complete.

Every reader goes through this module: :func:`read_meta` and :func:`read_quality` give the
typed :class:`CaseMeta` and :class:`CaseQuality`, :func:`load_case` the whole folder as a
:class:`CaseArtifacts`, :func:`read_frame_table` the per-frame table's few columns a page
needs. The file names are the constants below. ``CaseMeta.VERSION`` and
``CaseQuality.VERSION`` number the key sets of ``meta.json`` and ``quality.json``
(not written into the files, whose bytes stay as they were); a change of keys bumps them.
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
from dataclasses import MISSING, asdict, dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np

from strokescreen.errors import InputError
from strokescreen.io.paths import check_writable

if TYPE_CHECKING:  # pandas loads lazily: it is slow to import
    import pandas as pd

META_JSON, FRAMES_PARQUET, CROPS_NPZ = "meta.json", "frames.parquet", "crops.npz"
AUDIO_WAV, QUALITY_JSON, FEATURES_JSON = "audio.wav", "quality.json", "features.json"
ARTIFACT_FILES = (META_JSON, FRAMES_PARQUET, CROPS_NPZ, AUDIO_WAV, QUALITY_JSON)
_T = TypeVar("_T", "CaseMeta", "CaseQuality")


def _from_dict(cls: type[_T], data: Any, source: str) -> _T:
    """``cls(**data)`` with one clear InputError for a missing or unknown key."""
    if not isinstance(data, dict):
        raise InputError(f"{source}: not a JSON object; re-run `strokescreen preprocess`")
    names = {f.name for f in fields(cls)}
    required = {f.name for f in fields(cls) if f.default is f.default_factory is MISSING}
    missing, unknown = sorted(required - data.keys()), sorted(data.keys() - names)
    if missing or unknown:
        what = "; ".join(filter(None, [
            f"missing {', '.join(missing)}" if missing else "",
            f"unknown {', '.join(unknown)}" if unknown else ""]))
        raise InputError(f"{source}: not a version-{cls.VERSION} strokescreen file ({what}); "
                         "re-run `strokescreen preprocess` on the recording")
    return cls(**data)


@dataclass(frozen=True)
class CaseMeta:
    """``meta.json``: the input, its decoding, the soundtrack and the stage's settings.

    duration_s, declared_duration_s, audio_s : seconds; fps, fps_measured : frames/s;
    width, height : pixels after rotation; rotation_deg : degrees; audio_rate_hz : Hz.
    """

    VERSION: ClassVar[int] = 2  # 2: frontal_reference

    input_sha256: str
    fps: float
    n_frames: int
    audio_present: bool
    cache_key: str
    input_bytes: int | None = None
    duration_s: float | None = None
    declared_duration_s: float | None = None
    fps_measured: float | None = None
    width: int | None = None
    height: int | None = None
    rotation_deg: float | None = None
    codec: str | None = None
    audio_note: str = ""
    audio_rate_hz: int | None = None
    audio_s: float | None = None
    landmarker: str | None = None
    n_points: int = 478
    versions: dict[str, str] = field(default_factory=dict)
    stage_version: str = ""
    config: dict[str, Any] = field(default_factory=dict)
    config_hash: str = ""
    elapsed_s: float | None = None
    frontal_reference: dict[str, Any] | None = None

    @classmethod
    def from_dict(cls, data: Any, *, source: str = META_JSON) -> CaseMeta:
        return _from_dict(cls, data, source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @property
    def analysis_fps(self) -> float:
        """The measured frame rate, else the declared one, else 30."""
        return float(self.fps_measured or self.fps or 30.0)


@dataclass(frozen=True)
class CaseQuality:
    """``quality.json``: counts per reject reason, usable share and a verdict.

    verdict : ``good``, ``review`` or ``unusable``, with ``reasons`` and ``advice``;
    longest_usable_run_s, speech_s, duration_s : seconds; shares are fractions 0..1.
    """

    VERSION: ClassVar[int] = 2  # 2: frontal_reference

    verdict: str
    reasons: list[str]
    n_frames: int
    n_kept: int
    advice: str = ""
    reject_counts: dict[str, int] = field(default_factory=dict)
    face_found_share: float | None = None
    usable_share: float | None = None
    longest_usable_run_frames: int | None = None
    longest_usable_run_s: float | None = None
    speech_s: float | None = None
    duration_s: float | None = None
    frontal_reference: dict[str, Any] | None = None
    """The recording's reference pose: criterion, measured median, reference used, limits."""

    @classmethod
    def from_dict(cls, data: Any, *, source: str = QUALITY_JSON) -> CaseQuality:
        return _from_dict(cls, data, source)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        raise InputError(f"{path}: missing; run `strokescreen preprocess` first") from None
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: unreadable ({exc.__class__.__name__}); re-run "
                         "`strokescreen preprocess`") from None


def read_meta(case_dir: str | Path) -> CaseMeta:
    """The typed ``meta.json`` of a case folder; InputError when missing or malformed."""
    path = Path(case_dir) / META_JSON
    return CaseMeta.from_dict(_read_json(path), source=str(path))


def read_quality(case_dir: str | Path) -> CaseQuality:
    """The typed ``quality.json`` of a case folder; InputError when missing or malformed."""
    path = Path(case_dir) / QUALITY_JSON
    return CaseQuality.from_dict(_read_json(path), source=str(path))


def write_meta(case_dir: Path, meta: CaseMeta) -> None:
    write_json(Path(case_dir) / META_JSON, meta.to_dict())


def write_quality(case_dir: Path, quality: CaseQuality) -> None:
    write_json(Path(case_dir) / QUALITY_JSON, quality.to_dict())


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
    return (Path(case_dir) / META_JSON).is_file()


def check_out_dir(out: Path, *, overwrite: bool) -> None:
    """Refuse a non-empty output folder unless ``overwrite``; never touch it otherwise."""
    if out.exists() and not out.is_dir():
        raise InputError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not overwrite:
        raise InputError(
            f"{out}: folder exists and is not empty; choose another --out or pass --overwrite"
        )
    check_writable(out)


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
    meta: CaseMeta
    frames: pd.DataFrame
    landmarks: np.ndarray
    t: np.ndarray
    kept: np.ndarray
    fps: float
    quality: CaseQuality
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
    meta = read_meta(d)
    import pandas as pd

    frames = pd.read_parquet(d / FRAMES_PARQUET)
    quality = read_quality(d)
    if crops and (d / CROPS_NPZ).is_file():
        with np.load(d / CROPS_NPZ) as z:
            crop_arr, crop_index = z["frames"], z["index"]
    else:
        crop_arr = np.zeros((0, 224, 224, 3), np.uint8)
        crop_index = np.zeros(0, np.int64)
    samples = None
    if audio and (d / AUDIO_WAV).is_file():
        samples, _ = read_wav(d / AUDIO_WAV)
    feats = None
    if (d / FEATURES_JSON).is_file():
        feats = json.loads((d / FEATURES_JSON).read_text())
    return CaseArtifacts(
        case_dir=d, meta=meta, frames=frames, landmarks=landmark_array(frames),
        t=frames["t"].to_numpy(float), kept=frames["kept"].to_numpy(bool),
        fps=meta.analysis_fps, quality=quality,
        crops=crop_arr, crop_index=crop_index, audio=samples, features=feats,
    )


def read_frame_table(case_dir: str | Path, *, n_points: int) -> dict[str, np.ndarray]:
    """``frame``, ``t`` (s), ``kept`` and ``landmarks`` (n_frames, n_points, 2) px, read
    from only those columns of ``frames.parquet``."""
    import pyarrow.parquet as pq

    cols = ["frame", "t", "kept"] + [f"{a}_{i}" for a in "xy" for i in range(n_points)]
    table = pq.read_table(Path(case_dir) / FRAMES_PARQUET, columns=cols)
    n = table.num_rows
    lm = np.empty((n, n_points, 2), dtype=np.float32)
    for i in range(n_points):
        lm[:, i, 0] = table.column(f"x_{i}").to_numpy()
        lm[:, i, 1] = table.column(f"y_{i}").to_numpy()
    return {"frame": table.column("frame").to_numpy(), "t": table.column("t").to_numpy(),
            "kept": table.column("kept").to_numpy(zero_copy_only=False).astype(bool),
            "landmarks": lm}
