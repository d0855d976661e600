"""A careful user's bad paths: unwritable --out, OS errors, non-UTF-8 --config, a folder as
manifest. Each ends in one line and a non-zero exit, before any long work, with the user's
files untouched (docs/cli_errors.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.cli._common import guarded
from strokescreen.config import PreprocessConfig, load_config
from strokescreen.errors import ConfigError, InputError
from strokescreen.io.manifest import read_manifest
from strokescreen.io.paths import check_writable
from tests.helpers import real_file

runner = CliRunner()


def error_lines(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("error:")]


def test_check_writable_refuses_a_path_under_a_file_and_creates_nothing(tmp_path):
    mine = tmp_path / "notes.csv"
    mine.write_text("keep me")
    with pytest.raises(InputError, match="is a file, not a folder"):
        check_writable(mine / "deeper" / "out")
    assert mine.read_text() == "keep me"
    check_writable(tmp_path / "new" / "out")  # a missing folder in a writable one is fine
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.csv"]  # the probe is gone


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs /proc (Linux)")
def test_check_writable_refuses_a_read_only_file_system():
    with pytest.raises(InputError, match="cannot write in /proc"):
        check_writable(Path("/proc/strokescreen_out"))


@pytest.mark.parametrize("command", ["assess", "preprocess"])
def test_out_under_a_file_is_one_line_before_any_work(tmp_path, command):
    mine = tmp_path / "notes.csv"
    mine.write_text("keep me")
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 64)  # never read: the --out check comes first
    res = runner.invoke(app, [command, str(video), "--out", str(mine / "out")])
    assert res.exit_code == 3, res.output
    assert len(error_lines(res.output)) == 1 and "is a file, not a folder" in res.output
    assert "Traceback" not in res.output
    assert mine.read_text() == "keep me"


def _denied_app() -> typer.Typer:
    """A one-command app whose command meets a PermissionError."""
    demo = typer.Typer()

    @demo.command()
    @guarded
    def write() -> None:
        raise PermissionError(13, "Permission denied", "/data/results")

    return demo


def test_an_os_error_becomes_one_line_and_exit_3():
    res = runner.invoke(_denied_app(), [])
    assert res.exit_code == 3
    lines = error_lines(res.output)
    assert len(lines) == 1 and "/data/results: Permission denied" in lines[0]
    assert "Traceback" not in res.output


def test_os_error_traceback_on_request(monkeypatch):
    monkeypatch.setenv("STROKESCREEN_DEBUG", "1")
    res = runner.invoke(_denied_app(), [])
    assert isinstance(res.exception, PermissionError)


def test_binary_config_is_a_config_error(tmp_path):
    bad = tmp_path / "settings.yaml"
    bad.write_bytes(bytes(range(128, 256)) * 4)
    with pytest.raises(ConfigError, match="not valid YAML"):
        load_config(PreprocessConfig, bad)
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 64)
    res = runner.invoke(app, ["preprocess", str(video), "--out", str(tmp_path / "o"),
                              "--config", str(bad)])
    assert res.exit_code == 2 and len(error_lines(res.output)) == 1, res.output


def test_a_folder_given_as_manifest_is_named_a_folder(tmp_path):
    with pytest.raises(InputError, match="is a folder, not a manifest file"):
        read_manifest(tmp_path)
    res = runner.invoke(app, ["preprocess-cohort", str(tmp_path), "--work", str(tmp_path / "w")])
    assert res.exit_code == 3 and "is a folder" in res.output
    assert not (tmp_path / "w").exists()


@pytest.mark.parametrize("command", ["preprocess-cohort", "features"])
def test_work_that_is_a_file_is_refused_before_any_work(tmp_path, command):
    video = tmp_path / "v.mp4"
    video.write_bytes(b"\0" * 64)
    manifest = tmp_path / "m.csv"
    manifest.write_text("case_id,subject_id,video,label\nc1,s1,v.mp4,1\n")
    mine = tmp_path / "notes.csv"
    mine.write_text("keep me")
    extra = ["--out", str(tmp_path / "f.csv")] if command == "features" else []
    res = runner.invoke(app, [command, str(manifest), "--work", str(mine), *extra])
    assert res.exit_code == 3, res.output
    assert "--work" in res.output and "is a file, not a folder" in res.output
    assert mine.read_text() == "keep me" and not (tmp_path / "f.csv").exists()


def test_cohort_summary_counts_a_failure_once_by_what_went_wrong():
    import pandas as pd

    from strokescreen.preprocess.cohort import summarise

    msg = ("<video>: not a readable video (truncated, corrupt or not a video file); use a "
           "video file FFmpeg can read (mp4, mov, mkv, webm, avi; H.264, HEVC, VP9, MJPEG)")
    table = pd.DataFrame({
        "case_id": ["a", "b", "c"], "status": ["failed", "failed", "review"],
        "reasons": [msg, msg, "only 40% of frames usable (minimum 50%); short recording"],
        "cached": [False, False, True]})
    s = summarise(table)
    assert s["reasons"]["failed"] == {"<video>: not a readable video": 2}
    assert s["reasons"]["review"] == {"only 40% of frames usable": 1, "short recording": 1}


def test_a_folder_given_as_feature_table_is_named_a_folder(tmp_path):
    res = runner.invoke(app, ["train", "--features", str(tmp_path), "--out", str(tmp_path / "m")])
    assert res.exit_code == 3 and "is a folder, not a table" in res.output, res.output
    assert not (tmp_path / "m").exists()


def test_check_results_out_lets_an_earlier_result_be_updated(tmp_path):
    from strokescreen.cli._common import check_results_out

    earlier = tmp_path / "evaluation"
    earlier.mkdir()
    (earlier / "metrics.json").write_text("{}")
    (earlier / "report.html").write_text("old")
    check_results_out(earlier, marker="metrics.json", overwrite=False)  # a re-run: fine
    check_results_out(tmp_path / "new", marker="metrics.json", overwrite=False)
    (tmp_path / "other").mkdir()
    (tmp_path / "other" / "x.txt").write_text("x")
    with pytest.raises(InputError, match="no earlier result"):
        check_results_out(tmp_path / "other", marker="metrics.json", overwrite=False)
    check_results_out(tmp_path / "other", marker="metrics.json", overwrite=True)


# each command's --out given a folder of the user's own files (one named like an output):
# refused with a pointer to --overwrite, before any work, the files untouched
REFUSERS = {
    "evaluate": (lambda t: ["evaluate", "--features", str(t / "f.parquet")], "report.html"),
    "ablate": (lambda t: ["ablate", str(t / "m.csv"), "--work", str(t / "w")], "ablation.csv"),
    "shortcut-check": (lambda t: ["shortcut-check", str(t / "m.csv"), "--work", str(t / "w")],
                       "ablation.csv"),
    "landmarks-eval": (lambda t: ["landmarks-eval",
                                  str(real_file("landmarks", "takeo.png").parent)],
                       "errors.csv"),
    "parsing-train": (lambda t: ["parsing-train", str(t / "cohort")], "notes.txt"),
    "synth": (lambda t: ["synth", "--subjects", "1", "--seconds", "2"], "notes.txt"),
    "parse": (lambda t: ["parse", str(t / "src"), "--model", str(t / "m")], "overlay.png"),
    "parsing-eval": (lambda t: ["parsing-eval", str(t / "src"), "--model", str(t / "m")],
                     "overlay.png"),
}


@pytest.mark.parametrize("command", sorted(REFUSERS))
def test_results_commands_refuse_a_folder_of_the_users_files(tmp_path, command):
    argv, name = REFUSERS[command]
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / name).write_text("my own file")
    res = runner.invoke(app, [*argv(tmp_path), "--out", str(mine)])
    assert res.exit_code == 3 and "--overwrite" in res.output, res.output
    assert [p.name for p in mine.iterdir()] == [name]
    assert (mine / name).read_text() == "my own file"


@pytest.mark.parametrize("option", ["--epochs", "--max-pairs"])
def test_ablate_names_a_zero_count_option(tmp_path, option):
    res = runner.invoke(app, ["ablate", str(tmp_path / "m.csv"), "--work", str(tmp_path / "w"),
                              "--out", str(tmp_path / "o"), option, "0"])
    assert res.exit_code == 2 and f"{option} 0: " in res.output, res.output


def test_demo_refuses_bad_counts_and_a_folder_of_the_users_files(tmp_path):
    res = runner.invoke(app, ["demo", "--out", str(tmp_path / "d"), "--subjects", "0"])
    assert res.exit_code == 2 and "--subjects 0" in res.output, res.output
    assert "Traceback" not in res.output and not (tmp_path / "d").exists()
    mine = tmp_path / "thesis"
    mine.mkdir()
    (mine / "model").mkdir()
    (mine / "model" / "weights.joblib").write_text("my own model")
    res = runner.invoke(app, ["demo", "--out", str(mine)])
    assert res.exit_code == 3 and "choose a new or empty --out" in res.output, res.output
    assert [p.name for p in mine.iterdir()] == ["model"]


@pytest.mark.parametrize("command", ["landmarks-eval", "landmarks-train"])
def test_landmark_commands_name_a_file_given_for_the_folder(tmp_path, command):
    photo = tmp_path / "face.png"
    photo.write_bytes(b"\x89PNG")
    res = runner.invoke(app, [command, str(photo), "--out", str(tmp_path / "o")])
    assert res.exit_code == 3 and "is a file; give the folder" in res.output, res.output


@pytest.mark.parametrize("option", ["--epochs", "--threads", "--frames-per-case"])
def test_parsing_train_names_a_zero_count_before_any_work(tmp_path, option):
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              option, "0"])
    assert res.exit_code == 3 and f"{option} 0: use 1 or more" in res.output, res.output
    assert not (tmp_path / "m").exists()


@pytest.mark.parametrize("args", [["user", "list"], ["user", "disable", "ann"],
                                  ["user", "token", "ann"], ["purge"]])
def test_a_mistyped_data_folder_is_an_error_not_a_new_database(tmp_path, args):
    typo = tmp_path / "strokescren_data"
    res = runner.invoke(app, [*args, "--data", str(typo)])
    assert res.exit_code == 3 and "no web app database there" in res.output, res.output
    assert not typo.exists()
    mine = tmp_path / "notes.csv"
    mine.write_text("keep me")
    res = runner.invoke(app, [*args, "--data", str(mine)])
    assert res.exit_code == 3 and "is a file, not a folder" in res.output, res.output
    assert mine.read_text() == "keep me"


def test_serve_names_a_data_path_that_is_a_file(tmp_path):
    mine = tmp_path / "notes.csv"
    mine.write_text("keep me")
    res = runner.invoke(app, ["serve", "--data", str(mine)])
    assert res.exit_code == 3 and "--data" in res.output and "is a file" in res.output
    assert mine.read_text() == "keep me"


@pytest.mark.parametrize("option", ["--trees", "--cascade-depth", "--tree-depth",
                                    "--oversampling"])
def test_landmarks_train_names_the_option_of_a_bad_count(tmp_path, option):
    res = runner.invoke(app, ["landmarks-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              option, "-1"])
    assert res.exit_code == 2 and f"{option} -1; use 1 or more" in res.output, res.output
