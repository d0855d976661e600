"""Inputs of the region-crop and 3-D video baselines: presets and per-case samples.

A case gives its samples from the stabilised crops of its kept frames (``crops.npz``):

- ``region-cnn``: per frame (up to ``max_frames``, evenly spread) the three left/right
  region pairs of :func:`strokescreen.models.region_crops.region_pairs`, placed by the
  frame's landmarks mapped into the crop (the template positions where a case has no
  landmarks);
- ``i3d`` / ``slowfast``: clips of ``clip_frames`` consecutive kept frames resized to
  ``clip_px`` (up to ``max_clips`` per case, evenly spread). Clips lie inside runs of
  truly adjacent frames when the case has runs that long; otherwise consecutive kept
  frames are taken in order across the gaps (the reason is recorded).

Never raises for a case that lacks input: the reason is recorded and the case is left
out of training (NaN probability in prediction).
"""

from __future__ import annotations

import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from strokescreen.errors import ConfigError, StrokeScreenError

ARCHS = ("region-cnn", "i3d", "slowfast")


@dataclass(frozen=True)
class VideoPreset:
    """Sizes and schedule of the region-crop and 3-D baselines.

    patch_px : side of each region patch, pixels; region_channels : the region encoder's
        three stage widths; max_frames : frames per case for ``region-cnn``.
    clip_frames : frames per clip (the fast pathway's rate); clip_px : clip frame side,
        pixels; max_clips : clips per case.
    i3d_depth, i3d_width : the 2-D ResNet (18/34, width multiplier) inflated into I3D; a
        2-D weight file only fits at width 1.0.
    sf_alpha : the slow pathway sees every ``sf_alpha``-th frame; sf_beta : the fast
        pathway's channels are ``sf_beta`` x the slow pathway's; sf_channels : the slow
        pathway's stem width (stage widths double from it); sf_blocks : residual blocks
        per stage.
    batch_size, lr, epochs, weight_decay : Adam schedule; num_threads : torch CPU threads
        (0 = one per core).
    """

    name: str
    patch_px: int
    region_channels: tuple[int, int, int]
    max_frames: int
    clip_frames: int
    clip_px: int
    max_clips: int
    i3d_depth: int
    i3d_width: float
    sf_alpha: int
    sf_beta: float
    sf_channels: int
    batch_size: int
    lr: float
    epochs: int
    weight_decay: float = 1e-4
    num_threads: int = 0
    sf_blocks: int = 2

    def validate(self) -> VideoPreset:
        checks = (
            (self.patch_px >= 8, "patch_px", ">= 8"),
            (len(self.region_channels) == 3 and min(self.region_channels) >= 1,
             "region_channels", "three widths >= 1"),
            (self.max_frames >= 1 and self.max_clips >= 1, "max_frames/max_clips", ">= 1"),
            (self.clip_px >= 16, "clip_px", ">= 16"),
            (self.i3d_depth in (18, 34), "i3d_depth", "18 or 34"),
            (self.i3d_width > 0, "i3d_width", "> 0"),
            (self.sf_alpha >= 2 and self.clip_frames % self.sf_alpha == 0, "sf_alpha",
             ">= 2 and divide clip_frames"),
            (0 < self.sf_beta <= 1, "sf_beta", "in (0, 1]"),
            (self.sf_channels >= 4, "sf_channels", ">= 4"),
            (self.sf_blocks >= 1, "sf_blocks", ">= 1"),
            (self.batch_size >= 2 and self.epochs >= 1 and self.lr > 0, "batch_size/epochs/lr",
             "batch_size >= 2, epochs >= 1, lr > 0"),
        )
        for ok, name, want in checks:
            if not ok:
                raise ConfigError(f"video preset {self.name!r}: {name} must be {want}, got "
                                  f"{getattr(self, name.split('/')[0])!r}")
        return self

    def to_dict(self) -> dict:
        d = asdict(self)
        d["region_channels"] = list(self.region_channels)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> VideoPreset:
        return cls(**{**d, "region_channels": tuple(d["region_channels"])}).validate()


PRESETS: dict[str, VideoPreset] = {
    # 2 CPU cores: 24 px patches, 8-frame 48 px clips, eighth-width I3D-18, a slow
    # pathway of 2 frames beside a fast one of 8 at a quarter of its channels.
    "tiny": VideoPreset("tiny", patch_px=24, region_channels=(8, 16, 32), max_frames=8,
                        clip_frames=8, clip_px=48, max_clips=4, i3d_depth=18, i3d_width=0.125,
                        sf_alpha=4, sf_beta=0.25, sf_channels=16, batch_size=16, lr=2e-3,
                        epochs=6, num_threads=1, sf_blocks=1),
    # A GPU: 48 px patches, 16-frame 112 px clips, a full-width I3D-18 (ImageNet ResNet-18
    # weights fit), SlowFast with alpha 4 and beta 1/8.
    "default": VideoPreset("default", patch_px=48, region_channels=(32, 64, 128),
                           max_frames=32, clip_frames=16, clip_px=112, max_clips=8,
                           i3d_depth=18, i3d_width=1.0, sf_alpha=4, sf_beta=0.125,
                           sf_channels=64, batch_size=16, lr=1e-4, epochs=30),
    # The usual video-network input: 32-frame 224 px clips, SlowFast alpha 8, beta 1/8;
    # I3D inflated from a ResNet-34 (the video branch's FairFace weights fit).
    "paper": VideoPreset("paper", patch_px=64, region_channels=(32, 64, 128),
                         max_frames=32, clip_frames=32, clip_px=224, max_clips=4,
                         i3d_depth=34, i3d_width=1.0, sf_alpha=8, sf_beta=0.125,
                         sf_channels=64, batch_size=8, lr=1e-4, epochs=20),
}


def get_video_preset(name: str | VideoPreset, **overrides: object) -> VideoPreset:
    """Preset by name (``tiny``/``default``/``paper``) with optional overrides, validated."""
    from strokescreen.config import choose_preset

    return choose_preset(name, PRESETS, VideoPreset, **overrides)


@dataclass
class VideoSamples:
    """The samples of one case: ``x`` uint8, (S, 3, 2, P, P, 3) region pairs or
    (S, T, px, px, 3) clips; S == 0 with ``reason`` when the case has none."""

    case_id: str
    x: np.ndarray
    reason: str | None = None
    note: str | None = None


def spread(n: int, k: int) -> np.ndarray:
    """At most ``k`` positions evenly spread over ``range(n)``."""
    if n <= k:
        return np.arange(n)
    return np.unique(np.round(np.linspace(0, n - 1, k)).astype(int))


def clip_starts(index: np.ndarray, *, clip_frames: int, max_clips: int
                ) -> tuple[np.ndarray, str | None]:
    """Start positions (into ``index``) of clips of ``clip_frames`` consecutive kept
    frames, and a note when the clips had to cross gaps in the frame numbers.

    index : int (N,) real frame numbers of the kept frames, increasing.
    """
    index = np.asarray(index, dtype=np.int64)
    n = len(index)
    if n < clip_frames:
        return np.zeros(0, np.int64), None
    adjacent = np.diff(index) == 1
    # a start s is clean when index[s .. s + T - 1] are truly consecutive frames
    ok = np.array([adjacent[s:s + clip_frames - 1].all() for s in range(n - clip_frames + 1)])
    starts = np.flatnonzero(ok)
    note = None
    if not len(starts):
        starts = np.arange(n - clip_frames + 1)
        note = f"no run of {clip_frames} adjacent kept frames: clips cross gaps"
    return starts[spread(len(starts), max_clips)], note


def _resize_all(frames: np.ndarray, px: int) -> np.ndarray:
    import cv2

    if frames.shape[1] == px:
        return frames
    return np.stack([cv2.resize(f, (px, px), interpolation=cv2.INTER_AREA) for f in frames])


def _smooth_frames(meta_config: dict) -> int:
    proposal = meta_config.get("proposal") if isinstance(meta_config, dict) else None
    value = proposal.get("smooth_frames") if isinstance(proposal, dict) else None
    return int(value) if isinstance(value, int | float) and value >= 1 else 5


def load_video_samples(case_dir: str | Path, *, case_id: str, arch: str,
                       preset: VideoPreset) -> VideoSamples:
    """The samples of one case folder for ``arch`` (see the module docstring)."""
    from strokescreen.models.region_crops import crop_landmarks, region_pairs
    from strokescreen.preprocess.artifacts import load_case

    case_dir = Path(case_dir)
    empty = np.zeros((0,), np.uint8)
    if not case_dir.is_dir():
        return VideoSamples(case_id, empty, f"case folder not found: {case_dir}")
    try:
        art = load_case(case_dir, audio=False)
    except (StrokeScreenError, OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        return VideoSamples(case_id, empty, f"unreadable case artifacts in {case_dir} "
                                            f"({type(exc).__name__}: {exc})")
    crops, index = art.crops, art.crop_index
    if not len(index):
        return VideoSamples(case_id, empty, "no kept frames (crops.npz empty or absent)")
    if arch == "region-cnn":
        pos = spread(len(index), preset.max_frames)
        pts = None
        note = None
        if art.landmarks.shape[1] > 0:
            pts = crop_landmarks(art.landmarks, index[pos], crop_px=crops.shape[1],
                                 smooth_frames=_smooth_frames(art.meta.config))
        else:
            note = "no landmarks: regions at the stabilisation template's positions"
        x = np.stack([region_pairs(crops[p], None if pts is None else pts[k],
                                   patch_px=preset.patch_px) for k, p in enumerate(pos)])
        return VideoSamples(case_id, x, None, note)
    starts, note = clip_starts(index, clip_frames=preset.clip_frames,
                               max_clips=preset.max_clips)
    if not len(starts):
        return VideoSamples(case_id, empty, f"fewer kept frames ({len(index)}) than one clip "
                                            f"({preset.clip_frames})")
    used = np.unique(np.concatenate([np.arange(s, s + preset.clip_frames) for s in starts]))
    small = dict(zip(used.tolist(), _resize_all(crops[used], preset.clip_px), strict=True))
    x = np.stack([np.stack([small[int(s) + t] for t in range(preset.clip_frames)])
                  for s in starts])
    return VideoSamples(case_id, x, None, note)


_CACHE: dict[tuple, VideoSamples] = {}
_CACHE_MAX_BYTES = 512 * 2**20


def load_video_samples_cached(case_dir: str | Path, *, case_id: str, arch: str,
                              preset: VideoPreset) -> VideoSamples:
    """:func:`load_video_samples` through a bounded process-wide memo keyed by the folder,
    its files' times and sizes and the input sizes (repeated folds read a case once)."""
    from strokescreen.preprocess.artifacts import CROPS_NPZ, FRAMES_PARQUET, META_JSON

    d = Path(case_dir)
    stamps = tuple((f.stat().st_mtime_ns, f.stat().st_size) if f.is_file() else None
                   for f in (d / CROPS_NPZ, d / FRAMES_PARQUET, d / META_JSON))
    sizes = ((preset.patch_px, preset.max_frames) if arch == "region-cnn"
             else (preset.clip_frames, preset.clip_px, preset.max_clips))
    key = (str(d.resolve()), stamps, arch == "region-cnn", sizes)
    hit = _CACHE.get(key)
    if hit is not None:
        return replace(hit, case_id=case_id)
    s = load_video_samples(d, case_id=case_id, arch=arch, preset=preset)
    used = sum(v.x.nbytes for v in _CACHE.values())
    while _CACHE and used + s.x.nbytes > _CACHE_MAX_BYTES:
        used -= _CACHE.pop(next(iter(_CACHE))).x.nbytes
    if s.x.nbytes <= _CACHE_MAX_BYTES:
        _CACHE[key] = s
    return s
