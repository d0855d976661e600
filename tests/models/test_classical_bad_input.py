"""Classical models refuse unusable tables with a message naming the problem."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.models.registry import get_model


def _t(n=10):
    return pd.DataFrame(
        {"case_id": range(n), "label": [0, 1] * (n // 2), "face_a": np.arange(n, dtype=float)}
    )


def test_no_feature_columns():
    with pytest.raises(InputError, match="no feature columns"):
        get_model("logreg").fit(_t().drop(columns="face_a"), np.array([0, 1] * 5))


def test_non_numeric_feature_column_is_named():
    t = _t().assign(speech_quality=["good"] * 10)
    with pytest.raises(InputError, match="speech_quality are not numeric"):
        get_model("logreg").fit(t, t["label"].to_numpy())


def test_single_class_training():
    with pytest.raises(InputError, match="both classes"):
        get_model("logreg").fit(_t(), np.zeros(10, int))


@pytest.mark.parametrize("bad", [np.array([0, 1, 2] * 3 + [0]), np.array([0.0, np.nan] * 5)])
def test_bad_labels(bad):
    with pytest.raises(InputError, match="labels must be 0"):
        get_model("logreg").fit(_t(), bad)


def test_label_count_mismatch():
    with pytest.raises(InputError, match="one per case"):
        get_model("logreg").fit(_t(), np.array([0, 1]))
