"""`strokescreen landmarks-train` on rendered faces whose true points are known."""

from __future__ import annotations

import json

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.errors import InputError
from strokescreen.io.pts import write_pts
from strokescreen.workflows.landmarks_train import subject_folds

runner = CliRunner()
TINY = ["--cascade-depth", "3", "--trees", "20", "--tree-depth", "3", "--oversampling", "4"]


@pytest.fixture(scope="module")
def annotated(tmp_path_factory):
    """3 subjects x 3 droops (asymmetric faces included), truth written as .pts."""
    from strokescreen.synth.stills import render_stills

    folder = tmp_path_factory.mktemp("ann")
    for k, s in enumerate(render_stills(3, (0.0, 3.0, 6.0), seed=5)):
        Image.fromarray(s.image).save(folder / f"{s.subject}_{k}.png")
        write_pts(folder / f"{s.subject}_{k}.pts", s.points68)
    return folder


def test_subject_folds_never_split_a_subject():
    subjects = ["a", "a", "b", "c", "c", "c", "d", "e"]
    folds = subject_folds(subjects, 3)
    assert sorted(np.concatenate(folds).tolist()) == list(range(len(subjects)))
    owner = {}
    for f, idx in enumerate(folds):
        for i in idx:
            assert owner.setdefault(subjects[i], f) == f
    with pytest.raises(InputError, match="two or more subjects"):
        subject_folds(["a", "a"], 5)


def test_train_reports_cv_and_writes_a_usable_model(annotated, tmp_path):
    model = tmp_path / "model"
    res = runner.invoke(app, ["landmarks-train", str(annotated), "--out", str(model),
                              "--folds", "3", *TINY])
    assert res.exit_code == 0, res.output
    assert "before (ibug68)" in res.output and "after (trained)" in res.output
    meta = json.loads((model / "landmarker.json").read_text())
    cv = meta["cv"]
    assert meta["n_points"] == 68 and cv["n_folds"] == 3
    assert cv["before"]["n"] == cv["after"]["n"] == 9
    assert cv["before"]["n_missed"] == 0 and cv["after"]["n_missed"] == 0
    assert 0.0 < cv["after"]["mean"] < 0.08 and 0.0 < cv["before"]["mean"] < 0.06
    # the model folder is a landmarker for landmarks-eval ...
    out = tmp_path / "eval"
    res = runner.invoke(app, ["landmarks-eval", str(annotated), "--out", str(out),
                              "--landmarker", str(model)])
    assert res.exit_code == 0, res.output
    s = json.loads((out / "summary.json").read_text())
    e = s["landmarkers"]["model"]["nme_51"]
    # trained on these very faces: better than its held-out error
    assert e["n_missed"] == 0 and e["mean"] < cv["after"]["mean"]
    # ... and for preprocess (68 points)
    from strokescreen.cli.preprocess import _config
    from strokescreen.face.landmarks import landmarker_points

    assert _config(None, str(model)).landmarks.landmarker == str(model)
    assert landmarker_points(str(model)) == 68


def test_one_subject_and_existing_out_are_one_line_errors(annotated, tmp_path):
    one = tmp_path / "one"
    one.mkdir()
    for p in sorted(annotated.glob("S0001_*")):
        (one / p.name).write_bytes(p.read_bytes())
    res = runner.invoke(app, ["landmarks-train", str(one), "--out", str(tmp_path / "m"), *TINY])
    assert res.exit_code == 3 and "two or more subjects" in res.output
    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "x").write_text("x")
    res = runner.invoke(app, ["landmarks-train", str(annotated), "--out", str(busy), *TINY])
    assert res.exit_code == 3 and "not empty" in res.output
    assert "Traceback" not in res.output
