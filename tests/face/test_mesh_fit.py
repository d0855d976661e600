"""The fitted 478 -> 68 mapping: recovers a planted mapping, moves with the mesh."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.face.mesh_fit import apply_mesh_mapping, fit_mesh_mapping, load_mesh_mapping
from strokescreen.face.schemes import MP478_TO_IBUG68


def meshes_and_targets(n: int = 40):
    """Random meshes (jittered, scaled, rotated copies of one face) and targets planted as
    the fixed-mapping vertex + a constant 0.02 offset in the normalised frame."""
    from strokescreen.face.mesh_fit import normalising_frame

    rng = np.random.default_rng(0)
    base = rng.uniform(-1, 1, (478, 2))
    base[33], base[263] = (-0.6, -0.3), (0.6, -0.3)  # outer eye corners: eye line horizontal
    meshes, targets = [], []
    for _ in range(n):
        m = base + rng.normal(0, 0.02, base.shape)
        a = rng.uniform(-0.3, 0.3)
        rot = np.array([[np.cos(a), -np.sin(a)], [np.sin(a), np.cos(a)]])
        s, c = rng.uniform(80, 200), rng.uniform(100, 400, 2)
        mm = m @ rot.T * s + c
        frame = normalising_frame(mm)
        cen, sc, r = frame
        q = (mm[:468] - cen) @ r.T / sc
        t = q[MP478_TO_IBUG68] + np.array([0.02, -0.01])
        meshes.append(mm)
        targets.append(t @ r * sc + cen)
    return np.array(meshes), np.array(targets)


def test_fit_recovers_a_planted_vertex_plus_offset_mapping():
    meshes, targets = meshes_and_targets()
    mapping = fit_mesh_mapping(meshes[:30], targets[:30], k=6, ridge=1e-8)
    assert np.allclose(mapping["weights"].sum(1), 1.0)
    # where the planted vertex is the nearest neighbour, it takes all the weight
    first = mapping["neighbours"][:, 0] == MP478_TO_IBUG68
    assert first.sum() > 30
    np.testing.assert_allclose(mapping["weights"][first, 0], 1.0, atol=0.02)
    np.testing.assert_allclose(mapping["offsets"][first], np.tile([0.02, -0.01], (first.sum(), 1)),
                               atol=2e-3)
    for m, t in zip(meshes[30:], targets[30:], strict=True):
        err = np.linalg.norm(apply_mesh_mapping(m, mapping) - t, axis=1)
        assert err.max() < 0.5  # pixels, on faces 80-200 px in scale


def test_shipped_mapping_moves_a_mouth_corner_as_the_mesh_moves_it():
    mapping = load_mesh_mapping()
    meshes, _ = meshes_and_targets(1)
    mesh = meshes[0]
    corner = 54  # iBUG subject's left mouth corner
    near = np.unique(mapping["neighbours"][corner])
    moved = mesh.copy()
    moved[near] += (0.0, 4.0)  # its neighbourhood drops 4 px
    drop = apply_mesh_mapping(moved, mapping)[corner] - apply_mesh_mapping(mesh, mapping)[corner]
    np.testing.assert_allclose(drop, (0.0, 4.0), atol=0.3)


def test_too_few_faces_or_wrong_shapes_are_input_errors():
    meshes, targets = meshes_and_targets(3)
    with pytest.raises(InputError, match="two or more"):
        fit_mesh_mapping(meshes[:1], targets[:1])
    with pytest.raises(InputError, match="targets"):
        fit_mesh_mapping(meshes, targets[:, :10])
