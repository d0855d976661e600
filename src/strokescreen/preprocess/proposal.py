"""Frame proposal: keep near-frontal, steady, moving-face frames (DeepStroke paper).

Every rejected frame carries exactly one reason from :data:`REJECT_REASONS`, checked in
this order (the first that applies is reported):

``no_face``       the patient's face was not found;
``not_frontal``   |yaw|, |pitch| or |roll| is at least ``beta1_deg``;
``pose_change``   the frame lies in a window of ``window_frames`` frames whose summed
                  pose change (|Δyaw| + |Δpitch| + |Δroll| between consecutive frames)
                  exceeds ``beta2_deg``;
``large_motion``  face-region flow above ``flow_high_px`` (a hand, a large move);
``no_motion``     face-region flow below ``flow_low_px`` (a frozen or duplicated frame).
"""

from __future__ import annotations

import math

import numpy as np

from strokescreen.config import ProposalConfig

REJECT_REASONS = ("no_face", "not_frontal", "pose_change", "large_motion", "no_motion")


def pose_steps(pose: np.ndarray) -> np.ndarray:
    """Summed absolute pose change into each frame, degrees; shape (n,). NaN -> 0."""
    d = np.zeros(len(pose))
    if len(pose) > 1:
        step = np.abs(np.diff(pose, axis=0)).sum(axis=1)
        d[1:] = np.where(np.isfinite(step), step, 0.0)
    return d


def frame_reason(i: int, face_found: np.ndarray, pose: np.ndarray, steps: np.ndarray,
                 flow: np.ndarray, cfg: ProposalConfig) -> str:
    """Reason frame ``i`` is rejected ('' when kept). Looks at frames i−w+1 … i+w−1 only.

    face_found (n,) bool; pose (n, 3) degrees; steps from :func:`pose_steps`; flow (n,).
    """
    if not face_found[i]:
        return "no_face"
    if not np.all(np.abs(pose[i]) < cfg.beta1_deg):
        return "not_frontal"
    w = cfg.window_frames
    n = len(face_found)
    for start in range(max(i - w + 1, 0), i + 1):
        end = min(start + w, n)  # window frames start .. end-1; its changes are steps[start+1:end]
        if steps[start + 1:end].sum() > cfg.beta2_deg:
            return "pose_change"
    f = flow[i]
    if math.isfinite(f):
        if f > cfg.flow_high_px:
            return "large_motion"
        if f < cfg.flow_low_px:
            return "no_motion"
    return ""


def propose(face_found: np.ndarray, pose: np.ndarray, flow: np.ndarray,
            cfg: ProposalConfig = ProposalConfig()) -> np.ndarray:
    """Reject reason for every frame (object array of str, '' = kept)."""
    face_found = np.asarray(face_found, dtype=bool)
    pose = np.asarray(pose, dtype=float).reshape(-1, 3)
    flow = np.asarray(flow, dtype=float)
    steps = pose_steps(pose)
    return np.array([frame_reason(i, face_found, pose, steps, flow, cfg)
                     for i in range(len(face_found))], dtype=object)
