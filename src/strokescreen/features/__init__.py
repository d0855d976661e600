"""Facial features: per-frame measures, case summaries, dynamics, normal ranges.

Pure functions over landmark arrays (MediaPipe 478 or iBUG 68, pixels); see
:mod:`strokescreen.features.face_measures` for the measures and their units.
"""

from strokescreen.features.asymmetry import ASYMMETRY_MEASURES, asymmetry_scores
from strokescreen.features.case_features import case_face_features
from strokescreen.features.dynamics import DynamicsConfig, case_dynamics, find_repetitions
from strokescreen.features.face_measures import MEASURES, MeasureInfo, face_measures, mm_scale
from strokescreen.features.normalise import NormalisedFace, normalise_face
from strokescreen.features.normals import face_normals

__all__ = [
    "ASYMMETRY_MEASURES",
    "MEASURES",
    "DynamicsConfig",
    "MeasureInfo",
    "NormalisedFace",
    "asymmetry_scores",
    "case_dynamics",
    "case_face_features",
    "face_measures",
    "face_normals",
    "find_repetitions",
    "mm_scale",
    "normalise_face",
]
