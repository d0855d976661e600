"""A fitted 478 -> 68 mapping: each iBUG point as an affine combination of nearby mesh points.

The fixed mapping of :mod:`strokescreen.face.schemes` takes one mesh vertex per iBUG point;
but the iBUG annotation convention puts many points between vertices (the jaw contour
above all). Here each iBUG point j is, in a face-normalised frame (centred on the mesh,
unit RMS radius, eye line horizontal),

    q_j = sum_k w_jk m_{n_jk} + b_j,     sum_k w_jk = 1,

over its K nearest mesh vertices n_jk, with weights w and an offset b fitted by ridge
least squares to annotated faces. The weights sum to one, so the mapping moves with the
mesh: a mouth corner that MediaPipe sees drop drops the mapped point as much — unlike a
shape-regularised regressor that pulls a face towards symmetry.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from strokescreen.errors import InputError

N_MESH = 468


def normalising_frame(mesh: np.ndarray) -> tuple[np.ndarray, float, np.ndarray]:
    """(centre (2,), scale, rotation (2, 2)) taking mesh pixels to the normalised frame.

    mesh : (468 or 478, 2+) pixels. q = (p - centre) @ rotation.T / scale.
    """
    m = np.asarray(mesh, float)[:N_MESH, :2]
    centre = m.mean(0)
    scale = float(np.sqrt(((m - centre) ** 2).sum(1).mean()))
    eye = m[263] - m[33]  # subject's left outer eye corner minus right (image +x)
    a = np.arctan2(eye[1], eye[0])
    rot = np.array([[np.cos(a), np.sin(a)], [-np.sin(a), np.cos(a)]])
    return centre, scale, rot


def to_frame(points: np.ndarray, frame: tuple[np.ndarray, float, np.ndarray]) -> np.ndarray:
    c, s, r = frame
    return np.asarray((np.asarray(points, float)[..., :2] - c) @ r.T / s)


def from_frame(q: np.ndarray, frame: tuple[np.ndarray, float, np.ndarray]) -> np.ndarray:
    c, s, r = frame
    return np.asarray(q @ r * s + c)


def fit_mesh_mapping(meshes: np.ndarray, targets: np.ndarray, *, k: int = 10,
                     ridge: float = 1e-3) -> dict[str, np.ndarray]:
    """Fit the mapping on faces: meshes (n, 478, 2+) px, targets (n, 68, 2) px.

    Returns ``neighbours`` (68, k) int, ``weights`` (68, k) summing to 1, ``offsets``
    (68, 2) in normalised units.
    """
    meshes, targets = np.asarray(meshes, float), np.asarray(targets, float)
    if meshes.ndim != 3 or targets.shape[1:] != (68, 2) or len(meshes) != len(targets):
        raise InputError(f"need (n, 478, 2+) meshes and (n, 68, 2) targets; got "
                         f"{meshes.shape} and {targets.shape}")
    if len(meshes) < 2:
        raise InputError(f"fitting the mesh mapping needs two or more faces; got {len(meshes)}")
    qm = np.stack([to_frame(m[:N_MESH], normalising_frame(m)) for m in meshes])
    qt = np.stack([to_frame(t, normalising_frame(m)) for m, t in zip(meshes, targets,
                                                                         strict=True)])
    mean_mesh, mean_t = qm.mean(0), qt.mean(0)
    neighbours = np.argsort(((mean_mesh[None] - mean_t[:, None]) ** 2).sum(-1), axis=1)[:, :k]
    weights = np.zeros((68, k))
    offsets = np.zeros((68, 2))
    for j in range(68):
        v = qm[:, neighbours[j]]  # (n, k, 2)
        d = v[:, 1:] - v[:, :1]  # (n, k-1, 2)
        y = qt[:, j] - v[:, 0]  # (n, 2)
        n = len(qm)
        a = np.zeros((2 * n, k + 1))
        a[:n, : k - 1], a[n:, : k - 1] = d[:, :, 0], d[:, :, 1]
        a[:n, k - 1], a[n:, k] = 1.0, 1.0
        reg = np.sqrt(ridge * n) * np.eye(k + 1)[: k - 1]  # shrink weights, not offsets
        sol, *_ = np.linalg.lstsq(np.vstack([a, reg]),
                                  np.concatenate([y[:, 0], y[:, 1], np.zeros(k - 1)]), rcond=None)
        weights[j, 1:] = sol[: k - 1]
        weights[j, 0] = 1.0 - sol[: k - 1].sum()
        offsets[j] = sol[k - 1:]
    return {"neighbours": neighbours.astype(np.int64), "weights": weights, "offsets": offsets}


def apply_mesh_mapping(mesh: np.ndarray, mapping: dict[str, np.ndarray]) -> np.ndarray:
    """iBUG-68 points (68, 2) px of one face's mesh (478 or 468, 2+) px."""
    frame = normalising_frame(mesh)
    q = to_frame(np.asarray(mesh, float)[:N_MESH], frame)
    out = (mapping["weights"][..., None] * q[mapping["neighbours"]]).sum(1) + mapping["offsets"]
    return from_frame(out, frame)


#: the shipped mapping (fitted by benchmarks/fit_mesh_mapping.py; provenance in its JSON)
MAPPING_FILE = Path(__file__).resolve().parents[1] / "data" / "mp478_to_ibug68_fit.npz"


def load_mesh_mapping(path: str | Path | None = None) -> dict[str, np.ndarray]:
    p = Path(path) if path is not None else MAPPING_FILE
    if not p.is_file():
        raise InputError(f"fitted mesh mapping not found: {p}")
    with np.load(p) as z:
        return {k: z[k] for k in ("neighbours", "weights", "offsets")}
