"""Hair kept only where attached to the face: planted blobs at known gaps."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.parsing import masks as M
from strokescreen.parsing.hair import default_gap_px, keep_attached_hair, keep_attached_hair_named
from strokescreen.parsing.model import ParsingModel

S = 64
FACE = (M.SKIN, M.FPP, M.BROWS, M.EYES, M.MOUTH)


def face_map() -> np.ndarray:
    """A face: skin square rows 20..49, cols 20..43, with brows, eyes, mouth and FPP inside."""
    lab = np.zeros((S, S), np.uint8)
    lab[20:50, 20:44] = M.SKIN
    lab[26:28, 24:40] = M.BROWS
    lab[30:32, 25:39] = M.EYES
    lab[42:45, 27:37] = M.MOUTH
    lab[46:50, 20:30] = M.FPP
    return lab


def clean(lab: np.ndarray, gap_px: int = 2) -> np.ndarray:
    return keep_attached_hair(lab, hair=M.HAIR, face=FACE, gap_px=gap_px)


def test_hair_touching_the_face_is_kept():
    lab = face_map()
    lab[10:20, 18:46] = M.HAIR  # a cap on the skin's top edge
    np.testing.assert_array_equal(clean(lab), lab)


def test_detached_blob_beyond_the_gap_becomes_background():
    lab = face_map()
    lab[10:20, 18:46] = M.HAIR
    lab[22:40, 50:60] = M.HAIR  # a "door" patch 6 px right of the skin (cols 44..49 empty)
    out = clean(lab)
    assert (out[22:40, 50:60] == M.BACKGROUND).all()
    assert (out[10:20, 18:46] == M.HAIR).all()
    expected = lab.copy()
    expected[22:40, 50:60] = M.BACKGROUND
    np.testing.assert_array_equal(out, expected)


@pytest.mark.parametrize("gap", [0, 1, 2])
def test_blob_within_the_gap_is_kept(gap):
    lab = face_map()
    lab[22:40, 44 + gap:54] = M.HAIR  # `gap` background columns between skin and hair
    np.testing.assert_array_equal(clean(lab, gap_px=2), lab)


def test_gap_one_pixel_over_the_margin_is_removed():
    lab = face_map()
    lab[22:40, 47:54] = M.HAIR  # 3 background columns, margin 2
    assert not (clean(lab, gap_px=2) == M.HAIR).any()
    assert (clean(lab, gap_px=3)[22:40, 47:54] == M.HAIR).all()


def test_a_component_is_kept_whole_through_a_diagonal_chain():
    lab = face_map()
    lab[18:20, 30:34] = M.HAIR  # touches the skin
    for k in range(8):  # a diagonal staircase leading away from the face (8-connected)
        lab[17 - k, 34 + k] = M.HAIR
    lab[2:8, 40:60] = M.HAIR  # far from the face, joined through the chain's end at (10, 41)
    lab[8:10, 40:43] = M.HAIR
    np.testing.assert_array_equal(clean(lab), lab)


def test_other_classes_are_untouched_and_only_hair_changes():
    lab = face_map()
    lab[0:6, 0:6] = M.HAIR
    lab[56:64, 56:64] = M.HAIR
    lab[58:60, 0:4] = M.EYES  # a stray eye patch far from the face stays
    out = clean(lab)
    changed = out != lab
    assert (lab[changed] == M.HAIR).all() and (out[changed] == M.BACKGROUND).all()
    assert changed.sum() == 36 + 64
    assert (out[58:60, 0:4] == M.EYES).all()


def test_any_face_class_anchors_hair():
    lab = np.zeros((S, S), np.uint8)
    lab[30:34, 30:34] = M.BROWS
    lab[20:30, 28:36] = M.HAIR  # on the brow
    np.testing.assert_array_equal(clean(lab), lab)


def test_maps_without_hair_or_without_a_face_are_unchanged():
    no_hair = face_map()
    np.testing.assert_array_equal(clean(no_hair), no_hair)
    no_face = np.zeros((S, S), np.uint8)
    no_face[5:15, 5:15] = M.HAIR
    no_face[40:50, 40:50] = M.HAIR
    out = clean(no_face)
    np.testing.assert_array_equal(out, no_face)
    assert out is not no_face  # a new array; the input is never written


def test_maps_of_a_batch_do_not_anchor_each_other():
    a = face_map()
    b = np.zeros((S, S), np.uint8)
    b[45:55, 45:60] = M.SKIN  # face elsewhere
    b[10:20, 18:46] = M.HAIR  # where the first map's face is; detached here
    a[10:20, 18:46] = M.HAIR
    out = clean(np.stack([a, b]))
    np.testing.assert_array_equal(out[0], a)
    assert not (out[1] == M.HAIR).any()
    np.testing.assert_array_equal(out[1][b != M.HAIR], b[b != M.HAIR])


def test_default_gap_scales_with_the_crop():
    assert default_gap_px(128) == 2
    assert default_gap_px(96) == 2
    assert default_gap_px(256) == 4
    assert default_gap_px(32) == 1


def test_named_codes_follow_the_model_classes_and_no_hair_class_is_a_no_op():
    names = M.class_names(hair=True, disease=False)  # fpp dropped: codes shift
    lab = np.zeros((S, S), np.uint8)
    lab[20:40, 20:40] = names.index("skin")
    lab[0:5, 0:5] = names.index("hair")
    out = keep_attached_hair_named(lab, names)
    assert (out[0:5, 0:5] == names.index("background")).all()
    without = M.class_names(hair=False)
    lab2 = lab.copy()
    lab2[0:5, 0:5] = without.index("brows")
    np.testing.assert_array_equal(keep_attached_hair_named(lab2, without), lab2)


def test_bad_shapes_and_gaps_are_refused():
    with pytest.raises(InputError, match="shape"):
        clean(np.zeros(5, np.uint8))
    with pytest.raises(InputError, match="negative"):
        clean(face_map(), gap_px=-1)


def test_predict_removes_detached_hair(monkeypatch):
    model = ParsingModel(hair=True)
    k = len(model.classes)
    truth = face_map()
    truth[10:20, 18:46] = M.HAIR
    truth[22:40, 52:60] = M.HAIR
    proba = np.full((1, k, S, S), 0.01, np.float32)
    for c in range(k):
        proba[0, c][truth == c] = 0.9
    monkeypatch.setattr(model, "predict_proba", lambda images: proba)
    raw = model.predict(np.zeros((1, S, S, 3), np.uint8), attached_hair=False)
    np.testing.assert_array_equal(raw[0], truth)
    out = model.predict(np.zeros((1, S, S, 3), np.uint8))
    assert (out[0, 22:40, 52:60] == M.BACKGROUND).all()
    assert (out[0, 10:20, 18:46] == M.HAIR).all()
