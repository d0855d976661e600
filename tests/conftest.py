"""Shared fixtures: paths to the real recordings, and small generated clips."""

from __future__ import annotations

import os

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("GLOG_minloglevel", "2")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


@pytest.fixture(scope="session")
def astronaut() -> np.ndarray:
    import skimage.data

    return skimage.data.astronaut()


@pytest.fixture(scope="session")
def clip(tmp_path_factory, astronaut):
    """A 2 s portrait clip with a tone soundtrack (tests.assess_helpers.make_clip)."""
    from tests.assess_helpers import make_clip

    return make_clip(tmp_path_factory.mktemp("clip"), astronaut)


@pytest.fixture(scope="session")
def no_model(tmp_path_factory, clip):
    """(out_dir, result, progress calls) of assessing ``clip`` once without a model; shared
    by the assessment tests (tests/workflows) and the report-page tests (tests/report)."""
    from strokescreen.workflows.assess import assess_video
    from tests.assess_helpers import LOOSE

    out = tmp_path_factory.mktemp("assess") / "out"
    calls = []
    result = assess_video(clip, out, config=LOOSE, pdf=False,
                          progress=lambda done, total, note: calls.append((done / total, note)))
    return out, result, calls
