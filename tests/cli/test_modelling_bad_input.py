"""Bad input to train / evaluate: one line naming the problem, the right exit code."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app

runner = CliRunner()


def _table(n=12):
    rng = np.random.default_rng(0)
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "subject_id": [f"s{i}" for i in range(n)],
            "label": [i % 2 for i in range(n)],
            "face_a": rng.normal(size=n),
        }
    )


@pytest.fixture
def feats(tmp_path):
    p = tmp_path / "f.csv"
    _table().to_csv(p, index=False)
    return p


def _manifest(tmp_path, df=None):
    df = _table()[["case_id", "subject_id", "label"]] if df is None else df
    for i in range(len(df)):
        (tmp_path / f"v{i}.mp4").write_bytes(b"\x00")
    df = df.assign(video=[f"v{i}.mp4" for i in range(len(df))])
    path = tmp_path / "manifest.csv"
    df.to_csv(path, index=False)
    return path


def _run(args):
    res = runner.invoke(app, args)
    assert "Traceback" not in res.output
    return res


def test_unknown_model_names_the_closest(tmp_path, feats):
    res = _run(
        [
            "evaluate",
            "--features",
            str(feats),
            "--model",
            "randomforest",
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert res.exit_code == 3
    assert "unknown model 'randomforest'" in res.stderr and "valid models:" in res.stderr
    assert "logreg" in res.stderr


def test_unknown_model_param(tmp_path, feats):
    res = _run(
        ["train", "--features", str(feats), "--param", "depth=3", "--out", str(tmp_path / "m")]
    )
    assert res.exit_code == 2 and "valid parameters are" in res.stderr


def test_manifest_missing_columns(tmp_path):
    path = tmp_path / "manifest.csv"
    pd.DataFrame({"case_id": ["a"], "video": ["a.mp4"]}).to_csv(path, index=False)
    res = _run(["evaluate", str(path), "--work", str(tmp_path / "w"), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3 and "subject_id, label" in res.stderr


def test_manifest_duplicate_case_ids_named(tmp_path):
    df = _table()[["case_id", "subject_id", "label"]]
    df.loc[5, "case_id"] = "c2"
    res = _run(
        [
            "evaluate",
            str(_manifest(tmp_path, df)),
            "--work",
            str(tmp_path / "w"),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert res.exit_code == 3 and "'c2' on lines 4, 7" in res.stderr


def test_manifest_missing_video_named(tmp_path):
    path = _manifest(tmp_path)
    (tmp_path / "v3.mp4").unlink()
    res = _run(["train", str(path), "--work", str(tmp_path / "w"), "--out", str(tmp_path / "m")])
    assert res.exit_code == 3 and "line 5 (case c3)" in res.stderr


def test_single_class_cohort(tmp_path):
    df = _table().assign(label=0)
    path = tmp_path / "f.parquet"
    df.to_parquet(path)
    res = _run(["evaluate", "--features", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3 and "all 12 cases have label 0" in res.stderr


def test_duplicate_ids_in_feature_table(tmp_path):
    df = _table()
    df.loc[3, "case_id"] = "c0"
    path = tmp_path / "f.csv"
    df.to_csv(path, index=False)
    res = _run(["evaluate", "--features", str(path), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3 and "'c0' on lines 2, 5" in res.stderr


@pytest.mark.parametrize(
    "extra, code, text",
    [
        (["--split", "kfold"], 2, "unknown"),
        (["--split", "holdout"], 2, "exactly one"),
        (["--holdout-first", "4"], 2, "only apply"),
        (["--reference-spec", "45.71"], 2, "fraction"),
        (["--folds", "20"], 3, "cannot fill 20"),
    ],
)
def test_bad_options(tmp_path, feats, extra, code, text):
    res = _run(["evaluate", "--features", str(feats), "--out", str(tmp_path / "o"), *extra])
    assert res.exit_code == code and text in res.stderr


def test_input_is_manifest_or_features_not_both(tmp_path, feats):
    res = _run(
        [
            "evaluate",
            str(_manifest(tmp_path)),
            "--features",
            str(feats),
            "--out",
            str(tmp_path / "o"),
        ]
    )
    assert res.exit_code == 2 and "not both" in res.stderr
    res = _run(["evaluate", "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "MANIFEST" in res.stderr
    res = _run(["evaluate", str(_manifest(tmp_path)), "--out", str(tmp_path / "o")])
    assert res.exit_code == 2 and "--work" in res.stderr


def test_train_refuses_a_non_empty_model_folder(tmp_path, feats):
    out = tmp_path / "m"
    out.mkdir()
    (out / "keep.txt").write_text("x")
    res = _run(["train", "--features", str(feats), "--folds", "3", "--out", str(out)])
    assert res.exit_code == 3 and "--overwrite" in res.stderr
    assert (out / "keep.txt").read_text() == "x"


@pytest.mark.slow
def test_real_subprocess_exit_code(tmp_path):
    done = subprocess.run(
        [
            sys.executable,
            "-c",
            "from strokescreen.cli import main; main()",
            "evaluate",
            "--features",
            str(tmp_path / "absent.parquet"),
            "--out",
            str(tmp_path / "o"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 3
    assert "does not exist" in done.stderr and "Traceback" not in done.stderr
