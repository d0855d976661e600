"""open_engine: the runner each engine gives, and a LocalCluster that stays on loopback."""

from __future__ import annotations

import os

import pytest

from strokescreen.tasks import ProcessRunner, SerialRunner
from strokescreen.workflows.engine import open_engine


def test_local_engine_is_this_process_or_a_pool(tmp_path):
    with open_engine("local", workers=1) as one:
        assert isinstance(one, SerialRunner) and one.in_process
    with open_engine("local", workers=3) as pool:
        assert isinstance(pool, ProcessRunner) and pool.workers == 3
        # results in item order, on_done once per task
        done = []
        assert pool.run(abs, [-3, 2, -1], on_done=lambda i, r: done.append(i)) == [3, 2, 1]
        assert sorted(done) == [0, 1, 2]


def test_local_cluster_listens_on_loopback_only(tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    import psutil

    said = []
    with open_engine("dask", workers=2, folders=[tmp_path / "work"], on_ready=said.append
                     ) as runner:
        assert runner.name == "dask" and runner.workers == 2 and not runner.in_process
        assert runner.run(abs, [-5, 4], labels=["a", "b"]) == [5, 4]
        pids = {os.getpid(), *(c.pid for c in psutil.Process().children(recursive=True))}
        listening = [c.laddr for c in psutil.net_connections(kind="inet")
                     if c.status == psutil.CONN_LISTEN and c.pid in pids]
    assert len(listening) >= 3  # scheduler, its HTTP server, workers and nannies
    assert {addr.ip for addr in listening} == {"127.0.0.1"}
    assert said == ["dask engine: 2 worker(s) at a LocalCluster on 127.0.0.1"] or \
        said[0].startswith("dask engine: 2 worker(s) at a LocalCluster on 127.0.0.1; dashboard")
    assert not list((tmp_path / "work").iterdir())  # the path-check token is removed
