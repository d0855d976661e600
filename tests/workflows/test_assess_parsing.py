"""assess with a parsing model: FPP side next to the landmark side, overlay in the report;
the FPP share per side as case features."""

from __future__ import annotations

import json

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.workflows.parse import side_agreement

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def parsing_model(tmp_path_factory):
    from strokescreen.parsing.model import ParsingModel, save_parsing_model

    torch.manual_seed(0)
    model = ParsingModel()
    model.net_ = model.build().eval()
    model.fpp_threshold_ = {"offset": 2.5, "rule": "planted"}
    out = tmp_path_factory.mktemp("pm") / "model"
    save_parsing_model(model, out, training={"cohort": "none", "synthetic": True})
    return out


def test_side_agreement_is_always_stated():
    a = side_agreement("left", "left")
    assert a["agree"] and "agree" in a["text"]
    d = side_agreement("right", None)
    assert not d["agree"] and "DISAGREE" in d["text"] and "no side" in d["text"]


@pytest.mark.slow
def test_assess_reports_fpp_next_to_the_landmark_side(clip, tmp_path, parsing_model):
    from strokescreen.workflows.assess import assess_video
    from strokescreen.workflows.feature_table import _fpp_features
    from tests.assess_helpers import LOOSE

    out = tmp_path / "out"
    result = assess_video(clip, out, config=LOOSE, pdf=False, parsing_model=parsing_model,
                          fpp_threshold=True)
    p = result["parsing"]
    assert p["fpp_offset"] == pytest.approx(2.5)  # the model's saved threshold was used
    assert p["fpp_side"] in ("left", "right", "none") and len(p["frames"]) >= 1
    lm_side = (result["affected_side"] or {}).get("side") or "none"
    assert p["agreement"]["landmark_side"] == lm_side
    assert p["agreement"]["agree"] == (p["fpp_side"] == lm_side)
    html = (out / "report.html").read_text()
    assert "paralysed part (FPP)" in html and p["agreement"]["text"].split(":")[0] in html
    assert "validation-chosen threshold (offset +2.50)" in html
    assert "data:image/png;base64" in html and (out / "case" / p["overlay"]).is_file()
    saved = json.loads((out / "result.json").read_text())
    assert saved["parsing"]["agreement"] == p["agreement"]
    feats = _fpp_features(out / "case", parsing_model)
    assert feats["face_fpp_share_lr"] == pytest.approx(
        feats["face_fpp_share_left"] - feats["face_fpp_share_right"])
    assert np.isfinite(feats["face_fpp_share_left"])


def test_assess_rejects_a_wrong_parsing_model_before_any_work(clip, tmp_path):
    from strokescreen.workflows.assess import assess_video

    with pytest.raises(InputError, match="model.json"):
        assess_video(clip, tmp_path / "o", pdf=False, parsing_model=tmp_path)
    assert not (tmp_path / "o").exists()
