"""A subject's face rig: rest mesh, blendshapes, placement, warp topology, base image.

Building a rig: the portrait's mesh is made frontal, symmetric, neutral and given the
subject's identity morph (the designed mesh); the portrait is warped onto it in the frame
(the base image, :mod:`strokescreen.synth.base`); then the rest mesh is re-measured on
the base image with MediaPipe, so the planted geometry starts from what a landmarker
sees there. Each video frame warps the base image from the rest mesh to the animated
mesh, so the ground-truth landmarks are exactly where the texture goes. Projection is a
pinhole camera (focal length = the frame's longer side, as the project's pose estimator
assumes) at the distance that gives the subject's face size.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from strokescreen.synth import _mesh_tables as T
from strokescreen.synth.base import base_image, close_mouth, detect_mesh
from strokescreen.synth.face_model import (
    blendshapes,
    eye_proportions,
    frontal_frame,
    morph,
    neutralize,
    pose_matrix,
    proportion,
    symmetrize,
)
from strokescreen.synth.params import CORNER_HEIGHT_READ_BIAS_IPU, CaseParams
from strokescreen.synth.portraits import Portrait
from strokescreen.synth.published import IPD_OVER_IRIS_READ_BIAS, LID_READ_GAIN
from strokescreen.synth.warp import inverse_map, triangulate

PIVOT_MM = np.array([0.0, 25.0, 85.0])
#: the chin of the rest face stays above this share of the frame height
CHIN_LIMIT = 0.93
RING_DEPTH_MM = 0.0  # head-outline control points at the depth of the face oval
N = T.N_MESH


@dataclass
class Rig:
    """Everything needed to render one subject's frames (see module docstring).

    rest_mm : (478, 3) the subject's rest mesh, face frame, mm. shapes : blendshapes (478, 3) mm.
    scale_px_per_mm, centre_px : placement at zero pose. ring_mm : (R, 3) head-outline
    control points (move with the head). static_px : (S, 2) control points that never move.
    tris : (T, 3) over [mesh 0..467, ring, static]. src_px : (N, 2) those points at rest in
    ``base``. base : uint8 (H, W, 3) RGB. pose_offset_deg : (yaw, pitch, roll) the rest
    face has when no pose is planted (small; read with the project's estimator).
    rest_gap_px : (11,) inner-lip gaps at rest (pixels); the mouth looks closed at these.
    """

    width: int
    height: int
    rest_mm: np.ndarray
    shapes: dict[str, np.ndarray]
    scale_px_per_mm: float
    centre_px: np.ndarray
    ring_mm: np.ndarray
    static_px: np.ndarray
    tris: np.ndarray
    src_px: np.ndarray
    base: np.ndarray
    pose_offset_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rest_gap_px: np.ndarray | None = None
    ring_rest_px: np.ndarray | None = None

    @property
    def focal_px(self) -> float:
        """Pinhole focal length: the frame's longer side (about a phone's 60 degree view)."""
        return float(max(self.width, self.height))

    @property
    def distance_mm(self) -> float:
        """Camera to face-origin distance that gives ``scale_px_per_mm`` at the face."""
        return self.focal_px / self.scale_px_per_mm

    def project(self, mesh_mm: np.ndarray, *, yaw: float = 0.0, pitch: float = 0.0,
                roll: float = 0.0, shift_mm: tuple[float, float] = (0.0, 0.0)) -> np.ndarray:
        """Face-frame points (K, 3) mm -> frame pixels (K, 3): perspective x, y; z = depth
        relative to the face origin in pixels at the face's scale."""
        rot = pose_matrix(yaw, pitch, roll)
        p = (mesh_mm - PIVOT_MM) @ rot.T + PIVOT_MM
        p[:, 0] += shift_mm[0]
        p[:, 1] += shift_mm[1]
        k = self.focal_px / (self.distance_mm + p[:, 2])
        out = np.empty_like(p)
        out[:, 0] = self.centre_px[0] + p[:, 0] * k
        out[:, 1] = self.centre_px[1] + p[:, 1] * k
        out[:, 2] = p[:, 2] * self.scale_px_per_mm
        return out

    def unproject(self, mesh_px: np.ndarray) -> np.ndarray:
        """Inverse of :meth:`project` at zero pose (pixels with depth -> face frame mm)."""
        z = mesh_px[:, 2] / self.scale_px_per_mm
        k = (self.distance_mm + z) / self.focal_px
        return np.stack([(mesh_px[:, 0] - self.centre_px[0]) * k,
                         (mesh_px[:, 1] - self.centre_px[1]) * k, z], axis=1)

    def control_points(self, mesh_px: np.ndarray, ring_px: np.ndarray) -> np.ndarray:
        """Warp control points (N, 2) for a projected mesh and ring. The outer ring (the
        first static points) follows half the head ring's motion, so hair and shoulders
        stretch less in large turns."""
        static = self.static_px
        if self.ring_rest_px is not None and len(ring_px) == len(self.ring_rest_px):
            shift = 0.5 * (ring_px[::2, :2] - self.ring_rest_px[::2])
            static = static.copy()
            static[:len(shift)] += shift
        return np.concatenate([mesh_px[:N, :2], ring_px[:, :2], static])

    def warp(self, mesh_px: np.ndarray, ring_px: np.ndarray) -> np.ndarray:
        """The base image warped so its rest mesh lands on ``mesh_px`` (uint8 RGB)."""
        dst = self.control_points(mesh_px, ring_px)
        z = np.concatenate([mesh_px[:N, 2], ring_px[:, 2], np.full(len(self.static_px), 1e6)])
        depth = z[self.tris].mean(1)
        moving = np.concatenate([mesh_px[:N, :2], ring_px[:, :2]])
        lo = np.minimum(moving.min(0), self.src_px[:len(moving)].min(0)) - 40
        hi = np.maximum(moving.max(0), self.src_px[:len(moving)].max(0)) + 40
        mx, my = inverse_map(self.src_px, dst, self.tris, shape=(self.height, self.width),
                             depth=depth, bbox=(lo[0], lo[1], hi[0], hi[1]))
        return cv2.remap(self.base, mx, my, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE)


def _similarity(src: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """Least-squares 2-D similarity (2, 3) taking ``src`` (K, 2) to ``dst`` (K, 2)."""
    m, _ = cv2.estimateAffinePartial2D(src.astype(np.float32), dst.astype(np.float32),
                                       method=cv2.LMEDS)
    return m.astype(np.float64)


def _apply(m: np.ndarray, p: np.ndarray) -> np.ndarray:
    return p @ m[:, :2].T + m[:, 2]


def _invert(m: np.ndarray) -> np.ndarray:
    return cv2.invertAffineTransform(m)


def face_frame_mesh(portrait: Portrait, fix_deg: tuple[float, float] = (0.0, 0.0)
                    ) -> np.ndarray:
    """The portrait's neutral, frontal, symmetric mesh in the face frame (mm), turned by
    ``fix_deg`` = (yaw, pitch) degrees (signs of :func:`pose_matrix`)."""
    rot, origin, ppm = frontal_frame(portrait.mesh_px, level_pitch=True)
    f = neutralize(symmetrize((portrait.mesh_px - origin) @ rot.T / ppm))
    if any(fix_deg):
        f = (f - PIVOT_MM) @ pose_matrix(fix_deg[0], fix_deg[1], 0.0).T + PIVOT_MM
        f = f - (f[T.IRIS_RIGHT[0]] + f[T.IRIS_LEFT[0]]) / 2
    return f


def _ring_src(mesh_px: np.ndarray) -> np.ndarray:
    """Head-outline control points around a mesh's face oval (pixels, (36, 2)): pushed out
    from the oval centre, more above (hair) than below."""
    oval = mesh_px[list(T.FACE_OVAL), :2]
    co = oval.mean(0)
    k = np.where(oval[:, 1] < co[1] - 0.1 * np.ptp(oval[:, 1]), 1.45, 1.28)[:, None]
    return co + k * (oval - co)


def _static_points(rig: Rig, rest_px: np.ndarray) -> np.ndarray:
    oval_px = rest_px[list(T.FACE_OVAL), :2]
    cpx = oval_px.mean(0)
    ring2 = cpx + 2.1 * (oval_px[::2] - cpx)
    xs = np.linspace(-2, rig.width + 1, 7)
    ys = np.linspace(-2, rig.height + 1, 5)
    border = np.array([(x, y) for x in xs for y in (ys[0], ys[-1])]
                      + [(x, y) for y in ys[1:-1] for x in (xs[0], xs[-1])])
    return np.concatenate([ring2, border])


def _topology(rig: Rig, rest: np.ndarray, shapes: dict[str, np.ndarray]) -> np.ndarray:
    """Triangles from an open-mouthed, wide-eyed pose so lips and lids get their own."""
    topo = rest + 8.0 * shapes["jaw"] - 0.5 * (shapes["blink_left"] + shapes["blink_right"])
    return triangulate(rig.control_points(rig.project(topo), rig.project(rig.ring_mm)))


def _ring_mm(rig: Rig, ring_px: np.ndarray, rest_mm: np.ndarray) -> np.ndarray:
    """Ring control points in the face frame: their pixels at rest, 20 mm behind the oval."""
    z = (rest_mm[list(T.FACE_OVAL), 2] + RING_DEPTH_MM) * rig.scale_px_per_mm
    return rig.unproject(np.column_stack([ring_px, z]))


def build_rig(portrait: Portrait, case: CaseParams, *, width: int, height: int,
              fix_deg: tuple[float, float] = (0.0, 0.0), redetect: bool = True) -> Rig:
    """Make the rig of ``case``'s subject from ``portrait`` in a width x height frame.

    fix_deg : (yaw, pitch) turn of the designed mesh (see :func:`calibrate_pose`).
    redetect : re-measure the rest mesh on the base image (the designed mesh is kept when
    no face is found there).
    """
    morphed = morph(face_frame_mesh(portrait, fix_deg), case.morph)
    corner_ipu = case.corner_height_ipu
    if corner_ipu > 0:  # aim at what the landmarker will read (see params)
        corner_ipu -= CORNER_HEIGHT_READ_BIAS_IPU
    ipd_over_iris, mrd1 = case.ipd_over_iris, case.mrd1_ipu
    if ipd_over_iris > 0:  # aim at what the landmarker will read (see params)
        ipd_over_iris += IPD_OVER_IRIS_READ_BIAS
    spaced = eye_proportions(morphed, ipd_over_iris=ipd_over_iris)
    design = proportion(spaced, corner_height_ipu=corner_ipu,
                        mouth_width_ipu=case.mouth_width_ipu)
    design = eye_proportions(design, mrd1_ipu=mrd1, lid_read_gain=LID_READ_GAIN)
    face_w_mm = float(abs(design[454, 0] - design[234, 0]))
    scale = case.face_width_frac * width / face_w_mm
    centre = np.array([width * (0.5 + case.offset_x), height * (0.45 + case.offset_y)])
    rig = Rig(width, height, design, {}, scale, centre, np.zeros((0, 3)), np.zeros((0, 2)),
              np.zeros((0, 3), np.int32), np.zeros((0, 2)), np.zeros((height, width, 3), np.uint8))
    design_px = rig.project(design)
    bottom, limit = float(design_px[:, 1].max()), CHIN_LIMIT * height
    if bottom > limit:  # the whole face stays in the frame: a long face is drawn smaller
        rig.scale_px_per_mm *= (limit - centre[1]) / (bottom - centre[1])
        design_px = rig.project(design)
    sim = _similarity(portrait.mesh_px[:N, :2], design_px[:N, :2])
    ring_src = _ring_src(portrait.mesh_px)
    oval = list(T.FACE_OVAL)
    # the head outline follows 60 % of the morph's change of the oval and all of the
    # proportions' (a longer midface carries the chin, neck and hair below it along)
    morphed_px = rig.project(morphed)
    ring_px = (_apply(sim, ring_src)
               + 0.6 * (morphed_px[oval, :2] - _apply(sim, portrait.mesh_px[oval, :2]))
               + (design_px[oval, :2] - morphed_px[oval, :2]))
    rig.ring_mm = _ring_mm(rig, ring_px, design)
    rig.static_px = _static_points(rig, design_px)
    tris = _topology(rig, design, blendshapes(design))
    src = np.concatenate([portrait.mesh_px[:N, :2], ring_src, _apply(_invert(sim), rig.static_px)])
    dst = rig.control_points(design_px, rig.project(rig.ring_mm))
    rig.base = base_image(portrait, case, src=src, dst=dst, tris=tris, width=width, height=height)
    close_mouth(rig.base, design_px)
    detected = detect_mesh(rig.base) if redetect else None
    if detected is not None:
        rig.centre_px = (detected[T.IRIS_RIGHT[0], :2] + detected[T.IRIS_LEFT[0], :2]) / 2
        detected[:, 2] -= (detected[T.IRIS_RIGHT[0], 2] + detected[T.IRIS_LEFT[0], 2]) / 2
        rig.rest_mm = rig.unproject(detected)
        rig.ring_mm = _ring_mm(rig, ring_px, rig.rest_mm)
    rig.pose_offset_deg = _measured_pose(rig, rig.rest_mm)
    rig.shapes = blendshapes(rig.rest_mm)
    rig.tris = _topology(rig, rig.rest_mm, rig.shapes)
    rest_px = rig.project(rig.rest_mm)
    rig.ring_rest_px = rig.project(rig.ring_mm)[:, :2]
    rig.src_px = rig.control_points(rest_px, rig.project(rig.ring_mm))
    rig.rest_gap_px = np.linalg.norm(rest_px[list(T.LIPS_INNER_LOWER), :2]
                                     - rest_px[list(T.LIPS_INNER_UPPER), :2], axis=1)
    return rig


def reference_case() -> CaseParams:
    """A plain subject (no morph, centred, neutral tone) used to calibrate a portrait."""
    import dataclasses

    from strokescreen.synth.config import SynthConfig
    from strokescreen.synth.params import draw_cohort

    case = draw_cohort(SynthConfig(n_subjects=1))[0]
    return dataclasses.replace(case, morph=(0.0,) * 7, corner_height_ipu=0.0,
                               ipd_over_iris=0.0, mrd1_ipu=0.0,
                               mouth_width_ipu=0.0, rest_lip_gap_mm=0.0, protocol="full",
                               offset_x=0.0, offset_y=-0.03,
                               face_width_frac=0.36, tone=0.0, warmth=0.0, light_strength=0.0)


def calibrate_pose(portrait: Portrait, *, width: int = 640, height: int = 480
                   ) -> tuple[float, float]:
    """(yaw, pitch) turn of the designed mesh that makes the re-measured rest face frontal.

    A landmarker follows only part of a turn imposed by 2-D warping, so the turn that
    makes the project's head-pose estimator read about (0, 0) on the re-measured rest mesh
    of a plain subject is found by a few damped steps. Computed once per portrait and
    orientation; each subject's small residual is added to its truth pose.
    """
    case = reference_case()
    fix = np.zeros(2)
    gain = np.array([0.9, 0.7])
    for _ in range(3):
        rig = build_rig(portrait, case, width=width, height=height, fix_deg=(fix[0], fix[1]))
        reading = np.array(rig.pose_offset_deg[:2])
        if np.all(np.abs(reading) < 0.7):
            break
        fix = np.clip(fix - reading / gain, -25.0, 25.0)
    return (float(fix[0]), float(fix[1]))


def _measured_pose(rig: Rig, mesh_mm: np.ndarray) -> tuple[float, float, float]:
    """Pose of a face-frame mesh (no planted pose) as the project's estimator reads it.

    Returned in this module's convention (yaw > 0 nose to image right, pitch > 0 chin up,
    roll > 0 clockwise); the estimator's sign for each angle is found by probing it with
    a small planted rotation, so a change of its convention cannot flip the truth.
    """
    from strokescreen.face.pose import head_pose

    def read(yaw: float = 0.0, pitch: float = 0.0, roll: float = 0.0) -> np.ndarray:
        mesh_px = rig.project(mesh_mm, yaw=yaw, pitch=pitch, roll=roll)
        return np.array(head_pose(mesh_px, width=rig.width, height=rig.height), float)

    base = read()
    if not np.all(np.isfinite(base)):
        return (0.0, 0.0, 0.0)
    out = []
    for k in range(3):
        probe = read(*(4.0 if j == k else 0.0 for j in range(3)))
        sign = 1.0 if (probe[k] - base[k]) >= 0 else -1.0
        out.append(float(sign * base[k]))
    return (out[0], out[1], out[2])
