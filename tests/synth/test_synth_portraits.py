"""A user's own portraits join the bundled one; subjects keep their identity."""

from __future__ import annotations

import cv2
import pandas as pd
import pytest

from strokescreen.synth.cohort import generate_cohort
from strokescreen.synth.config import SynthConfig
from strokescreen.synth.portraits import load_portraits


@pytest.mark.slow
def test_user_portrait_is_used(tmp_path, astronaut):
    folder = tmp_path / "portraits"
    folder.mkdir()
    # a different framing of a real face, saved as a user's jpg
    face = cv2.resize(astronaut[0:300, 90:390], (420, 420))
    cv2.imwrite(str(folder / "my_portrait.jpg"), face[:, :, ::-1])
    pairs = load_portraits(folder)
    assert [p.name for p, _ in pairs][1] == "my_portrait.jpg"
    assert all(p.mesh_px.shape == (478, 3) and m.mirrored for p, m in pairs)
    cfg = SynthConfig(n_subjects=4, recordings_per_subject=2, seconds=1.5, seed=2,
                      width_px=320, height_px=240, portraits_dir=str(folder))
    result = generate_cohort(cfg, tmp_path / "c")
    cases = pd.read_csv(result.out_dir / "truth" / "cases.csv")
    assert "my_portrait.jpg" in set(cases.portrait)
    # one identity per subject: same portrait and look in every recording
    per_subject = cases.groupby("subject_id")[["portrait", "mirror", "tone", "bg_seed"]].nunique()
    assert (per_subject == 1).all().all()
