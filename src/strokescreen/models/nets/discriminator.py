"""Subject discriminator and the least-squares adversarial losses.

The discriminator D sees a pair of encoder feature maps, concatenated on the channel
axis, and learns whether both come from the same case (target 1) or from different
cases (target 0). The encoder E is trained to make D's output 1/2 for every pair, so its
features stop telling recordings (and so subjects) apart. Least-squares losses as in
LSGAN (Mao et al. 2017), each with the conventional factor 1/2:

    L_adv(D) = 1/2 * mean_i (D(e_i, e_j) - t_ij)^2       t_ij = 1 same case, 0 different
    L_adv(E) = 1/2 * mean_i (D(e_i, e_j) - 1/2)^2

D is updated on detached embeddings (E frozen); E's step leaves D's weights alone.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def _strides(spatial: int, n: int = 3) -> list[int]:
    """Stride 2 while the map is at least 4 pixels wide, else 1, for ``n`` layers."""
    out = []
    for _ in range(n):
        s = 2 if spatial >= 4 else 1
        out.append(s)
        spatial = (spatial + s - 1) // s
    return out


class SubjectDiscriminator(nn.Module):
    """Four-layer DCGAN-style convolutional discriminator on pairs of feature maps.

    Parameters
    ----------
    in_channels : int
        Channels ``C`` of one embedding; the network takes ``2C`` (the pair).
    spatial : int
        Height/width of the embedding map (sets the strides: 2 while >= 4 pixels).
    hidden : int or None
        Width of the first layer (doubles per layer); default ``clip(C // 2, 16, 64)``.

    Layers: conv3x3 + LeakyReLU(0.2); two x [conv3x3 + BatchNorm + LeakyReLU(0.2)];
    conv3x3 to one channel, averaged over space, then a sigmoid: the probability that
    both embeddings come from the same case (so the encoder's target 1/2 means "can't
    tell" and every least-squares loss stays within [0, 1/2]).
    """

    def __init__(self, in_channels: int, spatial: int, *, hidden: int | None = None) -> None:
        super().__init__()
        h = hidden or int(min(64, max(16, in_channels // 2)))
        s1, s2, s3 = _strides(spatial)
        self.in_channels = in_channels
        self.net = nn.Sequential(
            nn.Conv2d(2 * in_channels, h, 3, stride=s1, padding=1),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(h, 2 * h, 3, stride=s2, padding=1, bias=False),
            nn.BatchNorm2d(2 * h),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(2 * h, 4 * h, 3, stride=s3, padding=1, bias=False),
            nn.BatchNorm2d(4 * h),
            nn.LeakyReLU(0.2, inplace=True),
            nn.Conv2d(4 * h, 1, 3, stride=1, padding=1),
        )

    def forward(self, emb_a: torch.Tensor, emb_b: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) x 2 -> probability (B,): near 1 = same case, near 0 = different."""
        x = torch.cat([emb_a, emb_b], dim=1)
        return torch.sigmoid(self.net(x).mean(dim=(1, 2, 3)))


def discriminator_loss(scores: torch.Tensor, same: torch.Tensor) -> torch.Tensor:
    """L_adv(D) = 1/2 mean (D - t)^2 with t = 1 for same-case pairs, 0 otherwise.

    scores : (B,) discriminator outputs in [0, 1]; same : (B,) bool or {0, 1}.
    """
    target = same.to(scores.dtype)
    return 0.5 * torch.mean((scores - target) ** 2)


def encoder_adversarial_loss(scores: torch.Tensor) -> torch.Tensor:
    """L_adv(E) = 1/2 mean (D - 1/2)^2: the encoder pushes D towards "can't tell"."""
    return 0.5 * torch.mean((scores - 0.5) ** 2)


def sample_partners(
    case_of_row: torch.Tensor | list[int],
    subject_of_row: torch.Tensor | list[int],
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """For every row pick a partner row in the batch: same case or different case, p = 1/2.

    A "different" partner is taken from another subject when the batch has one (else
    another case of the same subject); a row with no same-case partner but itself pairs
    with itself. Returns ``(partner, same)``: int (B,) row indices and bool (B,) labels.
    """
    case = np.asarray(case_of_row)
    subj = np.asarray(subject_of_row)
    n = len(case)
    partner = np.empty(n, dtype=np.int64)
    same = np.empty(n, dtype=bool)
    want_same = rng.random(n) < 0.5
    idx = np.arange(n)
    for i in range(n):
        same_pool = idx[(case == case[i]) & (idx != i)]
        other_subject = idx[subj != subj[i]]
        other_case = idx[case != case[i]]
        diff_pool = other_subject if len(other_subject) else other_case
        if want_same[i] or not len(diff_pool):
            partner[i] = rng.choice(same_pool) if len(same_pool) else i
            same[i] = True
        else:
            partner[i] = rng.choice(diff_pool)
            same[i] = False
    return partner, same
