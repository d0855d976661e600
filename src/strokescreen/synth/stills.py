"""Still synthetic portraits with known landmarks and a planted mouth-corner droop.

For measuring landmarkers: each still is one subject's rest face (identity drawn as in the
synthetic cohort) with a planted commissure droop on one side, warped from a real portrait,
with its true 478 MediaPipe-scheme points, its true iBUG-68 points (the fixed 478 -> 68
mapping of :mod:`strokescreen.face.schemes`) and its true commissure height difference.
No video, speech or encoding: a still takes a fraction of a second once its subject's rig
is built (about 1 s).

The truth starts from MediaPipe's measurement of each subject's rest face (see
:mod:`strokescreen.synth.rig`), so it carries MediaPipe's idea of where each point lies;
a landmarker that places a point differently (the jaw contour above all) shows that as
error here even where a human annotator would agree with it. The planted *change* (the
droop) is exact whatever the landmarker's convention.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.schemes import to_ibug68

Progress = Callable[..., None]


@dataclass(frozen=True)
class Still:
    """One rendered face.

    image : uint8 (H, W, 3) RGB. points478 : (478, 3) true MediaPipe-scheme points, px.
    points68 : (68, 2) true iBUG-68 points, px. subject : subject id (stills of one subject
    share identity). side : the subject's drooping side, "left" or "right".
    droop_mm : planted droop. commissure_dh_mm : true left-minus-right mouth-corner height
    below the inter-pupil line, mm (+ = left lower; natural asymmetry included).
    px_per_mm : the face's scale.
    """

    image: np.ndarray
    points478: np.ndarray
    points68: np.ndarray
    subject: str
    side: str
    droop_mm: float
    commissure_dh_mm: float
    px_per_mm: float


def render_stills(n_subjects: int, droops_mm: Sequence[float] = (0.0, 2.0, 4.0), *,
                  seed: int = 0, width_px: int = 320, height_px: int = 240,
                  portraits_dir: str | None = None, noise_sigma: float = 2.0,
                  progress: Progress | None = None) -> list[Still]:
    """Render ``n_subjects`` x ``len(droops_mm)`` stills (subject-major order).

    Subjects alternate the drooping side (right, left, ...). Identities (portrait,
    mirroring, morph, tone, lighting, placement) are drawn as in the synthetic cohort from
    ``seed``; same arguments, same pixels.
    """
    from strokescreen.synth.config import SynthConfig
    from strokescreen.synth.face_model import commissure_dh_mm
    from strokescreen.synth.paint import paint_mouth
    from strokescreen.synth.params import draw_cohort
    from strokescreen.synth.portraits import load_portraits
    from strokescreen.synth.rig import build_rig

    if n_subjects < 1:
        raise InputError(f"n_subjects={n_subjects}; render at least one subject")
    if any(d < 0 for d in droops_mm) or not droops_mm:
        raise InputError(f"droops_mm={tuple(droops_mm)}; give one or more droops >= 0 mm")
    cfg = SynthConfig(n_subjects=n_subjects, seed=seed, width_px=width_px,
                      height_px=height_px, portraits_dir=portraits_dir)
    pairs = load_portraits(portraits_dir)
    rng = np.random.default_rng(np.random.SeedSequence([seed, 0x5717]))
    cases = draw_cohort(cfg)
    cases = [c for c in cases if c.recording_index == 0][:n_subjects]
    out: list[Still] = []
    total = len(cases) * len(droops_mm)
    for k, case in enumerate(cases):
        side = ("right", "left")[k % 2]
        case = dataclasses.replace(case, droop_mm=0.0, side=side, natural_dh_mm=0.0)
        pair = pairs[min(int(case.portrait_u * len(pairs)), len(pairs) - 1)]
        rig = build_rig(pair[int(case.mirror)], case, width=width_px, height=height_px)
        ring_px = rig.project(rig.ring_mm)
        # the rest face re-measured by MediaPipe is a little asymmetric: level it first
        nat = commissure_dh_mm(rig.rest_mm)
        level = {"left": max(-nat, 0.0), "right": max(nat, 0.0)}
        for droop in droops_mm:
            mesh_mm = rig.rest_mm.copy()
            for s in ("left", "right"):
                w = level[s] + (droop if s == side else 0.0)
                mesh_mm = mesh_mm + w * rig.shapes[f"droop_{s}"]
            mesh_px = rig.project(mesh_mm)
            img = rig.warp(mesh_px, ring_px)
            paint_mouth(img, mesh_px, px_per_mm=rig.scale_px_per_mm, rest_gap_px=rig.rest_gap_px)
            if noise_sigma > 0:
                noisy = img.astype(np.float32) + rng.normal(0.0, noise_sigma, img.shape)
                img = np.clip(np.rint(noisy), 0, 255).astype(np.uint8)
            out.append(Still(image=img, points478=mesh_px.astype(np.float64),
                             points68=to_ibug68(mesh_px)[:, :2].astype(np.float64),
                             subject=case.subject_id, side=side, droop_mm=float(droop),
                             commissure_dh_mm=commissure_dh_mm(mesh_mm),
                             px_per_mm=float(rig.scale_px_per_mm)))
            if progress is not None:
                progress(len(out), total)
    return out
