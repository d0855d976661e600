"""benchmarks/deepstroke_epoch_cost.py: the full table's CPU time from planted step times."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

_PATH = Path(__file__).resolve().parents[2] / "benchmarks" / "deepstroke_epoch_cost.py"


def _module():
    spec = importlib.util.spec_from_file_location("deepstroke_epoch_cost", _PATH)
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_extrapolation_adds_epochs_batches_folds_and_inference():
    mod = _module()
    timed = [{"preset": "paper", "variant": v, "epochs": 2, "batches_per_epoch": 10,
              "s_per_step": 1.0, "infer_s_per_case": 0.0}
             for v in set(mod.ROW_COST.values())]
    out = mod.extrapolate({"timed": timed, "n_cases": 120, "n_train": 96, "n_test": 24})
    paper = out["paper"]
    # per row: 5 folds x 2 epochs x 10 steps x 1 s
    assert paper["rows_s"]["deepstroke"] == 100
    assert paper["rows_s"]["mmdl-late-fusion"] == 200  # a video and an audio network
    # four cross-group fits on half the cohort: 4 x 2 x 10 x (60 / 96)
    assert paper["rows_s"]["cross-group (sex, age)"] == pytest.approx(50, abs=1)
    assert paper["table_s"] == 8 * 100 + 200 + 50
    assert paper["transfer_off_table_s"] == 7 * 100
    # inference: the test part and the identity probe's pass over every case, per fold
    timed[0]["infer_s_per_case"] = 0.5
    again = mod.extrapolate({"timed": timed, "n_cases": 120, "n_train": 96, "n_test": 24})
    row = next(r for r, v in mod.ROW_COST.items() if v == timed[0]["variant"])
    assert again["paper"]["rows_s"][row] == 100 + 5 * (24 + 120) * 0.5
