"""Clip builders for tests: a real portrait moved with known pose, written as video."""

from __future__ import annotations

import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from strokescreen.io.video import write_video

REPO = Path(__file__).resolve().parents[1]
REAL = REPO.parent / "shared" / "data" / "real"


def real_file(*parts: str) -> Path:
    """Path of a file under ../shared/data/real, or skip the test when it is absent."""
    p = REAL.joinpath(*parts)
    if not p.is_file():
        pytest.skip(f"real recording {p} not present (../shared/data/real is optional)")
    return p


def portrait_frame(portrait: np.ndarray, *, width: int = 480, height: int = 360,
                   roll_deg: float = 0.0, shift_px: tuple[float, float] = (0.0, 0.0),
                   face_width_frac: float = 1.0) -> np.ndarray:
    """Place a portrait in a frame, rotated in the image plane by ``roll_deg``."""
    ph, pw = portrait.shape[:2]
    scale = height / ph * face_width_frac
    centre = (pw / 2.0, ph / 2.0)
    M = cv2.getRotationMatrix2D(centre, -roll_deg, scale)
    M[0, 2] += width / 2.0 - centre[0] + shift_px[0]
    M[1, 2] += height / 2.0 - centre[1] + shift_px[1]
    return cv2.warpAffine(portrait, M, (width, height), borderMode=cv2.BORDER_REPLICATE)


def portrait_clip(path: Path, portrait: np.ndarray, *, seconds: float = 2.0, fps: float = 30.0,
                  roll_fn=None, shift_fn=None, audio: np.ndarray | None = None,
                  width: int = 480, height: int = 360, rotation_deg: int = 0) -> Path:
    """A clip of a portrait gently moving (small shifts keep flow above 'no motion')."""
    n = int(round(seconds * fps))
    rng = np.random.default_rng(0)

    def frames():
        for i in range(n):
            roll = roll_fn(i) if roll_fn else 0.0
            shift = shift_fn(i) if shift_fn else (2.0 * math.sin(i / 3.0), 1.5 * math.cos(i / 4.0))
            img = portrait_frame(portrait, width=width, height=height, roll_deg=roll, shift_px=shift)
            noise = rng.integers(-3, 4, size=img.shape)
            yield np.clip(img.astype(int) + noise, 0, 255).astype(np.uint8)

    return write_video(path, frames(), fps=fps, audio=audio, rotation_deg=rotation_deg)


def tone(seconds: float, *, rate_hz: int = 16000, f0_hz: float = 160.0) -> np.ndarray:
    t = np.arange(int(seconds * rate_hz)) / rate_hz
    env = (np.sin(2 * np.pi * 4 * t) > 0).astype(np.float32)
    return (0.3 * env * np.sin(2 * np.pi * f0_hz * t)).astype(np.float32)
