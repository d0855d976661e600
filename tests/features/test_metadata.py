"""Clinical metadata as features: refused columns, encoding, missingness, feature sets."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import ConfigError, InputError
from strokescreen.features.metadata import (
    add_metadata_features,
    apply_feature_set,
    check_metadata_columns,
    encode_column,
)
from tests.graded_helpers import graded_table


@pytest.mark.parametrize("col", ["label", "severity", "side", "condition", "severity_last",
                                 "severity_change", "Label", "stroke_side", "case_id"])
def test_outcome_columns_are_refused_as_metadata(col):
    with pytest.raises(ConfigError, match="may not be used"):
        check_metadata_columns(["age", col])


def test_the_target_itself_is_refused():
    with pytest.raises(ConfigError, match="hb"):
        check_metadata_columns(["age", "hb"], target="hb")
    assert check_metadata_columns(["age", "sex", "days_since_onset"]) == (
        "age", "sex", "days_since_onset")


def test_declared_severity_is_refused_by_the_feature_set():
    with pytest.raises(ConfigError, match="severity"):
        apply_feature_set(graded_table(8), "fused", metadata_columns=["age", "severity"])
    with pytest.raises(ConfigError, match="label"):
        apply_feature_set(graded_table(8), "metadata", metadata_columns=["label"])


def test_encoding_with_missing_indicator():
    out = encode_column(pd.Series(["F", "m", None, "female"]), "sex")
    np.testing.assert_array_equal(out["meta_sex_female"], [1, 0, np.nan, 1])
    np.testing.assert_array_equal(out["meta_sex_missing"], [0, 0, 1, 0])
    out = encode_column(pd.Series(["yes", "No", "", 1]), "diabetes")
    np.testing.assert_array_equal(out["meta_diabetes"], [1, 0, np.nan, 1])
    np.testing.assert_array_equal(out["meta_diabetes_missing"], [0, 0, 1, 0])
    with pytest.raises(InputError, match="sometimes"):
        encode_column(pd.Series(["yes", "sometimes"]), "smoking")


def test_missingness_that_encodes_the_label_is_left_out():
    t = graded_table(12)
    t.loc[t["label"] == 0, "days_since_onset"] = np.nan  # controls have no onset
    for target in ("label", "severity"):  # "no onset" is also "severity none"
        out, used, notes = add_metadata_features(t, target=target)
        assert "days_since_onset" not in used and any("days_since_onset" in n for n in notes)
        assert "meta_days_since_onset_missing" not in out.columns
    _, used_all, _ = add_metadata_features(graded_table(12), target="severity")
    assert "days_since_onset" in used_all  # recorded for every case: kept


def test_feature_sets_keep_their_columns():
    t = graded_table(8)
    face, info = apply_feature_set(t, "face")
    assert info.feature_columns == ("face_droop",)
    meta, info = apply_feature_set(t, "metadata")
    assert all(c.startswith("meta_") for c in info.feature_columns)
    assert set(info.metadata_columns) == {"age", "sex", "hypertension", "days_since_onset"}
    assert "face_droop" not in meta.columns and "severity" in meta.columns
    fused, info = apply_feature_set(t, "fused")
    assert {"face_droop", "speech_noise", "meta_age", "meta_age_missing"} <= set(fused.columns)
    default, _ = apply_feature_set(t, "default")
    assert not any(c.startswith("meta_") for c in default.columns)
