"""Small fake case folders with a planted stroke signal, for tests and benchmarks.

Not the synthetic cohort of :mod:`strokescreen.synth` (faces animated from portraits):
these are complete case folders of the typed contract
(:mod:`strokescreen.preprocess.artifacts`: ``meta.json``, ``quality.json``,
``frames.parquet``, ``crops.npz``, ``audio.wav``) whose content is only what the deep model
reads (crops and audio; no landmarks, ``n_points`` 0), fast to write, with a known answer:

- every subject has its own smooth random texture and its own amount of motion (step
  length per frame, 0.5-4 px): identity; every frame is that texture moved by a random
  walk of that step length, plus noise;
- in a stroke case one half of the crop does not move, so the difference of two adjacent
  frames is dark on that half; in a non-stroke case both halves move;
- every subject has a voice: harmonics of their own pitch (100-250 Hz) in speech-like
  bursts (identity again); stroke audio carries a steady 1 kHz tone besides.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.preprocess.artifacts import (
    AUDIO_WAV,
    CROPS_NPZ,
    FRAMES_PARQUET,
    CaseMeta,
    CaseQuality,
    atomic_dir,
    write_meta,
    write_quality,
)

RATE_HZ = 16000
FPS = 30.0


def subject_texture(rng: np.random.Generator, *, px: int) -> np.ndarray:
    """Smooth random RGB texture, float32 (px, px, 3) in [0, 255]: one subject's "face"."""
    import cv2

    coarse = rng.random((8, 8, 3)).astype(np.float32)
    fine = rng.random((px // 4, px // 4, 3)).astype(np.float32)
    img = 0.7 * cv2.resize(coarse, (px, px), interpolation=cv2.INTER_CUBIC) + 0.3 * cv2.resize(
        fine, (px, px), interpolation=cv2.INTER_LINEAR)
    return np.clip(img, 0, 1) * 255.0


def fake_frames(texture: np.ndarray, index: np.ndarray, *, stroke: bool,
                rng: np.random.Generator, still_half: str = "left",
                shift_px: float = 2.0, strength: float = 1.0) -> np.ndarray:
    """uint8 (N, px, px, 3) crops for real frame numbers ``index``.

    Each frame is the texture translated by a random walk (steps of ``shift_px`` pixels
    in a random direction); with ``stroke`` the ``still_half`` (left/right) moves only
    ``1 - strength`` as far (``strength=1``: not at all).
    """
    import cv2

    px = texture.shape[0]
    n_total = int(index.max()) + 1 if len(index) else 0
    angle = rng.uniform(0.0, 2 * np.pi, n_total)
    steps = shift_px * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    walk = np.cumsum(steps, axis=0)
    out = np.empty((len(index), px, px, 3), np.uint8)
    half = slice(0, px // 2) if still_half == "left" else slice(px // 2, px)
    for k, f in enumerate(index):
        m = np.array([[1, 0, walk[f, 0]], [0, 1, walk[f, 1]]], dtype=np.float32)
        img = cv2.warpAffine(texture, m, (px, px), borderMode=cv2.BORDER_REFLECT)
        if stroke:
            weak = m.copy()
            weak[:, 2] *= 1.0 - strength
            still = cv2.warpAffine(texture, weak, (px, px), borderMode=cv2.BORDER_REFLECT)
            img[:, half] = still[:, half]
        img = img + rng.normal(0, 2.0, img.shape)
        out[k] = np.clip(img, 0, 255).astype(np.uint8)
    return out


def fake_audio(rng: np.random.Generator, *, seconds: float, stroke: bool,
               f0_hz: float | None = None, strength: float = 1.0) -> np.ndarray:
    """float32 mono at 16 kHz: bursts at ~4 Hz of noise (and of a voice: five harmonics
    of ``f0_hz`` when given), plus a steady 1 kHz tone of amplitude ``0.3 * strength``
    when ``stroke``."""
    n = int(seconds * RATE_HZ)
    t = np.arange(n) / RATE_HZ
    env = (np.sin(2 * np.pi * 4.0 * t + rng.uniform(0, 6.3)) > 0).astype(np.float32)
    y = 0.2 * env * rng.normal(0, 1, n)
    if f0_hz is not None:
        y = y + 0.3 * env * sum(np.sin(2 * np.pi * k * f0_hz * t) / k for k in range(1, 6))
    if stroke:
        y = y + 0.3 * strength * np.sin(2 * np.pi * 1000.0 * t)
    return (y / max(1e-6, np.abs(y).max()) * 0.8).astype(np.float32)


def kept_index(rng: np.random.Generator, *, n_video_frames: int, keep: float = 0.5,
               run: tuple[int, int] = (2, 6)) -> np.ndarray:
    """Real frame numbers of kept frames: runs of ``run`` frames separated by gaps."""
    idx: list[int] = []
    f = int(rng.integers(0, 3))
    while f < n_video_frames:
        length = int(rng.integers(run[0], run[1] + 1))
        idx += list(range(f, min(n_video_frames, f + length)))
        f += length + 1 + int(rng.geometric(keep))
    return np.asarray(idx, np.int64)


def write_fake_case(case_dir: str | Path, *, texture: np.ndarray, stroke: bool,
                    rng: np.random.Generator, n_video_frames: int = 40,
                    audio_seconds: float | None = 2.0, index: np.ndarray | None = None,
                    still_half: str = "left",
                    shift_px: float = 2.0, f0_hz: float | None = None,
                    strength: float = 1.0) -> Path:
    """Write a complete case folder into ``case_dir`` (replacing one there); returns it.

    ``crops.npz`` holds the crops of the kept frames ``index`` (real frame numbers);
    ``audio.wav`` is left out when ``audio_seconds`` is None, and ``meta.json`` then says
    the recording has no soundtrack. ``frames.parquet`` has one row per frame of the
    ``n_video_frames`` (or up to the last kept one), kept where in ``index``.
    """
    import soundfile

    case_dir = Path(case_dir)
    if index is None:
        index = kept_index(rng, n_video_frames=n_video_frames)
    index = np.asarray(index, np.int64)
    frames = fake_frames(texture, index, stroke=stroke, rng=rng, still_half=still_half,
                         shift_px=shift_px, strength=strength)
    audio = None if audio_seconds is None else fake_audio(
        rng, seconds=audio_seconds, stroke=stroke, f0_hz=f0_hz, strength=strength)
    n_frames = max(n_video_frames, int(index.max()) + 1 if len(index) else 0)
    with atomic_dir(case_dir, overwrite=True) as tmp:
        np.savez(tmp / CROPS_NPZ, frames=frames, index=index)
        if audio is not None:
            soundfile.write(str(tmp / AUDIO_WAV), audio, RATE_HZ, subtype="PCM_16")
        _frame_table(n_frames, index).to_parquet(tmp / FRAMES_PARQUET, index=False)
        write_quality(tmp, CaseQuality(verdict="good", reasons=[], n_frames=n_frames,
                                       n_kept=len(index)))
        write_meta(tmp, CaseMeta(
            input_sha256="fake", fps=FPS, n_frames=n_frames, audio_present=audio is not None,
            cache_key="fake", duration_s=n_frames / FPS, landmarker="none", n_points=0,
            audio_rate_hz=RATE_HZ if audio is not None else None,
            audio_s=audio_seconds, audio_note="" if audio is not None else "no audio track",
            stage_version="tools.deep_fake"))  # meta.json last: it marks the folder complete
    return case_dir


def _frame_table(n_frames: int, index: np.ndarray) -> pd.DataFrame:
    """``frames.parquet`` of a fake case: the columns :func:`load_case` and
    :func:`read_frame_table` read, without landmark columns (``n_points`` 0)."""
    frame = np.arange(n_frames, dtype=np.int64)
    kept = np.isin(frame, index)
    zero = np.zeros(n_frames, np.float32)
    return pd.DataFrame({
        "frame": frame, "t": frame / FPS, "face_found": kept, "yaw": zero, "pitch": zero,
        "roll": zero, "flow": zero, "kept": kept,
        "reject_reason": np.where(kept, "", "not kept (fake)")})


def fake_cohort(work: str | Path, *, n_subjects: int, n_recordings: int = 1,
                seed: int = 0, px: int = 64, n_video_frames: int = 40,
                audio_seconds: float = 2.0, strength: float = 1.0) -> pd.DataFrame:
    """Write ``work/cases/<case_id>/`` for every case; returns the ``cases`` table
    (case_id, subject_id, label, case_dir). Half the subjects are stroke (label 1);
    ``strength`` in (0, 1] scales the planted signal (weaker = harder)."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        label = int(s % 2 == 1)
        texture = subject_texture(rng, px=px)
        shift = float(rng.uniform(0.5, 4.0))
        f0 = float(rng.uniform(100.0, 250.0))
        for r in range(n_recordings):
            cid = f"s{s:03d}_r{r}"
            d = write_fake_case(Path(work) / "cases" / cid, texture=texture, stroke=bool(label),
                                rng=rng, n_video_frames=n_video_frames,
                                audio_seconds=audio_seconds, shift_px=shift, f0_hz=f0,
                                strength=strength)
            rows.append({"case_id": cid, "subject_id": f"s{s:03d}", "label": label,
                         "case_dir": str(d)})
    return pd.DataFrame(rows)


def write_fake_manifest(work: str | Path, cases: pd.DataFrame) -> Path:
    """``work/manifest.csv`` for a :func:`fake_cohort` (video paths named after the cases,
    marked synthetic), as ``ablate`` and ``evaluate`` read a cohort; returns its path."""
    path = Path(work) / "manifest.csv"
    cases[["case_id", "subject_id", "label"]].assign(
        video=[f"videos/{c}.mp4" for c in cases["case_id"]], synthetic=True,
    ).to_csv(path, index=False)
    return path
