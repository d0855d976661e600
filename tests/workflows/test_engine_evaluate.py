"""Evaluation folds and ablation variant×folds as Dask tasks: the same files as locally."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from strokescreen.evaluation.engine import cross_validate
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.evaluation.writer import write_evaluation
from strokescreen.models.registry import model_factory
from tests.workflows.engine_helpers import assert_same_tree

pytest.importorskip("distributed", reason="dask.distributed is not installed (pip install "
                    "'.[cluster]')")

from strokescreen.workflows.engine import DaskRunner  # noqa: E402


def _table(n_subjects: int = 16) -> pd.DataFrame:
    rng = np.random.default_rng(3)
    rows = []
    for s in range(n_subjects):
        label = s % 2
        for r in range(2):
            rows.append(dict(case_id=f"s{s}r{r}", subject_id=f"s{s}", label=label,
                             sex="F" if s % 3 else "M", age=40 + s,
                             face_planted=label * 3.0 + rng.normal(0, 1.0),
                             speech_noise=rng.normal(0, 1.0)))
    return pd.DataFrame(rows)


@pytest.mark.slow
@pytest.mark.parametrize("split", [SplitSpec(kind="group-kfold", folds=4),
                                   SplitSpec(kind="holdout", folds=3, holdout_first=20)])
def test_evaluation_folds_on_dask_write_the_same_files(split, dask_client, tmp_path):
    cases = _table()
    factory = model_factory("logreg", random_state=0)
    kw = dict(n_bootstrap=200, seed=0, model_name="logreg", cohort_name="planted")
    seen = []
    local = cross_validate(cases, None, factory, split, **kw)
    remote = cross_validate(cases, None, factory, split, **kw,
                            runner=DaskRunner(dask_client),
                            progress=lambda d, t=None, note=None: seen.append((d, t, note)))
    assert len(remote.runs) == len(local.runs) == split.folds
    assert [r.fold.name for r in remote.runs] == [r.fold.name for r in local.runs]
    # one progress step per finished fold task, then importance
    fitted = [s for s in seen if s[2] and s[2].endswith("fitted")]
    assert [s[0] for s in fitted] == list(range(1, split.folds + 1))
    write_evaluation(local, tmp_path / "local")
    write_evaluation(remote, tmp_path / "dask")
    n = assert_same_tree(tmp_path / "local", tmp_path / "dask")
    assert n >= 6  # predictions, metrics, roc, fairness, importance, report (+ hold-out files)
    assert local.metrics["auc"] > 0.7


@pytest.mark.slow
def test_ablation_variant_folds_on_dask_match_and_resume(dask_client, tmp_path):
    pytest.importorskip("torch")
    from tools.deep_fake import fake_cohort

    from strokescreen.workflows.ablation import run_ablation, write_ablation

    cases = fake_cohort(tmp_path / "cohort", n_subjects=4, n_recordings=2, seed=4,
                        n_video_frames=8, audio_seconds=0.5)
    rng = np.random.default_rng(0)
    cases["face_planted"] = cases["label"] * 2.0 + rng.normal(0, 0.1, len(cases))
    kw = dict(preset="tiny", epochs=1, folds=2, seed=0, adv_stages=(), n_bootstrap=50,
              probe=False)
    local = run_ablation(cases, work_dir=tmp_path / "local", **kw)
    seen = []
    remote = run_ablation(cases, work_dir=tmp_path / "dask", runner=DaskRunner(dask_client),
                          progress=lambda d, t=None, note=None: seen.append((d, t, note)),
                          **kw)
    # eleven deep rows (the seven variants run here with deepstroke-meta, the MMDL-style
    # late fusion, region-cnn, I3D and SlowFast; no-transfer is not run without weights),
    # logreg and the dummy, two folds each
    n_fits = 13 * 2
    assert [s[0] for s in seen if s[2] and s[2].endswith("done")] == list(range(1, n_fits + 1))
    # fit_seconds (table) and seconds (per-run records) time the machine: excluded
    for res in (local, remote):
        res.table.drop(columns="fit_seconds", inplace=True)
    write_ablation(local, tmp_path / "out_local", synthetic=True)
    write_ablation(remote, tmp_path / "out_dask", synthetic=True)
    assert assert_same_tree(tmp_path / "out_local", tmp_path / "out_dask") == 4
    # finished runs are kept: a second dask run fits nothing again
    again = []
    run_ablation(cases, work_dir=tmp_path / "dask", runner=DaskRunner(dask_client),
                 progress=lambda d, t=None, note=None: again.append(note), **kw)
    assert again == ["0 fits to run"]
    assert not list((tmp_path / "dask").glob("runs/.*"))  # no temporary run files left
