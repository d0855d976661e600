"""Siamese left-vs-right region network: one encoder per region, shared by both sides.

Input: the three region pairs of :func:`strokescreen.models.region_crops.region_pairs`
(eye, nose, mouth; the subject's left patch and the mirrored right patch). The encoder
of a region embeds both patches with the *same* weights (e_L, e_R); the classifier sees
only their differences, ``|e_L - e_R|`` and ``e_L - e_R`` per region, never the
embeddings themselves, so what a face looks like (identity, lighting, skin) reaches the
decision only through a difference between its two sides. A mirror-symmetric face gives
zero differences and the same score whatever it looks like.
"""

from __future__ import annotations

import torch
from torch import nn

from strokescreen.models.region_crops import REGIONS


class RegionEncoder(nn.Module):
    """Small CNN: per width ``c`` a 3x3 conv, batch norm, ReLU and 2x2 max-pool; then a
    global average. (B, 3, P, P) -> (B, widths[-1])."""

    def __init__(self, widths: tuple[int, ...] = (8, 16, 32)) -> None:
        super().__init__()
        layers: list[nn.Module] = []
        c_prev = 3
        for c in widths:
            layers += [nn.Conv2d(c_prev, c, 3, padding=1, bias=False), nn.BatchNorm2d(c),
                       nn.ReLU(inplace=True), nn.MaxPool2d(2)]
            c_prev = c
        layers += [nn.AdaptiveAvgPool2d(1), nn.Flatten()]
        self.body = nn.Sequential(*layers)
        self.out_channels = c_prev

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.body(x)


class RegionSiameseNet(nn.Module):
    """Left-vs-right comparison of the eye, nose and mouth regions.

    forward(x) with x float (B, 3 regions, 2 sides, 3, P, P) (side 0 the subject's left,
    side 1 the mirrored right) returns ``logit`` (B,), ``left`` / ``right`` (B, 3, D)
    embeddings, ``difference`` (B, 3, D) = left - right, and ``embedding`` (B, 6 D): what
    the head sees, ``[|d|, d]`` over the regions.
    """

    def __init__(self, widths: tuple[int, ...] = (8, 16, 32), *, hidden: int | None = None
                 ) -> None:
        super().__init__()
        self.encoders = nn.ModuleDict({r: RegionEncoder(widths) for r in REGIONS})
        d = int(widths[-1])
        width = int(hidden or d)
        self.head = nn.Sequential(nn.Linear(2 * len(REGIONS) * d, width), nn.ReLU(inplace=True),
                                  nn.Linear(width, 1))

    def embed(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(left, right) embeddings (B, 3, D): each region's encoder runs once on both
        sides stacked, so the two sides share weights and batch statistics."""
        b = x.shape[0]
        lefts, rights = [], []
        for r, name in enumerate(REGIONS):
            both = torch.cat([x[:, r, 0], x[:, r, 1]], dim=0)
            e = self.encoders[name](both)
            lefts.append(e[:b])
            rights.append(e[b:])
        return torch.stack(lefts, 1), torch.stack(rights, 1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        left, right = self.embed(x)
        d = left - right
        feats = torch.cat([d.abs().flatten(1), d.flatten(1)], dim=1)
        return {"logit": self.head(feats).squeeze(1), "left": left, "right": right,
                "difference": d, "embedding": feats}
