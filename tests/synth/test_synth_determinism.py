"""Same arguments and seed: identical manifest and truth files, identical decoded frames."""

from __future__ import annotations

import av
import numpy as np
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app

runner = CliRunner()


def _frames(path):
    with av.open(str(path)) as c:
        return [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]


@pytest.mark.slow
def test_cli_run_reproduces_the_cohort(tiny_cohort, tmp_path):
    from tests.synth.conftest import TINY

    out = tmp_path / "again"
    res = runner.invoke(app, ["synth", "--out", str(out), "--subjects", "2", "--seconds", "2",
                              "--seed", str(TINY.seed), "--difficulty", "easy", "--width",
                              "320", "--height", "240", "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "SYNTHETIC" in res.output
    first = tiny_cohort.out_dir
    assert (out / "manifest.csv").read_bytes() == (first / "manifest.csv").read_bytes()
    assert (out / "truth" / "cases.csv").read_bytes() == (first / "truth" / "cases.csv").read_bytes()
    for r in tiny_cohort.cases:
        assert (out / r.truth).read_bytes() == (first / r.truth).read_bytes()
        a, b = _frames(first / r.video), _frames(out / r.video)
        assert len(a) == len(b) and all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))


def test_another_seed_gives_another_cohort(tiny_cohort):
    from strokescreen.synth.config import SynthConfig
    from strokescreen.synth.params import draw_cohort
    from tests.synth.conftest import TINY

    other = draw_cohort(SynthConfig(n_subjects=2, seed=TINY.seed + 1, difficulty="easy"))
    assert other != draw_cohort(TINY)
