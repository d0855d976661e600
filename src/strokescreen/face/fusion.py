"""Fuse MediaPipe's fitted 68 points with dlib's ERT points, region by region (pure functions).

MediaPipe's mesh and dlib's ensemble-of-regression-trees (ERT) predictor err differently.
The mesh follows a face's own shape, including one-sided droop (it reads about 0.86 of a
planted commissure droop), but its fixed surface vertices follow a convention that is not
iBUG's where iBUG marks 2-D outlines: the jaw contour (the visible silhouette, which slides
over the face as the head turns) and the upper edge of the brows; the nose, too, sits
differently. The ERT predictor was trained on iBUG annotations, so it follows that
convention, but its cascade starts from a mean (symmetric, neutral) shape and pulls a
drooping face towards symmetry (it reads about 0.45 of a planted droop): the bias Guarin
et al. found in off-the-shelf landmarkers on patients' faces.

:func:`fuse_ibug68` keeps each where it is right by principle:

- ``jaw`` (0-16): the ERT's points (an outline convention; no asymmetry measure uses it);
- ``brows`` and ``nose`` (17-35): the mesh's points moved by the *symmetric part* of the
  ERT-minus-mesh offsets (in a face frame on the eye line, each offset averaged with its
  mirror partner's, mirrored): the convention correction, which cannot change any
  left-minus-right difference along the eye-line normal, so brow-height asymmetry stays
  the mesh's reading;
- ``eyes`` and ``mouth`` (36-67): the mesh's points unchanged. These regions deform
  (blinks, speech, smiles, droop), the ERT's mean-shape prior pulls them towards neutral
  symmetry, and the stroke and palsy signs are read there.

The choice is made by these reasons, not fitted to annotated faces. Its known cost: where
the ERT follows a brow raise less than the mesh, both brows' raise is damped alike (their
difference is kept).
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.schemes import MIRROR_IBUG68

#: how each region is fused: "ert", "symmetric" (mesh + symmetric ERT correction), "mesh"
FUSION_RULES: dict[str, str] = {"jaw": "ert", "brows": "symmetric", "nose": "symmetric",
                                "eyes": "mesh", "mouth": "mesh"}


def eye_frame(points68: np.ndarray) -> np.ndarray:
    """(2, 2) rows: unit eye-line axis (subject's right eye -> left eye) and its normal."""
    p = np.asarray(points68, dtype=float)[:, :2]
    axis = p[42:48].mean(0) - p[36:42].mean(0)
    n = float(np.linalg.norm(axis))
    if not np.isfinite(n) or n <= 0:
        raise InputError("eye centres coincide or are missing; cannot build a face frame")
    axis = axis / n
    return np.stack([axis, np.array([-axis[1], axis[0]])])


def symmetric_offsets(base: np.ndarray, other: np.ndarray) -> np.ndarray:
    """The mirror-symmetric part of ``other - base`` (68, 2), pixels.

    In the eye frame of ``base`` an offset (u, v) of point i and (u', v') of its mirror
    partner j become ((u - u') / 2, (v + v') / 2) and ((u' - u) / 2, (v + v') / 2): the
    along-normal components of a mirror pair are equal (no left-right difference is added)
    and the along-axis ones opposite (a pair moves apart or together, never sideways).
    """
    b = np.asarray(base, dtype=float)[:, :2]
    o = np.asarray(other, dtype=float)[:, :2]
    if b.shape != (68, 2) or o.shape != (68, 2):
        raise InputError(f"need two sets of iBUG-68 points; got {b.shape} and {o.shape}")
    frame = eye_frame(b)
    local = (o - b) @ frame.T
    mirrored = local[MIRROR_IBUG68] * np.array([-1.0, 1.0])
    return np.asarray(((local + mirrored) / 2) @ frame)


def fuse_ibug68(mesh68: np.ndarray, ert68: np.ndarray, *,
                rules: dict[str, str] | None = None) -> np.ndarray:
    """Fused (68, 2) points, pixels, from the mesh's and the ERT's (68, 2+) points.

    rules : region -> "ert" | "symmetric" | "mesh" (default :data:`FUSION_RULES`).
    """
    from strokescreen.face.schemes import IBUG68_REGIONS

    rules = dict(FUSION_RULES if rules is None else rules)
    bad = {k: v for k, v in rules.items()
           if k not in IBUG68_REGIONS or v not in ("ert", "symmetric", "mesh")}
    if bad:
        raise InputError(f"bad fusion rules {bad}; regions {sorted(IBUG68_REGIONS)}, "
                         "each 'ert', 'symmetric' or 'mesh'")
    mesh = np.asarray(mesh68, dtype=float)[:, :2]
    ert = np.asarray(ert68, dtype=float)[:, :2]
    sym = mesh + symmetric_offsets(mesh, ert)
    out = mesh.copy()
    for region, idx in IBUG68_REGIONS.items():
        how = rules.get(region, "mesh")
        if how == "ert":
            out[list(idx)] = ert[list(idx)]
        elif how == "symmetric":
            out[list(idx)] = sym[list(idx)]
    return out
