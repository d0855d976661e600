"""Region crops on a real recording (../shared/data/real; skipped when absent).

The landmarks mapped into the stabilised crop must reproduce what the preprocessing did
to make the crop: the pupils land on the stabilisation template's eye positions (up to
the temporal smoothing of the transform), so the eye crops sit on the real eyes.
"""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.models.region_crops import crop_landmarks
from strokescreen.models.video_data import get_video_preset, load_video_samples
from strokescreen.preprocess.artifacts import load_case
from strokescreen.preprocess.pipeline import preprocess_video
from strokescreen.preprocess.stabilise import TEMPLATE
from tests.helpers import real_file

pytestmark = [pytest.mark.real, pytest.mark.slow]


def test_pupils_of_a_real_face_land_on_the_template_in_the_crop(tmp_path):
    case = preprocess_video(real_file("video", "single_face.mp4"), tmp_path / "case",
                            raise_on_unusable=False)
    art = load_case(case, audio=False)
    assert len(art.crop_index) >= 10
    c = art.crops.shape[1]
    pts = crop_landmarks(art.landmarks, art.crop_index, crop_px=c, smooth_frames=5)
    err = np.stack([np.linalg.norm(pts[:, 468] - TEMPLATE[0] * c, axis=1),
                    np.linalg.norm(pts[:, 473] - TEMPLATE[1] * c, axis=1)])
    # within 3 % of the crop side on nine frames in ten (the transform is smoothed over 5)
    assert np.mean(err < 0.03 * c) >= 0.9, np.percentile(err, [50, 90, 100])
    s = load_video_samples(case, case_id="real", arch="region-cnn",
                           preset=get_video_preset("tiny"))
    assert s.reason is None and s.note is None
    assert s.x.shape[1:] == (3, 2, 24, 24, 3) and s.x.std() > 5  # a face, not a flat patch
