"""assess --severity-model: a graded model's estimate of the grade for one recording."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.workflows.assess import assess_video
from tests.assess_helpers import LOOSE, PLANTED, case_feature_values, planted_model


def graded_model(model_dir, features, *, case_grade: int, seed: int = 0):
    """A ridge model of ``severity`` (0-3) on a table where ``PLANTED`` sets the grade:
    grade g sits 3 units per grade away from the case's own value at ``case_grade``; a
    clinical metadata column (age) is in the table but not known for one recording."""
    from strokescreen.evaluation.graded_training import train_graded_model
    from strokescreen.evaluation.training import save_trained

    rng = np.random.default_rng(seed)
    v = float(features[PLANTED])
    # A few noise columns beside the planted one, not the whole feature table: with ~150
    # noise columns on 48 rows the ridge penalty pulls the estimate towards the middle
    # grade (1.5), and how far depended on the machine's measured values of the case.
    noise_columns = sorted(n for n, x in features.items()
                           if n != PLANTED and x is not None and math.isfinite(x))[:8]
    rows = []
    for s in range(48):
        g = s % 4
        row = {"case_id": f"c{s:03d}", "subject_id": f"s{s:03d}", "label": int(g > 0),
               "case_dir": "/nonexistent", "severity": float(g)}
        for name in noise_columns:
            value = features[name]
            base = 0.0 if value is None or not math.isfinite(value) else float(value)
            row[name] = base + rng.normal(0.0, 0.05 * (abs(base) + 1.0))
        row[PLANTED] = v + 3.0 * (g - case_grade) + rng.normal(0.0, 0.2)
        row["meta_age"], row["meta_age_missing"] = float(rng.normal(60, 10)), 0.0
        rows.append(row)
    trained = train_graded_model(pd.DataFrame(rows), "ridge", "severity", folds=4, seed=seed,
                                 cohort_name="planted-grades", synthetic=True, n_bootstrap=20)
    return save_trained(trained, model_dir)


@pytest.mark.slow
def test_the_planted_grade_is_estimated_and_reported(tmp_path, clip, no_model):
    feats = case_feature_values(no_model[0])
    model_dir = graded_model(tmp_path / "graded", feats, case_grade=2)
    out = tmp_path / "out"
    result = assess_video(clip, out, severity_model=model_dir, config=LOOSE, pdf=False)
    sev = result["severity"]
    assert sev["target"] == "severity" and sev["grade"] == "mild"
    assert abs(sev["value"] - 2.0) < 0.5
    assert sev["metadata_missing"] == ["age"] and sev["synthetic"] is True
    assert "screening aid" in sev["note"]
    html = (out / "report.html").read_text()
    assert "Estimated severity" in html and "<strong>mild</strong>" in html
    from strokescreen.app.patients import visit_summary

    assert visit_summary(result)["severity"] == "mild"


def test_a_classifier_given_as_severity_model_fails_before_any_work(tmp_path, clip, no_model):
    feats = case_feature_values(no_model[0])
    classifier = planted_model(tmp_path / "clf", feats, positive=True, synthetic=True)
    out = tmp_path / "out"
    with pytest.raises(InputError, match="not a graded model"):
        assess_video(clip, out, severity_model=classifier, config=LOOSE, pdf=False)
    assert not out.exists()
    with pytest.raises(InputError, match="not found"):
        assess_video(clip, out, severity_model=tmp_path / "nope", config=LOOSE, pdf=False)
