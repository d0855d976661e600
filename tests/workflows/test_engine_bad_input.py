"""Bad engine options: one clear line, a non-zero exit, no traceback, never a hang."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time

import pytest

from strokescreen.errors import ConfigError, InputError
from strokescreen.workflows.engine import check_engine


def _cli(args, *, env=None, timeout=120):
    full_env = {**os.environ, **(env or {})}
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "strokescreen.cli", *args], capture_output=True,
                         text=True, timeout=timeout, env=full_env)
    return res, time.monotonic() - t0


def _one_line_error(res) -> str:
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [ln for ln in res.stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, res.stderr
    return errors[0]


def test_engine_name_typo_names_the_closest_engine():
    assert check_engine("dask") == "dask"
    with pytest.raises(ConfigError, match=r"'dsak' is unknown \(did you mean dask\?\); use one "
                                          "of: local, dask"):
        check_engine("dsak")


def test_cli_engine_typo_exits_2_with_one_line(tiny_cohort, tmp_path):
    res, _ = _cli(["preprocess-cohort", str(tiny_cohort / "manifest.csv"), "--work",
                   str(tmp_path / "w"), "--engine", "dsak"])
    assert res.returncode == 2
    assert "did you mean dask?" in _one_line_error(res)
    assert not (tmp_path / "w").exists()


def test_cli_scheduler_without_dask_engine_is_refused(tiny_cohort, tmp_path):
    res, _ = _cli(["preprocess-cohort", str(tiny_cohort / "manifest.csv"), "--work",
                   str(tmp_path / "w"), "--scheduler", "tcp://127.0.0.1:8786"])
    assert res.returncode == 2
    assert "--scheduler needs --engine dask" in _one_line_error(res)


def test_cli_unreachable_scheduler_fails_within_the_connect_timeout(tiny_cohort, tmp_path):
    pytest.importorskip("distributed", reason="dask.distributed is not installed")
    import socket

    with socket.socket() as s:  # a loopback port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    res, seconds = _cli(["preprocess-cohort", str(tiny_cohort / "manifest.csv"), "--work",
                         str(tmp_path / "w"), "--engine", "dask", "--scheduler",
                         f"tcp://127.0.0.1:{port}"],
                        env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "3s"})
    assert res.returncode == 3
    line = _one_line_error(res)
    assert f"cannot reach the Dask scheduler at 'tcp://127.0.0.1:{port}' within 3 s" in line
    assert seconds < 60


def test_a_worker_that_cannot_see_the_work_folder_gives_one_clear_error(tmp_path):
    """A worker in its own mount namespace, with an empty file system over the work
    folder's parent: it sees a folder at the same path, but not ours."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    if shutil.which("unshare") is None or subprocess.run(
            ["unshare", "-rm", "true"], capture_output=True).returncode != 0:
        pytest.skip("needs unshare with a private mount namespace to hide a folder from a worker")
    import logging

    from strokescreen.workflows.engine import open_engine

    hidden = tmp_path / "shared"
    (hidden / "work").mkdir(parents=True)
    cluster = distributed.LocalCluster(n_workers=0, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0",
                                       silence_logs=logging.ERROR)
    worker = subprocess.Popen(
        ["unshare", "-rm", "sh", "-c",
         f"mount -t tmpfs none {hidden} && mkdir -p {hidden}/work && exec {sys.executable} -m "
         f"distributed.cli.dask_worker {cluster.scheduler_address} --nthreads 1 --no-nanny "
         "--no-dashboard --host 127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        t0 = time.monotonic()
        with pytest.raises(InputError) as info:
            with open_engine("dask", scheduler=cluster.scheduler_address,
                             folders=[hidden / "work"], workers_timeout_s=60):
                pass
        msg = str(info.value)
        assert f"cannot see the work folder {hidden / 'work'} (unreadable" in msg
        assert "1 of 1 workers" in msg and "docs/cluster.md" in msg and "\n" not in msg
        assert time.monotonic() - t0 < 90
        assert not list((hidden / "work").glob(".strokescreen.probe-*"))  # probe removed
    finally:
        worker.kill()
        worker.wait()
        cluster.close()


def test_a_task_that_keeps_killing_its_workers_is_recorded_not_retried_forever():
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    import logging

    import dask

    from strokescreen.errors import StrokeScreenError
    from strokescreen.workflows.engine import DaskRunner

    with dask.config.set({"distributed.scheduler.allowed-failures": 0}), \
            distributed.LocalCluster(n_workers=1, threads_per_worker=1, host="127.0.0.1",
                                     dashboard_address="127.0.0.1:0", silence_logs=logging.CRITICAL
                                     ) as cluster, distributed.Client(cluster) as client:
        runner = DaskRunner(client)
        # os._exit(3) ends the worker process in the middle of the task
        lost = runner.run(os._exit, [3], on_lost=lambda i, why: f"lost {i}: {why}",
                          labels=["c7"], task_name="preprocess")
        assert lost[0].startswith("lost 0: preprocess c7 killed every worker that ran it")
        client.wait_for_workers(1, timeout=60)  # the nanny restarts the worker
        with pytest.raises(StrokeScreenError, match="re-run resumes"):
            runner.run(os._exit, [3], labels=["c8"], task_name="preprocess")


def test_a_worker_without_strokescreen_gives_one_clear_error(tmp_path):
    """A worker whose environment has another package named strokescreen (no workflows)."""
    distributed = pytest.importorskip("distributed", reason="dask.distributed is not installed")
    import logging

    import strokescreen
    from strokescreen.workflows.engine import open_engine

    fake = tmp_path / "env" / "strokescreen"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("__version__ = '0.0.1'\n")
    cluster = distributed.LocalCluster(n_workers=0, host="127.0.0.1",
                                       dashboard_address="127.0.0.1:0",
                                       silence_logs=logging.ERROR)
    env = {**os.environ, "PYTHONPATH": str(tmp_path / "env")}
    worker = subprocess.Popen(
        [sys.executable, "-m", "distributed.cli.dask_worker", cluster.scheduler_address,
         "--nthreads", "1", "--no-nanny", "--no-dashboard", "--host", "127.0.0.1"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=tmp_path)
    try:
        with pytest.raises(InputError) as info:
            with open_engine("dask", scheduler=cluster.scheduler_address,
                             folders=[tmp_path / "work"], workers_timeout_s=60):
                pass
        msg = str(info.value)
        assert "cannot run strokescreen's tasks (ModuleNotFoundError" in msg, msg
        assert "No module named 'strokescreen.workflows'" in msg
        assert f"install strokescreen {strokescreen.__version__} with the 'cluster' extra" in msg
        assert "\n" not in msg
    finally:
        worker.kill()
        worker.wait()
        cluster.close()
