"""Cohort checks name the rows at fault (manifest line numbers, header = line 1)."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from strokescreen.errors import InputError
from strokescreen.io.cohort_checks import is_synthetic, validate_cohort
from strokescreen.io.manifest import read_manifest


def _manifest(tmp_path, n=4):
    for i in range(n):
        (tmp_path / f"v{i}.mp4").write_bytes(b"x")
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "subject_id": [f"s{i}" for i in range(n)],
            "video": [f"v{i}.mp4" for i in range(n)],
            "label": [i % 2 for i in range(n)],
        }
    )


def test_valid_manifest_passes_and_reads_back(tmp_path):
    df = _manifest(tmp_path)
    validate_cohort(df, base_dir=tmp_path)  # raises on any fault
    df.to_csv(tmp_path / "manifest.csv", index=False)
    back = read_manifest(tmp_path / "manifest.csv")
    assert back["case_id"].tolist() == ["c0", "c1", "c2", "c3"]
    assert back["label"].tolist() == [0, 1, 0, 1]
    assert back["video"].tolist() == [str((tmp_path / f"v{i}.mp4").resolve()) for i in range(4)]
    assert back.attrs["synthetic"] is False


def test_missing_columns_are_named(tmp_path):
    df = _manifest(tmp_path).drop(columns=["label", "subject_id"])
    with pytest.raises(InputError, match=r"missing required column\(s\) subject_id, label; it has"):
        validate_cohort(df, base_dir=tmp_path)


def test_duplicate_case_ids_name_their_lines(tmp_path):
    df = _manifest(tmp_path, 5)
    df.loc[3, "case_id"] = "c1"
    with pytest.raises(InputError, match=r"'c1' on lines 3, 5"):
        validate_cohort(df, base_dir=tmp_path)


def test_missing_videos_name_their_lines(tmp_path):
    df = _manifest(tmp_path, 4)
    (tmp_path / "v2.mp4").unlink()
    with pytest.raises(InputError, match=r"1 video file\(s\) not found: line 4 \(case c2\)"):
        validate_cohort(df, base_dir=tmp_path)


def test_bad_labels_name_their_lines(tmp_path):
    df = _manifest(tmp_path, 4)
    df["label"] = df["label"].astype(object)
    df.loc[1, "label"] = "stroke"
    df.loc[2, "label"] = 2
    with pytest.raises(InputError, match=r"line 3 \(case c1\), line 4 \(case c2\)"):
        validate_cohort(df, base_dir=tmp_path)


def test_single_class_is_refused(tmp_path):
    df = _manifest(tmp_path).assign(label=1)
    with pytest.raises(InputError, match="all 4 cases have label 1"):
        validate_cohort(df, base_dir=tmp_path)


def test_empty_subject_is_named(tmp_path):
    df = _manifest(tmp_path)
    df.loc[2, "subject_id"] = None
    with pytest.raises(InputError, match=r"subject_id is empty .* line 4 \(case c2\)"):
        validate_cohort(df, base_dir=tmp_path)


def test_empty_manifest(tmp_path):
    df = _manifest(tmp_path).iloc[:0]
    with pytest.raises(InputError, match="no rows"):
        validate_cohort(df, base_dir=tmp_path)


def test_synthetic_detection(tmp_path):
    df = _manifest(tmp_path)
    assert not is_synthetic(df)
    assert is_synthetic(df.assign(synthetic=[False, False, True, False]))
    assert is_synthetic(df.assign(synthetic=["true"] * 4))
    assert not is_synthetic(df.assign(synthetic=["false"] * 4))
    path = tmp_path / "manifest.csv"
    df.to_csv(path, index=False)
    assert not is_synthetic(df, manifest_path=path)
    (tmp_path / "cohort.json").write_text(json.dumps({"synthetic": True}))
    assert is_synthetic(df, manifest_path=path)
