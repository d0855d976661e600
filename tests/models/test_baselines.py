"""The dummy classifier's known answers (AUC 0.5, prevalence) and its bad input."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import ConfigError, InputError, NotFittedError
from strokescreen.evaluation.metrics import roc_auc
from strokescreen.models.registry import get_model


def _cases(n: int, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = (rng.random(n) < 0.3).astype(int)
    y[:2] = [0, 1]
    return pd.DataFrame({"case_id": [f"c{i}" for i in range(n)],
                         "face_x": y + rng.normal(0, 0.1, n)}), y


def test_dummy_gives_the_training_prevalence_and_auc_one_half():
    train, y = _cases(40)
    test, y_test = _cases(25, seed=1)
    model = get_model("dummy").fit(train, y)
    p = model.predict_proba(test)
    assert p.shape == (25, 2)
    assert np.allclose(p[:, 1], y.mean()) and np.allclose(p.sum(axis=1), 1.0)
    assert roc_auc(y_test, p[:, 1]) == 0.5  # the planted feature is ignored
    const = get_model("dummy", strategy="constant", constant=0.2).fit(train, y)
    assert np.allclose(const.predict_proba(test)[:, 1], 0.2)
    assert model.feature_schema == []


def test_dummy_bad_input_gives_one_clear_error():
    train, y = _cases(10)
    with pytest.raises(NotFittedError):
        get_model("dummy").predict_proba(train)
    with pytest.raises(ConfigError, match="strategy 'mean' is unknown"):
        get_model("dummy", strategy="mean").fit(train, y)
    with pytest.raises(ConfigError, match="not a probability"):
        get_model("dummy", strategy="constant", constant=2.0).fit(train, y)
    with pytest.raises(InputError, match="labels must be 0"):
        get_model("dummy").fit(train, np.full(10, 3))
