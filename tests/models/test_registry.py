"""Model registry: built-ins, registration, lazy factories, no torch for classical use."""

from __future__ import annotations

import subprocess
import sys

import pytest

from strokescreen.errors import ConfigError
from strokescreen.models import registry
from strokescreen.models.classical import SklearnModel


def test_builtin_classical_models():
    assert {"logreg", "rf", "gbm"} <= set(registry.available_models("classical"))
    a, b = registry.get_model("logreg"), registry.get_model("logreg")
    assert isinstance(a, SklearnModel) and a is not b


def test_params_reach_the_estimator():
    m = registry.get_model("rf", n_estimators=7, random_state=3)
    assert m.estimator.n_estimators == 7 and m.estimator.random_state == 3


def test_model_factory_passes_the_seed():
    build = registry.model_factory("gbm", random_state=5, n_estimators=10)
    m = build()
    assert m.estimator.random_state == 5 and build.params == {"n_estimators": 10, "random_state": 5}


def _seeded(*, seed=0, width=1):
    return {"seed": seed, "width": width}


def test_register_string_factory_is_resolved_lazily():
    registry.register_model("lazy-test", "strokescreen_no_such_module:make", kind="deep")
    try:
        assert "lazy-test" in registry.available_models("deep")
        with pytest.raises(ModuleNotFoundError):
            registry.get_model("lazy-test")
    finally:
        registry.unregister_model("lazy-test")


def test_register_callable_and_seed_mapping():
    registry.register_model("seeded-test", _seeded, kind="deep", description="test")
    try:
        assert registry.model_factory("seeded-test", random_state=4)() == {"seed": 4, "width": 1}
        again = registry.model_factory("seeded-test", random_state=4, seed=9)()
        assert again["seed"] == 9  # an explicit parameter wins
        registry.register_model("seeded-test", _seeded, kind="deep")  # same factory: no-op
        with pytest.raises(ConfigError, match="already registered"):
            registry.register_model("seeded-test", "x.y:z")
        row = [d for d in registry.describe_models() if d["name"] == "seeded-test"][0]
        assert row == {"name": "seeded-test", "kind": "deep", "description": "test"}
    finally:
        registry.unregister_model("seeded-test")


@pytest.mark.parametrize("name, kind", [("bad name!", "classical"), ("ok", "quantum")])
def test_register_rejects_bad_names_and_kinds(name, kind):
    with pytest.raises(ConfigError):
        registry.register_model(name, _seeded, kind=kind)


@pytest.mark.slow
def test_classical_use_and_listing_models_do_not_import_torch():
    code = (
        "import sys, numpy as np, pandas as pd\n"
        "from strokescreen.models.registry import model_factory\n"
        "from strokescreen.evaluation.engine import cross_validate\n"
        "t = pd.DataFrame({'case_id': list('abcdefgh'), 'subject_id': list('abcdefgh'),\n"
        "                  'label': [0, 1] * 4, 'face_a': np.arange(8.0)})\n"
        "cross_validate(t, None, model_factory('logreg', random_state=0), 'loso', n_bootstrap=10)\n"
        "from strokescreen.models.registry import available_models\n"
        "assert {'logreg', 'rf', 'gbm'} <= set(available_models())  # lists deep ones too\n"
        "assert 'torch' not in sys.modules, 'torch was imported'\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
