"""Subject discriminator and the least-squares adversarial losses.

The discriminator D sees a pair of encoder feature maps, concatenated on the channel
axis, and learns whether both come from the same case (target 1) or from different
cases (target 0). The encoder E is trained to make D's output 1/2 for every pair, so its
features stop telling recordings (and so subjects) apart. Least-squares losses as in
LSGAN (Mao et al. 2017), each with the conventional factor 1/2:

    L_adv(D) = 1/2 * mean_i (D(e_i, e_j) - t_ij)^2       t_ij = 1 same case, 0 different
    L_adv(E) = 1/2 * mean_i (D(e_i, e_j) - 1/2)^2

D is updated on detached embeddings (E frozen); E's step leaves D's weights alone.

D's score is linear (no sigmoid), as in LSGAN. A sigmoid before the squared error
saturates: in the identity-probe study (docs/identity_probe_study.md) the sigmoid
discriminator settled on a constant 0 or 1 within the first epoch (L_adv(D) = 1/4,
accuracy 50 %), after which neither D nor E received a gradient and the adversarial
term did nothing. ``output="sigmoid"`` keeps that form for comparison.
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

    output : ``"linear"`` (default) or ``"sigmoid"``
        Raw score, or the score squashed to (0, 1) (saturates; see the module notes).

    Layers: conv3x3 + LeakyReLU(0.2); two x [conv3x3 + BatchNorm + LeakyReLU(0.2)];
    conv3x3 to one channel, averaged over space: the score that both embeddings come
    from the same case (1) or not (0); the encoder's target 1/2 means "can't tell".
    """

    def __init__(self, in_channels: int, spatial: int, *, hidden: int | None = None,
                 output: str = "linear") -> None:
        super().__init__()
        if output not in ("linear", "sigmoid"):
            raise ValueError(f"output must be 'linear' or 'sigmoid', got {output!r}")
        self.output = output
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

    def start_neutral(self) -> None:
        """Zero the last layer so a linear D starts at a score of 0 for every pair.

        With random weights its scores on unnormalised encoder features start around
        +-10 (a first-epoch loss near 50), and the encoder's first steps are spent
        fighting that noise rather than learning the task. A sigmoid D is left as is.
        """
        if self.output == "linear":
            last = self.net[-1]
            assert isinstance(last, nn.Conv2d)
            with torch.no_grad():
                last.weight.zero_()
                if last.bias is not None:
                    last.bias.zero_()

    def forward(self, emb_a: torch.Tensor, emb_b: torch.Tensor) -> torch.Tensor:
        """(B, C, h, w) x 2 -> score (B,): 1 = same, 0 = different, 1/2 = can't tell."""
        x = torch.cat([emb_a, emb_b], dim=1)
        score = self.net(x).mean(dim=(1, 2, 3))
        return torch.sigmoid(score) if self.output == "sigmoid" else score


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
    *,
    same: str = "case",
) -> tuple[np.ndarray, np.ndarray]:
    """For every row pick a partner row in the batch: "same" or "different", p = 1/2.

    ``same="case"`` (the paper): a "same" partner is another row of the same case
    (recording). ``same="subject"``: another row of the same subject from a *different*
    recording when the batch has one (else of the same case), so D must recognise the
    person rather than the recording. A "different" partner is taken from another
    subject when the batch has one (else another case of the same subject). A row with
    no "same" partner in the batch gets a "different" one: pairing a row with itself
    would show D two identical embeddings, a "same" pair it learns nothing from; only a
    batch with no other row at all pairs a row with itself. Returns ``(partner, same)``:
    int (B,) row indices and bool (B,) labels.
    """
    if same not in ("case", "subject"):
        raise ValueError(f"same must be 'case' or 'subject', got {same!r}")
    case = np.asarray(case_of_row)
    subj = np.asarray(subject_of_row)
    n = len(case)
    partner = np.empty(n, dtype=np.int64)
    is_same = np.empty(n, dtype=bool)
    want_same = rng.random(n) < 0.5
    idx = np.arange(n)
    for i in range(n):
        same_pool = idx[(case == case[i]) & (idx != i)]
        if same == "subject":
            other_rec = idx[(subj == subj[i]) & (case != case[i])]
            if len(other_rec):
                same_pool = other_rec
        other_subject = idx[subj != subj[i]]
        other_case = idx[case != case[i]]
        diff_pool = other_subject if len(other_subject) else other_case
        if (want_same[i] and len(same_pool)) or not len(diff_pool):
            partner[i] = rng.choice(same_pool) if len(same_pool) else i
            is_same[i] = True
        else:
            partner[i] = rng.choice(diff_pool)
            is_same[i] = False
    return partner, is_same
