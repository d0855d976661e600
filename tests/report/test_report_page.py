"""Report pieces read from a real case folder: crops, crop coordinates, measures, key frames."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from strokescreen.face.schemes import named_points
from strokescreen.preprocess.artifacts import load_case
from strokescreen.preprocess.stabilise import TEMPLATE
from strokescreen.report import figures
from strokescreen.report.measures import measures_from_features
from strokescreen.report.page import read_crops, read_frame_table
from tests.assess_helpers import case_feature_values


@pytest.fixture(scope="module")
def case(no_model):
    return load_case(no_model[0] / "case")


def test_read_crops_matches_the_whole_array(case):
    wanted = [int(case.crop_index[0]), int(case.crop_index[-1]), 10_000]
    got = read_crops(case.case_dir / "crops.npz", wanted)
    assert sorted(got) == sorted(wanted[:2])  # a frame without a crop is left out
    for f in wanted[:2]:
        k = int(np.flatnonzero(case.crop_index == f)[0])
        assert np.array_equal(got[f], case.crops[k])


def test_frame_table_holds_the_landmarks(case):
    table = read_frame_table(case.case_dir, n_points=478)
    assert table["landmarks"].shape == (len(case.t), 478, 2)
    assert np.allclose(table["landmarks"], case.landmarks[..., :2], equal_nan=True)
    assert np.array_equal(table["kept"], case.kept) and np.allclose(table["t"], case.t)


def test_crop_params_reproduce_the_stored_crop(case, clip):
    """Warping the decoded frame with the recomputed transform gives the stored crop."""
    from strokescreen.io.video import iter_frames
    from strokescreen.preprocess.stabilise import crop

    crop_px = case.meta.config["proposal"]["crop_size_px"]
    smooth = case.meta.config["proposal"]["smooth_frames"]
    kept = np.flatnonzero(case.kept)
    pos = int(kept[len(kept) // 2])
    frame = next(f for f in iter_frames(clip) if f.index == pos)
    p = figures.crop_params(case.landmarks, pos, crop_px=crop_px, smooth_frames=smooth)
    stored = case.crops[int(np.flatnonzero(case.crop_index == pos)[0])]
    assert np.abs(crop(frame.image, p, crop_px=crop_px).astype(int) - stored).mean() < 0.5
    # and the eye anchors land near the template's eye positions
    pts = figures.to_crop(case.landmarks[pos], p)
    assert np.abs(pts[468] - TEMPLATE[0] * crop_px).max() < 8.0
    assert np.abs(pts[473] - TEMPLATE[1] * crop_px).max() < 8.0


def test_measures_match_measure_case(case, no_model):
    from strokescreen.features.measure import measure_case

    expected = measure_case(case).to_dict()
    got = measures_from_features(case_feature_values(no_model[0]),
                                 audio_present=case.audio is not None)
    assert got["measures"] == expected["measures"]
    assert got["region_scores"] == expected["region_scores"]
    assert got["composite_asymmetry"] == pytest.approx(expected["composite_asymmetry"])
    assert got["scale_source"] == expected["scale_source"] == "iris"
    assert no_model[1]["measures"] == expected["measures"]


def _colour_near(img: np.ndarray, xy: np.ndarray, rgb: tuple[int, int, int]) -> int:
    x, y = int(round(xy[0])), int(round(xy[1]))
    patch = img[max(y - 9, 0): y + 10, max(x - 9, 0): x + 10].astype(int)
    return int((np.abs(patch - np.array(rgb)).sum(axis=-1) < 120).sum())


@pytest.mark.parametrize("side", ["left", "right"])
def test_key_frame_marks_the_weaker_side_in_red(case, side):
    pos = int(np.flatnonzero(case.kept)[0])
    k = int(np.flatnonzero(case.crop_index == case.frames["frame"].iloc[pos])[0])
    crop_px = case.meta.config["proposal"]["crop_size_px"]
    p = figures.crop_params(case.landmarks, pos, crop_px=crop_px,
                            smooth_frames=case.meta.config["proposal"]["smooth_frames"])
    pts = figures.to_crop(case.landmarks[pos], p)
    jpeg = figures.keyframe_jpeg(case.crops[k], pts, side=side, upscale=2)
    img = cv2.cvtColor(cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR),
                       cv2.COLOR_BGR2RGB)
    assert img.shape == (2 * crop_px, 2 * crop_px, 3)
    named = named_points(pts, scheme="mp478")
    weak = named[f"mouth_corner_{side[0]}"] * 2
    other = named[f"mouth_corner_{'r' if side == 'left' else 'l'}"] * 2
    red = (230, 40, 40)
    assert _colour_near(img, weak, red) > 10
    assert _colour_near(img, other, red) < _colour_near(img, weak, red) / 4
    # unmirrored recording: the subject's left eye is on the image right
    assert named["pupil_l"][0] > named["pupil_r"][0]
