"""Measure families: which part of the face (or of speech) a feature column measures.

Explanations are shown per feature and summed per family (SHAP values add up, so a
family's contribution is the sum of its features'). The family is derived from the
column name alone, by the first rule below whose prefix matches and one of whose words
occurs in the name (``FAMILY_RULES``; one table, in this order):

============== ============ ==========================================================
family         prefix       words in the name
============== ============ ==========================================================
overall        ``face_``    asymmetry_index
midline        ``face_``    nose, philtrum, midline_score
eye            ``face_``    eye, lid, blink
brow           ``face_``    brow
mouth          ``face_``    mouth, lip, smile, commissure, corner, dyn_ (repetitions are
                            found from the mouth opening signal)
head & scale   ``face_``    roll, ipd, mm_from_iris, n_frames, n_rest (pose and quality
                            hints, not signs)
voice          ``speech_``  f0, voiced, intensity, spectral, alpha, jitter, shimmer, hnr
speech timing  ``speech_``  duration, time, pause, share, syllable, rate, ddk
background     ``scene_``   (every scene column: frame statistics outside the face)
other          (anything else)
============== ============ ==========================================================

``mouth_corner_midline`` (the commissure's distance to the midline) is a mouth measure:
the ``midline`` words are matched only as ``midline_score``, the region score.
"""

from __future__ import annotations

FAMILY_RULES: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("overall", "face_", ("asymmetry_index",)),
    ("midline", "face_", ("nose", "philtrum", "midline_score")),
    ("eye", "face_", ("eye", "lid", "blink")),
    ("brow", "face_", ("brow",)),
    ("mouth", "face_", ("mouth", "lip", "smile", "commissure", "corner", "dyn_")),
    ("head & scale", "face_", ("roll", "ipd", "mm_from_iris", "n_frames", "n_rest")),
    ("voice", "speech_",
     ("f0", "voiced", "intensity", "spectral", "alpha", "jitter", "shimmer", "hnr")),
    ("speech timing", "speech_",
     ("duration", "time", "pause", "share", "syllable", "rate", "ddk")),
    ("background", "scene_", ("",)),
)
FAMILIES: tuple[str, ...] = (*dict.fromkeys(r[0] for r in FAMILY_RULES), "other")


def feature_family(name: str) -> str:
    """The measure family of feature column ``name`` (see the module docstring)."""
    for family, prefix, words in FAMILY_RULES:
        if name.startswith(prefix) and any(w in name[len(prefix):] for w in words):
            return family
    return "other"
