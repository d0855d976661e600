from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

import pandas as pd
import pytest

from strokescreen.config import PreprocessConfig, ProposalConfig
from strokescreen.io.manifest import read_manifest
from strokescreen.preprocess.cohort import case_dir, preprocess_cohort, summarise
from tests.helpers import portrait_clip, tone

LOOSE = PreprocessConfig(proposal=ProposalConfig(beta1_deg=40.0))


@pytest.fixture(scope="module")
def cohort(tmp_path_factory, astronaut):
    d = tmp_path_factory.mktemp("cohort")
    (d / "videos").mkdir()
    for i in range(3):
        portrait_clip(d / "videos" / f"c{i}.mp4", astronaut, seconds=1.2, audio=tone(1.2))
    (d / "videos" / "broken.mp4").write_text("not a video")
    rows = [dict(case_id=f"c{i}", subject_id=f"s{i}", video=f"videos/c{i}.mp4", label=i % 2)
            for i in range(3)]
    rows.append(dict(case_id="bad", subject_id="s9", video="videos/broken.mp4", label=1))
    pd.DataFrame(rows).to_csv(d / "manifest.csv", index=False)
    (d / "cfg.yaml").write_text("proposal:\n  beta1_deg: 40\n")
    return d


@pytest.mark.slow
def test_cohort_runs_caches_and_records_failures(cohort, tmp_path):
    m = read_manifest(cohort / "manifest.csv", require_videos=False)
    work = tmp_path / "work"
    table = preprocess_cohort(m, work, config=LOOSE)
    assert list(table["case_id"]) == ["c0", "c1", "c2", "bad"]
    bad = table.set_index("case_id").loc["bad"]
    assert bad["status"] == "failed" and "not a readable video" in bad["reasons"]
    assert set(table.loc[table.case_id != "bad", "status"]) <= {"good", "review"}
    assert (work / "cohort_quality.csv").is_file()
    assert summarise(table)["failed"] == 1
    before = (case_dir(work, "c0") / "meta.json").stat().st_mtime_ns
    again = preprocess_cohort(m, work, config=LOOSE)
    assert again.loc[again.case_id != "bad", "cached"].all()
    assert (case_dir(work, "c0") / "meta.json").stat().st_mtime_ns == before
    # a changed setting recomputes
    other = PreprocessConfig(proposal=ProposalConfig(beta1_deg=30.0))
    third = preprocess_cohort(m, work, config=other)
    assert not third["cached"].any()


@pytest.mark.slow
def test_killed_run_resumes_without_redoing_finished_cases(cohort, tmp_path):
    work = tmp_path / "work"
    cmd = [sys.executable, "-m", "strokescreen.cli", "preprocess-cohort",
           str(cohort / "manifest.csv"), "--work", str(work), "--config", str(cohort / "cfg.yaml")]
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.time() + 240
    while time.time() < deadline and not (case_dir(work, "c0") / "meta.json").exists():
        time.sleep(0.1)
    os.killpg(proc.pid, signal.SIGKILL)  # kill -9 mid-run
    proc.wait()
    assert (case_dir(work, "c0") / "meta.json").exists()
    # nothing that looks complete is half-written
    for d in (work / "cases").iterdir():
        if not d.name.startswith("."):
            assert (d / "meta.json").exists() == (d / "quality.json").exists()
    finished = json.loads((case_dir(work, "c0") / "meta.json").read_text())["elapsed_s"]
    res = subprocess.run(cmd, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    assert "good" in res.stdout and "failed" in res.stdout
    q = pd.read_csv(work / "cohort_quality.csv").set_index("case_id")
    assert bool(q.loc["c0", "cached"]) is True
    assert json.loads((case_dir(work, "c0") / "meta.json").read_text())["elapsed_s"] == finished


@pytest.mark.slow
def test_workers_give_the_same_result(cohort, tmp_path):
    m = read_manifest(cohort / "manifest.csv", require_videos=False)
    a = preprocess_cohort(m, tmp_path / "w1", config=LOOSE, workers=1)
    b = preprocess_cohort(m, tmp_path / "w2", config=LOOSE, workers=2)
    assert list(a["status"]) == list(b["status"])
    assert list(a["n_kept"].fillna(-1)) == list(b["n_kept"].fillna(-1))


def test_manifest_problems_name_the_rows(tmp_path):
    from strokescreen.errors import InputError

    p = tmp_path / "m.csv"
    p.write_text("case_id,subject_id,video,label\na,s1,x.mp4,1\na,s2,y.mp4,0\n")
    with pytest.raises(InputError, match="duplicate case_id: 'a' on lines 2, 3"):
        read_manifest(p, require_videos=False)
    p.write_text("case_id,video,label\na,x.mp4,1\n")
    with pytest.raises(InputError, match="missing required column.*subject_id"):
        read_manifest(p)
