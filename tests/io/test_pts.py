"""The .pts reader and writer (menpo / 300-W format)."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.io.pts import read_pts, write_pts
from tests.helpers import real_file


def test_round_trip_keeps_the_points(tmp_path):
    pts = np.random.default_rng(1).uniform(0, 500, (68, 2))
    back = read_pts(write_pts(tmp_path / "a.pts", pts))
    np.testing.assert_allclose(back, pts, atol=1e-6)


def test_reads_the_real_takeo_annotation():
    pts = read_pts(real_file("landmarks", "takeo.pts"))
    assert pts.shape == (68, 2)
    np.testing.assert_allclose(pts[0], (32.310345, 99.612347))


@pytest.mark.parametrize(("text", "match"), [
    ("version: 1\nn_points: 2\n1 2\n3 4\n", "no '{"),
    ("version: 1\nn_points: 2\n{\n1 2 3\n3 4\n}\n", "3 numbers"),
    ("version: 1\nn_points: 2\n{\n1 x\n3 4\n}\n", "not a number"),
    ("version: 1\nn_points: 3\n{\n1 2\n3 4\n}\n", "header says n_points 3"),
    ("version: 1\nn_points: 2\n{\n1 2\n3 4\n}\n", "expected 68"),
])
def test_malformed_files_name_the_file_and_the_fault(tmp_path, text, match):
    path = tmp_path / "bad.pts"
    path.write_text(text)
    with pytest.raises(InputError, match=match) as info:
        read_pts(path)
    assert "bad.pts" in str(info.value)


def test_missing_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="cannot read"):
        read_pts(tmp_path / "none.pts")
