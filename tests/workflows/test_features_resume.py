"""An interrupted `features` run keeps what it finished: the re-run reuses the finished
cases' preprocessing and features.json and completes the table (real GRID recordings)."""

from __future__ import annotations

import pandas as pd
import pytest

from strokescreen.io.manifest import read_manifest
from strokescreen.preprocess.artifacts import FEATURES_JSON
from strokescreen.preprocess.cohort import case_dir
from strokescreen.workflows.feature_table import build_feature_table
from tests.helpers import real_file


class Crash(Exception):
    """Stands for a kill: raised from the progress callback mid-run."""


@pytest.fixture(scope="module")
def manifest(tmp_path_factory):
    clips = [real_file("video", "grid", f"{n}.mpg") for n in ("bbaf2n", "brbk7n")]
    d = tmp_path_factory.mktemp("grid_cohort")
    rows = [dict(case_id=f"g{i}", subject_id=f"s{i}", video=str(c), label=i % 2)
            for i, c in enumerate(clips)]
    pd.DataFrame(rows).to_csv(d / "manifest.csv", index=False)
    return read_manifest(d / "manifest.csv")


@pytest.mark.slow
def test_interrupted_features_resume_without_redoing_finished_cases(manifest, tmp_path):
    work = tmp_path / "work"

    def crash_after_first_features(done, total=None, note=None):
        if note and note.startswith("features g") and done >= 1:
            raise Crash

    with pytest.raises(Crash):
        build_feature_table(manifest, work, progress=crash_after_first_features)
    first = case_dir(work, "g0") / FEATURES_JSON
    assert first.is_file() and not (case_dir(work, "g1") / FEATURES_JSON).exists()
    stamps = {p: p.stat().st_mtime_ns for p in (first, case_dir(work, "g0") / "meta.json")}

    notes: list[str] = []
    table = build_feature_table(manifest, work,
                                progress=lambda d, t=None, note=None: notes.append(note or ""))
    assert list(table["case_id"]) == ["g0", "g1"]
    assert table.filter(like="face_").notna().any(axis=1).all()
    assert {p: p.stat().st_mtime_ns for p in stamps} == stamps  # reused, not recomputed
    quality = pd.read_csv(work / "cohort_quality.csv").set_index("case_id")
    assert bool(quality.loc["g0", "cached"]) and bool(quality.loc["g1", "cached"])
