"""The planted lighting shortcut of the synthetic cohort."""

from __future__ import annotations

import numpy as np
import pytest

from strokescreen.errors import InputError
from strokescreen.synth.config import SynthConfig
from strokescreen.synth.shortcut import apply_lamp, card_lines, lamp_gain, lamp_on


def test_lamp_agrees_with_the_label_at_the_planted_rate_and_is_deterministic():
    on = np.array([lamp_on(3, i, i % 2, agreement=0.9) for i in range(2000)])
    labels = np.arange(2000) % 2
    assert np.mean(on == labels.astype(bool)) == pytest.approx(0.9, abs=0.02)
    assert [lamp_on(3, i, 1, agreement=0.9) for i in range(50)] == \
        [lamp_on(3, i, 1, agreement=0.9) for i in range(50)]
    assert all(lamp_on(0, i, 1, agreement=1.0) for i in range(50))


def test_lamp_is_a_left_to_right_gradient_that_the_mirror_reverses():
    g = lamp_gain(100, strength=0.3)
    assert g[0] == pytest.approx(1.3, abs=0.01) and g[-1] == pytest.approx(0.7, abs=0.01)
    img = np.full((4, 100, 3), 100, np.uint8)
    lit = apply_lamp(img, g)
    assert lit[0, 0, 0] == 130 and lit[0, -1, 0] == 70
    assert lit[:, :50].mean() > lit[:, 50:].mean()


def test_config_checks_the_shortcut_and_the_card_reports_it():
    with pytest.raises(InputError, match="--shortcut 'glare'"):
        SynthConfig(shortcut="glare").validate()
    with pytest.raises(InputError, match="agreement"):
        SynthConfig(shortcut="lighting", shortcut_agreement=0.2).validate()
    SynthConfig(shortcut="lighting").validate()
    lines = card_lines("lighting", agreement=0.9, strength=0.35, n_lamp=10, n_cases=20,
                       n_lamp_stroke=9, n_stroke=10)
    text = "\n".join(lines)
    assert "Planted shortcut" in text and "9 of the 10 stroke cases" in text
    assert card_lines("none", agreement=0.9, strength=0.35, n_lamp=0, n_cases=1,
                      n_lamp_stroke=0, n_stroke=0) == []


def _first_frame(path):
    import av

    with av.open(str(path)) as c:
        return next(c.decode(video=0)).to_ndarray(format="rgb24").astype(float)


@pytest.mark.slow
def test_cohort_with_the_lamp_lights_only_the_agreeing_cases(tiny_cohort, tmp_path):
    import dataclasses

    import pandas as pd

    from strokescreen.synth.cohort import generate_cohort
    from tests.synth.conftest import TINY

    cfg = dataclasses.replace(TINY, shortcut="lighting", shortcut_agreement=1.0)
    lit = generate_cohort(cfg, tmp_path / "lit", workers=1)
    truth = pd.read_csv(lit.out_dir / "truth" / "cases.csv")
    assert (truth["shortcut_lamp"] == truth["label"].astype(bool)).all()
    assert "Planted shortcut (lighting)" in lit.card.read_text()
    for row in truth.itertuples():
        a = _first_frame(tiny_cohort.out_dir / "videos" / f"{row.case_id}.mp4")
        b = _first_frame(lit.out_dir / "videos" / f"{row.case_id}.mp4")
        ratio_left = b[:, :20].mean() / a[:, :20].mean()
        ratio_right = b[:, -20:].mean() / a[:, -20:].mean()
        if row.shortcut_lamp:  # 35 % brighter at the left edge, darker at the right
            assert ratio_left > 1.2 and ratio_right < 0.8
        else:  # the same video as without the shortcut
            assert ratio_left == pytest.approx(1.0, abs=0.01)
            assert ratio_right == pytest.approx(1.0, abs=0.01)


def test_unknown_shortcut_is_one_line_and_exit_3(tmp_path):
    from typer.testing import CliRunner

    from strokescreen.cli import app

    res = CliRunner().invoke(app, ["synth", "--out", str(tmp_path / "c"), "--subjects", "2",
                                   "--shortcut", "glare"])
    assert res.exit_code == 3
    assert "--shortcut 'glare' is not known" in res.output and "lighting" in res.output
    assert not (tmp_path / "c").exists()
