"""DeepStrokeClassifier: learns a planted signal, seeded, resumable, saved and reloaded."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from tools.deep_fake import (  # noqa: E402
    fake_cohort,
    subject_texture,
    write_fake_case,
)

from strokescreen.models.deep import DEEP_MODELS, DeepStrokeClassifier  # noqa: E402
from strokescreen.models.nets.variants import VARIANTS  # noqa: E402


def _auc(y, p):
    from sklearn.metrics import roc_auc_score

    return roc_auc_score(y, p)


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> pd.DataFrame:
    """6 subjects x 2 recordings; odd subjects are stroke (still half + 1 kHz tone)."""
    return fake_cohort(tmp_path_factory.mktemp("deep"), n_subjects=6, n_recordings=2, seed=0,
                       n_video_frames=30)


@pytest.fixture(scope="module")
def fresh(tmp_path_factory) -> pd.DataFrame:
    """New subjects, never trained on."""
    return fake_cohort(tmp_path_factory.mktemp("deep_new"), n_subjects=6, n_recordings=1,
                       seed=99, n_video_frames=30)


@pytest.fixture(scope="module")
def fitted(cohort) -> DeepStrokeClassifier:
    return DeepStrokeClassifier(variant="deepstroke", epochs=2, seed=0).fit(cohort)


@pytest.mark.slow
def test_two_epochs_separate_the_planted_signal(fitted, cohort, fresh):
    p = fitted.predict_proba(cohort)
    assert p.shape == (12, 2) and np.allclose(p.sum(1), 1.0)
    assert _auc(cohort["label"], p[:, 1]) > 0.8
    assert _auc(fresh["label"], fitted.predict_proba(fresh)[:, 1]) > 0.8
    assert [h["epoch"] for h in fitted.history_] == [1, 2]
    h = fitted.history_[-1]
    assert h["loss"] == pytest.approx(h["loss_cls"] + 10.0 * (h["loss_adv_e"] + h["loss_adv_d"]))
    assert fitted.skipped_ == {} and fitted.n_train_cases_ == 12


@pytest.mark.slow
@pytest.mark.parametrize("variant", ["video-only", "audio-only", "deepstroke-featdiff"])
def test_single_branch_and_featdiff_variants_learn(variant, cohort):
    m = DeepStrokeClassifier(variant=variant, epochs=2, seed=1).fit(cohort)
    assert _auc(cohort["label"], m.predict_proba(cohort)[:, 1]) > 0.8
    assert (m.net_.video is None) == (variant == "audio-only")
    assert (m.net_.audio is None) == (variant == "video-only")


@pytest.mark.slow
def test_same_seed_same_model_and_other_seed_differs(cohort, fitted):
    again = DeepStrokeClassifier(variant="deepstroke", epochs=2, seed=0).fit(cohort)
    for k, v in fitted.net_.state_dict().items():
        assert torch.equal(v, again.net_.state_dict()[k]), k
    assert np.array_equal(fitted.predict_proba(cohort), again.predict_proba(cohort))
    other = DeepStrokeClassifier(variant="deepstroke", epochs=1, seed=1).fit(cohort)
    first = DeepStrokeClassifier(variant="deepstroke", epochs=1, seed=0).fit(cohort)
    assert not torch.equal(other.net_.head.weight, first.net_.head.weight)


@pytest.mark.slow
def test_interrupted_training_resumes_to_the_same_weights(cohort, fitted, tmp_path):
    ckpt = tmp_path / "ckpt"

    def stop_in_epoch_two(done, total=None, note=None):
        if note and note.startswith("epoch 2/2"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        DeepStrokeClassifier(variant="deepstroke", epochs=2, seed=0, checkpoint_dir=str(ckpt),
                             progress=stop_in_epoch_two).fit(cohort)
    saved = torch.load(ckpt / "last.pt", weights_only=True)
    assert saved["epoch"] == 1
    notes = []
    resumed = DeepStrokeClassifier(variant="deepstroke", epochs=2, seed=0,
                                   checkpoint_dir=str(ckpt),
                                   progress=lambda d, total=None, note=None: notes.append(note))
    resumed.fit(cohort)
    assert all(n.startswith("epoch 2/2") for n in notes)  # epoch 1 was not redone
    assert "AUC" in notes[-1]
    for k, v in fitted.net_.state_dict().items():
        assert torch.equal(v, resumed.net_.state_dict()[k]), k
    assert [h["epoch"] for h in resumed.history_] == [1, 2]


@pytest.mark.slow
def test_save_load_round_trip(fitted, cohort, tmp_path):
    folder = fitted.save(tmp_path / "model")
    assert sorted(p.name for p in folder.iterdir()) == ["deep.json", "model.json", "weights.pt"]
    loaded = DeepStrokeClassifier.load(folder)
    assert loaded.variant == "deepstroke" and loaded.preset_ == fitted.preset_
    assert np.array_equal(loaded.predict_proba(cohort), fitted.predict_proba(cohort))
    from strokescreen.models.persist import load_model

    model, sidecar = load_model(folder)
    assert sidecar["model"]["name"] == "deepstroke" and sidecar["model"]["kind"] == "deep"
    assert sidecar["feature_schema"]["input"] == "case_dir"
    assert np.array_equal(model.predict_proba(cohort), fitted.predict_proba(cohort))


@pytest.mark.slow
def test_missing_branch_falls_back_or_gives_nan_with_reason(cohort, tmp_path):
    rng = np.random.default_rng(5)
    tex = subject_texture(rng, px=64)
    odd = pd.DataFrame([
        {"case_id": "noaudio", "subject_id": "x1", "label": 1, "case_dir": str(
            write_fake_case(tmp_path / "noaudio", texture=tex, stroke=True, rng=rng,
                            n_video_frames=30, audio_seconds=None))},
        {"case_id": "nopairs", "subject_id": "x2", "label": 0, "case_dir": str(
            write_fake_case(tmp_path / "nopairs", texture=tex, stroke=False, rng=rng,
                            index=np.array([0, 2, 4, 6])))},
        {"case_id": "nothing", "subject_id": "x3", "label": 0, "case_dir": str(
            write_fake_case(tmp_path / "nothing", texture=tex, stroke=False, rng=rng,
                            index=np.array([0, 5]), audio_seconds=None))},
    ])
    train = pd.concat([cohort, odd], ignore_index=True)
    m = DeepStrokeClassifier(variant="deepstroke", epochs=1, seed=0).fit(train)
    assert m.skipped_["noaudio"] == ["audio branch skipped: video has no audio track"]
    assert m.skipped_["nopairs"] == [
        "video branch skipped: no truly adjacent pair among 4 kept frames"]
    assert m.skipped_["nothing"][-1] == "case skipped in training"
    assert m.n_train_cases_ == 14
    p = m.predict_proba(odd)[:, 1]
    assert np.isfinite(p[:2]).all() and np.isnan(p[2])
    assert m.predict_notes_["noaudio"].endswith("probability from the other branch")
    assert m.predict_notes_["nothing"].endswith("no usable input: probability is NaN")
    v = DeepStrokeClassifier(variant="video-only", epochs=1, seed=0).fit(cohort)
    pv = v.predict_proba(odd)[:, 1]
    assert np.isfinite(pv[0]) and np.isnan(pv[1])
    assert "audio" not in v.predict_notes_.get("noaudio", "")  # video-only never needs audio
    a = DeepStrokeClassifier(variant="audio-only", epochs=1, seed=0).fit(cohort)
    pa = a.predict_proba(odd)[:, 1]
    assert np.isnan(pa[0]) and np.isfinite(pa[1])


def test_registry_builds_every_variant():
    from strokescreen.models.registry import available_models, get_model, model_spec

    assert set(DEEP_MODELS) == set(VARIANTS)
    assert set(available_models(kind="deep")) == set(VARIANTS) | {
        "mmdl-late-fusion", "region-cnn", "i3d", "slowfast"}
    m = get_model("deepstroke-no-lateral", random_state=7, epochs=1)
    assert isinstance(m, DeepStrokeClassifier)
    assert (m.variant, m.seed, m.epochs) == ("deepstroke-no-lateral", 7, 1)
    assert model_spec("audio-only").kind == "deep"


def test_validation_auc_in_history(cohort):
    m = DeepStrokeClassifier(variant="video-only", epochs=1, seed=0, val_fraction=0.34)
    m.fit(cohort)
    assert m.history_[0]["val_auc"] is not None
    assert m.train_summary_["n_subjects"] == 4  # 2 of 6 subjects held out for validation


@pytest.mark.slow
def test_discriminator_accuracy_recorded_and_subject_pairs_train(cohort, fitted):
    from strokescreen.errors import ConfigError

    acc = fitted.history_[-1]["disc_accuracy"]
    assert acc is not None and 0.0 <= acc <= 1.0
    m = DeepStrokeClassifier(variant="deepstroke", epochs=1, seed=0, adv_pairs="subject")
    m.fit(cohort)
    assert m.history_[0]["disc_accuracy"] is not None
    assert np.isfinite(m.predict_proba(cohort)).all()
    no_adv = DeepStrokeClassifier(variant="deepstroke-no-adversarial", epochs=1).fit(cohort)
    assert no_adv.history_[0]["disc_accuracy"] is None
    with pytest.raises(ConfigError, match="adv_pairs"):
        DeepStrokeClassifier(adv_pairs="person").fit(cohort)
    with pytest.raises(ConfigError, match="lambda_adv"):
        DeepStrokeClassifier(lambda_adv=-1).fit(cohort)
