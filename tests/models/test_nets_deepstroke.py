"""DeepStroke network, its variants, the subject discriminator and the adversarial losses."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from strokescreen.models.nets.deepstroke import DeepStrokeNet  # noqa: E402
from strokescreen.models.nets.discriminator import (  # noqa: E402
    SubjectDiscriminator,
    discriminator_loss,
    encoder_adversarial_loss,
    sample_partners,
)
from strokescreen.models.nets.variants import VARIANTS, NetSpec  # noqa: E402

PX, MELS, COLS = 64, 64, 64


def _net(spec: NetSpec, adv_stage: int = 4, seed: int = 0) -> DeepStrokeNet:
    net = DeepStrokeNet(spec, video_depth=34, audio_depth=18, width=0.25, adv_stage=adv_stage,
                        meta_dim=3 if spec.metadata else 0)
    net.init_weights(torch.Generator().manual_seed(seed))
    return net.eval()


def _batch(b: int = 6, u: int = 3, seed: int = 0) -> dict:
    g = torch.Generator().manual_seed(seed)
    return {
        "frames_a": torch.randn(b, 3, PX, PX, generator=g),
        "frames_b": torch.randn(b, 3, PX, PX, generator=g),
        "audio": torch.randn(u, 1, MELS, COLS, generator=g),
        "audio_index": torch.arange(b) % u,
    }


@pytest.mark.slow
@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_every_variant_forward_on_a_batch(variant):
    spec = VARIANTS[variant]
    net = _net(spec)
    kw = _batch()
    if not spec.video:
        kw["frames_a"] = kw["frames_b"] = None
    if not spec.audio:
        kw["audio"] = None
    if spec.metadata:
        kw["meta"] = torch.zeros(3, 3)
    out = net(**kw)
    assert tuple(out["logit"].shape) == (6,)
    assert torch.isfinite(out["logit"]).all()
    # embedding at stage 4 of a 64 px input: 64/4/8 = 2 px (video); audio-only: 64x64 mel
    assert tuple(out["embedding"].shape) == (6, 128, 2, 2)
    has = (128 if spec.video else 0) + (128 if spec.audio else 0) + (16 if spec.metadata else 0)
    assert out["pooled"].shape[1] == has
    assert (net.lateral is not None) == (spec.lateral and spec.video and spec.audio)


@pytest.mark.slow
@pytest.mark.parametrize("stage,shape", [(1, (16, 16, 16)), (2, (32, 8, 8)),
                                         (3, (64, 4, 4)), (4, (128, 2, 2))])
def test_embedding_stage_shapes(stage, shape):
    net = _net(NetSpec(), adv_stage=stage)
    assert tuple(net(**_batch())["embedding"].shape[1:]) == shape
    assert net.embedding_channels == shape[0]


def test_identical_frames_give_a_zero_difference_input():
    # image difference: swapping in identical frames must make the video input exactly 0,
    # so the output no longer depends on the frame content
    net = _net(VARIANTS["video-only"])
    kw = _batch()
    kw["audio"] = None
    same = dict(kw, frames_b=kw["frames_a"])
    shifted = dict(kw, frames_a=kw["frames_a"] + 5.0, frames_b=kw["frames_a"] + 5.0)
    assert torch.allclose(net(**same)["logit"], net(**shifted)["logit"])
    # feature-level difference: relu(bn(conv)) is not shift invariant per frame, but a
    # pair of identical frames still differences to zero
    fd = _net(VARIANTS["deepstroke-featdiff"])
    kw2 = _batch()
    a = fd(**dict(kw2, frames_b=kw2["frames_a"]))["logit"]
    b = fd(**dict(kw2, frames_a=kw2["frames_a"] + 5.0, frames_b=kw2["frames_a"] + 5.0))["logit"]
    assert torch.allclose(a, b)
    # ... and it differs from the image-level difference for a real pair
    img = _net(VARIANTS["deepstroke"])
    assert not torch.allclose(img(**kw2)["logit"], fd(**kw2)["logit"])


@pytest.mark.slow
def test_lateral_connections_carry_audio_into_the_video_stream():
    net = _net(NetSpec())
    kw = _batch()
    emb1 = net(**kw)["embedding"]
    emb2 = net(**dict(kw, audio=kw["audio"] * -1.0))["embedding"]
    assert not torch.allclose(emb1, emb2)
    late = _net(VARIANTS["deepstroke-no-lateral"])
    assert torch.allclose(late(**kw)["embedding"],
                          late(**dict(kw, audio=kw["audio"] * -1.0))["embedding"])


def test_audio_mask_makes_the_output_independent_of_audio():
    net = _net(NetSpec())
    kw = _batch()
    mask = torch.zeros(6)
    a = net(**kw, audio_mask=mask)["logit"]
    b = net(**dict(kw, audio=torch.randn(3, 1, MELS, COLS)), audio_mask=mask)["logit"]
    assert torch.allclose(a, b)
    vmask = torch.zeros(6)
    c = net(**kw, video_mask=vmask)["logit"]
    d = net(**dict(kw, frames_b=torch.randn(6, 3, PX, PX)), video_mask=vmask)["logit"]
    assert torch.allclose(c, d)


def test_audio_is_computed_once_per_case_and_gathered():
    net = _net(VARIANTS["audio-only"])
    kw = _batch()
    out = net(None, None, kw["audio"], torch.tensor([0, 0, 1, 2, 2, 2]))["logit"]
    # (allclose: a matrix product may round identical rows differently in the last bit)
    assert torch.allclose(out[0], out[1]) and torch.allclose(out[3], out[5])
    assert not torch.allclose(out[0], out[2])


@pytest.mark.parametrize("channels,spatial", [(16, 16), (128, 2), (512, 7), (64, 56)])
def test_discriminator_forward_shapes(channels, spatial):
    d = SubjectDiscriminator(channels, spatial).eval()
    x = torch.randn(5, channels, spatial, spatial)
    out = d(x, x.flip(0))
    assert tuple(out.shape) == (5,)
    sig = SubjectDiscriminator(channels, spatial, output="sigmoid").eval()
    assert ((sig(x, x.flip(0)) > 0) & (sig(x, x.flip(0)) < 1)).all()
    d.start_neutral()  # a linear D starts undecided-low: score 0 for every pair
    assert torch.equal(d(x, x.flip(0)), torch.zeros(5))
    convs = [m for m in d.modules() if isinstance(m, torch.nn.Conv2d)]
    assert len(convs) == 4 and convs[0].in_channels == 2 * channels


def test_adversarial_loss_equations():
    scores = torch.tensor([1.0, 0.0, 0.5, 0.25])
    same = torch.tensor([True, False, True, False])
    # L_D = 1/2 mean((D - t)^2): (0 + 0 + 0.25 + 0.0625) / 4 / 2
    assert discriminator_loss(scores, same).item() == pytest.approx(0.3125 / 8)
    # L_E = 1/2 mean((D - 1/2)^2): (0.25 + 0.25 + 0 + 0.0625) / 4 / 2
    assert encoder_adversarial_loss(scores).item() == pytest.approx(0.5625 / 8)
    # the encoder's optimum is D == 1/2 everywhere; the discriminator's is D == t
    assert encoder_adversarial_loss(torch.full((3,), 0.5)).item() == 0.0
    assert discriminator_loss(same.float(), same).item() == 0.0


def test_partners_are_half_same_case_and_different_subject_otherwise():
    case = np.repeat(np.arange(20), 4)
    subject = case // 2  # two cases per subject
    partner, same = sample_partners(case, subject, np.random.default_rng(0))
    assert 0.4 < same.mean() < 0.6
    assert (case[partner][same] == case[same]).all()
    assert (partner[same] != np.flatnonzero(same)).all()  # a true second pair of the case
    assert (subject[partner][~same] != subject[~same]).all()
    again = sample_partners(case, subject, np.random.default_rng(0))
    assert (again[0] == partner).all() and (again[1] == same).all()


def test_subject_partners_come_from_the_other_recording_of_the_person():
    case = np.repeat(np.arange(20), 4)
    subject = case // 2  # two recordings per subject, both in the batch
    partner, same = sample_partners(case, subject, np.random.default_rng(1), same="subject")
    assert 0.4 < same.mean() < 0.6
    assert (subject[partner][same] == subject[same]).all()
    assert (case[partner][same] != case[same]).all()  # never the same recording
    assert (subject[partner][~same] != subject[~same]).all()
    # a subject with one recording in the batch falls back to its own recording
    partner, same = sample_partners([0, 0, 1, 1], [0, 0, 1, 1], np.random.default_rng(2),
                                    same="subject")
    assert (np.array([0, 0, 1, 1])[partner][same] == np.array([0, 0, 1, 1])[same]).all()
    with pytest.raises(ValueError, match="case' or 'subject"):
        sample_partners([0, 1], [0, 1], np.random.default_rng(0), same="person")


def test_subject_batches_pair_rows_of_two_recordings():
    from strokescreen.models.deep_train import PairTable, epoch_batches

    n_cases, per_case = 8, 4
    row_case = np.repeat(np.arange(n_cases), per_case)
    table = PairTable(case_ids=[str(i) for i in range(n_cases)], frames=np.zeros((0, 8, 8, 3)),
                      specs=np.zeros((n_cases, 1, 4, 4)), row_case=row_case,
                      row_a=np.zeros(len(row_case), int), row_b=np.zeros(len(row_case), int),
                      row_video=np.ones(len(row_case), bool),
                      row_audio=np.ones(len(row_case), bool), usable=np.ones(n_cases, bool),
                      labels=np.zeros(n_cases), subjects=np.arange(n_cases) // 2)
    batches = epoch_batches(table, np.random.default_rng(0), 8, by="subject")
    rows = np.concatenate(batches)
    assert sorted(rows) == list(range(len(row_case)))  # every row once
    twos = rows.reshape(-1, 2)  # consecutive twos: one subject, two recordings
    assert (table.subjects[row_case[twos[:, 0]]] == table.subjects[row_case[twos[:, 1]]]).all()
    assert (row_case[twos[:, 0]] != row_case[twos[:, 1]]).all()
    by_case = np.concatenate(epoch_batches(table, np.random.default_rng(0), 8)).reshape(-1, 2)
    assert (row_case[by_case[:, 0]] == row_case[by_case[:, 1]]).all()


@pytest.mark.slow
def test_paper_sizes():
    # ResNet-34 video / ResNet-18 audio at full width on 224 px crops and a 128x224 log-Mel
    net = DeepStrokeNet(NetSpec(), video_depth=34, audio_depth=18, width=1.0).eval()
    with torch.no_grad():
        out = net(torch.zeros(2, 3, 224, 224), torch.ones(2, 3, 224, 224),
                  torch.zeros(1, 1, 128, 224), torch.zeros(2, dtype=torch.long))
    assert tuple(out["embedding"].shape) == (2, 512, 7, 7)
    assert tuple(out["pooled"].shape) == (2, 1024)
    assert sum(p.numel() for p in net.video.parameters()) == 21284672  # torchvision r34 - fc
    d = SubjectDiscriminator(512, 7)
    assert tuple(d(out["embedding"], out["embedding"]).shape) == (2,)
