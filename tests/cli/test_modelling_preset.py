"""`--preset` on `evaluate` and `train`: reaches a deep model's parameters; bad uses exit 2."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.errors import ConfigError
from strokescreen.models.deep_data import PRESETS
from tests.cli.test_modelling import feature_table

runner = CliRunner()


@pytest.fixture
def features_file(tmp_path):
    path = tmp_path / "features.parquet"
    feature_table(n_subjects=8).to_parquet(path)
    return path


def _stop_with(seen: dict, **found):
    seen.update(found)
    raise ConfigError("stopped by the test")


@pytest.mark.parametrize("preset", sorted(PRESETS))
def test_evaluate_preset_reaches_the_deep_estimator(monkeypatch, tmp_path, features_file, preset):
    import strokescreen.evaluation.engine as engine

    seen: dict = {}
    monkeypatch.setattr(engine, "cross_validate",
                        lambda cases, _y, factory, *a, **k: _stop_with(seen, model=factory()))
    result = runner.invoke(app, ["evaluate", "--features", str(features_file), "--model",
                                 "deepstroke", "--preset", preset, "--out", str(tmp_path / "o")])
    assert "stopped by the test" in result.output
    model = seen["model"]
    model = getattr(model, "estimator", model)  # inside the recalibration wrapper
    assert model.preset == preset
    assert model.get_params()["preset"] == preset


def test_train_preset_reaches_the_deep_params(monkeypatch, tmp_path, features_file):
    import strokescreen.evaluation.training as training

    seen: dict = {}
    monkeypatch.setattr(training, "train_model",
                        lambda cases, model, *, params, **k: _stop_with(seen, model=model,
                                                                        params=params))
    result = runner.invoke(app, ["train", "--features", str(features_file), "--model",
                                 "deepstroke", "--preset", "paper", "--out", str(tmp_path / "m")])
    assert "stopped by the test" in result.output
    assert seen == {"model": "deepstroke", "params": {"preset": "paper"}}


def _error_line(result) -> str:
    lines = [ln for ln in result.output.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1 and "Traceback" not in result.output, result.output
    return lines[0]


@pytest.mark.parametrize("command", ["evaluate", "train"])
def test_unknown_preset_lists_the_valid_ones(tmp_path, features_file, command):
    result = runner.invoke(app, [command, "--features", str(features_file), "--model",
                                 "deepstroke", "--preset", "huge", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "huge" in line and ", ".join(sorted(PRESETS)) in line
    assert not (tmp_path / "o").exists()


@pytest.mark.parametrize("command", ["evaluate", "train"])
def test_preset_with_a_classical_model_exits_2(tmp_path, features_file, command):
    result = runner.invoke(app, [command, "--features", str(features_file), "--model",
                                 "logreg", "--preset", "tiny", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    line = _error_line(result)
    assert "logreg" in line and "classical" in line and "deep models" in line


def test_preset_and_param_preset_must_agree(tmp_path, features_file):
    result = runner.invoke(app, ["train", "--features", str(features_file), "--model",
                                 "deepstroke", "--preset", "paper", "--param", "preset=tiny",
                                 "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "disagree" in _error_line(result)
