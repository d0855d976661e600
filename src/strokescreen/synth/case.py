"""Render one synthetic recording: animate the rig along the script, encode, write truth.

Per frame, the animated mesh (face frame, mm) is the rest mesh plus the blendshapes
weighted by the script's controls with this subject's per-side gains (weakness and
natural asymmetry) and static offsets (droop, brow drop). It is posed, projected, and
the base image is warped onto it; the mouth interior, a passing hand and camera effects
are drawn on top. The projected mesh IS the per-frame ground truth.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.config import DifficultyPreset
from strokescreen.synth.encode import Mp4Writer
from strokescreen.synth.face_model import BLENDSHAPES, commissure_dh_mm, pose_matrix
from strokescreen.synth.paint import (
    camera,
    draw_occluder,
    face_coverage,
    hand_shape,
    noise_bank,
    occluder_centre,
    paint_lids,
    paint_mouth,
)
from strokescreen.synth.params import CaseParams
from strokescreen.synth.rig import PIVOT_MM, Rig, build_rig
from strokescreen.synth.script import Timeline, build_timeline

CASE_STREAM = 0xCA5E
OCCLUDED_SHARE = 0.10


@dataclass(frozen=True)
class CaseResult:
    """What rendering one case produced (paths relative to the cohort folder)."""

    case_index: int
    case_id: str
    video: str
    truth: str
    n_frames: int
    head_turn_frames: int
    occluded_frames: int
    speech_rate_syl_s: float
    render_s: float


def case_rng(seed: int, case_index: int) -> np.random.Generator:
    """The generator of one case: depends only on (seed, case index)."""
    return np.random.default_rng(np.random.SeedSequence([seed, CASE_STREAM, case_index]))


def activations(case: CaseParams, tl: Timeline, rig: Rig) -> np.ndarray:
    """Blendshape weights (n_frames, len(BLENDSHAPES)) with per-side gains and offsets."""
    c = tl.controls
    g_left, g_right = case.smile_gains
    gain = {"left": g_left, "right": g_right}
    eye = {s: 1.0 - (case.eye_closure_loss if case.side == s else 0.0) for s in gain}
    brow = {s: 1.0 - (case.brow_loss if case.side == s else 0.0) for s in gain}
    nat = case.natural_dh_mm - commissure_dh_mm(rig.rest_mm)
    droop = {"left": max(nat, 0.0), "right": max(-nat, 0.0)}
    if case.side in droop:
        droop[case.side] += case.droop_mm
    w = np.zeros((tl.n_frames, len(BLENDSHAPES)))
    col = {name: k for k, name in enumerate(BLENDSHAPES)}
    w[:, col["jaw"]] = c["jaw"]
    for s in ("left", "right"):
        w[:, col[f"spread_{s}"]] = c["spread"] * gain[s]
        w[:, col[f"round_{s}"]] = c["round"] * (0.5 + 0.5 * gain[s])
        w[:, col[f"smile_{s}"]] = c[f"smile_{s}"] * gain[s]
        w[:, col[f"droop_{s}"]] = droop[s]
        w[:, col[f"blink_{s}"]] = c[f"blink_{s}"] * eye[s]
        drop = case.brow_rest_drop_mm / 4.0 if case.side == s else 0.0
        w[:, col[f"brow_{s}"]] = c[f"brow_{s}"] * brow[s] - drop
    return w


def _project_all(rig: Rig, pts_mm: np.ndarray, yaw: np.ndarray, pitch: np.ndarray,
                 roll: np.ndarray, sx: np.ndarray, sy: np.ndarray) -> np.ndarray:
    """Project (n, K, 3) face-frame points with per-frame pose; pixels (n, K, 3)."""
    rots = np.stack([pose_matrix(a, b, c) for a, b, c in zip(yaw, pitch, roll, strict=True)])
    p = np.einsum("nij,nkj->nki", rots, pts_mm - PIVOT_MM) + PIVOT_MM
    p[..., 0] += sx[:, None]
    p[..., 1] += sy[:, None]
    k = rig.focal_px / (rig.distance_mm + p[..., 2])
    out = np.empty_like(p)
    out[..., 0] = rig.centre_px[0] + p[..., 0] * k
    out[..., 1] = rig.centre_px[1] + p[..., 1] * k
    out[..., 2] = p[..., 2] * rig.scale_px_per_mm
    return out


def render_case(case: CaseParams, portrait, *, out_dir: Path, seed: int, seconds: float,
                fps: int, width: int, height: int, crf: int, preset: DifficultyPreset,
                fix_deg: tuple[float, float] = (0.0, 0.0),
                lamp_strength: float | None = None) -> CaseResult:
    """Render ``case`` into ``out_dir``/videos and ``out_dir``/truth; return a summary.

    lamp_strength : when given, the case is lit by the planted side lamp
    (:mod:`strokescreen.synth.shortcut`)."""
    from strokescreen.synth.shortcut import apply_lamp, lamp_gain

    started = time.perf_counter()
    rng = case_rng(seed, case.case_index)
    rig = build_rig(portrait, case, width=width, height=height, fix_deg=fix_deg)
    tl = build_timeline(case, preset, seconds=seconds, fps=fps, rng=rng)
    w = activations(case, tl, rig)
    col_blink = {s: BLENDSHAPES.index(f"blink_{s}") for s in ("left", "right")}
    shapes = np.stack([rig.shapes[name] for name in BLENDSHAPES])
    mesh_mm = rig.rest_mm[None] + np.einsum("nk,kpj->npj", w, shapes)
    c = tl.controls
    off = rig.pose_offset_deg
    pose = (c["yaw"] - off[0], c["pitch"] - off[1], c["roll"] - off[2])
    mesh_px = _project_all(rig, mesh_mm, *pose, c["shift_x"], c["shift_y"])
    ring = np.broadcast_to(rig.ring_mm, (tl.n_frames,) + rig.ring_mm.shape)
    ring_px = _project_all(rig, ring, *pose, c["shift_x"], c["shift_y"])
    bank = noise_bank((height, width, 3), preset.noise_sigma, rng)
    pick = rng.integers(0, len(bank), tl.n_frames)
    skin = np.clip(np.array([205.0, 158.0, 128.0]) * np.exp(case.tone) * rng.uniform(0.9, 1.1, 3),
                   0, 255)
    coverage = np.zeros(tl.n_frames)
    lamp = None if lamp_strength is None else lamp_gain(width, strength=lamp_strength)
    video_rel = f"videos/{case.case_id}.mp4"
    (out_dir / "videos").mkdir(parents=True, exist_ok=True)
    (out_dir / "truth").mkdir(parents=True, exist_ok=True)
    comment = f"case {case.case_id}; synthetic condition {case.condition}; seed {seed}"
    with Mp4Writer(out_dir / video_rel, width=width, height=height, fps=fps, crf=crf,
                   comment=comment) as writer:
        for i in range(tl.n_frames):
            img = rig.warp(mesh_px[i], ring_px[i])
            paint_mouth(img, mesh_px[i], px_per_mm=rig.scale_px_per_mm,
                        rest_gap_px=rig.rest_gap_px)
            paint_lids(img, mesh_px[i], {s: float(w[i, col_blink[s]]) for s in col_blink},
                       px_per_mm=rig.scale_px_per_mm)
            for ev in tl.occlusions:
                face_c = mesh_px[i, [T.IRIS_RIGHT[0], T.IRIS_LEFT[0]], :2].mean(0)
                face_w = float(abs(mesh_px[i, 454, 0] - mesh_px[i, 234, 0]))
                pos = occluder_centre(ev, i / fps, face_centre=face_c, face_width_px=face_w,
                                      width=width, height=height)
                if pos is None:
                    continue
                colour = skin if ev.kind == "hand" else np.array([70, 72, 90])
                polys = hand_shape(ev.kind, ev.size_frac * face_w, ev.angle_deg)
                rgb = (int(colour[0]), int(colour[1]), int(colour[2]))
                mask = draw_occluder(img, polys, pos, rgb)
                coverage[i] = max(coverage[i], face_coverage(mask, mesh_px[i]))
            if lamp is not None:
                img = apply_lamp(img, lamp)
            writer.write(camera(img, gain=float(c["light"][i]), noise=bank[pick[i]]))
        writer.write_audio(tl.audio)
    truth = truth_frame(case, tl, rig, w, mesh_mm, mesh_px, coverage)
    truth_rel = f"truth/{case.case_id}.parquet"
    truth.to_parquet(out_dir / truth_rel, index=False)
    return CaseResult(case.case_index, case.case_id, video_rel, truth_rel, tl.n_frames,
                      int(tl.head_turn.sum()), int((coverage > OCCLUDED_SHARE).sum()),
                      float(tl.speech_rate()), time.perf_counter() - started)


def truth_frame(case: CaseParams, tl: Timeline, rig: Rig, w: np.ndarray, mesh_mm: np.ndarray,
                mesh_px: np.ndarray, coverage: np.ndarray) -> pd.DataFrame:
    """Per-frame ground truth (see docs/synthetic_cohort.md for every column)."""
    n = tl.n_frames
    c = tl.controls
    col = {name: k for k, name in enumerate(BLENDSHAPES)}
    cols: dict[str, np.ndarray] = {"frame": np.arange(n), "t": tl.t}
    for axis, k in (("x", 0), ("y", 1), ("z", 2)):
        block = mesh_px[:, :, k].astype(np.float32)
        for j in range(T.N_POINTS):
            cols[f"{axis}_{j}"] = block[:, j]
    cols["yaw"], cols["pitch"], cols["roll"] = c["yaw"], c["pitch"], c["roll"]
    dh = np.array([commissure_dh_mm(m) for m in mesh_mm])
    rest = mesh_mm[:, [T.MOUTH_CORNER_LEFT, T.MOUTH_CORNER_RIGHT], :2]
    ref = np.median(rest[tl.segment == "rest"], axis=0) if (tl.segment == "rest").any() \
        else rest[0]
    exc = np.linalg.norm(rest - ref[None], axis=2)
    cols.update(
        droop_mm=np.full(n, case.droop_mm), commissure_dh_mm=dh,
        excursion_loss_pct=np.full(n, 100.0 * case.exc_loss),
        excursion_left_mm=exc[:, 0], excursion_right_mm=exc[:, 1],
        smile_left=w[:, col["smile_left"]], smile_right=w[:, col["smile_right"]],
        blink_left=w[:, col["blink_left"]], blink_right=w[:, col["blink_right"]],
        jaw_open_mm=c["jaw"],
        segment=tl.segment, segment_index=tl.segment_index, head_turn=tl.head_turn,
        occluded=coverage > OCCLUDED_SHARE, occluder_coverage=coverage,
        px_per_mm=np.full(n, rig.scale_px_per_mm),
        rest_yaw=np.full(n, case.rest_yaw_deg), rest_pitch=np.full(n, case.rest_pitch_deg),
        rest_roll=np.full(n, case.rest_roll_deg),
    )
    return pd.DataFrame(cols)
