"""`strokescreen parse` / `parsing-train` / `parsing-eval`: outputs on real files, bad input."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from tests.helpers import REPO, real_file

torch = pytest.importorskip("torch")

runner = CliRunner()


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    """An untrained (initialised) tiny parsing model folder: the shapes are what count."""
    from strokescreen.parsing.model import ParsingModel, save_parsing_model

    torch.manual_seed(0)
    model = ParsingModel()
    model.net_ = model.build().eval()
    out = tmp_path_factory.mktemp("parsing") / "model"
    save_parsing_model(model, out, training={"cohort": "none", "synthetic": True})
    return out


@pytest.mark.real
def test_parse_writes_indexed_masks_overlay_and_areas_for_a_real_photo(model_dir, tmp_path):
    from PIL import Image

    photo = real_file("landmarks", "takeo.png")
    res = runner.invoke(app, ["parse", str(photo), "--model", str(model_dir),
                              "--out", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "screening aid" in res.output and "SYNTHETIC" in res.output
    data = json.loads((tmp_path / "out" / "parsing.json").read_text())
    assert len(data["frames"]) == 1
    mask = Image.open(tmp_path / "out" / data["frames"][0]["mask"])
    assert mask.mode == "P" and mask.size == (128, 128)  # the tiny preset's crop
    values = np.asarray(mask)
    assert values.max() < 7
    cats = data["frames"][0]["categories"]
    assert sum(c["pixels"] for c in cats.values()) == int((values > 0).sum())
    assert {"fpp_share_left", "fpp_share_right"} <= data["frames"][0]["fpp"].keys()
    assert data["fpp_side"] in ("left", "right", "none")
    assert (tmp_path / "out" / "overlay.png").stat().st_size > 0


@pytest.mark.real
def test_parse_video_samples_frames(model_dir, tmp_path):
    clip = real_file("video", "grid", "bbaf2n.mpg")
    res = runner.invoke(app, ["parse", str(clip), "--model", str(model_dir),
                              "--out", str(tmp_path / "v"), "--max-frames", "3"])
    assert res.exit_code == 0, res.output
    data = json.loads((tmp_path / "v" / "parsing.json").read_text())
    assert len(data["frames"]) == 3
    assert len(list((tmp_path / "v" / "masks").glob("*.png"))) == 3


@pytest.mark.parametrize("case", ["missing", "folder", "not_model", "no_face", "bad_frames"])
def test_parse_bad_input_is_one_line(model_dir, tmp_path, case):
    photo = tmp_path / "blank.png"
    import cv2

    cv2.imwrite(str(photo), np.full((120, 160, 3), 128, np.uint8))
    args = {"missing": [str(tmp_path / "nope.png"), "--model", str(model_dir)],
            "folder": [str(tmp_path), "--model", str(model_dir)],
            "not_model": [str(photo), "--model", str(tmp_path)],
            "no_face": [str(photo), "--model", str(model_dir)],
            "bad_frames": [str(photo), "--model", str(model_dir), "--max-frames", "0"]}[case]
    res = runner.invoke(app, ["parse", *args, "--out", str(tmp_path / "out")])
    assert res.exit_code in (3, 4), res.output
    assert res.output.strip().startswith("error:") and "Traceback" not in res.output
    expected = {"missing": "does not exist", "folder": "is a folder", "not_model": "model.json",
                "no_face": "no face found", "bad_frames": "--max-frames"}[case]
    assert expected in res.output.replace("\n", " ")


def test_parsing_train_bad_input(tmp_path):
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m")])
    assert res.exit_code == 3 and "manifest.csv" in res.output
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              "--preset", "huge"])
    assert res.exit_code == 3 and "tiny" in res.output
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              "--ablation", "no-esc"])
    assert res.exit_code == 3 and "no-attention" in res.output
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              "--crop", "tilted"])
    assert res.exit_code == 3 and "midline" in res.output and "Traceback" not in res.output
    res = runner.invoke(app, ["parsing-train", str(tmp_path), "--out", str(tmp_path / "m"),
                              "--labels", "5"])
    assert res.exit_code == 3 and "use 3 or 4" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "m").exists()


@pytest.mark.slow
@pytest.mark.real
def test_parsing_train_and_eval_on_a_real_clip_manifest(tmp_path):
    """Three 'subjects' on one real clip: landmarks from MediaPipe, FPP from the manifest."""
    clip = real_file("video", "single_face.mp4")
    rows = [("a", "A", 1, "stroke", "left"), ("b", "B", 0, "healthy", ""),
            ("c", "C", 0, "bells_palsy", "right"), ("d", "D", 1, "stroke", "right")]
    man = tmp_path / "manifest.csv"
    pd.DataFrame(rows, columns=["case_id", "subject_id", "label", "condition", "side"]).assign(
        video=str(clip)).to_csv(man, index=False)
    extra = tmp_path / "extra.csv"
    pd.DataFrame([("x", "X", 0, str(clip))], columns=["case_id", "subject_id", "label",
                                                      "video"]).to_csv(extra, index=False)
    res = runner.invoke(app, ["parsing-train", str(man), "--out", str(tmp_path / "m"),
                              "--epochs", "1", "--frames-per-case", "2", "--extra", str(extra)])
    assert res.exit_code == 0, res.output
    side = json.loads((tmp_path / "m" / "model.json").read_text())
    assert side["training"]["extra_training_sources"][0]["n_crops"] == 4  # 2 x frames
    assert side["training"]["fpp_labels"] == 3  # parsing-train trains on labels v3 by default
    assert side["training"]["n_train_crops"] == 2 * len(side["training"]["subjects"]["train"]) + 4
    s = side["training"]["subjects"]
    assert not set(s["train"]) & set(s["test"]) and not set(s["val"]) & set(s["test"])
    assert side["training"]["n_crops"] == 8
    res = runner.invoke(app, ["parsing-eval", str(man), "--model", str(tmp_path / "m"),
                              "--out", str(tmp_path / "e")])
    assert res.exit_code == 0, res.output
    table = pd.read_csv(tmp_path / "e" / "ablation.csv")
    assert len(table) == 1 and 0 <= table["pixel_accuracy"].iloc[0] <= 1
    per_class = pd.read_csv(tmp_path / "e" / "per_class.csv")
    assert set(per_class["class"]) >= {"skin", "eyes", "mouth", "fpp"}


def test_parse_subprocess_exit_code(tmp_path):
    proc = subprocess.run([sys.executable, "-m", "strokescreen", "parse", str(tmp_path / "x.png"),
                           "--model", str(tmp_path), "--out", str(tmp_path / "o")],
                          capture_output=True, text=True, cwd=REPO, timeout=120)
    assert proc.returncode == 3 and "does not exist" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_parsing_calibrate_bad_input(model_dir, tmp_path):
    """One line, non-zero exit, the model folder untouched."""
    before = (model_dir / "model.json").read_bytes()
    res = runner.invoke(app, ["parsing-calibrate", str(tmp_path / "nope"), str(tmp_path)])
    assert res.exit_code == 3 and "model.json" in res.output and "Traceback" not in res.output
    # the fixture model records no validation subjects
    res = runner.invoke(app, ["parsing-calibrate", str(model_dir), str(tmp_path)])
    assert res.exit_code == 3 and "validation subjects" in res.output.replace("\n", " ")
    assert (model_dir / "model.json").read_bytes() == before
    res = runner.invoke(app, ["parse", "--help"])
    assert "--fpp-threshold" in res.output


def test_assess_fpp_threshold_needs_a_parsing_model(tmp_path):
    res = runner.invoke(app, ["assess", str(tmp_path / "clip.mp4"), "--out", str(tmp_path / "o"),
                              "--fpp-threshold"])
    assert res.exit_code != 0 and "--parsing-model" in res.output
    assert "Traceback" not in res.output and not (tmp_path / "o").exists()


def test_assess_no_fpp_threshold_also_needs_a_parsing_model(tmp_path):
    res = runner.invoke(app, ["assess", str(tmp_path / "clip.mp4"), "--out", str(tmp_path / "o"),
                              "--no-fpp-threshold"])
    assert res.exit_code != 0 and "--no-fpp-threshold" in res.output
    assert "--parsing-model" in res.output and "Traceback" not in res.output
