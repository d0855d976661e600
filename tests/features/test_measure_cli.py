"""`strokescreen measure` on photos (and a real video): JSON and table output."""

from __future__ import annotations

import json

import cv2
import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.features import photo
from strokescreen.features.normals import face_normals
from tests.helpers import real_file

runner = CliRunner()


@pytest.fixture(scope="module")
def astronaut_jpg(tmp_path_factory, astronaut_image):
    p = tmp_path_factory.mktemp("photos") / "astronaut.jpg"
    Image.fromarray(astronaut_image).save(p, quality=95)
    return p


@pytest.fixture(scope="module")
def astronaut_image():
    from skimage import data

    return data.astronaut()


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_photo_json_has_measures_ranges_and_composite(astronaut_jpg):
    doc = _json(runner.invoke(app, ["measure", str(astronaut_jpg), "--json"]))
    assert doc["face_found"] is True and doc["kind"] == "photo"
    m = doc["measures"]["mouth_corner_height_lr_mm"]
    assert set(m) >= {"value", "unit", "normal_low", "normal_high", "out_of_range"}
    assert m["unit"] == "mm" and m["normal_low"] < 0 < m["normal_high"]
    assert m["out_of_range"] is False
    # the astronaut smiles: compared with healthy smiles; mm ranges use this face's own
    # (iris-based) inter-pupil distance
    assert any("face state estimated from the landmarks: smile" in n for n in doc["notes"])
    low_ipu = face_normals(state="smile")["mouth_corner_height_lr_ipu"][0]
    assert m["normal_low"] == pytest.approx(low_ipu * doc["ipd_mm"])
    assert doc["scale_source"] == "iris" and 50 < doc["ipd_mm"] < 75
    assert 0 < doc["composite_asymmetry"] < 1.5
    assert set(doc["region_scores"]) == {"mouth_score", "eye_score", "brow_score",
                                         "midline_score"}
    assert "smile_excursion_lr_mm" not in doc["measures"]  # needs a video


def test_photo_table_lists_measures_with_units_and_ranges(astronaut_jpg):
    result = runner.invoke(app, ["measure", str(astronaut_jpg)])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "mouth_corner_height_lr_mm" in out and "normal range" in out
    assert "composite asymmetry index" in out and "not a diagnosis" in out
    assert "_ipu" not in out  # the table shows mm; the JSON has both


def test_large_photo_is_downscaled_and_coordinates_come_back(astronaut_image):
    big = cv2.resize(astronaut_image, (3000, 3000), interpolation=cv2.INTER_CUBIC)
    small_lm = photo.photo_landmarks(astronaut_image)
    big_lm = photo.photo_landmarks(big)
    assert big_lm is not None
    np.testing.assert_allclose(big_lm[[468, 473, 61, 291], :2] / (3000 / 512),
                               small_lm[[468, 473, 61, 291], :2], atol=3.0)


def test_small_face_in_a_large_photo_found_through_the_detector(astronaut_image, monkeypatch):
    canvas = np.full((3000, 4000, 3), 120, np.uint8)
    face = cv2.resize(astronaut_image, (1300, 1300))
    canvas[300:1600, 2500:3800] = face
    calls = []
    original = photo.PhotoLandmarker._detect_box

    def spy(self, image):
        calls.append(image.shape)
        return original(self, image)

    monkeypatch.setattr(photo.PhotoLandmarker, "_detect_box", spy)
    lm = photo.photo_landmarks(canvas)
    assert calls, "the face-detector fallback was not used"
    assert lm is not None
    ref = photo.photo_landmarks(astronaut_image)
    expect = ref[[468, 473], :2] * (1300 / 512) + [2500, 300]
    np.testing.assert_allclose(lm[[468, 473], :2], expect, atol=8.0)


@pytest.mark.real
def test_single_face_rest_frames_fall_inside_the_normal_ranges(tmp_path):
    import av

    from strokescreen.features.face_measures import face_measures

    path = real_file("video", "single_face.mp4")
    frames = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            frames.append(f.to_ndarray(format="rgb24"))
            if i == 11:  # the clip starts neutral for about half a second
                break
    with photo.PhotoLandmarker() as lm:
        marks = np.array([lm(f) for f in frames])
    m = face_measures(marks, scheme="mp478")
    checked = 0
    for name, (low, high, _) in face_normals().items():
        if name in m and name.endswith(("_ipu", "_deg")) and not np.isnan(m[name]).all():
            assert ((m[name] >= low) & (m[name] <= high)).all(), (name, m[name], low, high)
            checked += 1
    assert checked >= 25
    # the photo-level check through the command, on the first frame
    png = tmp_path / "frame0.png"
    Image.fromarray(frames[0]).save(png)
    doc = _json(runner.invoke(app, ["measure", str(png), "--json"]))
    assert not any(e["out_of_range"] for e in doc["measures"].values())
    assert doc["composite_asymmetry"] < 0.8


@pytest.mark.real
def test_video_json_has_face_dynamics_and_speech_measures():
    path = real_file("video", "single_face.mp4")
    doc = _json(runner.invoke(app, ["measure", str(path), "--json"]))
    assert doc["kind"] == "video" and doc["face_found"] is True
    m = doc["measures"]
    assert m["mouth_corner_height_lr_mm"]["out_of_range"] is False
    assert m["smile_excursion_lr_mm"]["value"] is not None
    assert m["smile_excursion_r_mm"]["value"] > 1.0  # the clip has a smile
    assert "dyn_n_repetitions" in m and "speech_rate" in m
    assert m["speech_rate"]["unit"] == "syllables/s"
    assert doc["composite_asymmetry"] < 1.0
