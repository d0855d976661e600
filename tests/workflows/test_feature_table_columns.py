"""Manifest columns beyond the schema (a graded target, clinical metadata) reach the table."""

from __future__ import annotations

import pandas as pd

from strokescreen.workflows import feature_table as ft


def test_extra_manifest_columns_travel_with_the_case(monkeypatch, tmp_path):
    man = pd.DataFrame({"case_id": ["a", "b"], "subject_id": ["s1", "s2"], "video": ["a.mp4",
                        "b.mp4"], "label": [1, 0], "severity": ["mild", "none"],
                        "severity_change": [-1.5, 0.0], "days_since_onset": [12, None],
                        "hypertension": ["yes", "no"]})
    monkeypatch.setattr(ft, "preprocess_cohort", lambda df, work, **_: pd.DataFrame(
        {"case_id": ["a", "b"], "status": ["ok", "ok"], "reasons": ["", ""]}))
    monkeypatch.setattr(ft, "is_complete", lambda folder: True)
    monkeypatch.setattr(ft, "_features_task", lambda item: {"quality_verdict": "good",
                                                             "features": {"face_x": 1.0}})
    table = ft.build_feature_table(man, tmp_path)
    assert table["severity_change"].tolist() == [-1.5, 0.0]
    assert table["hypertension"].tolist() == ["yes", "no"]
    assert table["days_since_onset"].iloc[0] == 12 and "video" not in table.columns
