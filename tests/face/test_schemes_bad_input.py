"""Bad input to the landmark-scheme helpers: one clear InputError."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.face.schemes import named_points, point_indices, scheme_of, to_ibug68


def test_wrong_point_count_for_scheme():
    with pytest.raises(InputError, match="does not fit scheme"):
        named_points(np.zeros((100, 2)), scheme="ibug68")
    with pytest.raises(InputError, match="does not fit scheme"):
        to_ibug68(np.zeros((68, 3)))


def test_unknown_scheme_and_point():
    with pytest.raises(InputError, match="mp478, ibug68"):
        named_points(np.zeros((68, 2)), scheme="dlib5")
    with pytest.raises(InputError, match="unknown named point"):
        point_indices("ear_lobe", scheme="mp478")


def test_bad_shapes():
    with pytest.raises(InputError, match="expected 478 or 468"):
        scheme_of(np.zeros((5, 2)))
    with pytest.raises(InputError, match="shape"):
        named_points(np.zeros((68, 4)), scheme="ibug68")
