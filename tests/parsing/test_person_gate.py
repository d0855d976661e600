"""Predicted hair gated by the person mask: planted masks, known answers, and the parse wiring."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.parsing import masks as M
from strokescreen.parsing.hair import (
    default_person_tol_px,
    gate_hair_by_person,
    gate_hair_by_person_named,
)
from tests.helpers import real_file

S = 64


def face_with_hair() -> np.ndarray:
    """Skin rows 20..49, cols 20..43 (brows, eyes, mouth, FPP inside); a hair band rows
    8..19 over the full width, joined to the skin along row 19/20."""
    lab = np.zeros((S, S), np.uint8)
    lab[20:50, 20:44] = M.SKIN
    lab[26:28, 24:40] = M.BROWS
    lab[30:32, 25:39] = M.EYES
    lab[42:45, 27:37] = M.MOUTH
    lab[46:50, 20:30] = M.FPP
    lab[8:20, :] = M.HAIR
    return lab


def person_cols(lo: int, hi: int) -> np.ndarray:
    """A person mask covering columns lo..hi-1 of every row."""
    p = np.zeros((S, S), bool)
    p[:, lo:hi] = True
    return p


def gate(lab, person, tol=2):
    return gate_hair_by_person(lab, person, hair=M.HAIR, background=M.BACKGROUND,
                               tol_px=tol)


def test_hair_outside_the_person_is_removed_and_inside_kept():
    lab = face_with_hair()
    out = gate(lab, person_cols(16, 48), tol=0)
    assert (out[8:20, 16:48] == M.HAIR).all()
    assert (out[8:20, :16] == M.BACKGROUND).all()
    assert (out[8:20, 48:] == M.BACKGROUND).all()


@pytest.mark.parametrize("tol", [1, 2, 3])
def test_hair_within_the_tolerance_is_kept_and_one_pixel_beyond_removed(tol):
    out = gate(face_with_hair(), person_cols(16, 48), tol=tol)
    assert (out[8:20, 16 - tol:48 + tol] == M.HAIR).all()
    assert (out[8:20, :16 - tol] == M.BACKGROUND).all()
    assert (out[8:20, 48 + tol:] == M.BACKGROUND).all()


def test_other_classes_are_untouched_even_outside_the_person():
    lab = face_with_hair()
    lab[55:60, 2:8] = M.MOUTH          # a stray mouth speck on the background
    lab[52:56, 56:60] = M.SKIN
    out = gate(lab, person_cols(30, 34), tol=0)
    changed = out != lab
    assert (lab[changed] == M.HAIR).all() and (out[changed] == M.BACKGROUND).all()
    assert (out[lab != M.HAIR] == lab[lab != M.HAIR]).all()


def test_an_empty_person_mask_leaves_the_map_as_predicted():
    lab = face_with_hair()
    out = gate(lab, np.zeros((S, S), bool))
    np.testing.assert_array_equal(out, lab)
    assert out is not lab


def test_maps_of_a_batch_use_their_own_masks():
    lab = np.stack([face_with_hair(), face_with_hair()])
    person = np.stack([person_cols(16, 48), np.zeros((S, S), bool)])
    out = gate(lab, person, tol=0)
    assert (out[0, 8:20, :16] == M.BACKGROUND).all()
    np.testing.assert_array_equal(out[1], lab[1])    # empty mask: unchanged


def test_default_tolerance_scales_with_the_crop():
    assert default_person_tol_px(128) == 2
    assert default_person_tol_px(96) == 2
    assert default_person_tol_px(256) == 4
    assert default_person_tol_px(32) == 1


def test_bad_shapes_and_tolerances_are_refused():
    with pytest.raises(InputError, match="person mask of shape"):
        gate(face_with_hair(), np.ones((S, S + 1), bool))
    with pytest.raises(InputError, match="negative"):
        gate(face_with_hair(), person_cols(0, S), tol=-1)
    with pytest.raises(InputError, match="label maps of shape"):
        gate(np.zeros(S, np.uint8), np.zeros(S, bool))


def test_named_gate_follows_the_model_codes_and_drops_hair_it_cut_off():
    names = M.class_names(hair=True, disease=False)      # no FPP: codes shift
    hair, skin = names.index("hair"), names.index("skin")
    lab = np.zeros((S, S), np.uint8)
    lab[20:50, 20:44] = skin
    lab[8:20, 20:44] = hair               # scalp hair inside the person
    lab[2:6, 50:60] = hair                # a patch inside the person but attached only
    lab[6:20, 50:52] = hair               # through a bridge outside it
    lab[8:20, 44:50] = hair
    person = np.zeros((S, S), bool)
    person[:, 16:48] = True
    person[0:7, 48:62] = True
    out = gate_hair_by_person_named(lab, person, names, tol_px=0, gap_px=1)
    assert (out[8:20, 20:44] == hair).all()
    assert (out[2:6, 50:60] == 0).all()   # cut off from the face by the gate: not attached
    assert (out[out != lab] == 0).all()
    no_hair = M.class_names(hair=False)
    np.testing.assert_array_equal(
        gate_hair_by_person_named(lab, person, no_hair), lab)


class FakeSegmenter:
    """Person = the image-left half of whatever it is given (or no one)."""

    def __init__(self, empty: bool = False):
        self.empty, self.calls = empty, 0

    def segment(self, rgb: np.ndarray) -> np.ndarray:
        self.calls += 1
        m = np.zeros(rgb.shape[:2], bool)
        if not self.empty:
            m[:, : rgb.shape[1] // 2] = True
        return m


@pytest.fixture
def planted_model(monkeypatch):
    """A tiny untrained model whose prediction is a planted map: skin in the middle, hair
    over the whole top band (so half of it lies outside the fake person)."""
    from strokescreen.parsing.model import ParsingModel

    model = ParsingModel(hair=True)

    def predict(images, **_):
        n, size = len(images), images.shape[1]
        lab = np.zeros((n, size, size), np.uint8)
        lab[:, size // 4:, size // 4: 3 * size // 4] = M.SKIN
        lab[:, size // 8: size // 4, :] = M.HAIR
        return lab

    monkeypatch.setattr(model, "predict", predict)
    return model


@pytest.mark.real
def test_parse_frames_gates_hair_by_the_person_mask_of_the_crop(planted_model):
    import cv2

    from strokescreen.workflows.parse import parse_frames, read_image

    image = read_image(real_file("landmarks", "takeo.png"))
    image = cv2.resize(image, (240, int(240 * image.shape[0] / image.shape[1])))
    seg = FakeSegmenter()
    [p] = parse_frames(planted_model, [(0, image)], segmenter=seg)
    size = p["labels"].shape[0]
    tol = default_person_tol_px(size)
    band = p["labels"][size // 8: size // 4]
    assert seg.calls == 1
    assert (band[:, : size // 2 + tol] == M.HAIR).all()
    assert (band[:, size // 2 + tol:] == M.BACKGROUND).all()
    info = p["person_gate"]
    assert info["applied"] and info["hair_pixels_removed"] == int((band == M.BACKGROUND).sum())

    [q] = parse_frames(planted_model, [(0, image)], segmenter=FakeSegmenter(empty=True))
    assert (q["labels"][size // 8: size // 4] == M.HAIR).all()
    assert not q["person_gate"]["applied"] and "no one" in q["person_gate"]["reason"]

    off = FakeSegmenter()
    [r] = parse_frames(planted_model, [(0, image)], segmenter=off, person_gate=False)
    assert off.calls == 0 and not r["person_gate"]["applied"]
    assert (r["labels"][size // 8: size // 4] == M.HAIR).all()
