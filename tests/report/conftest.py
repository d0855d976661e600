"""Fixtures of the report tests: one tiny clip, assessed once without a model."""

from __future__ import annotations

import pytest

from strokescreen.workflows.assess import assess_video
from tests.report.report_helpers import LOOSE, make_clip


@pytest.fixture(scope="session")
def clip(tmp_path_factory, astronaut):
    return make_clip(tmp_path_factory.mktemp("clip"), astronaut)


@pytest.fixture(scope="session")
def no_model(tmp_path_factory, clip):
    """(out_dir, result, progress calls) of assessing ``clip`` without a model."""
    out = tmp_path_factory.mktemp("assess") / "out"
    calls = []
    result = assess_video(clip, out, config=LOOSE, pdf=False,
                          progress=lambda done, total, note: calls.append((done / total, note)))
    return out, result, calls
