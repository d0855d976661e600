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
    result = assess_video(clip, out, config=LOOSE, pdf=False, parsing_model=parsing_model)
    p = result["parsing"]
    assert p["fpp_offset"] == pytest.approx(2.5)  # the saved threshold is used by default
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


@pytest.mark.slow
def test_a_risk_model_trained_with_fpp_features_gets_the_case_s_own(
        clip, no_model, tmp_path, parsing_model, monkeypatch):
    """The parse runs before the risk model, so a model whose training table had the FPP
    shares (features --parsing-model) sees this case's shares; without --parsing-model it
    is refused before any work, with what to give."""
    import strokescreen.workflows.assess as A
    from tests.assess_helpers import LOOSE, case_feature_values, planted_model

    feats = case_feature_values(no_model[0])
    feats.update({"face_fpp_share_left": 0.0, "face_fpp_share_right": 0.0,
                  "face_fpp_share_lr": 0.0})
    risk = planted_model(tmp_path / "risk", feats, positive=True, synthetic=True)
    seen: dict = {}
    real_predict = A._predict

    def spy(result, risk_model, features, case_dir, run):
        seen.clear()
        seen.update(features)
        return real_predict(result, risk_model, features, case_dir, run)

    monkeypatch.setattr(A, "_predict", spy)
    with_parser = A.assess_video(clip, tmp_path / "a", model_dir=risk, config=LOOSE, pdf=False,
                                 parsing_model=parsing_model)
    p = with_parser["parsing"]
    assert seen["face_fpp_share_left"] == pytest.approx(p["fpp_share_left"])
    assert seen["face_fpp_share_lr"] == pytest.approx(p["fpp_share_left"] - p["fpp_share_right"])
    assert with_parser["probability"] is not None
    with pytest.raises(InputError, match="--parsing-model"):
        A.assess_video(clip, tmp_path / "b", model_dir=risk, config=LOOSE, pdf=False)
    assert not (tmp_path / "b").exists()


def test_a_graded_model_trained_with_fpp_features_needs_the_parsing_model(
        clip, no_model, tmp_path):
    """The same rule for --severity-model: refused before any work, naming the option."""
    import pandas as pd

    from strokescreen.evaluation.graded_training import train_graded_model
    from strokescreen.evaluation.training import save_trained
    from strokescreen.workflows.assess import assess_video
    from tests.assess_helpers import LOOSE, PLANTED, case_feature_values

    v = float(case_feature_values(no_model[0])[PLANTED])
    rng = np.random.default_rng(0)
    rows = [{"case_id": f"c{s}", "subject_id": f"s{s}", "label": int(s % 4 > 0),
             "case_dir": "/nonexistent", "severity": float(s % 4),
             PLANTED: v + 3.0 * (s % 4) + rng.normal(0, 0.2),
             "face_fpp_share_lr": 0.1 * (s % 4) + rng.normal(0, 0.02)} for s in range(24)]
    trained = train_graded_model(pd.DataFrame(rows), "ridge", "severity", folds=3, seed=0,
                                 cohort_name="fpp-grades", synthetic=True, n_bootstrap=5)
    graded = save_trained(trained, tmp_path / "graded")
    with pytest.raises(InputError, match="--severity-model model was trained with the "
                                         "face-parsing FPP shares"):
        assess_video(clip, tmp_path / "o", severity_model=graded, config=LOOSE, pdf=False)
    assert not (tmp_path / "o").exists()
