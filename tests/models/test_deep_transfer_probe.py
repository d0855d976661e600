"""Transfer learning from weight files (frozen backbones) and the identity probe."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.errors import InputError  # noqa: E402
from strokescreen.models.deep import DeepStrokeClassifier, identity_probe  # noqa: E402
from strokescreen.models.nets.resnet import ResNet, init_resnet  # noqa: E402


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> pd.DataFrame:
    return fake_cohort(tmp_path_factory.mktemp("deep_tp"), n_subjects=6, n_recordings=2,
                       seed=11, n_video_frames=24)


@pytest.fixture(scope="module")
def weight_files(tmp_path_factory):
    """torchvision-format files for the tiny preset's narrow ResNet-34 / ResNet-18."""
    d = tmp_path_factory.mktemp("weights")
    video = ResNet(34, width=0.25, num_classes=10)  # the file's fc is never loaded
    audio = ResNet(18, width=0.25, num_classes=10)
    init_resnet(video, torch.Generator().manual_seed(123))
    init_resnet(audio, torch.Generator().manual_seed(456))
    with torch.no_grad():
        video.bn1.running_var.fill_(2.0)
    torch.save(video.state_dict(), d / "video.pth")
    torch.save(audio.state_dict(), d / "audio.pth")
    return d / "video.pth", d / "audio.pth", video, audio


@pytest.mark.slow
def test_weights_are_loaded_and_frozen_but_heads_train(cohort, weight_files):
    vpath, apath, video, audio = weight_files
    m = DeepStrokeClassifier(epochs=1, seed=0, video_weights=str(vpath),
                             audio_weights=str(apath)).fit(cohort)
    for k, v in video.state_dict().items():
        if not k.startswith("fc."):
            # unchanged by training: no gradients and batch-norm statistics not updated
            assert torch.equal(m.net_.video.state_dict()[k], v), k
    assert torch.equal(m.net_.audio.layer4[1].conv2.weight, audio.layer4[1].conv2.weight)
    assert m.net_.frozen == {"video", "audio"}
    fresh = DeepStrokeClassifier(epochs=1, seed=0)._build_net(m.preset_, m._spec())
    fresh.init_weights(torch.Generator().manual_seed(0))
    assert not torch.equal(m.net_.head.weight, fresh.head.weight)  # the head trained
    assert not torch.equal(m.net_.lateral[0].weight, fresh.lateral[0].weight)


def test_no_transfer_variant_ignores_the_files(cohort, weight_files):
    vpath, apath, video, _ = weight_files
    m = DeepStrokeClassifier(variant="deepstroke-no-transfer", epochs=1, seed=0,
                             video_weights=str(vpath), audio_weights=str(apath)).fit(cohort)
    assert m.net_.frozen == set()
    assert not torch.equal(m.net_.video.conv1.weight, video.conv1.weight)


def test_frozen_model_round_trips(cohort, weight_files, tmp_path):
    vpath, _, _, _ = weight_files
    m = DeepStrokeClassifier(variant="video-only", epochs=1, seed=0,
                             video_weights=str(vpath)).fit(cohort)
    loaded = DeepStrokeClassifier.load(m.save(tmp_path / "m"))
    assert loaded.net_.frozen == {"video"}
    assert np.array_equal(loaded.predict_proba(cohort), m.predict_proba(cohort))


@pytest.fixture(scope="module")
def probe_model(cohort) -> DeepStrokeClassifier:
    return DeepStrokeClassifier(variant="deepstroke-no-adversarial", epochs=1, seed=0).fit(cohort)


def _planted(monkeypatch, make_embedding):
    """Replace the network's embeddings: row r of case c gets make_embedding(c, r)."""
    import strokescreen.models.deep_train as dt

    real = dt.predict_table

    def fake(net, table, device, **kw):
        p, _ = real(net, table, device, batch_size=kw.get("batch_size", 64))
        emb = np.stack([make_embedding(table.case_ids[c], r)
                        for r, c in enumerate(table.row_case)])
        return p, emb

    monkeypatch.setattr(dt, "predict_table", fake)


@pytest.mark.slow
def test_identity_probe_names_subjects_from_identity_embeddings(probe_model, cohort,
                                                                monkeypatch):
    rng = np.random.default_rng(0)
    subject_vec = {s: rng.normal(0, 1, 16) for s in cohort["subject_id"]}
    subj = dict(zip(cohort["case_id"], cohort["subject_id"], strict=True))
    _planted(monkeypatch, lambda cid, r: subject_vec[subj[cid]] + rng.normal(0, 0.1, 16))
    res = identity_probe(probe_model, cohort)
    assert res["accuracy"] == 1.0 and res["case_accuracy"] == 1.0
    assert res["n_subjects"] == 6 and res["chance"] == pytest.approx(1 / 6)
    assert res["adversarial"] is False and res["adv_stage"] == 4
    assert res["n_train_pairs"] + res["n_test_pairs"] == sum(
        len(probe_model._inputs(cohort.iloc[[i]], probe_model.preset_)[0].pairs)
        for i in range(len(cohort)))


def test_identity_probe_tests_on_another_recording(probe_model, cohort, monkeypatch):
    # embeddings that identify the recording but carry nothing of the subject: a probe
    # trained and tested on the same recordings would score 100 %; held out, it cannot
    rng = np.random.default_rng(1)
    case_vec = {c: rng.normal(0, 1, 16) for c in cohort["case_id"]}
    _planted(monkeypatch, lambda cid, r: case_vec[cid] + rng.normal(0, 0.1, 16))
    res = identity_probe(probe_model, cohort)
    assert res["accuracy"] < 0.5


def test_identity_probe_on_the_real_embeddings(probe_model, cohort):
    res = identity_probe(probe_model, cohort)
    assert 0.0 <= res["accuracy"] <= 1.0 and res["n_test_pairs"] > 0
    with pytest.raises(InputError, match="needs >= 2 subjects with two usable recordings"):
        identity_probe(probe_model, cohort.drop_duplicates("subject_id"))
