"""Frame counts are bookkeeping, not features: no model learns from them.

Planted answer: a table where ``face_n_rest_frames`` alone separates the classes
perfectly (as a clip length could) and the one real feature is pure noise; the model's
inputs never include the count, so it cannot use it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.models.base import BOOKKEEPING_COLUMNS, feature_columns
from strokescreen.models.registry import get_model


def _table(n: int = 60) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(0)
    y = np.repeat([0, 1], n // 2)
    cases = pd.DataFrame({
        "case_id": [f"c{i}" for i in range(n)], "subject_id": [f"s{i}" for i in range(n)],
        "label": y, "face_noise": rng.normal(size=n),
        "face_n_rest_frames": np.where(y == 1, 20.0, 60.0),
        "face_n_frames_used": np.where(y == 1, 90.0, 150.0),
    })
    return cases, y


def test_feature_columns_leave_out_the_frame_counts():
    cases, _ = _table()
    assert {"face_n_rest_frames", "face_n_frames_used"} <= set(BOOKKEEPING_COLUMNS)
    assert feature_columns(cases) == ["face_noise"]


def test_a_model_cannot_learn_from_a_frame_count():
    cases, y = _table()
    model = get_model("logreg").fit(cases, y)
    assert list(model.feature_names_in_) == ["face_noise"]
    p = model.predict_proba(cases)[:, 1]
    # the count would separate perfectly; the noise feature cannot
    assert abs(np.corrcoef(p, y)[0, 1]) < 0.5
