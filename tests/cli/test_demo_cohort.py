"""The demo reuses its synthetic cohort only when the current generator made it."""

from __future__ import annotations

from strokescreen.cli.demo import _set_aside
from strokescreen.synth.cohort import (
    GENERATOR_STAMP,
    GENERATOR_VERSION,
    generate_cohort,
    generator_version,
)
from strokescreen.synth.config import SynthConfig


def test_a_new_cohort_is_stamped_with_the_generator_version(tmp_path):
    cfg = SynthConfig(n_subjects=1, recordings_per_subject=1, seconds=1.5, seed=3,
                      difficulty="easy", width_px=320, height_px=240)
    generate_cohort(cfg, tmp_path / "c")
    assert generator_version(tmp_path / "c") == GENERATOR_VERSION


def test_missing_or_unreadable_stamp_reads_as_no_version(tmp_path):
    assert generator_version(tmp_path) is None
    (tmp_path / GENERATOR_STAMP).write_text("not json")
    assert generator_version(tmp_path) is None
    (tmp_path / GENERATOR_STAMP).write_text('{"version": 1}')
    assert generator_version(tmp_path) == 1


def test_an_old_cohort_is_set_aside_not_deleted(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    (cohort / "manifest.csv").write_text("case_id\n")
    first = _set_aside(cohort)
    cohort.mkdir()
    (cohort / "manifest.csv").write_text("case_id\n")
    second = _set_aside(cohort)
    assert first.name == "cohort.old" and second.name == "cohort.old2"
    assert (first / "manifest.csv").is_file() and (second / "manifest.csv").is_file()
    assert not cohort.exists()
