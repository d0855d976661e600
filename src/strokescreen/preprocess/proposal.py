"""Frame proposal: keep near-frontal, steady, moving-face frames (DeepStroke paper).

Every rejected frame carries exactly one reason from :data:`REJECT_REASONS`, checked in
this order (the first that applies is reported):

``no_face``       the patient's face was not found;
``not_frontal``   yaw, pitch or roll is ``beta1_deg`` or more away from the reference
                  pose: the recording's own (default, see :func:`reference_pose`) or,
                  with ``reference: absolute``, the paper's 0° on every axis;
``pose_change``   the frame lies in a window of ``window_frames`` frames whose summed
                  pose change (|Δyaw| + |Δpitch| + |Δroll| between consecutive face
                  frames, so a jump across a face gap counts) exceeds ``beta2_deg``;
``large_motion``  face-region flow above ``flow_high_px`` (a hand, a large move);
``no_motion``     face-region flow below ``flow_low_px`` (a frozen or duplicated frame),
                  or no flow measurable into or out of the frame.

Every reason but ``not_frontal`` depends on a few neighbouring frames only and is decided
while the video streams (:func:`motion_reason`); ``not_frontal`` needs the reference,
known once the whole recording was seen, and is applied last (:func:`decide`).

Why the reference is the recording's own: a monocular pose fit against one generic 3-D
face is biased by several degrees, differently for each landmarker, and people's posture
and camera height spread a recording's resting pose (pitch sd about 4°, yaw about 3°).
The paper's absolute 5° gate therefore throws away most frames of healthy people facing
the camera. The reference is the median pose of the face frames, held within a sanity
limit per axis of ``beta1 + 2 × population sd + |landmarker bias|``: a recording may
rest as far from 0° as two sd of real posture plus the landmarker's known bias; beyond
that the reference is clamped to the limit, so a face turned further away loses its
frames and the recording is reported as turned (with the angle).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from strokescreen.config import ProposalConfig

REJECT_REASONS = ("no_face", "not_frontal", "pose_change", "large_motion", "no_motion")
AXES = ("yaw", "pitch", "roll")

# Systematic pose bias of each landmarker, |(yaw, pitch, roll)| degrees: the mean
# difference between dlib68's and MediaPipe's median pose of the same recording, over the
# 8 real recordings with a face in shared/data/real (benchmarks/real_recordings.py
# --landmarkers: dlib − MediaPipe = −0.3, +5.9, −0.0; sd 2.4, 2.6, 0.7). Which of the two
# is nearer the truth is unknown (both fit one generic 3-D face), so each is allowed the
# whole disagreement. A landmarker not listed gets MediaPipe's.
LANDMARKER_POSE_BIAS_DEG: dict[str, tuple[float, float, float]] = {
    "mediapipe": (0.3, 5.9, 0.0),
    "dlib68": (0.3, 5.9, 0.0),
}


@dataclass(frozen=True)
class Reference:
    """The pose frontality is judged against (degrees, (yaw, pitch, roll)).

    criterion : "recording" or "absolute". measured : median pose of the face frames
    (NaN when none). pose : the reference used (measured, clamped to ``limit``; zeros for
    "absolute"). limit : sanity limit on |reference| per axis (inf for "absolute").
    """

    criterion: str
    landmarker: str
    measured: tuple[float, float, float]
    pose: tuple[float, float, float]
    limit: tuple[float, float, float]
    beta1_deg: float

    @property
    def clamped(self) -> bool:
        """The recording's own pose lies outside the sanity limit on some axis."""
        return any(math.isfinite(m) and abs(m) > lim
                   for m, lim in zip(self.measured, self.limit, strict=True))

    def as_dict(self) -> dict[str, Any]:
        def r(v: tuple[float, float, float]) -> dict[str, float | None]:
            return {a: (round(float(x), 2) if math.isfinite(x) else None)
                    for a, x in zip(AXES, v, strict=True)}

        return {"criterion": self.criterion, "landmarker": self.landmarker,
                "measured_deg": r(self.measured), "reference_deg": r(self.pose),
                "limit_deg": r(self.limit), "beta1_deg": self.beta1_deg,
                "clamped": self.clamped}


def reference_limit_deg(cfg: ProposalConfig, landmarker: str) -> tuple[float, float, float]:
    """Sanity limit on the reference, per axis: beta1 + 2 × population sd + |bias|."""
    bias = LANDMARKER_POSE_BIAS_DEG.get(landmarker, LANDMARKER_POSE_BIAS_DEG["mediapipe"])
    sd = (cfg.rest_yaw_sd_deg, cfg.rest_pitch_sd_deg, cfg.rest_roll_sd_deg)
    return tuple(cfg.beta1_deg + 2.0 * s + abs(b)  # type: ignore[return-value]
                 for s, b in zip(sd, bias, strict=True))


def reference_pose(face_found: np.ndarray, pose: np.ndarray, cfg: ProposalConfig,
                   *, landmarker: str = "mediapipe") -> Reference:
    """The reference pose of a recording; pose (n, 3) degrees, face_found (n,) bool."""
    if cfg.reference == "absolute":
        zero = (0.0, 0.0, 0.0)
        return Reference("absolute", landmarker, _median(face_found, pose), zero,
                         (math.inf, math.inf, math.inf), cfg.beta1_deg)
    limit = reference_limit_deg(cfg, landmarker)
    measured = _median(face_found, pose)
    used = tuple(float(np.clip(m, -lim, lim)) if math.isfinite(m) else 0.0
                 for m, lim in zip(measured, limit, strict=True))
    return Reference("recording", landmarker, measured, used, limit,  # type: ignore[arg-type]
                     cfg.beta1_deg)


def _median(face_found: np.ndarray, pose: np.ndarray) -> tuple[float, float, float]:
    p = np.asarray(pose, dtype=float).reshape(-1, 3)[np.asarray(face_found, dtype=bool)]
    p = p[np.all(np.isfinite(p), axis=1)]
    if len(p) == 0:
        return (math.nan, math.nan, math.nan)
    m = np.median(p, axis=0)
    return (float(m[0]), float(m[1]), float(m[2]))


def frontal(pose: np.ndarray, ref: Reference) -> np.ndarray:
    """Near-frontal mask (n,): every axis within ``beta1`` of the reference; NaN -> False."""
    p = np.asarray(pose, dtype=float).reshape(-1, 3)
    with np.errstate(invalid="ignore"):
        return np.all(np.abs(p - np.asarray(ref.pose)) < ref.beta1_deg, axis=1)


def pose_steps(pose: np.ndarray) -> np.ndarray:
    """Summed absolute pose change into each frame from the one before, degrees; (n,).

    NaN where either frame has no pose (a face gap). :func:`window_pose_change` bridges
    gaps; this is the plain consecutive-frame step.
    """
    d = np.full(len(pose), np.nan)
    if len(pose):
        d[0] = 0.0
    if len(pose) > 1:
        d[1:] = np.abs(np.diff(np.asarray(pose, dtype=float), axis=0)).sum(axis=1)
    return d


def window_pose_change(pose: np.ndarray) -> float:
    """Summed pose change (|Δyaw| + |Δpitch| + |Δroll|, degrees) across one window.

    pose (w, 3), NaN rows for frames without a face. The change is summed between
    consecutive *face* frames of the window, so a head turn during a face gap inside the
    window counts in full (its step is the difference across the gap) rather than as 0.
    A window with fewer than two face frames has no measurable change (0).
    """
    p = np.asarray(pose, dtype=float).reshape(-1, 3)
    p = p[np.all(np.isfinite(p), axis=1)]
    if len(p) < 2:
        return 0.0
    return float(np.abs(np.diff(p, axis=0)).sum())


def frame_flow(i: int, face_found: np.ndarray, flow: np.ndarray) -> float:
    """The face-region flow frame ``i`` is judged by (NaN when none can be measured).

    Its own (from frame i−1 to i, in frame i's face box; measured even when frame i−1 had
    no face found, see :mod:`strokescreen.preprocess.framestream`); where that is missing
    (the first frame of a video, a box too small), the flow into the next frame when that
    frame has a face: the frame must pass the test on one of its two adjacent pairs.
    """
    f = float(flow[i])
    if math.isfinite(f):
        return f
    if i + 1 < len(flow) and face_found[i + 1]:
        return float(flow[i + 1])
    return math.nan


def motion_reason(i: int, face_found: np.ndarray, pose: np.ndarray, flow: np.ndarray,
                  cfg: ProposalConfig) -> str:
    """Reason frame ``i`` is rejected, frontality aside ('' when kept so far).

    Looks at frames i−w+1 … i+w−1 only. face_found (n,) bool; pose (n, 3) degrees (NaN
    without a face); flow (n,).

    Face gaps: a window's pose change bridges gaps (:func:`window_pose_change`), and the
    first frame after a gap gets a flow test like any other (:func:`frame_flow`); a face
    frame whose flow cannot be measured on either adjacent pair is ``no_motion``
    (no measurable face motion), never kept untested.
    """
    if not face_found[i]:
        return "no_face"
    w = cfg.window_frames
    n = len(face_found)
    pose = np.asarray(pose, dtype=float).reshape(-1, 3)
    for start in range(max(i - w + 1, 0), i + 1):
        end = min(start + w, n)  # window: frames start .. end-1
        if window_pose_change(pose[start:end]) > cfg.beta2_deg:
            return "pose_change"
    f = frame_flow(i, face_found, flow)
    if not math.isfinite(f):
        return "no_motion"
    if f > cfg.flow_high_px:
        return "large_motion"
    if f < cfg.flow_low_px:
        return "no_motion"
    return ""


def decide(motion: np.ndarray, pose: np.ndarray, ref: Reference) -> np.ndarray:
    """Final reasons (object array, '' = kept): ``not_frontal`` slotted in after ``no_face``."""
    reasons = np.asarray(motion, dtype=object).copy()
    off = ~frontal(pose, ref) & (reasons != "no_face")
    reasons[off] = "not_frontal"
    return reasons


def propose(face_found: np.ndarray, pose: np.ndarray, flow: np.ndarray,
            cfg: ProposalConfig = ProposalConfig(), *, landmarker: str = "mediapipe"
            ) -> np.ndarray:
    """Reject reason for every frame (object array of str, '' = kept).

    The whole recording at once; the pipeline reaches the same answer streaming.
    """
    face_found = np.asarray(face_found, dtype=bool)
    pose = np.asarray(pose, dtype=float).reshape(-1, 3)
    flow = np.asarray(flow, dtype=float)
    motion = np.array([motion_reason(i, face_found, pose, flow, cfg)
                       for i in range(len(face_found))], dtype=object)
    ref = reference_pose(face_found, pose, cfg, landmarker=landmarker)
    return decide(motion, pose, ref)

