"""The `paper` preset is the paper where it is clear; `default` is the project's choices.
Planted answers for the schedule, the spectrogram image and the paper's adversarial loss."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("torch")

import torch  # noqa: E402
from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.errors import ConfigError  # noqa: E402
from strokescreen.models.deep import DeepStrokeClassifier  # noqa: E402
from strokescreen.models.deep_data import (  # noqa: E402
    RATE_HZ,
    get_preset,
    spectrogram_input,
    trim_to_speech,
)
from strokescreen.models.deep_train import (  # noqa: E402
    paper_adversarial_losses,
    same_and_different,
)


def test_paper_and_default_presets():
    paper, default = get_preset("paper"), get_preset("default")
    assert (paper.lr, paper.lr_step_epochs, paper.epochs, paper.batch_size) == (1e-7, 5, 20, 64)
    assert paper.spec_shape == (3, 224, 224) and paper.trim_silence
    assert paper.image_px == 224 and paper.adv_form == "paper" and paper.branch_dropout == 0
    assert (default.lr, default.epochs, default.lr_step_epochs) == (1e-4, 30, 0)
    assert default.spec_shape == (1, 128, 224) and not default.trim_silence
    assert default.adv_form == "half_mean" and default.branch_dropout == 0.1
    with pytest.raises(ConfigError, match="adv_form 'sum' is unknown"):
        get_preset("tiny", adv_form="sum")
    with pytest.raises(ConfigError, match="lr_gamma"):
        get_preset("tiny", lr_gamma=0.0)


def _speech(seconds: float, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(int(seconds * RATE_HZ)) / RATE_HZ
    am = 0.5 * (1 + np.sin(2 * np.pi * 4 * t))  # 4 Hz syllable-like envelope
    return (0.3 * am * np.sin(2 * np.pi * 180 * t) + 0.01 * rng.normal(size=t.size))


def test_silence_is_trimmed_and_the_image_has_three_channels():
    rng = np.random.default_rng(0)
    quiet = np.zeros(RATE_HZ, np.float32) + 1e-4 * rng.normal(size=RATE_HZ)
    clip = np.concatenate([quiet, _speech(1.0, rng), quiet]).astype(np.float32)
    kept = trim_to_speech(clip)
    assert 0.9 * RATE_HZ <= len(kept) <= 1.3 * RATE_HZ  # 1 s of speech (+ 0.1 s pads)
    preset = get_preset("tiny", spec_px=48, spec_channels=3, trim_silence=True)
    img = spectrogram_input(clip, preset=preset)
    assert img.shape == (3, 48, 48)
    assert np.allclose(img[0] * 0.229 + 0.485, img[1] * 0.224 + 0.456, atol=1e-5)  # grey
    # untrimmed: the silent thirds take columns of the image (quiet columns at both ends)
    flat = spectrogram_input(clip, preset=get_preset("tiny", n_frames=60))
    assert flat.shape == (64, 60)
    assert flat[:, :10].mean() < flat[:, 25:35].mean() - 1.0


class _ProductD(torch.nn.Module):
    """D(a, b) = mean(a) * mean(b): known scores, differentiable in both."""

    def forward(self, a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
        return a.mean(dim=(1, 2, 3)) * b.mean(dim=(1, 2, 3))


def test_paper_adversarial_loss_sums_a_same_and_a_different_pair_per_frame():
    m = torch.tensor([0.5, 1.0, 2.0, 0.0])
    emb = (m[:, None, None, None] * torch.ones(4, 2, 2, 2)).requires_grad_(True)
    same_i = np.array([1, 0, -1, -1])   # rows 0 and 1 are one case
    diff_i = np.array([2, 2, 0, 0])
    d = _ProductD()
    loss_d = paper_adversarial_losses(d, emb, same_i, diff_i, encoder=False)
    # same: (0.5 - 1)^2 + (0.5 - 1)^2; different: 1^2 + 2^2 + 1^2 + 0^2; over 4 frames
    assert loss_d.item() == pytest.approx((0.25 + 0.25 + 1 + 4 + 1 + 0) / 4)
    loss_e = paper_adversarial_losses(d, emb, same_i, diff_i, encoder=True)
    assert loss_e.item() == pytest.approx((0 + 0 + 0.25 + 2.25 + 0.25 + 0.25) / 4)
    loss_e.backward()
    # the partner is held fixed: a row's gradient comes from its own terms only. Row 2's
    # own term is (m2 * m0 - 1/2)^2 / 4 -> d/dm2 = 2 * (1 - 1/2) * 0.5 / 4 = 0.125; were
    # the partner live, rows 0 and 1 (whose different partner is row 2) would add to it.
    g = emb.grad.sum(dim=(1, 2, 3))  # d loss / d row mean
    assert g[2].item() == pytest.approx(0.125)
    assert g[3].item() == pytest.approx(2 * (0.0 - 0.5) * 0.5 / 4)


def test_same_and_different_partners_never_the_row_itself():
    case = np.array([0, 0, 1, 2, 2, 3])
    subject = np.array([0, 0, 1, 2, 2, 3])
    s, d = same_and_different(case, subject, np.random.default_rng(0))
    assert s.tolist()[:2] == [1, 0] and s[2] == -1 and s[5] == -1
    assert (s[s >= 0] != np.flatnonzero(s >= 0)).all()
    assert (subject[d] != subject).all()


def test_lr_decays_every_step_and_the_paper_form_trains(tmp_path):
    cases = fake_cohort(tmp_path, n_subjects=4, n_recordings=2, seed=1, n_video_frames=12)
    preset = get_preset("tiny", epochs=3, lr=1e-3, lr_step_epochs=1, lr_gamma=0.5,
                        adv_form="paper", spec_channels=3, spec_px=32, n_mels=32, n_frames=32,
                        image_px=32, max_pairs=4, batch_size=8)
    model = DeepStrokeClassifier(preset=preset, seed=0).fit(cases)  # type: ignore[arg-type]
    assert [h["lr"] for h in model.history_] == pytest.approx([1e-3, 5e-4, 2.5e-4])
    assert all(h["disc_accuracy"] is not None for h in model.history_)
    p = model.predict_proba(cases)[:, 1]
    assert p.shape == (8,) and np.isfinite(p).all()


def _mixed_accuracy(disc, centers: torch.Tensor, rng: np.random.Generator) -> float:
    """Share of "same" and "different" pairs D judges right, scored together in eval mode
    (as the encoder's pass scores them)."""
    from strokescreen.models.nets.discriminator import SubjectDiscriminator

    assert isinstance(disc, SubjectDiscriminator)
    disc.eval()
    right = seen = 0
    with torch.no_grad():
        for _ in range(5):
            cases, emb = _case_batch(centers, rng)
            s, d = same_and_different(cases, cases, rng)
            a = np.concatenate([np.flatnonzero(s >= 0), np.flatnonzero(d >= 0)])
            b = np.concatenate([s[s >= 0], d[d >= 0]])
            t = np.concatenate([np.ones((s >= 0).sum()), np.zeros((d >= 0).sum())])
            right += int(((disc(emb[a], emb[b]).numpy() > 0.5) == t).sum())
            seen += len(t)
    return right / seen


def _case_batch(centers: torch.Tensor, rng: np.random.Generator, n: int = 32):
    """Two rows each of n/2 cases: the case's embedding plus a little noise."""
    cases = np.repeat(rng.choice(len(centers), n // 2, replace=False), 2)
    noise = torch.from_numpy(rng.normal(size=(n, *centers.shape[1:])).astype(np.float32))
    return cases, centers[cases] + 0.3 * noise


def test_paper_discriminator_learns_the_pairs_not_the_batch_statistics():
    # Embeddings that name their case plainly: a D trained with the paper's loss must then
    # judge "same" and "different" pairs scored together in eval mode (as the encoder's
    # pass scores them). Judged in two batches (all "same", all "different") its
    # batch-norm layers let it learn the batches apart instead: its training accuracy
    # read ~100 % while it scored mixed pairs at chance (50 %).
    from strokescreen.models.nets.discriminator import SubjectDiscriminator

    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    centers = torch.randn(24, 8, 2, 2)
    disc = SubjectDiscriminator(8, 2)
    disc.start_neutral()
    opt = torch.optim.Adam(disc.parameters(), lr=2e-3, betas=(0.5, 0.999))
    disc.train()
    for _ in range(120):
        cases, emb = _case_batch(centers, rng)
        s, d = same_and_different(cases, cases, rng)
        loss, right, seen = paper_adversarial_losses(disc, emb, s, d, encoder=False,
                                                     count=True)
        opt.zero_grad()
        loss.backward()
        opt.step()
    assert seen == 64 and right / seen > 0.9
    assert _mixed_accuracy(disc, centers, np.random.default_rng(1)) > 0.9
