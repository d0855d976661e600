"""Bad inputs to DeepStrokeClassifier: clear errors, never a traceback from torch."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.errors import ConfigError, InputError, NotFittedError  # noqa: E402
from strokescreen.models.deep import DeepStrokeClassifier  # noqa: E402


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> pd.DataFrame:
    return fake_cohort(tmp_path_factory.mktemp("deep_bad"), n_subjects=4, n_recordings=1,
                       seed=3, n_video_frames=20)


def test_predict_before_fit(cohort):
    with pytest.raises(NotFittedError, match="not fitted"):
        DeepStrokeClassifier().predict_proba(cohort)


def test_unknown_variant_names_the_closest(cohort):
    with pytest.raises(InputError, match="did you mean 'deepstroke-featdiff'"):
        DeepStrokeClassifier(variant="deepstroke-featdif", epochs=1).fit(cohort)


def test_bad_settings(cohort):
    with pytest.raises(ConfigError, match="adv_stage must be 1..4, got 7"):
        DeepStrokeClassifier(adv_stage=7, epochs=1).fit(cohort)
    with pytest.raises(ConfigError, match="unknown preset 'huge'"):
        DeepStrokeClassifier(preset="huge").fit(cohort)
    with pytest.raises(ConfigError, match="epochs >= 1"):
        DeepStrokeClassifier(epochs=0).fit(cohort)


def test_bad_tables(cohort):
    with pytest.raises(InputError, match="lacks column"):
        DeepStrokeClassifier(epochs=1).fit(cohort.drop(columns="case_dir"))
    with pytest.raises(InputError, match="single class"):
        DeepStrokeClassifier(epochs=1).fit(cohort, np.zeros(len(cohort), int))
    with pytest.raises(InputError, match="labels"):
        DeepStrokeClassifier(epochs=1).fit(cohort, np.array([0, 1]))
    gone = cohort.assign(case_dir=[f"/nonexistent/{c}" for c in cohort["case_id"]])
    with pytest.raises(InputError, match="none of the 4 training cases has usable input"):
        DeepStrokeClassifier(epochs=1).fit(gone)


def test_weights_that_do_not_fit_the_tiny_net(cohort, tmp_path):
    from strokescreen.models.nets.resnet import resnet34

    path = tmp_path / "fairface_r34.pth"
    torch.save(resnet34(num_classes=18).state_dict(), path)
    with pytest.raises(InputError, match=r"fairface_r34.pth does not fit resnet34 \(width 0.25"):
        DeepStrokeClassifier(epochs=1, video_weights=str(path)).fit(cohort)


def test_checkpoint_of_another_training_is_refused(cohort, tmp_path):
    DeepStrokeClassifier(variant="audio-only", epochs=1, checkpoint_dir=str(tmp_path)).fit(cohort)
    with pytest.raises(InputError, match="belongs to another training"):
        DeepStrokeClassifier(variant="video-only", epochs=1,
                             checkpoint_dir=str(tmp_path)).fit(cohort)


def test_loading_a_folder_that_is_not_a_model(tmp_path):
    with pytest.raises(InputError, match="no model.json"):
        DeepStrokeClassifier.load(tmp_path)


@pytest.mark.parametrize(("field", "value"), [
    ("epochs", 0), ("lr", 0.0), ("batch_size", 1), ("lambda_adv", float("nan")),
    ("branch_dropout", 0.5), ("lr_gamma", 1.5), ("adv_form", "mean"),
    ("adv_pairs", "person"), ("adv_output", "tanh")])
def test_train_settings_name_the_bad_value(field, value):
    from dataclasses import replace

    from strokescreen.models.deep_train import TrainSettings

    good = TrainSettings(epochs=2, seed=0, lr=1e-3, weight_decay=1e-4, batch_size=8,
                         lambda_adv=10.0, branch_dropout=0.1)
    assert good.validate() is good
    with pytest.raises(ConfigError, match=f"^training setting {field} must be .*got"):
        replace(good, **{field: value}).validate()


def test_train_settings_follow_the_estimator_and_its_preset():
    m = DeepStrokeClassifier(preset="tiny", epochs=3, lr=1e-2, seed=7, lambda_adv=2.0,
                             adv_pairs="subject", adv_output="sigmoid")
    s = m._train_settings(m._preset())
    assert (s.epochs, s.lr, s.seed, s.lambda_adv) == (3, 1e-2, 7, 2.0)
    assert (s.adv_pairs, s.adv_output, s.batch_size) == ("subject", "sigmoid", 32)
    assert s.lr_of_epoch(5) == 1e-2  # tiny: constant rate
    from dataclasses import replace

    assert replace(s, lr_step_epochs=2, lr_gamma=0.5).lr_of_epoch(5) == 1e-2 * 0.25
