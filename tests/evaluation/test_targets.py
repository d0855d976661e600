"""Parsing a target column: severity words, numbers, continuous changes, missing values."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.evaluation.targets import parse_target, strata


def _table(values) -> pd.DataFrame:
    return pd.DataFrame({"case_id": [f"c{i}" for i in range(len(values))],
                         "subject_id": [f"s{i}" for i in range(len(values))],
                         "label": [0] * len(values), "target": values})


def test_severity_words_map_to_grades():
    t = parse_target(_table(["none", "subtle", "Mild", " moderate", "mild"]), "target")
    assert t.kind == "ordinal" and t.values.tolist() == [0, 1, 2, 3, 2]
    assert t.grades == (0.0, 1.0, 2.0, 3.0)


def test_house_brackmann_numbers_are_ordinal():
    t = parse_target(_table([1, 2, 6, 4, 3, 1]), "target")
    assert t.integer and t.grades == (1.0, 2.0, 3.0, 4.0, 6.0)


def test_change_is_continuous_and_missing_rows_are_left_out():
    t = parse_target(_table([-1.5, 0.25, None, -0.75, 2.0, ""]), "target")
    assert t.kind == "continuous" and not t.integer
    assert t.keep.tolist() == [True, True, False, True, True, False]
    assert t.values.tolist() == [-1.5, 0.25, -0.75, 2.0]
    assert "2 of 6" in t.note


def test_bad_words_and_absent_column_are_one_line_errors():
    with pytest.raises(InputError, match="holds severe-ish"):
        parse_target(_table(["none", "severe-ish", "mild", "mild"]), "target")
    with pytest.raises(InputError, match="not a column"):
        parse_target(_table([0, 1, 2, 3]), "nihss_face")
    with pytest.raises(InputError, match="2 values"):
        parse_target(_table([1, 1, 1, 1]), "target")


def test_strata_bins_a_continuous_target():
    v = np.linspace(-3, 3, 40)
    s = strata(v)
    assert set(s.tolist()) == {0, 1, 2, 3} and np.all(np.diff(s) >= 0)
    assert strata(np.array([0, 3, 1, 1.0])).tolist() == [0, 2, 1, 1]
