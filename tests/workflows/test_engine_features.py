"""`strokescreen features --engine dask` (its own LocalCluster) against the local engine."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from tests.workflows.engine_helpers import assert_same_tree

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install "
                    "'.[cluster]')")
pytestmark = pytest.mark.slow


def test_features_on_a_local_cluster_match_the_local_engine_byte_for_byte(tiny_cohort, tmp_path):
    work = tmp_path / "work"  # both runs use this path: the table holds case_dir
    args = ["features", str(tiny_cohort / "manifest.csv"), "--work", str(work)]
    local = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "local.parquet")])
    assert local.exit_code == 0, local.output
    work.rename(tmp_path / "work_local")
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "dask.parquet"),
                                   "--engine", "dask", "--workers", "2"])
    assert res.exit_code == 0, res.output
    assert "3 cases" in res.output and "1 case(s) left out" in res.output
    assert (tmp_path / "dask.parquet").read_bytes() == (tmp_path / "local.parquet").read_bytes()
    # every case artifact, features.json included, and the quality table
    n = assert_same_tree(tmp_path / "work_local", work)
    assert n == 3 * 6 + 1
    assert not list(work.glob("**/.strokescreen.probe-*"))  # the path check cleans up
