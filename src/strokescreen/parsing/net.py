"""The multi-task face-parsing network (torch): ESC encoder, ASPP, decoder, depth, attention.

- Encoder: ``len(widths)`` convolution blocks (two 3x3 conv-BN-ReLU; every block after the
  first halves the resolution), each followed by an **ESC block**: 1x1 conv -> BN -> ReLU
  -> adaptive average pool to 1x1 -> three fully connected layers (ReLU, ReLU, sigmoid)
  -> bilinear upsampling of the gate to the feature map -> features x gate.
- **ASPP** on the last block (parallel atrous 3x3 convs at ``aspp_rates`` + 1x1 + image
  pooling, concatenated and projected).
- Decoder: upsample, concatenate the encoder block's features, two conv-BN-ReLU, up to
  full resolution; a coarse segmentation head at the attention stride.
- **Foreground attention** (``attention=True``): at the attention stride, each pixel
  attends only to the pixels of its own category's predicted foreground (attention
  logits + log of the coarse softmax of that category), mixed by its own category
  probabilities; the result is added to the decoder features.
- **Depth head** (``depth=True``): one depth map per category from a shared feature, and
  the depth image = sum over categories of softmax(segmentation) x category depth.
- **Edge head** (``boundary=True``): a boundary map used by the boundary-enhanced loss.
- Presence head (HIST node classification): per-category masked-pooled bottleneck
  features, one hyperedge joining all category nodes, a presence logit per node.
- **Symmetry path** (``symmetry=True``, for the midline-aligned crop): the encoder also
  runs on the mirrored crop (shared weights); the difference of each of the first three
  levels' features and the mirrored features of the mirror (zero on a symmetric face)
  feeds a small branch whose map is max-pooled over each half of the crop into one
  "this half is weak" logit. The FPP is then the face skin of that half: the
  skin + FPP probability of the segmentation head is split into FPP = σ(half logit) ×
  σ(region logit) and skin = the rest, where the region logit (which part of a weak half
  the FPP covers) comes from the decoder. So the FPP can only be called where the two
  halves differ, and the call is exactly mirror-equivariant (:class:`SymmetryPath`).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import nn


@dataclass(frozen=True)
class NetConfig:
    """Architecture settings (see :data:`PRESETS`)."""

    n_classes: int = 7
    widths: tuple[int, ...] = (16, 32, 48, 64)
    aspp_rates: tuple[int, ...] = (1, 2, 4)
    esc_reduction: int = 4
    attention: bool = True
    attention_stride: int = 4
    attention_dim: int = 16
    depth: bool = True
    boundary: bool = True
    #: give the encoder the left-right mirrored image as three more channels, so each pixel
    #: sees its mirror partner (on a midline-aligned crop: the same point of the other side
    #: of the face) and a one-sided droop is a local offset between channels
    mirror: bool = False
    #: the left-right comparison path deciding the FPP (see :class:`SymmetryPath`); needs
    #: the FPP class and a crop whose centre column is the facial midline
    symmetry: bool = False
    #: class indices of skin and FPP (used by the symmetry path)
    skin_index: int = 1
    fpp_index: int = 6


def conv_bn(cin: int, cout: int, k: int = 3, *, dilation: int = 1) -> nn.Sequential:
    pad = dilation * (k // 2)
    return nn.Sequential(nn.Conv2d(cin, cout, k, padding=pad, dilation=dilation, bias=False),
                         nn.BatchNorm2d(cout), nn.ReLU(inplace=True))


class ESC(nn.Module):
    """Excitation/self-gating block: re-weights channels by a learned global gate."""

    def __init__(self, channels: int, reduction: int = 4):
        super().__init__()
        hidden = max(channels // reduction, 4)
        self.squeeze = conv_bn(channels, channels, 1)
        self.fc = nn.Sequential(nn.Linear(channels, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, hidden), nn.ReLU(inplace=True),
                                nn.Linear(hidden, channels), nn.Sigmoid())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        g = F.adaptive_avg_pool2d(self.squeeze(x), 1).flatten(1)
        g = self.fc(g)[:, :, None, None]
        g = F.interpolate(g, size=x.shape[-2:], mode="bilinear", align_corners=False)
        return x * g


class ASPP(nn.Module):
    """Atrous spatial pyramid pooling: parallel dilated convs + image pooling."""

    def __init__(self, cin: int, cout: int, rates: tuple[int, ...]):
        super().__init__()
        self.branches = nn.ModuleList([conv_bn(cin, cout, 1)]
                                      + [conv_bn(cin, cout, 3, dilation=r) for r in rates])
        self.pool = conv_bn(cin, cout, 1)
        self.project = conv_bn(cout * (len(rates) + 2), cout, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        outs = [b(x) for b in self.branches]
        p = self.pool(F.adaptive_avg_pool2d(x, 1))
        outs.append(p.expand(-1, -1, *x.shape[-2:]))
        return self.project(torch.cat(outs, 1))


class ForegroundAttention(nn.Module):
    """Cross-attention restricted to each category's predicted foreground."""

    def __init__(self, channels: int, dim: int):
        super().__init__()
        self.q = nn.Conv2d(channels, dim, 1)
        self.k = nn.Conv2d(channels, dim, 1)
        self.v = nn.Conv2d(channels, channels, 1)
        self.out = nn.Conv2d(channels, channels, 1)
        self.scale = dim ** -0.5

    def forward(self, x: torch.Tensor, probs: torch.Tensor) -> torch.Tensor:
        b, c, h, w = x.shape
        q = self.q(x).flatten(2).transpose(1, 2)  # B N d
        k = self.k(x).flatten(2)  # B d N
        v = self.v(x).flatten(2).transpose(1, 2)  # B N C
        m = probs.flatten(2)  # B K N
        logits = torch.bmm(q, k) * self.scale  # B N N
        restricted = logits[:, None] + torch.log(m.clamp_min(1e-6))[:, :, None, :]  # B K N N
        att = torch.softmax(restricted, dim=-1)
        per_class = torch.einsum("bknm,bmc->bknc", att, v)  # B K N C
        mixed = (per_class * m[..., None]).sum(1)  # B N C
        return x + self.out(mixed.transpose(1, 2).reshape(b, c, h, w))


class SymmetryPath(nn.Module):
    """Left-right comparison: per-half "weak" logits from encoder feature differences.

    ``diffs`` are the encoder features of the crop minus the mirrored features of the
    mirrored crop at strides 1, 2, 4 (zero everywhere on a face symmetric about the centre
    column). The branch is evaluated on them and on their mirror (negated and flipped, i.e.
    the differences of the mirrored crop), and the two maps averaged with the second
    flipped back, so the result is exactly mirror-equivariant: mirroring the crop swaps
    the two half logits. Each half's logit is the maximum of the map over that half.
    """

    def __init__(self, widths: tuple[int, ...], hidden: int = 32):
        super().__init__()
        w0, w1, w2 = widths[:3]
        self.a = conv_bn(w0, w0)
        self.b = conv_bn(w0 + w1, hidden)
        self.c = nn.Sequential(conv_bn(hidden + w2, hidden), conv_bn(hidden, hidden, dilation=2))
        self.out = nn.Conv2d(hidden, 1, 1)

    def branch(self, d0: torch.Tensor, d1: torch.Tensor, d2: torch.Tensor) -> torch.Tensor:
        y = F.max_pool2d(self.a(d0), 2)
        y = F.max_pool2d(self.b(torch.cat([y, d1], 1)), 2)
        return self.out(self.c(torch.cat([y, d2], 1)))

    def forward(self, diffs: list[torch.Tensor]) -> torch.Tensor:
        """(B, 2): logits that the image-left / image-right half of the crop is weak."""
        s = self.branch(*diffs)
        s_m = self.branch(*[-d.flip(-1) for d in diffs]).flip(-1)
        s = 0.5 * (s + s_m)
        return F.adaptive_max_pool2d(s, (1, 2)).flatten(1)


def split_skin(logits: torch.Tensor, half: torch.Tensor, region: torch.Tensor, skin: int,
               fpp: int) -> torch.Tensor:
    """Logits whose skin + FPP probability equals the input's, split into FPP =
    σ(half logit of the pixel's half) × σ(region) and skin = the rest; others unchanged.
    logits (B, K, H, W); half (B, 2); region (B, 1, H, W)."""
    w = logits.shape[-1]
    left = torch.arange(w, device=logits.device) < (w + 1) // 2
    h = torch.where(left, half[:, :1, None, None], half[:, 1:, None, None])  # B 1 1 W
    both = torch.logsumexp(logits[:, [skin, fpp]], 1, keepdim=True)
    log_p = F.logsigmoid(h) + F.logsigmoid(region)  # log of the FPP share of the face skin
    log_q = torch.log1p(-torch.exp(log_p).clamp(max=1 - 1e-6))
    out = logits.clone()
    out[:, fpp:fpp + 1] = both + log_p
    out[:, skin:skin + 1] = both + log_q
    return out


class ParsingNet(nn.Module):
    """Outputs a dict: ``logits`` (B,K,H,W), ``coarse`` (B,K,h,w), ``presence`` (B,K),
    and ``depth`` (B,1,H,W) / ``edges`` (B,1,H,W) when those heads are on."""

    def __init__(self, config: NetConfig):
        super().__init__()
        self.config = cfg = config
        w = cfg.widths
        self.blocks = nn.ModuleList()
        self.escs = nn.ModuleList()
        cin = 6 if cfg.mirror else 3
        for i, c in enumerate(w):
            stride_layer: list[nn.Module] = [nn.MaxPool2d(2)] if i > 0 else []
            self.blocks.append(nn.Sequential(*stride_layer, conv_bn(cin, c), conv_bn(c, c)))
            self.escs.append(ESC(c, cfg.esc_reduction))
            cin = c
        self.aspp = ASPP(w[-1], w[-1], cfg.aspp_rates)
        self.up = nn.ModuleList()
        for i in range(len(w) - 1, 0, -1):
            self.up.append(nn.Sequential(conv_bn(w[i] + w[i - 1], w[i - 1]),
                                         conv_bn(w[i - 1], w[i - 1])))
        k = cfg.n_classes
        level = cfg.attention_stride.bit_length() - 1  # log2 of the stride
        if 2 ** level != cfg.attention_stride or level > len(w) - 2:
            raise ValueError(f"attention_stride {cfg.attention_stride} must be a power of 2 "
                             f"up to {2 ** (len(w) - 2)}")
        self.att_level = len(w) - 2 - level
        att_c = w[level]
        self.coarse = nn.Conv2d(att_c, k, 1)
        self.attn = ForegroundAttention(att_c, cfg.attention_dim) if cfg.attention else None
        self.head = nn.Conv2d(w[0], k, 1)
        self.node = nn.Linear(w[-1], w[-1])
        self.hyper = nn.Linear(2 * w[-1], 1)
        self.depth_head = nn.Sequential(conv_bn(w[0], w[0]), nn.Conv2d(w[0], k, 1)) \
            if cfg.depth else None
        self.edge_head = nn.Conv2d(w[0], 1, 1) if cfg.boundary else None
        self.symmetry: SymmetryPath | None = None
        if cfg.symmetry:
            if len(w) < 3 or not 0 <= cfg.fpp_index < k or not 0 <= cfg.skin_index < k:
                raise ValueError("the symmetry path needs 3 encoder blocks and the FPP class")
            self.symmetry = SymmetryPath(w)
            self.region = nn.Conv2d(w[0], 1, 1)
            self.region_coarse = nn.Conv2d(att_c, 1, 1)

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        if self.config.mirror:
            x = torch.cat([x, x.flip(-1)], 1)
        n = len(x)
        if self.symmetry is not None:
            x = torch.cat([x, x.flip(-1)])  # the mirrored crop through the same encoder
        skips = []
        for block, esc in zip(self.blocks, self.escs, strict=True):
            x = esc(block(x))
            skips.append(x)
        half = None
        if self.symmetry is not None:
            half = self.symmetry([f[:n] - f[n:].flip(-1) for f in skips[:3]])
            skips = [f[:n] for f in skips]
        y = self.aspp(skips[-1])
        bottleneck = y
        out: dict[str, torch.Tensor] = {}
        for j, up in enumerate(self.up):
            skip = skips[-2 - j]
            y = F.interpolate(y, size=skip.shape[-2:], mode="bilinear", align_corners=False)
            y = up(torch.cat([y, skip], 1))
            if j == self.att_level:
                out["coarse"] = self.coarse(y)
                if half is not None:
                    out["coarse"] = split_skin(out["coarse"], half, self.region_coarse(y),
                                               self.config.skin_index, self.config.fpp_index)
                if self.attn is not None:
                    y = self.attn(y, torch.softmax(out["coarse"], 1))
        logits = self.head(y)
        if half is not None:
            logits = split_skin(logits, half, self.region(y), self.config.skin_index,
                                self.config.fpp_index)
            out["fpp_half"] = half
        out["logits"] = logits
        probs = torch.softmax(logits, 1)
        small = F.adaptive_avg_pool2d(probs, bottleneck.shape[-2:])  # B K h w
        nodes = torch.einsum("bkhw,bchw->bkc", small, bottleneck) / (
            small.sum((2, 3))[..., None] + 1e-6)
        nodes = torch.relu(self.node(nodes))
        edge = nodes.mean(1, keepdim=True).expand_as(nodes)  # one hyperedge over all nodes
        out["presence"] = self.hyper(torch.cat([nodes, edge], -1)).squeeze(-1)
        if self.depth_head is not None:
            per_class = self.depth_head(y)
            out["depth"] = (per_class * probs).sum(1, keepdim=True)
        if self.edge_head is not None:
            out["edges"] = self.edge_head(y)
        return out


def n_parameters(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters())
