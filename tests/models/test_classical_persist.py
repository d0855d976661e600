"""Model folders: save -> load -> same probabilities; tampered or foreign files refused."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import strokescreen
from strokescreen.errors import InputError
from strokescreen.models.persist import SIDECAR, load_model, save_model, sha256_file
from strokescreen.models.registry import get_model


def _table(n=80, seed=0):
    rng = np.random.default_rng(seed)
    y = np.r_[np.zeros(n // 2, int), np.ones(n - n // 2, int)]
    return pd.DataFrame(
        {
            "case_id": [f"c{i}" for i in range(n)],
            "subject_id": [f"s{i}" for i in range(n)],
            "label": y,
            "face_a": rng.normal(1.5 * y),
            "speech_b": rng.normal(size=n),
        }
    )


@pytest.fixture
def saved(tmp_path):
    t = _table()
    model = get_model("rf", n_estimators=15, random_state=0).fit(t, t["label"].to_numpy())
    folder = tmp_path / "model"
    save_model(
        model,
        folder,
        name="rf",
        params={"n_estimators": 15, "random_state": 0},
        threshold=0.37,
        operating_point={
            "sensitivity": 0.8,
            "specificity": 0.5,
            "n_cases": 80,
            "cohort": "planted",
            "synthetic": True,
        },
        training_cohort={"n_cases": 80, "n_subjects": 80},
    )
    return model, folder, t


def test_roundtrip_predicts_identical_probabilities(saved):
    model, folder, t = saved
    loaded, sidecar = load_model(folder)
    other = _table(seed=9)
    assert np.array_equal(loaded.predict_proba(other), model.predict_proba(other))
    assert loaded.threshold_ == 0.37


def test_sidecar_records_what_is_needed(saved):
    _, folder, _ = saved
    side = json.loads((folder / SIDECAR).read_text())
    assert side["strokescreen_version"] == strokescreen.__version__
    assert side["model"]["name"] == "rf" and side["model"]["params"]["n_estimators"] == 15
    assert side["feature_schema"] == {"input": "features", "columns": ["face_a", "speech_b"]}
    assert side["threshold"] == 0.37
    assert side["operating_point"]["cohort"] == "planted" and side["operating_point"]["synthetic"]
    assert side["training_cohort"]["n_cases"] == 80
    entry = side["weights"]["files"][0]
    assert entry["sha256"] == sha256_file(folder / entry["file"])
    assert "scikit-learn" in side["library_versions"]


def test_tampered_weights_are_refused(saved, tmp_path):
    _, folder, _ = saved
    # a different, valid model swapped in for the weights file
    t = _table(seed=3)
    save_model(
        get_model("logreg").fit(t, t["label"].to_numpy()),
        tmp_path / "other",
        name="logreg",
        threshold=0.5,
        operating_point={},
        training_cohort={},
    )
    (folder / "weights.joblib").write_bytes((tmp_path / "other" / "weights.joblib").read_bytes())
    with pytest.raises(InputError, match="SHA-256 .* does not match model.json"):
        load_model(folder)


def test_single_flipped_byte_is_refused(saved):
    _, folder, _ = saved
    data = bytearray((folder / "weights.joblib").read_bytes())
    data[len(data) // 2] ^= 0xFF
    (folder / "weights.joblib").write_bytes(bytes(data))
    with pytest.raises(InputError, match="refusing to load"):
        load_model(folder)


def test_weights_path_outside_folder_is_refused(saved):
    _, folder, _ = saved
    side = json.loads((folder / SIDECAR).read_text())
    side["weights"]["files"][0]["file"] = "../elsewhere.joblib"
    (folder / SIDECAR).write_text(json.dumps(side))
    with pytest.raises(InputError, match="not a plain file name"):
        load_model(folder)


def test_other_strokescreen_version_is_refused_unless_allowed(saved):
    _, folder, t = saved
    side = json.loads((folder / SIDECAR).read_text())
    side["strokescreen_version"] = "9.0.0"
    (folder / SIDECAR).write_text(json.dumps(side))
    with pytest.raises(InputError, match="saved by strokescreen 9.0.0"):
        load_model(folder)
    loaded, _ = load_model(folder, allow_version_mismatch=True)
    assert loaded.predict_proba(t).shape == (len(t), 2)


def test_schema_mismatch_between_sidecar_and_weights_is_refused(saved):
    _, folder, _ = saved
    side = json.loads((folder / SIDECAR).read_text())
    side["feature_schema"]["columns"] = ["speech_b", "face_a"]
    (folder / SIDECAR).write_text(json.dumps(side))
    with pytest.raises(InputError, match="inconsistent"):
        load_model(folder)


@pytest.mark.parametrize("content", [None, "not json", json.dumps({"format": "other"})])
def test_missing_or_foreign_sidecar(tmp_path, content):
    folder = tmp_path / "m"
    folder.mkdir()
    if content is not None:
        (folder / SIDECAR).write_text(content)
    with pytest.raises(InputError):
        load_model(folder)


def test_saving_into_a_non_empty_folder_needs_overwrite(saved):
    model, folder, _ = saved
    with pytest.raises(InputError, match="not empty"):
        save_model(model, folder, name="rf", threshold=0.5, operating_point={}, training_cohort={})
    save_model(
        model,
        folder,
        name="rf",
        threshold=0.4,
        operating_point={},
        training_cohort={},
        overwrite=True,
    )
    assert load_model(folder)[1]["threshold"] == 0.4
