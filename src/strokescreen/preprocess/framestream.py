"""The per-frame half of preprocessing: measure each frame as it streams, decide at the end.

:class:`CaseStream` takes frames with their landmarks one at a time (in order) and

1. measures them: head pose, the stabilising similarity transform, face-region flow;
2. a few frames later (the pose-change window and the crop smoothing look ahead) decides
   every reason that depends on neighbouring frames only (:func:`proposal.motion_reason`)
   and spills the stabilised crop of every candidate frame (face found, no such reason)
   to a raw file in the case's temporary folder;
3. at the end computes the recording's reference pose, rejects the frames that are not
   frontal to it, and writes ``frames.parquet`` and ``crops.npz`` (kept frames only, with
   their real frame numbers) from the spill files.

Landmarks and crops live on disk, not in memory: what is held grows by a few numbers per
frame, so a 10-minute clip needs about the memory of a 1-minute one.
"""

from __future__ import annotations

import math
import shutil
import zipfile
from collections import deque
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from strokescreen.config import ProposalConfig
from strokescreen.face.pose import head_pose
from strokescreen.io.video import Frame
from strokescreen.preprocess import stabilise
from strokescreen.preprocess.flow import face_crop_box, face_flow
from strokescreen.preprocess.proposal import (
    Reference,
    decide,
    motion_reason,
    reference_pose,
)

BATCH_ROWS = 1024  # rows per parquet row group: few row groups keep the footer small
_CROP_BLOCK = 64  # crops copied from the spill per read


class _Grow:
    """A numpy array that grows by appending (amortised doubling)."""

    def __init__(self, shape: tuple[int, ...], dtype: type):
        self._a: np.ndarray = np.zeros((256, *shape), dtype=dtype)
        self._n = 0

    def append(self, value: Any) -> None:
        if self._n == len(self._a):
            self._a = np.concatenate([self._a, np.zeros_like(self._a)])
        self._a[self._n] = value
        self._n += 1

    def __len__(self) -> int:
        return self._n

    @property
    def view(self) -> np.ndarray:
        return self._a[: self._n]


class Spill:
    """Fixed-shape records appended to a raw file, read back in blocks (flat memory)."""

    def __init__(self, path: Path, shape: tuple[int, ...], dtype: Any):
        self.path, self.shape, self.dtype = path, shape, np.dtype(dtype)
        self.record_bytes = int(np.prod(shape)) * self.dtype.itemsize
        self._fh = open(path, "wb")
        self.n = 0

    def append(self, record: np.ndarray) -> None:
        assert record.shape == self.shape and record.dtype == self.dtype
        self._fh.write(np.ascontiguousarray(record).tobytes())
        self.n += 1

    def close(self) -> None:
        """Stop writing (idempotent); the records stay readable."""
        self._fh.close()

    def copy_to(self, out: Any) -> None:
        """Copy every record's bytes, in order, to the binary file object ``out``."""
        self.close()
        with open(self.path, "rb") as raw:
            shutil.copyfileobj(raw, out, 1 << 22)

    def blocks(self, block: int) -> Iterator[np.ndarray]:
        """Records in order, ``block`` at a time, as arrays (k, *shape)."""
        self.close()
        with open(self.path, "rb") as fh:
            for start in range(0, self.n, block):
                k = min(block, self.n - start)
                buf = fh.read(k * self.record_bytes)
                yield np.frombuffer(buf, dtype=self.dtype).reshape(k, *self.shape)

    def remove(self) -> None:
        self._fh.close()
        self.path.unlink(missing_ok=True)


class CaseStream:
    """Per-frame accumulators of one video and the steps that fill and finish them.

    folder : the case's temporary folder (spill files go there and are removed).
    width, height : frame size (pixels) for the head-pose camera model.
    n_points : landmarks per face (478 MediaPipe, 68 iBUG).
    """

    def __init__(self, folder: Path, *, width: int, height: int, n_points: int,
                 cfg: ProposalConfig):
        self.folder, self.width, self.height, self.cfg = folder, width, height, cfg
        self.n_points = n_points
        self.crop_px = cfg.crop_size_px
        self.delay = max(cfg.window_frames - 1, cfg.smooth_frames // 2)
        self.times: list[float] = []
        self.found = _Grow((), bool)
        self.poses = _Grow((3,), float)
        self.flows = _Grow((), float)
        self.params = _Grow((4,), float)
        self.motion: list[str] = []  # reasons decided while streaming (frontality aside)
        self.pending: deque[tuple[int, np.ndarray]] = deque()  # (frame, image) undecided
        self.prev_small: np.ndarray | None = None
        self.landmarks = Spill(folder / ".landmarks.raw", (n_points, 3), np.float32)
        self.crops = Spill(folder / ".candidates.raw", (self.crop_px, self.crop_px, 3),
                           np.uint8)
        self.crop_index: list[int] = []
        self._nan_lm = np.full((n_points, 3), np.nan, dtype=np.float32)

    def __len__(self) -> int:
        return len(self.times)

    # -- streaming ---------------------------------------------------------------------
    def add(self, item: tuple[Frame, np.ndarray, float, np.ndarray | None]) -> None:
        """One frame (in order): (frame, downscaled image, its scale, landmarks or None)."""
        frame, small, scale, lm = item
        self._measure(frame, small, scale, lm)
        self.pending.append((frame.index, frame.image))
        self._decide_motion(len(self) - self.delay)

    def _measure(self, frame: Frame, small: np.ndarray, scale: float,
                 lm: np.ndarray | None) -> None:
        """Pose, stabilising transform and face-region flow of one frame."""
        self.times.append(frame.t)
        self.found.append(lm is not None)
        self.landmarks.append(self._nan_lm if lm is None else lm.astype(np.float32, copy=False))
        flow = math.nan
        if lm is None:
            self.poses.append(np.full(3, np.nan))
            self.params.append(np.full(4, np.nan))
        else:
            self.poses.append(np.array(head_pose(lm, width=self.width, height=self.height)))
            self.params.append(stabilise.frame_transform(lm, crop_px=self.crop_px))
            sh, sw = small.shape[:2]
            box = face_crop_box(lm * np.float32(scale), width=sw, height=sh)
            # the previous decoded frame exists even when no face was found in it: the
            # first frame after a face gap is measured in its own face box like any other
            if self.prev_small is not None and self.prev_small.shape == small.shape:
                flow = face_flow(self.prev_small, small, box)
        self.prev_small = small
        self.flows.append(flow)

    def _decide_motion(self, upto: int) -> None:
        """Reference-independent reasons of the pending frames before ``upto``; spill the
        stabilised crop of every candidate."""
        w = self.cfg.window_frames
        found, poses, flows = self.found.view, self.poses.view, self.flows.view
        while self.pending and self.pending[0][0] < upto:
            i, image = self.pending.popleft()
            lo, hi = max(i - w + 1, 0), min(i + w, len(found))  # all that frame i depends on
            reason = motion_reason(i - lo, found[lo:hi], poses[lo:hi], flows[lo:hi],
                                   self.cfg)
            if reason == "":
                p = stabilise.smooth_params(self.params.view, i, window=self.cfg.smooth_frames)
                self.crops.append(stabilise.crop(image, p, crop_px=self.crop_px))
                self.crop_index.append(i)
            self.motion.append(reason)

    def flush(self) -> None:
        """Decide every frame still pending (the video has ended)."""
        self._decide_motion(len(self))

    # -- the end -----------------------------------------------------------------------
    def close(self) -> None:
        """Remove the spill files (after :meth:`finish`, or on an error)."""
        self.landmarks.remove()
        self.crops.remove()

    def finish(self, *, landmarker: str) -> tuple[np.ndarray, Reference]:
        """Reference pose, final reasons; write frames.parquet and crops.npz.

        Returns (reasons: object array (n_frames,), '' = kept; the reference).
        """
        self.flush()
        pose = self.poses.view
        ref = reference_pose(self.found.view, pose, self.cfg, landmarker=landmarker)
        reasons = decide(np.array(self.motion, dtype=object), pose, ref)
        try:
            self._write_table(self.folder / "frames.parquet", reasons)
            self._write_crops(self.folder / "crops.npz", reasons == "")
        finally:
            self.close()
        return reasons, ref

    def _write_table(self, path: Path, reasons: np.ndarray) -> None:
        """frames.parquet: one row per frame, in row groups of :data:`BATCH_ROWS`."""
        writer: pq.ParquetWriter | None = None
        k = self.n_points
        start = 0
        for lm in self.landmarks.blocks(BATCH_ROWS):
            sl = slice(start, start + len(lm))
            start += len(lm)
            by_axis = np.ascontiguousarray(lm.transpose(2, 1, 0))  # (3, k, n): columns
            cols: dict[str, Any] = {
                "frame": np.arange(sl.start, sl.stop, dtype=np.int64),
                "t": np.asarray(self.times[sl], dtype=np.float64),
                "face_found": self.found.view[sl].copy(),
            }
            for a, axis in zip("xyz", range(3), strict=True):
                for i in range(k):
                    cols[f"{a}_{i}"] = by_axis[axis, i]
            pose = self.poses.view[sl].astype(np.float32)
            cols["yaw"], cols["pitch"], cols["roll"] = pose[:, 0], pose[:, 1], pose[:, 2]
            cols["flow"] = self.flows.view[sl].astype(np.float32)
            cols["kept"] = reasons[sl] == ""
            cols["reject_reason"] = pa.array(list(reasons[sl]), type=pa.string())
            table = pa.table(cols)
            if writer is None:
                # dictionary encoding only where values repeat: trying it on 1434
                # landmark columns of unique floats costs time and saves nothing
                writer = pq.ParquetWriter(path, table.schema, compression="zstd",
                                          write_statistics=["frame", "t"],
                                          use_dictionary=["reject_reason"])
            writer.write_table(table)
        if writer is None:
            raise ValueError("no frames to write")  # the caller checks for frames first
        writer.close()

    def _write_crops(self, path: Path, kept: np.ndarray) -> None:
        """crops.npz (stored zip): ``frames`` uint8 (n_kept, c, c, 3), ``index`` int64."""
        index = np.asarray(self.crop_index, dtype=np.int64)
        take = kept[index] if len(index) else np.zeros(0, bool)
        c = self.crop_px
        with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_STORED, allowZip64=True) as zf:
            with zf.open("frames.npy", "w", force_zip64=True) as fh:
                header = {"descr": "|u1", "fortran_order": False,
                          "shape": (int(take.sum()), c, c, 3)}
                np.lib.format.write_array_header_2_0(fh, header)
                if take.all():  # nothing to drop: copy the spill as it is
                    self.crops.copy_to(fh)
                else:
                    start = 0
                    for block in self.crops.blocks(_CROP_BLOCK):
                        sel = take[start:start + len(block)]
                        start += len(block)
                        if sel.any():
                            fh.write(np.ascontiguousarray(block[sel]).tobytes())
            with zf.open("index.npy", "w") as fh:
                np.lib.format.write_array(fh, index[take])
