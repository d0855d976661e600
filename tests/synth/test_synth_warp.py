"""Piecewise-affine inverse maps: exact on affine motion, identity when nothing moves."""

from __future__ import annotations

import cv2
import numpy as np

from strokescreen.synth.warp import affine_table, inverse_map, triangulate


def _grid_points(w: int, h: int) -> np.ndarray:
    xs, ys = np.meshgrid(np.linspace(-2, w + 1, 6), np.linspace(-2, h + 1, 5))
    inner = np.array([[60, 50], [100, 70], [80, 110], [130, 120], [50, 140]], float)
    return np.concatenate([np.stack([xs.ravel(), ys.ravel()], 1), inner])


def test_identity_when_points_do_not_move():
    pts = _grid_points(200, 160)
    tris = triangulate(pts)
    mx, my = inverse_map(pts, pts, tris, shape=(160, 200))
    gx, gy = np.meshgrid(np.arange(200), np.arange(160))
    assert np.abs(mx - gx).max() < 1e-3 and np.abs(my - gy).max() < 1e-3


def test_affine_motion_is_inverted_exactly():
    src = _grid_points(200, 160)
    a = np.array([[1.05, 0.08, 3.0], [-0.06, 0.97, -2.0]])
    dst = src @ a[:, :2].T + a[:, 2]
    tris = triangulate(src)
    mx, my = inverse_map(src, dst, tris, shape=(160, 200))
    inv = cv2.invertAffineTransform(a)
    gx, gy = np.meshgrid(np.arange(20, 180), np.arange(20, 140))
    ex = inv[0, 0] * gx + inv[0, 1] * gy + inv[0, 2]
    ey = inv[1, 0] * gx + inv[1, 1] * gy + inv[1, 2]
    assert np.abs(mx[20:140, 20:180] - ex).max() < 0.02
    assert np.abs(my[20:140, 20:180] - ey).max() < 0.02


def test_degenerate_triangles_get_a_finite_map():
    src = np.array([[0, 0], [10, 0], [0, 10], [10, 10]], float)
    dst = src.copy()
    dst[3] = dst[1]  # collapse one triangle
    table = affine_table(src, dst, np.array([[0, 1, 2], [1, 3, 2]]))
    assert np.all(np.isfinite(table))
