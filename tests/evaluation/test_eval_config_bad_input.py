"""EvaluationConfig validation: each bad value is named with what to use instead."""

from __future__ import annotations

import pytest

from strokescreen.errors import ConfigError
from strokescreen.evaluation.config import EvaluationConfig


@pytest.mark.parametrize(
    "kwargs, pattern",
    [
        ({"reference_specificity": 45.71}, "reference_specificity=45.71 is not a fraction"),
        ({"reference_sensitivity": -0.1}, "reference_sensitivity"),
        ({"n_bootstrap": -1}, "n_bootstrap=-1"),
        ({"importance": "shap"}, "importance 'shap' is unknown"),
        ({"importance_repeats": 0}, "importance_repeats=0"),
        ({"split": "holdout"}, "exactly one"),
    ],
)
def test_bad_values(kwargs, pattern):
    with pytest.raises(ConfigError, match=pattern):
        EvaluationConfig(**kwargs).validate()


def test_defaults_are_valid_and_map_to_the_engine():
    cfg = EvaluationConfig()
    cfg.validate()
    assert cfg.split_spec().kind == "group-kfold" and cfg.split_spec().folds == 5
    kw = cfg.engine_kwargs()
    assert kw["reference_specificity"] == 0.4571 and kw["n_bootstrap"] == 1000
