"""`synth` rendering its cases as Dask tasks: the same cohort, byte for byte."""

from __future__ import annotations

import pytest

from strokescreen.synth.cohort import generate_cohort
from strokescreen.synth.config import SynthConfig
from tests.workflows.engine_helpers import assert_same_tree

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install "
                    "'.[cluster]')")

from strokescreen.workflows.engine import DaskRunner  # noqa: E402

TINY = SynthConfig(n_subjects=2, recordings_per_subject=1, seconds=1.5, seed=4,
                   difficulty="easy", width_px=320, height_px=240)


@pytest.mark.slow
def test_synth_on_dask_writes_the_same_cohort(dask_client, tmp_path):
    local = generate_cohort(TINY, tmp_path / "local")
    seen = []
    remote = generate_cohort(TINY, tmp_path / "dask", runner=DaskRunner(dask_client),
                             progress=lambda d, t=None, note=None: seen.append((d, t, note)))
    assert [r.case_id for r in remote.cases] == [r.case_id for r in local.cases]
    assert [s[0] for s in seen if s[1] == 2] == [0, 1, 2]
    # videos, per-frame truth, manifest, truth/cases.csv; the card without its wall-time line
    n = assert_same_tree(tmp_path / "local", tmp_path / "dask")
    assert n == 2 * 2 + 4  # + generator.json
    assert "with 2 worker(s)" in (tmp_path / "dask" / "cohort_card.md").read_text()
