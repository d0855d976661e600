"""Region fusion of mesh and ERT points: asymmetry of the mesh is kept, convention is fixed."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.face.accuracy import commissure_difference
from strokescreen.face.fusion import fuse_ibug68, symmetric_offsets
from strokescreen.face.schemes import MIRROR_IBUG68


def _symmetric_face() -> np.ndarray:
    """68 points mirror-symmetric about x = 100 (each pair at mirrored x, same y)."""
    rng = np.random.default_rng(1)
    p = np.zeros((68, 2))
    for i in range(68):
        j = MIRROR_IBUG68[i]
        if j < i:
            continue
        x, y = rng.uniform(40, 95), rng.uniform(50, 200)
        if i == j:
            p[i] = (100.0, y)
        else:  # point i on the image left, its partner mirrored
            p[i], p[j] = (x, y), (200.0 - x, y)
    p[36:42] = (70.0, 100.0)
    p[42:48] = (130.0, 100.0)
    return p


def test_symmetric_part_of_a_symmetric_shift_is_the_shift_and_of_a_droop_is_nothing():
    base = _symmetric_face()
    down = base + np.array([0.0, 3.0])  # every point 3 px lower: symmetric
    assert symmetric_offsets(base, down) == pytest.approx(np.tile([0.0, 3.0], (68, 1)))
    droop = base.copy()
    droop[54, 1] += 5.0  # one mouth corner lower: pure asymmetry
    off = symmetric_offsets(base, droop)
    assert off[54] == pytest.approx([0.0, 2.5]) and off[48] == pytest.approx([0.0, 2.5])


def test_fusion_keeps_the_mesh_droop_and_takes_the_ert_jaw():
    mesh = _symmetric_face()
    mesh[54, 1] += 6.0  # the mesh reads a 6 px droop of the subject's left corner
    ert = _symmetric_face() + np.array([1.0, 2.0])  # ERT: symmetric face, shifted
    ert[19, 1] -= 4.0  # and one brow higher than the other
    fused = fuse_ibug68(mesh, ert)
    assert commissure_difference(fused) == pytest.approx(commissure_difference(mesh))
    assert commissure_difference(fused) == pytest.approx(6.0)
    assert fused[:17] == pytest.approx(ert[:17])  # jaw: ERT
    assert fused[36:] == pytest.approx(mesh[36:])  # eyes and mouth: mesh
    # brows: moved by the symmetric part only; the ERT's one-sided brow lift is halved
    # and shared by both brows, so the mesh's brow-height difference is unchanged
    j = MIRROR_IBUG68[19]
    assert (fused[19, 1] - fused[j, 1]) == pytest.approx(mesh[19, 1] - mesh[j, 1])
    assert fused[19, 1] - mesh[19, 1] == pytest.approx(0.0)  # offsets -2 and +2 average out


def test_bad_rules_and_shapes_are_one_clear_error():
    p = _symmetric_face()
    with pytest.raises(InputError, match="bad fusion rules"):
        fuse_ibug68(p, p, rules={"mouth": "average"})
    with pytest.raises(InputError, match="iBUG-68"):
        symmetric_offsets(p[:60], p)
