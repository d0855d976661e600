"""The case report's calibration wording: what the probability and the threshold meant in
validation, labelled synthetic when it was."""

from __future__ import annotations

from strokescreen.report.risk import RiskModel, calibration_info, result_sentences

BINS = [
    {"bin_low": 0.0, "bin_high": 0.1, "n": 40, "n_pos": 2, "observed": 0.05},
    {"bin_low": 0.6, "bin_high": 0.7, "n": 10, "n_pos": 7, "observed": 0.7},
    {"bin_low": 0.9, "bin_high": 1.0, "n": 20, "n_pos": 19, "observed": 0.95},
]


def risk(synthetic: bool, slope: float = 1.05) -> RiskModel:
    return RiskModel(model=None, sidecar={
        "threshold": 0.3,
        "calibration": {"method": "sigmoid", "intercept": 0.1, "slope": 0.9},
        "training_cohort": {"synthetic": synthetic},
        "operating_point": {"ppv": 0.814, "npv": 0.96, "synthetic": synthetic,
                            "calibration": {"brier": 0.12, "slope": slope, "intercept": -0.05,
                                            "ece": 0.04, "bins": BINS}},
    })


def test_positive_result_says_how_many_of_100_had_a_stroke_sign():
    info = calibration_info(risk(False))
    lines = result_sentences(info, 0.65, "screen positive")
    assert lines[0] == ("Of 100 people with this result (screen positive) in validation, "
                        "about 81 had a stroke sign.")
    assert "between 0.6 and 0.7, 7 (70 of 100) had a stroke sign" in lines[1]
    assert "well calibrated" in info["sentence"] and "slope 1.05" in info["sentence"]
    assert info["method_text"].startswith("recalibrated (logistic)")


def test_negative_result_and_synthetic_label():
    info = calibration_info(risk(True, slope=0.4))
    lines = result_sentences(info, 0.05, "screen negative")
    assert lines[0] == ("Of 100 people with this result (screen negative) in synthetic "
                        "validation, about 4 had a stroke sign.")
    assert "synthetic validation cases" in info["sentence"]
    assert "not well calibrated" in info["sentence"]
    assert result_sentences(info, 1.0, "screen positive")[-1].startswith("Of the 20 validation")


def test_no_calibration_recorded_gives_no_sentence():
    old = RiskModel(model=None, sidecar={"threshold": 0.5, "operating_point": {}})
    assert calibration_info(old) is None
    assert result_sentences(None, 0.4, "screen positive") == []
