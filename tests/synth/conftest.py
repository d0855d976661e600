"""A tiny synthetic cohort generated once per test session (2 subjects x 1 x 2 s, 320x240)."""

from __future__ import annotations

from pathlib import Path

import pytest

from strokescreen.synth.cohort import CohortResult, generate_cohort
from strokescreen.synth.config import SynthConfig

# seed 4, easy: subject 1 is a stroke (right side, about 4 mm droop), subject 2 healthy
TINY = SynthConfig(n_subjects=2, recordings_per_subject=1, seconds=2.0, seed=4,
                   difficulty="easy", width_px=320, height_px=240)


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory: pytest.TempPathFactory) -> CohortResult:
    out: Path = tmp_path_factory.mktemp("tiny_cohort")
    return generate_cohort(TINY, out, workers=1)
