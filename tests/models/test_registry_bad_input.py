"""Unknown model names and parameters get the valid ones and the closest match."""

from __future__ import annotations

import pytest

from strokescreen.errors import ConfigError, InputError
from strokescreen.models.registry import get_model, model_factory


def test_unknown_name_lists_valid_models_and_closest_match():
    with pytest.raises(InputError) as info:
        get_model("lgoreg")
    msg = str(info.value)
    assert "unknown model 'lgoreg'" in msg and "did you mean 'logreg'?" in msg
    for name in ("logreg", "rf", "gbm"):
        assert name in msg


def test_unknown_name_without_a_close_match_still_lists_names():
    with pytest.raises(InputError, match=r"valid models: .*gbm.*logreg.*rf") as info:
        model_factory("zzzzzzzz")
    assert "did you mean" not in str(info.value)


def test_unknown_parameter_lists_the_valid_ones():
    with pytest.raises(ConfigError, match=r"n_trees.*valid parameters are: .*n_estimators"):
        get_model("rf", n_trees=5)
