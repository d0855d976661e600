"""The crop size (``size`` / ``--size``): it sets the input the model is trained and run on,
travels with the model folder, and a size the network cannot take is refused."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from strokescreen.cli import app  # noqa: E402
from strokescreen.errors import InputError  # noqa: E402
from strokescreen.parsing import masks as M  # noqa: E402
from strokescreen.parsing.model import (  # noqa: E402
    ParsingModel,
    load_parsing_model,
    preset,
    save_parsing_model,
)


def _disc(n: int, size: int):
    """A skin disc at the centre of each crop, radius a quarter of the crop."""
    yy, xx = np.mgrid[:size, :size]
    face = (xx - size / 2) ** 2 + (yy - size / 2) ** 2 < (size / 4) ** 2
    x = np.zeros((n, size, size, 3), np.uint8)
    y = np.zeros((n, size, size), np.uint8)
    x[:, face], y[:, face] = (200, 150, 120), M.SKIN
    return x, y, np.zeros((n, size, size), np.float32)


def test_default_size_is_the_presets():
    assert ParsingModel().size_px == preset("tiny").size_px == 128
    assert ParsingModel(size=96).size_px == 96


def test_size_travels_with_the_model_folder(tmp_path):
    x, y, d = _disc(2, 48)
    model = ParsingModel(epochs=1, size=48).fit(x, y, d)
    save_parsing_model(model, tmp_path / "m", training={})
    side = json.loads((tmp_path / "m" / "model.json").read_text())
    assert side["model"]["input_size_px"] == 48 and side["model"]["params"]["size"] == 48
    loaded = load_parsing_model(tmp_path / "m")
    assert loaded.size_px == 48
    assert np.array_equal(loaded.predict(x), model.predict(x))
    # a model saved before the setting existed keeps the size it records (96 px models
    # stay 96 px now that the preset's default is 128)
    del side["model"]["params"]["size"]
    side["model"]["input_size_px"] = 96
    (tmp_path / "m" / "model.json").write_text(json.dumps(side))
    assert load_parsing_model(tmp_path / "m").size_px == 96


@pytest.mark.parametrize("bad", [100, 16, 0, -32])
def test_a_size_the_network_cannot_take_is_refused(bad):
    with pytest.raises(InputError, match="multiple of 16"):
        ParsingModel(size=bad).build()


def test_crops_of_another_size_are_refused():
    x, y, d = _disc(2, 32)
    with pytest.raises(InputError, match="48 px"):
        ParsingModel(epochs=1, size=48).fit(x, y, d)


def test_cli_refuses_a_bad_size_in_one_line_before_any_work(tmp_path):
    res = CliRunner().invoke(app, ["parsing-train", str(tmp_path), "--out",
                                   str(tmp_path / "m"), "--size", "100"])
    assert res.exit_code == 3 and "--size" in res.output and "multiple of 16" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "m").exists()
