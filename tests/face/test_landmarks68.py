"""68-point landmarkers by name: the default, box placement, the fitted mapping on a real face."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import ConfigError
from strokescreen.face.accuracy import face_errors
from strokescreen.face.landmarks import (
    DEFAULT_68,
    check_landmarker,
    get_landmarker,
    landmarker_points,
    resolve_landmarker,
)
from strokescreen.face.landmarks68 import box_from_points
from strokescreen.io.pts import read_pts
from strokescreen.workflows.landmarks import read_image_rgb
from tests.helpers import real_file


def test_ibug68_is_the_measured_default_and_names_are_checked():
    assert DEFAULT_68 == "mediapipe-fit68"
    assert resolve_landmarker("ibug68") == "mediapipe-fit68"
    assert resolve_landmarker("dlib68") == "dlib68"
    assert landmarker_points("ibug68") == 68 and landmarker_points("mediapipe") == 478
    with pytest.raises(ConfigError, match="did you mean 'mediapipe-fit68'"):
        check_landmarker("mediapipe_fit68")
    lm = get_landmarker("ibug68")
    assert lm.name == "mediapipe-fit68" and lm.n_points == 68
    lm.close()


def test_box_from_points_places_a_planted_face():
    p = np.zeros((68, 2))
    p[36:42], p[42:48] = (70.0, 100.0), (130.0, 100.0)  # eyes 60 px apart
    p[48:68] = (100.0, 150.0)  # mouth 50 px below the eye centre
    x0, y0, x1, y1 = box_from_points(p)
    side = 2.26 * (60 + 50) / 2
    assert (x1 - x0, y1 - y0) == pytest.approx((side, side))
    assert ((x0 + x1) / 2, (y0 + y1) / 2) == pytest.approx((100.0, 100.0 + 0.44 * 50))


@pytest.mark.parametrize(("name", "most"), [("mediapipe-fit68", 0.045),
                                            ("mediapipe-ert68", 0.045)])
def test_68_point_landmarkers_on_the_real_annotated_face(name, most):
    image = read_image_rgb(real_file("landmarks", "takeo.png"))
    truth = read_pts(real_file("landmarks", "takeo.pts"))
    lm = get_landmarker(name)
    faces = lm.detect(image)
    lm.close()
    assert len(faces) == 1 and faces[0].shape == (68, 3)
    # measured: fitted mapping 4.29 %, MediaPipe + ERT 4.18 %, fixed vertices 4.32 %
    assert face_errors(faces[0], truth)["nme_51"] < most
