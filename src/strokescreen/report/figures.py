"""Images of the per-case report: key frames with landmarks, measures against normal.

Every function returns encoded image bytes (JPEG for photos, PNG for plots) ready to be
inlined as base64; nothing is written to disk. Plots use matplotlib's Agg canvas without
touching the global backend.
"""

from __future__ import annotations

import base64
from io import BytesIO
from typing import Any

import cv2
import numpy as np

from strokescreen.preprocess import stabilise

#: colours (RGB) of the drawings
_MESH = (120, 220, 160)
_AFFECTED = (230, 40, 40)
_OTHER = (40, 120, 230)
_LINE = (255, 210, 0)


def data_uri(data: bytes, mime: str) -> str:
    """``data:<mime>;base64,...`` for inlining an image in HTML."""
    return f"data:{mime};base64,{base64.b64encode(data).decode('ascii')}"


def crop_params(landmarks: np.ndarray, position: int, *, crop_px: int,
                smooth_frames: int) -> np.ndarray:
    """The (a, b, tx, ty) transform that made the stabilised crop of frame ``position``.

    Recomputed from the stored landmarks exactly as preprocessing did: the similarity
    onto the crop template per frame, averaged over a centred window of frames with a face.
    landmarks : ndarray, shape (n_frames, n_points, 3), pixels.
    """
    lo = max(position - smooth_frames // 2, 0)
    hi = min(position + smooth_frames // 2 + 1, len(landmarks))
    params = np.full((hi - lo, 4), np.nan)
    for k, i in enumerate(range(lo, hi)):
        if np.all(np.isfinite(landmarks[i, :, :2])):
            params[k] = stabilise.frame_transform(landmarks[i], crop_px=crop_px)
    return stabilise.smooth_params(params, position - lo, window=smooth_frames)


def to_crop(points: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Map image points (k, 2+) into crop coordinates with transform ``p``; (k, 2)."""
    return points[:, :2] @ stabilise.as_matrix(p)[:, :2].T + stabilise.as_matrix(p)[:, 2]


def keyframe_jpeg(
    crop: np.ndarray, points: np.ndarray, *, side: str | None, upscale: int = 2,
    quality: int = 85,
) -> bytes:
    """A face crop with its landmarks, the commissure and pupil lines, and the sides marked.

    crop : uint8 (S, S, 3) RGB stabilised face crop.
    points : (478, 2) landmarks already in crop coordinates (:func:`to_crop`).
    side : the subject's weaker side ("left" / "right") drawn in red, or None.
    The subject's sides are labelled R and L where they appear in the image.
    """
    from strokescreen.face.schemes import named_points

    img = cv2.resize(crop, None, fx=upscale, fy=upscale, interpolation=cv2.INTER_CUBIC)
    img = np.ascontiguousarray(img)
    pts = points * upscale
    for x, y in pts[np.all(np.isfinite(pts), axis=1)]:
        cv2.circle(img, (int(round(x)), int(round(y))), 1, _MESH, -1, lineType=cv2.LINE_AA)
    named = named_points(points, scheme="mp478")

    def px(name: str) -> tuple[int, int]:
        x, y = named[name][:2] * upscale
        return int(round(x)), int(round(y))

    cv2.line(img, px("pupil_r"), px("pupil_l"), _LINE, 1, cv2.LINE_AA)
    cv2.line(img, px("mouth_corner_r"), px("mouth_corner_l"), _LINE, 2, cv2.LINE_AA)
    h, w = img.shape[:2]
    for s, word in (("r", "right"), ("l", "left")):
        colour = _AFFECTED if side == word else _OTHER
        cv2.circle(img, px(f"mouth_corner_{s}"), 6, colour, 2, cv2.LINE_AA)
        x = px(f"pupil_{s}")[0]
        tx = 8 if x < w / 2 else w - 26
        cv2.putText(img, s.upper(), (tx, 28), cv2.FONT_HERSHEY_SIMPLEX, 0.8,
                    colour if side == word else (255, 255, 255), 2, cv2.LINE_AA)
    ok, buf = cv2.imencode(".jpg", cv2.cvtColor(img, cv2.COLOR_RGB2BGR),
                           [cv2.IMWRITE_JPEG_QUALITY, quality])
    if not ok:  # pragma: no cover - opencv always encodes a valid uint8 image
        raise RuntimeError("JPEG encoding failed")
    return buf.tobytes()


def _figure(width_in: float, height_in: float, dpi: int) -> Any:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width_in, height_in), dpi=dpi)
    FigureCanvasAgg(fig)
    return fig


def _png(fig: Any) -> bytes:
    buf = BytesIO()
    fig.savefig(buf, format="png")
    return buf.getvalue()


def asymmetry_png(
    t_s: np.ndarray, series: dict[str, np.ndarray], labels: dict[str, str],
    bands: dict[str, tuple[float, float]], kept: np.ndarray, *,
    marks_s: list[float] | None = None, dpi: int = 100,
) -> bytes:
    """Asymmetry measures over time, one panel each, against the healthy band.

    t_s : ndarray (n_frames,), seconds. series : name -> ndarray (n_frames,).
    bands : name -> (low, high) normal range, shaded. kept : bool (n_frames,): kept
    frames are drawn in colour, rejected ones faint grey. marks_s : times of key frames.
    """
    names = [n for n in labels if n in series]
    fig = _figure(8.0, 1.45 * max(len(names), 1) + 0.5, dpi)
    kept = np.asarray(kept, bool)
    t = np.asarray(t_s, float)
    for k, name in enumerate(names):
        ax = fig.add_subplot(len(names), 1, k + 1)
        y = np.asarray(series[name], float)
        if name in bands:
            lo, hi = bands[name]
            ax.axhspan(lo, hi, color="#2a9d8f", alpha=0.18, lw=0, label="normal range")
        ax.axhline(0.0, color="#999", lw=0.6)
        ax.plot(t, np.where(kept, np.nan, y), color="#bbb", lw=0.8, label="rejected frames")
        ax.plot(t, np.where(kept, y, np.nan), color="#1d3557", lw=1.2, label="kept frames")
        for m in marks_s or []:
            ax.axvline(m, color="#e63946", lw=0.8, ls="--")
        ax.set_ylabel(labels[name], fontsize=7.5)
        ax.tick_params(labelsize=7)
        if k < len(names) - 1:
            ax.tick_params(labelbottom=False)
        if k == 0:
            ax.legend(fontsize=6.5, loc="upper right", ncol=3, frameon=False)
    if names:
        fig.axes[-1].set_xlabel("time (s); dashed red: key frames shown above", fontsize=8)
    fig.suptitle("Left − right differences over time (positive: subject's left larger / lower)",
                 fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.97))
    return _png(fig)


def speech_png(entries: dict[str, dict[str, Any]], *, dpi: int = 100) -> bytes | None:
    """Speech measures with a normal range, each placed on its own range (band = 0..1).

    entries : name -> measure entry (value, unit, normal_low, normal_high, out_of_range).
    Returns None when no measure has both a value and a range.
    """
    rows = []
    for name, e in entries.items():
        v, low, high = e.get("value"), e.get("normal_low"), e.get("normal_high")
        if v is None or (low is None and high is None):
            continue
        # an open end is drawn as a band as wide as the closed end's magnitude
        if low is None and high is not None:
            hi = float(high)
            lo = min(0.0, float(v)) if hi > 0 else hi - abs(hi)
        elif high is None and low is not None:
            lo = float(low)
            hi = lo + max(abs(lo), 1.0)
        else:
            lo, hi = float(low or 0.0), float(high or 0.0)
        span = (hi - lo) or 1.0
        rows.append((name.removeprefix("speech_").replace("_", " "), (v - lo) / span,
                     bool(e.get("out_of_range")), v, e.get("unit", "")))
    if not rows:
        return None
    fig = _figure(7.0, 0.38 * len(rows) + 0.9, dpi)
    ax = fig.add_subplot(1, 1, 1)
    ax.axvspan(0.0, 1.0, color="#2a9d8f", alpha=0.18, lw=0)
    for k, (_, pos, out, v, unit) in enumerate(rows):
        shown = float(np.clip(pos, -1.0, 2.0))
        ax.plot([shown], [k], linestyle="none", color="#e63946" if out else "#1d3557", ms=6,
                marker=">" if pos > 2.0 else "<" if pos < -1.0 else "o")
        ax.text(2.08, k, f"{v:.3g} {unit}", va="center", fontsize=7)
    ax.set_yticks(range(len(rows)), [r[0] for r in rows], fontsize=7.5)
    ax.set_xlim(-1.05, 2.05)
    ax.set_xticks([0, 1], ["low end\nof normal", "high end\nof normal"], fontsize=7)
    ax.invert_yaxis()
    ax.set_title("Speech measures against the normal range (shaded; red: outside)", fontsize=9)
    fig.tight_layout()
    return _png(fig)



def trend_png(trend: dict[str, Any], *, dpi: int = 100) -> bytes | None:
    """The signs over one recording, per window: the composite asymmetry index against
    its normal limit (and the model's per-window probability when there is one), and the
    commissure height difference (mm). None when no window was scored."""
    every = list(trend.get("windows") or [])
    windows = [w for w in every if w.get("scored")]
    if not windows:
        return None
    mid = np.array([(w["start_s"] + w["end_s"]) / 2 for w in windows])
    half = np.array([(w["end_s"] - w["start_s"]) / 2 for w in windows])
    index = np.array([w["asymmetry_index"] for w in windows], float)
    limit = np.array([w["normal_high"] for w in windows], float)
    all_mid = np.array([(w["start_s"] + w["end_s"]) / 2 for w in every])
    droop = np.array([np.nan if w.get("mouth_corner_height_lr_mm") is None
                      else w["mouth_corner_height_lr_mm"] for w in every], float)
    xlim = (every[0]["start_s"], every[-1]["end_s"])
    risk = [w.get("risk") for w in windows]
    panels = 3 if any(r is not None for r in risk) else 2
    fig = _figure(8.0, 1.3 * panels + 0.6, dpi)
    ax = fig.add_subplot(panels, 1, 1)
    out = index > limit
    ax.bar(mid, index, width=2 * half * 0.9, color=np.where(out, "#e63946", "#1d3557"))
    ax.step(np.r_[mid - half, mid[-1] + half[-1]], np.r_[limit, limit[-1]], where="post",
            color="#2a9d8f", lw=1.2, label="normal limit")
    ax.set_ylabel("asymmetry\nindex (|z|)", fontsize=7.5)
    ax.legend(fontsize=6.5, loc="upper right", frameon=False)
    ax = fig.add_subplot(panels, 1, 2)
    ax.plot(all_mid, droop, marker="o", color="#1d3557", lw=1.0)
    ax.axhline(0.0, color="#999", lw=0.6)
    ax.set_ylabel("corner height\nL−R (mm)", fontsize=7.5)
    if panels == 3:
        ax = fig.add_subplot(panels, 1, 3)
        ax.plot(mid, [np.nan if r is None else r for r in risk], marker="o", color="#6d597a")
        ax.set_ylim(0, 1)
        ax.set_ylabel("window\nprobability", fontsize=7.5)
    for a in fig.axes:
        a.tick_params(labelsize=7)
        a.set_xlim(*xlim)
    fig.axes[-1].set_xlabel(f"time (s), windows of {trend.get('window_s', 0):g} s of kept "
                            "frames; red: outside the normal range", fontsize=8)
    fig.suptitle("Signs over the recording (a screening aid, not a diagnosis)", fontsize=9)
    fig.tight_layout(rect=(0, 0, 1, 0.96))
    return _png(fig)
