"""Shortcut checks: what a trained model's AUC does when its input loses the face, keeps
only the background, loses the background, or is mirrored.

A model that learned stroke signs reads the face: masking the facial regions drops its
AUC (to what the speech left to it gives), the background alone gives about 0.5, masking
the background leaves it unchanged, and mirroring (which moves the weak side to the other
half of the face) leaves its calls unchanged. A model that learned a shortcut in the scene
(lighting, background) does the opposite. These are the perturbations, each applied to
the test cases of every subject-grouped fold after the fold model was trained on
unperturbed cases:

================== ============================================ ===========================
perturbation       feature models (the table's columns)         video models (the crops)
================== ============================================ ===========================
face-masked        regional face measures (families mouth, eye, eye, nose and mouth boxes
                   brow, midline, overall) set missing, i.e.    grey
                   the training median
background-only    every ``face_*`` and ``speech_*`` column     the face ellipse grey and
                   missing: only ``scene_*`` columns left       the soundtrack removed
background-masked  ``scene_*`` columns missing                  outside the face ellipse
                                                                grey
mirrored           left and right swapped by name (see          crops flipped left-right
                   :func:`mirror_features`)
================== ============================================ ===========================

Geometry of the crop masks: :mod:`strokescreen.features.scene`. Pure functions here; the
job that trains and perturbs is :mod:`strokescreen.workflows.shortcut`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.errors import InputError
from strokescreen.features.families import feature_family

PERTURBATIONS = ("face-masked", "background-only", "background-masked", "mirrored")
DESCRIPTION = {
    "face-masked": "facial regions (eyes, nose, mouth) masked",
    "background-only": "only the background kept",
    "background-masked": "background masked",
    "mirrored": "left and right swapped",
}
#: What a model that reads stroke signs does under each perturbation.
EXPECTED = {
    "face-masked": "falls (to what the speech alone gives)",
    "background-only": "about 0.5",
    "background-masked": "unchanged",
    "mirrored": "unchanged; calls follow the weak side",
}
REGION_FAMILIES = ("mouth", "eye", "brow", "midline", "overall")
SCENE_PREFIX = "scene_"
#: measures whose sign flips with the face (signed midline offsets, tilt and roll)
SIGNED_WORDS = ("nose_tip_deviation", "philtrum_deviation", "mouth_tilt_deg", "roll_deg")
_FEATURE_PREFIXES = ("face_", "speech_", SCENE_PREFIX)


def check_perturbation(kind: str) -> str:
    if kind not in PERTURBATIONS:
        raise InputError(f"perturbation {kind!r} is unknown; use one of {', '.join(PERTURBATIONS)}")
    return kind


def mirror_rule(name: str) -> tuple[str, float]:
    """(column whose value this column takes, sign) when the face is mirrored.

    ``..._l_...`` / ``..._l`` takes its ``_r`` partner's value and vice versa; ``_lr`` and
    ``_nd`` columns (left minus right) and the signed midline, tilt and roll measures change
    sign; every other column (magnitudes, region scores, speech) stays as it is.
    """
    tokens = name.split("_")
    for i, t in enumerate(tokens):
        if t in ("l", "r"):
            partner = [*tokens[:i], "r" if t == "l" else "l", *tokens[i + 1:]]
            return "_".join(partner), 1.0
    if "lr" in tokens[1:] or tokens[-1] == "nd" or any(w in name for w in SIGNED_WORDS):
        return name, -1.0
    return name, 1.0


def mirror_features(cases: pd.DataFrame) -> pd.DataFrame:
    """The case table of the mirrored faces (feature columns remapped by
    :func:`mirror_rule`; a side column without its partner in the table is left as is)."""
    out = cases.copy()
    cols = [c for c in cases.columns if isinstance(c, str) and c.startswith(_FEATURE_PREFIXES)]
    for c in cols:
        src, sign = mirror_rule(c)
        if src in cases.columns:
            out[c] = sign * cases[src].to_numpy(dtype=float)
    return out


def perturb_features(cases: pd.DataFrame, kind: str) -> pd.DataFrame:
    """A copy of the case table as a feature model sees it under perturbation ``kind``
    (see the module docstring); masked columns become NaN (the pipeline imputes the
    training median: no information)."""
    check_perturbation(kind)
    if kind == "mirrored":
        return mirror_features(cases)
    out = cases.copy()
    cols = [c for c in cases.columns if isinstance(c, str) and c.startswith(_FEATURE_PREFIXES)]
    if kind == "face-masked":
        drop = [c for c in cols if c.startswith("face_") and feature_family(c) in REGION_FAMILIES]
    elif kind == "background-only":
        drop = [c for c in cols if not c.startswith(SCENE_PREFIX)]
    else:
        drop = [c for c in cols if c.startswith(SCENE_PREFIX)]
    out[drop] = np.nan
    return out


def _auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    ok = np.isfinite(p)
    if len(np.unique(y[ok])) < 2:
        return float("nan")
    return float(roc_auc_score(y[ok], p[ok]))


def _fold_mean_auc(y: np.ndarray, p: np.ndarray, folds: np.ndarray) -> float:
    aucs = [_auc(y[folds == f], p[folds == f]) for f in np.unique(folds)]
    finite = [a for a in aucs if a == a]
    return float(np.mean(finite)) if finite else float("nan")


def perturbation_summary(y: np.ndarray, clean: np.ndarray, perturbed: np.ndarray, *,
                         threshold: float = 0.5,
                         folds: np.ndarray | None = None) -> dict[str, float]:
    """How one perturbation moved the pooled out-of-fold predictions.

    y : labels (n,); clean, perturbed : P(stroke) of the same cases without and with the
    perturbation, shape (n,). Returns auc_clean, auc, auc_drop (clean - perturbed),
    mean_abs_change (mean |perturbed - clean|), calls_kept (share of cases whose call at
    ``threshold`` is the same) and flagged_kept (of the cases flagged without the
    perturbation, the share still flagged). With ``folds`` (each case's fold, shape (n,))
    also fold_auc_clean and fold_auc, the mean of the per-fold AUCs: a perturbation that
    leaves a fold model nothing to read gives each fold a constant and exactly 0.5 there,
    while pooling constants that differ between folds can move the pooled AUC off 0.5.
    """
    y = np.asarray(y, dtype=int)
    clean = np.asarray(clean, dtype=float)
    perturbed = np.asarray(perturbed, dtype=float)
    ok = np.isfinite(clean) & np.isfinite(perturbed)
    a0, a1 = _auc(y, clean), _auc(y, perturbed)
    c0, c1 = clean[ok] >= threshold, perturbed[ok] >= threshold
    extra = {}
    if folds is not None:
        f = np.asarray(folds)[ok]
        extra = {"fold_auc_clean": _fold_mean_auc(y[ok], clean[ok], f),
                 "fold_auc": _fold_mean_auc(y[ok], perturbed[ok], f)}
    return {
        "auc_clean": a0,
        "auc": a1,
        "auc_drop": a0 - a1,
        "mean_abs_change": float(np.mean(np.abs(perturbed[ok] - clean[ok]))) if ok.any()
        else float("nan"),
        "calls_kept": float(np.mean(c0 == c1)) if ok.any() else float("nan"),
        "flagged_kept": float(np.mean(c1[c0])) if c0.any() else float("nan"),
        "n": int(ok.sum()),
        **extra,
    }
