"""preprocess-cohort on a real Dask LocalCluster against the local engine: the same bytes,
the same cache keys, resume after an interruption, a worker killed mid-case."""

from __future__ import annotations

import json
import os
import signal
import threading
import time

import pytest

from strokescreen.config import PreprocessConfig, ProposalConfig
from strokescreen.io.manifest import read_manifest
from strokescreen.preprocess.artifacts import is_complete
from strokescreen.preprocess.cohort import case_dir, preprocess_cohort
from tests.workflows.engine_helpers import assert_same_tree

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install "
                    "'.[cluster]')")

from strokescreen.workflows.engine import DaskRunner  # noqa: E402

LOOSE = PreprocessConfig(proposal=ProposalConfig(beta1_deg=40.0))


@pytest.fixture(scope="module")
def manifest(tiny_cohort):
    return read_manifest(tiny_cohort / "manifest.csv", require_videos=False)


@pytest.fixture(scope="module")
def local_work(manifest, tmp_path_factory):
    work = tmp_path_factory.mktemp("local") / "work"
    table = preprocess_cohort(manifest, work, config=LOOSE)
    return work, table


def test_dask_engine_writes_the_same_bytes_as_the_local_engine(manifest, local_work, dask_client,
                                                               tmp_path):
    work_local, table_local = local_work
    work = tmp_path / "work"
    seen = []
    table = preprocess_cohort(manifest, work, config=LOOSE, runner=DaskRunner(dask_client),
                              progress=lambda d, t=None, note=None: seen.append((d, t, note)))
    # one progress step per finished task, the bar ends full
    assert [s[0] for s in seen] == [0, 1, 2, 3, 4] and seen[-1][1] == 4
    assert {s[2].split(":")[0] for s in seen[1:]} == {"c0", "c1", "c2", "bad"}
    assert table.equals(table_local)
    assert table.set_index("case_id").loc["bad", "status"] == "failed"
    n = assert_same_tree(work_local / "cases", work / "cases")
    assert n == 3 * 5  # meta, quality, frames, crops, audio per good case
    assert (work / "cohort_quality.csv").read_bytes() == (
        work_local / "cohort_quality.csv").read_bytes()
    # the same cache keys: a local re-run over the dask work folder recomputes nothing
    again = preprocess_cohort(manifest, work, config=LOOSE)
    assert again.set_index("case_id")["cached"].to_dict() == {
        "c0": True, "c1": True, "c2": True, "bad": False}


def test_interrupted_dask_run_resumes_without_redoing_finished_cases(manifest, local_work,
                                                                   dask_client, tmp_path):
    work = tmp_path / "work"

    def stop_after_first(done, total=None, note=None):
        if done == 1:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        preprocess_cohort(manifest, work, config=LOOSE, runner=DaskRunner(dask_client),
                          progress=stop_after_first)
    time.sleep(0.5)
    finished = {d.name: (d / "meta.json").read_bytes() for d in (work / "cases").iterdir()
                if not d.name.startswith(".") and is_complete(d)}
    assert finished, "the first finished case must be on disk"
    table = preprocess_cohort(manifest, work, config=LOOSE, runner=DaskRunner(dask_client))
    cached = table.set_index("case_id")["cached"]
    for cid, meta in finished.items():
        assert bool(cached[cid]) is True
        assert (case_dir(work, cid) / "meta.json").read_bytes() == meta  # not redone
    assert_same_tree(local_work[0] / "cases", work / "cases")
    assert not list((work / "cases").glob(".*"))


def test_a_worker_killed_mid_case_leaves_no_half_case_and_the_case_is_retried(
        manifest, local_work, dask_client, tmp_path):
    work = tmp_path / "work"
    out: dict = {}

    def run():
        out["table"] = preprocess_cohort(manifest, work, config=LOOSE,
                                         runner=DaskRunner(dask_client))

    worker = threading.Thread(target=run)
    worker.start()
    pids = dask_client.run(os.getpid)
    killed = None
    deadline = time.time() + 120
    while killed is None and time.time() < deadline and worker.is_alive():
        partial = [p.name for p in (work / "cases").glob(".*.tmp-*")] if work.exists() else []
        for name in partial:
            cid = name[1:].split(".tmp-")[0]
            for addr, keys in dask_client.processing().items():
                if any(str(k).startswith(f"preprocess-{cid}-") for k in keys) and addr in pids:
                    os.kill(pids[addr], signal.SIGKILL)  # mid-case: its temp folder exists
                    killed = cid
                    break
            if killed:
                break
        time.sleep(0.02)
    worker.join(timeout=300)
    assert killed is not None, "no case was caught mid-write"
    table = out["table"].set_index("case_id")
    # retried elsewhere: finished, computed (not from cache), and the same bytes as local
    assert table.loc[killed, "status"] in ("good", "review")
    assert bool(table.loc[killed, "cached"]) is False
    assert is_complete(case_dir(work, killed))
    assert not list((work / "cases").glob(".*")), "a half-written folder was left behind"
    assert_same_tree(local_work[0] / "cases", work / "cases")
    meta = json.loads((case_dir(work, killed) / "meta.json").read_text())
    assert meta["cache_key"] == json.loads(
        (case_dir(local_work[0], killed) / "meta.json").read_text())["cache_key"]
