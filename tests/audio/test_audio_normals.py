"""Normal ranges of speech measures: values, provenance, and use."""

from __future__ import annotations

import math

import numpy as np
import pytest

from strokescreen.audio import (
    MEASURES,
    compare_to_normals,
    derive_ranges,
    normals_table,
    speech_measures,
    speech_normals,
)
from strokescreen.audio.normals import _table
from strokescreen.errors import InputError


def test_literature_values():
    n = speech_normals()
    assert n["speech_rate"] == (3.0, 6.5)
    assert n["speech_articulation_rate"] == (4.0, 7.0)
    assert n["speech_ddk_rate"] == (5.0, 7.0)
    assert n["speech_jitter_local"] == (-math.inf, 1.04)
    assert n["speech_shimmer_local"] == (-math.inf, 3.81)
    assert n["speech_hnr"] == (20.0, math.inf)
    assert speech_normals(sex="male")["speech_f0_median"] == (85.0, 180.0)
    assert speech_normals(sex="female")["speech_f0_median"] == (165.0, 255.0)


def test_every_entry_has_provenance():
    table = normals_table()
    sources = _table()["sources"]
    assert set(table) <= set(MEASURES)
    for name, entry in table.items():
        assert entry["kind"] in ("literature", "derived"), name
        assert entry["unit"] == MEASURES[name][0], name
        assert entry["context"] and entry["sources"], name
        assert all(s in sources for s in entry["sources"]), name
        low = -math.inf if entry["low"] is None else entry["low"]
        high = math.inf if entry["high"] is None else entry["high"]
        assert low < high, name
    kinds = {e["kind"] for e in table.values()}
    assert kinds == {"literature", "derived"}
    assert set(speech_normals(kind="derived")) == {
        k for k, e in table.items() if e["kind"] == "derived"
    }


def test_compare_to_normals():
    values = {
        "speech_rate": 2.0,
        "speech_articulation_rate": 5.0,
        "speech_ddk_rate": 8.0,
        "speech_f0_median": 200.0,
        "speech_jitter_local": 2.0,
        "speech_hnr": float("nan"),
    }
    out = compare_to_normals(values, sex="male", task="pataka")
    assert out == {
        "speech_rate": "low",
        "speech_articulation_rate": "normal",
        "speech_ddk_rate": "high",
        "speech_f0_median": "high",
    }
    # vowel-only voice norms are used only for a sustained-vowel task
    vowel = compare_to_normals(values, task="Vowel /a/")
    assert vowel["speech_jitter_local"] == "high" and vowel["speech_hnr"] == "unknown"
    assert "speech_ddk_rate" not in vowel


def test_bad_arguments():
    with pytest.raises(InputError):
        speech_normals(sex="x")
    with pytest.raises(InputError):
        speech_normals(kind="guessed")


def test_derive_ranges_rule():
    out = derive_ranges({"a": [1.0, 2.0, float("nan")], "b": [-4.0, -2.0], "c": [1.0]})
    assert out == {"a": (0.5, 2.5), "b": (-5.0, -1.0)}


@pytest.mark.real
@pytest.mark.slow
def test_derived_entries_reproduce_from_the_readings(real_readings):
    """The 'derived' ranges in the JSON are derive_ranges() of the three readings."""
    values: dict[str, list[float]] = {}
    for _, data, rate in real_readings:
        for name, m in speech_measures(data, rate_hz=rate).items():
            values.setdefault(name, []).append(m.value)
    table = normals_table()
    derived = derive_ranges({k: values[k] for k, e in table.items() if e["kind"] == "derived"})
    for name, (low, high) in derived.items():
        assert table[name]["low"] == pytest.approx(low, rel=0.05, abs=0.02), name
        assert table[name]["high"] == pytest.approx(high, rel=0.05, abs=0.02), name
    assert np.all(np.isfinite([v for k in derived for v in values[k]]))
