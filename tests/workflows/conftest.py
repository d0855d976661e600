"""A real Dask ``LocalCluster`` (2 worker processes, 1 thread each, on 127.0.0.1) shared by
the engine tests, and a tiny cohort of generated clips."""

from __future__ import annotations

import logging

import pandas as pd
import pytest

from tests.helpers import portrait_clip, tone


@pytest.fixture(scope="session")
def dask_client():
    distributed = pytest.importorskip(
        "distributed", reason="dask.distributed is not installed (pip install '.[cluster]')")
    cluster = distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                       host="127.0.0.1", dashboard_address="127.0.0.1:0",
                                       silence_logs=logging.ERROR)
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


@pytest.fixture(scope="session")
def tiny_cohort(tmp_path_factory, astronaut):
    """Three 1-second clips and one unreadable file; ``manifest.csv`` and a loose config."""
    d = tmp_path_factory.mktemp("engine_cohort")
    (d / "videos").mkdir()
    rows = []
    for i in range(3):
        portrait_clip(d / "videos" / f"c{i}.mp4", astronaut, seconds=1.0, audio=tone(1.0))
        rows.append(dict(case_id=f"c{i}", subject_id=f"s{i}", video=f"videos/c{i}.mp4",
                         label=i % 2))
    (d / "videos" / "broken.mp4").write_text("not a video")
    rows.append(dict(case_id="bad", subject_id="s9", video="videos/broken.mp4", label=1))
    pd.DataFrame(rows).to_csv(d / "manifest.csv", index=False)
    (d / "cfg.yaml").write_text("proposal:\n  beta1_deg: 40\n")
    return d
