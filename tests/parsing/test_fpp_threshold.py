"""The validation-chosen FPP threshold: planted validation scores give the expected offset,
the offset changes the FPP drawn, it travels in model.json, bad input is refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.parsing import masks as M
from strokescreen.parsing.calibrate import (
    apply_fpp_offset,
    choose_fpp_offset,
    f1_by_offset,
    fpp_margins,
)
from tests.parsing.test_masks import S, planted_face

torch = pytest.importorskip("torch")

from strokescreen.parsing.model import (  # noqa: E402
    ParsingModel,
    load_parsing_model,
    save_parsing_model,
)
from strokescreen.workflows.parsing import fpp_threshold_on  # noqa: E402
from strokescreen.workflows.parsing_data import ParsingData  # noqa: E402

K = len(M.CLASSES)


def _proba(labels: np.ndarray, margin: dict[str, float]) -> np.ndarray:
    """Planted class probabilities of a full-code label map: every pixel its own class at
    0.9, except the face: FPP pixels, skin of the image-left half and other skin get FPP
    below skin by the planted log margins ``fpp``, ``left_skin`` and ``skin``."""
    p = np.full((K,) + labels.shape, 0.01)
    for k in range(K):
        p[k][labels == k] = 0.9
    w = labels.shape[1]
    left = np.zeros(labels.shape, bool)
    left[:, : w // 2] = True
    for where, key in ((labels == M.FPP, "fpp"), ((labels == M.SKIN) & left, "left_skin"),
                       ((labels == M.SKIN) & ~left, "skin")):
        p[M.SKIN][where] = 0.6
        p[M.FPP][where] = 0.6 * np.exp(-margin[key])
    return p / p.sum(0, keepdims=True)


def _validation(weak: dict[str, float], healthy: dict[str, float]):
    """Two crops of a recording drooping on the subject's left (FPP = that hemiface) and
    two of one without weakness, with planted probabilities."""
    pts = planted_face()
    fpp = M.fpp_region(pts, (S, S), side="left", region="hemiface")
    lab_weak = M.label_map(pts, (S, S), fpp=fpp)
    lab_ok = M.label_map(pts, (S, S))
    labels = np.stack([lab_weak, lab_weak, lab_ok, lab_ok]).astype(np.uint8)
    proba = np.stack([_proba(lab_weak, weak)] * 2 + [_proba(lab_ok, healthy)] * 2)
    meta = pd.DataFrame({"case_id": ["a", "a", "b", "b"], "subject_id": ["A", "A", "B", "B"],
                         "frame": [0, 1, 0, 1], "side": ["left", "left", "", ""],
                         "region": ["hemiface", "hemiface", "none", "none"],
                         "fpp_drawn": [True, True, False, False]})
    data = ParsingData(np.zeros((4, S, S, 3), np.uint8), labels,
                       np.zeros((4, S, S), np.float16),
                       np.stack([pts] * 4).astype(np.float32), meta)
    return data, proba.astype(np.float32)


class PlantedModel(ParsingModel):
    """A parsing model whose class probabilities are planted."""

    def __init__(self, proba: np.ndarray):
        super().__init__()
        self.planted = proba

    def predict_proba(self, images, *, batch_size=16):
        return self.planted


def test_f1_rule_puts_the_offset_between_the_fpp_and_the_next_margin():
    weak = {"fpp": 0.7, "left_skin": 2.8, "skin": 2.8}
    data, proba = _validation(weak, {"fpp": 0.0, "left_skin": 2.0, "skin": 2.8})
    truth = data.labels == M.FPP
    res = choose_fpp_offset(proba, truth, M.FPP)
    assert res["offset"] == pytest.approx((0.7 + 2.0) / 2, abs=1e-3)
    assert res["val_fpp_f1_at_0"] == 0.0 and res["val_fpp_f1"] == pytest.approx(1.0)
    # the offset draws exactly the planted FPP, which the plain arg-max does not draw
    assert not (apply_fpp_offset(proba, M.FPP, 0.0) == M.FPP).any()
    assert np.array_equal(apply_fpp_offset(proba, M.FPP, res["offset"]) == M.FPP, truth)
    # the workflow: the weak recording is named, the recording without weakness is not
    r = fpp_threshold_on(PlantedModel(proba), data, rule="healthy")
    assert r["offset"] == pytest.approx(res["offset"], abs=1e-3)
    assert r["val_sides_at_0"]["palsy_missed"] == 1
    assert r["val_sides_chosen"]["palsy_right_side"] == 1
    assert r["val_sides_chosen"]["no_weakness_with_a_side"] == 0


def test_healthy_rule_refuses_an_offset_that_gives_a_healthy_face_a_side():
    # the healthy faces' left skin (margin 0.98) turns FPP before the true FPP (1.5)
    weak = {"fpp": 1.5, "left_skin": 2.8, "skin": 2.8}
    data, proba = _validation(weak, {"fpp": 0.0, "left_skin": 0.98, "skin": 2.8})
    f1 = fpp_threshold_on(PlantedModel(proba), data, rule="f1")
    assert f1["offset"] == pytest.approx((1.5 + 2.8) / 2, abs=1e-3)
    assert f1["val_sides_chosen"]["no_weakness_with_a_side"] == 1
    safe = fpp_threshold_on(PlantedModel(proba), data, rule="healthy")
    assert safe["first_offset_giving_a_side_without_weakness"] == pytest.approx(0.98, abs=2e-4)
    assert safe["offset"] == 0.0 and safe["val_sides_chosen"]["no_weakness_with_a_side"] == 0
    with pytest.raises(InputError, match="healthy"):
        fpp_threshold_on(PlantedModel(proba), data, rule="loose")


def test_no_fpp_in_the_validation_truth_keeps_the_offset_at_zero():
    data, proba = _validation({"fpp": 0.7, "left_skin": 2.8, "skin": 2.8},
                              {"fpp": 0.0, "left_skin": 2.0, "skin": 2.8})
    res = choose_fpp_offset(proba, np.zeros(data.labels.shape, bool), M.FPP)
    assert res["offset"] == 0.0 and res["val_fpp_pixels_drawn"] == 0


def test_equal_margins_switch_together():
    offsets, f1 = f1_by_offset(np.array([1.0, 1.0, 3.0]), np.array([True, False, False]))
    # no offset separates the two pixels at margin 1: F1 = 2/3 above 1, never 1
    assert f1.max() == pytest.approx(2 / 3)
    assert offsets[np.argmax(f1)] == pytest.approx(2.0)
    with pytest.raises(InputError, match="FPP index"):
        fpp_margins(np.zeros((2, 3, 4)), 1)


def test_the_saved_offset_changes_the_drawn_fpp_and_can_be_switched_off(tmp_path):
    torch.manual_seed(0)
    model = ParsingModel()
    model.net_ = model.build().eval()
    model.fpp_threshold_ = {"offset": 6.0, "rule": "planted"}
    save_parsing_model(model, tmp_path / "m", training={"cohort": "none"})
    assert json.loads((tmp_path / "m" / "model.json").read_text())["fpp_threshold"][
        "offset"] == 6.0
    x = np.random.default_rng(0).integers(0, 255, (2, 96, 96, 3), dtype=np.uint8)
    on = load_parsing_model(tmp_path / "m")  # on by default (docs/face_parsing.md)
    off = load_parsing_model(tmp_path / "m", fpp_threshold=False)
    assert on.fpp_offset_ == 6.0 and off.fpp_offset_ == 0.0
    fpp = on.classes.index("fpp")
    plain, raised = off.predict(x), on.predict(x)
    assert np.array_equal(plain, off.predict_proba(x).argmax(1))
    assert (raised == fpp).sum() > (plain == fpp).sum()
    assert np.array_equal(raised, apply_fpp_offset(on.predict_proba(x), fpp, 6.0))


def test_calibrating_again_needs_overwrite(tmp_path):
    from strokescreen.workflows.parsing import calibrate_parsing

    torch.manual_seed(0)
    model = ParsingModel()
    model.net_ = model.build().eval()
    model.fpp_threshold_ = {"offset": 1.0}
    save_parsing_model(model, tmp_path / "m", training={"subjects": {"val": ["S1"]}})
    before = (tmp_path / "m" / "model.json").read_bytes()
    with pytest.raises(InputError, match="--overwrite"):
        calibrate_parsing(tmp_path / "m", tmp_path)
    assert (tmp_path / "m" / "model.json").read_bytes() == before
