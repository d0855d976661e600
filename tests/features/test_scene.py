"""Scene statistics and crop perturbations on planted crops."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.features.scene import (
    NEUTRAL,
    face_mask,
    perturb_crops,
    region_mask,
    scene_features,
)


def _crops(n=4, px=64, left_subject=150, right_subject=90, face=200):
    """Background brighter on the subject's left (image right); a uniform face."""
    c = np.empty((n, px, px, 3), np.uint8)
    c[:, :, : px // 2] = right_subject
    c[:, :, px // 2:] = left_subject
    c[:, face_mask(px)] = face
    return c


def test_scene_features_read_the_background_only_and_flip_with_the_mirror():
    f = scene_features(_crops())
    assert f["scene_light_lr"] == pytest.approx(60 / 255, abs=1e-3)  # the face is left out
    assert f["scene_luma"] == pytest.approx(120 / 255, abs=0.01)
    g = scene_features(perturb_crops(_crops(), "mirrored"))
    assert g["scene_light_lr"] == pytest.approx(-f["scene_light_lr"], abs=1e-6)
    assert np.isnan(scene_features(np.zeros((0, 8, 8, 3), np.uint8))["scene_luma"])


def test_crop_masks_cover_what_they_say():
    c = _crops()
    px = c.shape[1]
    only_bg = perturb_crops(c, "background-only")
    assert (only_bg[:, face_mask(px)] == NEUTRAL).all()
    assert (only_bg[:, ~face_mask(px)] == c[:, ~face_mask(px)]).all()
    no_bg = perturb_crops(c, "background-masked")
    assert (no_bg[:, ~face_mask(px)] == NEUTRAL).all() and (no_bg[:, face_mask(px)] == 200).all()
    regions = perturb_crops(c, "face-masked")
    r = region_mask(px)
    assert (regions[:, r] == NEUTRAL).all() and (regions[:, ~r] == c[:, ~r]).all()
    assert r[int(0.40 * px), int(0.35 * px)] and r[int(0.75 * px), px // 2]  # eye, mouth
    assert not r[2, 2] and face_mask(px)[int(0.58 * px), px // 2] and not face_mask(px)[1, 1]
    assert (perturb_crops(perturb_crops(c, "mirrored"), "mirrored") == c).all()
    assert (c[:, :, 0] != NEUTRAL).all()  # the input is never changed in place
    with pytest.raises(ValueError):
        perturb_crops(c, "blur")
