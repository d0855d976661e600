"""`parsing-eval --subjects`: the default scores the model's held-out subjects only; `all`
scores every subject of an independent cohort; the model's own training cohort (by path,
by a relative path, as a byte-identical copy, or an --extra training source) is refused.

The crops are planted (a weak subject's FPP is its left hemiface) and the parser is
perfect (it returns the planted labels), so the side counts are known in advance."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.errors import InputError
from strokescreen.parsing import masks as M
from tests.parsing.test_masks import S, planted_face

torch = pytest.importorskip("torch")

import strokescreen.workflows.parsing as WP  # noqa: E402
from strokescreen.parsing.model import ParsingModel, save_parsing_model  # noqa: E402
from strokescreen.workflows.parsing_data import ParsingData, find_manifest  # noqa: E402

runner = CliRunner()
#: subject -> planted side ("" = no weakness); the same subject ids in both cohorts
PLANTED = {"A": "left", "B": "", "C": "left", "D": "", "E": "left", "F": ""}
SPLIT = {"train": ["A", "B"], "val": ["E", "F"], "test": ["C", "D"]}


def _cohort(folder, seed):
    folder.mkdir(parents=True)
    rows = [{"case_id": f"{s}_R01", "subject_id": s, "video": f"videos/{s}_R01.mp4",
             "condition": "stroke" if side else "healthy", "side": side, "seed": seed,
             "synthetic": True}
            for s, side in PLANTED.items()]
    pd.DataFrame(rows).to_csv(folder / "manifest.csv", index=False)
    return folder


def _planted_data(source, *, size, frames_per_case, subjects=None, normal_sd_mm=None, **_):
    """Two crops per recording of the manifest (of ``subjects`` only when given); the
    label map rides in the image so the perfect parser below can return it."""
    man = pd.read_csv(find_manifest(source), keep_default_na=False)
    if subjects is not None:
        man = man[man["subject_id"].isin(subjects)]
    pts = planted_face()
    weak = M.label_map(pts, (S, S), fpp=M.fpp_region(pts, (S, S), side="left",
                                                     region="hemiface"))
    ok = M.label_map(pts, (S, S))
    labels, meta = [], []
    for _, r in man.iterrows():
        for f in range(2):
            labels.append(weak if r["side"] else ok)
            meta.append({"case_id": r["case_id"], "subject_id": r["subject_id"], "frame": f,
                         "side": r["side"], "region": "hemiface" if r["side"] else "none",
                         "fpp_drawn": bool(r["side"]), "dh_mm": 0.0,
                         "normal_sd_mm": 2.0 if normal_sd_mm is None else normal_sd_mm})
    lab = np.stack(labels).astype(np.uint8)
    return ParsingData(np.repeat(lab[..., None], 3, -1), lab,
                       np.zeros(lab.shape, np.float16),
                       np.stack([pts] * len(lab)).astype(np.float32), pd.DataFrame(meta))


@pytest.fixture
def setup(tmp_path, monkeypatch):
    """A training cohort, an independent one (same subject ids, other draws), an extra
    training source and a model folder trained (on paper) on the first."""
    train = _cohort(tmp_path / "train_cohort", seed=0)
    other = _cohort(tmp_path / "new_cohort", seed=11)
    extra = _cohort(tmp_path / "extra_cohort", seed=5)
    torch.manual_seed(0)
    model = ParsingModel()
    model.net_ = model.build().eval()
    folder = tmp_path / "model"
    save_parsing_model(model, folder, training={
        "cohort": str(train / "manifest.csv"), "synthetic": True, "frames_per_case": 2,
        "subjects": SPLIT, "extra_training_sources": [{"source": str(extra / "manifest.csv"),
                                                       "n_crops": 4, "n_subjects": 2}]})
    monkeypatch.setattr(WP, "build_parsing_data", _planted_data)
    monkeypatch.setattr(ParsingModel, "predict",
                        lambda self, images, **_: self._merge(images[..., 0]))
    return {"train": train, "other": other, "extra": extra, "model": folder}


def _summary(out):
    return json.loads((out / "summary.json").read_text())


def test_default_scores_the_held_out_subjects_only(setup, tmp_path):
    res = runner.invoke(app, ["parsing-eval", str(setup["train"]), "--model",
                              str(setup["model"]), "--out", str(tmp_path / "e")])
    assert res.exit_code == 0, res.output
    s = _summary(tmp_path / "e")
    assert s["subjects_mode"] == "held-out"
    assert s["held_out_subjects"] == s["evaluated_subjects"] == ["C", "D"]
    assert s["n_crops"] == 4
    cases = pd.read_csv(tmp_path / "e" / "fpp_cases.csv")
    assert sorted(cases["subject_id"]) == ["C", "D"]
    row = s["models"][0]
    assert (row["sides_palsy"], row["sides_palsy_right_side"], row["sides_no_weakness"]) == (1, 1, 1)
    assert "held-out subjects: 2" in res.output


def test_all_scores_every_subject_of_an_independent_cohort(setup, tmp_path):
    res = runner.invoke(app, ["parsing-eval", str(setup["other"]), "--model",
                              str(setup["model"]), "--out", str(tmp_path / "e"),
                              "--subjects", "all"])
    assert res.exit_code == 0, res.output
    s = _summary(tmp_path / "e")
    assert s["subjects_mode"] == "all" and s["held_out_subjects"] == []
    assert s["evaluated_subjects"] == sorted(PLANTED) and s["n_crops"] == 12
    assert s["cohort"].endswith("new_cohort/manifest.csv")
    row = s["models"][0]
    # the perfect parser: every weak side named, no side on a face without weakness
    assert row["mean_f1"] == pytest.approx(1.0)
    assert (row["sides_palsy"], row["sides_palsy_right_side"], row["sides_palsy_missed"]) == (3, 3, 0)
    assert (row["sides_no_weakness"], row["sides_no_weakness_with_a_side"]) == (3, 0)
    assert row["truth_labels_sides_palsy_right_side"] == 3
    assert len(pd.read_csv(tmp_path / "e" / "fpp_cases.csv")) == 6
    assert "subjects (all, independent cohort): 6" in res.output
    assert s["synthetic"] is True and "SYNTHETIC" in res.output
    assert "screening aid" in res.output


@pytest.mark.parametrize("how", ["same_path", "manifest_file", "relative", "copy", "extra"])
def test_all_refuses_a_training_cohort(setup, tmp_path, monkeypatch, how):
    source = {"same_path": setup["train"], "manifest_file": setup["train"] / "manifest.csv",
              "relative": "train_cohort", "copy": tmp_path / "copied",
              "extra": setup["extra"]}[how]
    if how == "copy":
        shutil.copytree(setup["train"], tmp_path / "copied")
    monkeypatch.chdir(tmp_path)
    res = runner.invoke(app, ["parsing-eval", str(source), "--model", str(setup["model"]),
                              "--out", str(tmp_path / "e"), "--subjects", "all"])
    assert res.exit_code == 3, res.output
    text = res.output.strip()
    assert text.startswith("error:") and "Traceback" not in text
    assert "trained on" in text and "independent cohort" in text.replace("\n", " ")
    assert not (tmp_path / "e").exists()


def test_all_refuses_the_training_cohort_in_the_workflow_too(setup, tmp_path):
    with pytest.raises(InputError, match="independent cohort"):
        WP.evaluate_parsing(setup["train"], [setup["model"]], tmp_path / "e", subjects="all")


def test_unknown_subjects_mode_is_one_line(setup, tmp_path):
    res = runner.invoke(app, ["parsing-eval", str(setup["other"]), "--model",
                              str(setup["model"]), "--out", str(tmp_path / "e"),
                              "--subjects", "some"])
    assert res.exit_code == 3 and "held-out, all" in res.output and "Traceback" not in res.output
    assert not (tmp_path / "e").exists()


def test_the_labels_spread_can_be_the_models(setup, tmp_path):
    """The labels' normal spread: on an independent cohort the model's training one when
    model.json records it (else the cohort's own), or a given one; held-out subjects of the
    training cohort keep the cohort's own, as in training."""
    res = WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "a", subjects="all")
    assert res["fpp_normal_sd_mm"] == 2.0  # this model.json records no spread
    side = json.loads((setup["model"] / "model.json").read_text())
    side["training"]["fpp_normal_sd_mm"] = 1.7
    (setup["model"] / "model.json").write_text(json.dumps(side))
    # a model.json without its label version was trained on labels v3 (the 2-D mesh): by
    # default it is scored under v3 with its own spread; asked for v4 labels, its spread
    # measures another quantity and the cohort's stands in
    res = WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "c3", subjects="all")
    assert res["fpp_normal_sd_mm"] == 1.7 and res["fpp_labels"] == 3
    res = WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "c34", subjects="all",
                              labels=4)
    assert res["fpp_normal_sd_mm"] == 2.0 and res["fpp_labels"] == 4
    side["training"]["fpp_labels"] = 4
    (setup["model"] / "model.json").write_text(json.dumps(side))
    res = WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "c", subjects="all")
    assert res["fpp_normal_sd_mm"] == 1.7
    res = WP.evaluate_parsing(setup["train"], [setup["model"]], tmp_path / "d")
    assert res["fpp_normal_sd_mm"] == 2.0
    res = WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "b", subjects="all",
                              normal_sd_mm=1.5)
    assert res["fpp_normal_sd_mm"] == 1.5 and res["fpp_threshold_applied"] is True


def test_each_model_is_scored_with_its_own_label_rule(setup, tmp_path, monkeypatch):
    """labels None = the model's recorded rule (3 when model.json predates it)."""
    seen = []
    real = WP.build_parsing_data

    def spy(*a, labels=None, **k):
        seen.append(labels)
        return real(*a, labels=labels, **k)

    monkeypatch.setattr(WP, "build_parsing_data", spy)
    WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "a", subjects="all")
    side = json.loads((setup["model"] / "model.json").read_text())
    side["training"]["fpp_labels"] = 4
    (setup["model"] / "model.json").write_text(json.dumps(side))
    WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "b", subjects="all")
    assert seen == [3, 4]
    with pytest.raises(InputError, match="label rule"):
        WP.evaluate_parsing(setup["other"], [setup["model"]], tmp_path / "c", subjects="all",
                            labels=5)
