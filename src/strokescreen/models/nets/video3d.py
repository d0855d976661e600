"""3-D video baselines: an I3D-style inflated ResNet and a SlowFast-style two-pathway net.

**I3D** (Carreira & Zisserman, 2017): every 2-D convolution of a ResNet
(:class:`strokescreen.models.nets.resnet.ResNet`) becomes a 3-D one whose kernel is the
2-D kernel repeated ``t`` times along time and divided by ``t``, batch norms are copied.
Time is padded by repeating the first and last frames (not with zeros), so on a clip
whose frames are all the same image the inflated net computes exactly what the 2-D net
computes on that image, at every frame: inflating ImageNet or FairFace weights starts
the 3-D net from the 2-D net's features. Without a weight file the inflated 2-D net is
freshly initialised, i.e. the I3D is trained from scratch.

**SlowFast** (Feichtenhofer et al., 2019): a slow pathway sees every ``alpha``-th frame
with many channels and (in its first stages) no temporal kernels; a fast pathway sees
every frame with ``beta`` times the channels and temporal kernels of 3 (5 in its stem).
After the stem and every stage but the last, a lateral connection (a time-strided
5x1x1 convolution, stride ``alpha``) takes the fast features to the slow rate and
concatenates them to the slow pathway's. Both pathways are averaged over time and space
and concatenated before the classifier.

Both nets take clips (B, 3, T, H, W) and return ``{"logit": (B,), "embedding": (B, C)}``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from strokescreen.models.nets.resnet import BasicBlock, ResNet


class TimePadConv3d(nn.Module):
    """A 3-D convolution whose time axis is padded by repeating the edge frames and whose
    space axes are zero-padded (as a 2-D convolution's)."""

    def __init__(self, c_in: int, c_out: int, kernel: tuple[int, int, int],
                 stride: tuple[int, int, int] = (1, 1, 1), *, bias: bool = False) -> None:
        super().__init__()
        self.pad_t = kernel[0] // 2
        self.conv = nn.Conv3d(c_in, c_out, kernel, stride,
                              padding=(0, kernel[1] // 2, kernel[2] // 2), bias=bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.pad_t:
            x = F.pad(x, (0, 0, 0, 0, self.pad_t, self.pad_t), mode="replicate")
        return self.conv(x)


def inflate_conv(conv: nn.Conv2d, time_kernel: int) -> TimePadConv3d:
    """The 3-D convolution of ``conv`` inflated over ``time_kernel`` frames: kernel
    repeated along time and divided by ``time_kernel``; same spatial stride/padding."""
    if conv.padding != (conv.kernel_size[0] // 2, conv.kernel_size[1] // 2):
        raise ValueError(f"cannot inflate a convolution with padding {conv.padding}")
    kh, kw = conv.kernel_size
    sh, sw = conv.stride
    out = TimePadConv3d(conv.in_channels, conv.out_channels, (time_kernel, kh, kw),
                        (1, sh, sw), bias=conv.bias is not None)
    with torch.no_grad():
        w = conv.weight.unsqueeze(2).repeat(1, 1, time_kernel, 1, 1) / time_kernel
        out.conv.weight.copy_(w)
        if conv.bias is not None and out.conv.bias is not None:
            out.conv.bias.copy_(conv.bias)
    return out


def inflate_bn(bn: nn.BatchNorm2d) -> nn.BatchNorm3d:
    """A BatchNorm3d with ``bn``'s affine parameters and running statistics."""
    out = nn.BatchNorm3d(bn.num_features, eps=bn.eps, momentum=bn.momentum)
    out.load_state_dict(bn.state_dict())
    return out


class InflatedBlock(nn.Module):
    """A :class:`BasicBlock` with both 3x3 convolutions inflated to 3x3x3."""

    def __init__(self, block: BasicBlock, *, time_kernel: int = 3) -> None:
        super().__init__()
        self.conv1 = inflate_conv(block.conv1, time_kernel)
        self.bn1 = inflate_bn(block.bn1)
        self.conv2 = inflate_conv(block.conv2, time_kernel)
        self.bn2 = inflate_bn(block.bn2)
        self.downsample: nn.Module | None = None
        if block.downsample is not None:
            conv, bn = list(block.downsample.children())
            assert isinstance(conv, nn.Conv2d) and isinstance(bn, nn.BatchNorm2d)
            self.downsample = nn.Sequential(inflate_conv(conv, 1), inflate_bn(bn))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return F.relu(out + identity)


class I3DResNet(nn.Module):
    """The 3-D ResNet inflated from a 2-D :class:`ResNet` (its weights, whatever they are).

    stem_time : time kernel of the inflated 7x7 stem (5); block_time : of the 3x3 convs (3).
    No temporal striding: the clip keeps its frames to the global average.
    """

    def __init__(self, resnet: ResNet, *, stem_time: int = 5, block_time: int = 3) -> None:
        super().__init__()
        self.conv1 = inflate_conv(resnet.conv1, stem_time)
        self.bn1 = inflate_bn(resnet.bn1)
        self.maxpool = nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1))
        for i, stage in enumerate(resnet.stages()):
            setattr(self, f"layer{i + 1}", nn.Sequential(
                *[InflatedBlock(b, time_kernel=block_time)  # type: ignore[arg-type]
                  for b in stage.children()]))
        self.out_channels = resnet.out_channels
        self.fc = nn.Linear(self.out_channels, 1)

    def feature_map(self, x: torch.Tensor) -> torch.Tensor:
        """(B, 3, T, H, W) -> last stage's map (B, C, T, H/32, W/32)."""
        x = self.maxpool(F.relu(self.bn1(self.conv1(x))))
        for i in range(1, 5):
            x = getattr(self, f"layer{i}")(x)
        return x

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        emb = self.feature_map(x).mean(dim=(2, 3, 4))
        return {"logit": self.fc(emb).squeeze(1), "embedding": emb}


class Block3d(nn.Module):
    """A basic residual block with a ``time_kernel`` x 3 x 3 first convolution."""

    def __init__(self, c_in: int, c_out: int, *, stride: int, time_kernel: int) -> None:
        super().__init__()
        self.conv1 = TimePadConv3d(c_in, c_out, (time_kernel, 3, 3), (1, stride, stride))
        self.bn1 = nn.BatchNorm3d(c_out)
        self.conv2 = TimePadConv3d(c_out, c_out, (1, 3, 3))
        self.bn2 = nn.BatchNorm3d(c_out)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv3d(c_in, c_out, 1, (1, stride, stride), bias=False), nn.BatchNorm3d(c_out))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = F.relu(self.bn1(self.conv1(x)))
        return F.relu(self.bn2(self.conv2(out)) + identity)


class SlowFastNet(nn.Module):
    """Two pathways with lateral fast -> slow connections (see the module docstring).

    alpha : frame-rate ratio (the slow pathway takes frames 0, alpha, 2 alpha, ...);
    beta : fast/slow channel ratio; channels : the slow stem's width, doubled per stage
    after the first; blocks : residual blocks per stage (4 stages). The slow pathway has
    temporal kernels only in its last two stages, as in the paper's SlowFast-R50.
    """

    def __init__(self, *, alpha: int = 4, beta: float = 0.125, channels: int = 64,
                 blocks: int = 2) -> None:
        super().__init__()
        self.alpha = int(alpha)
        slow = [channels * 2 ** max(0, i - 1) if i else channels for i in range(5)]
        fast = [max(2, int(round(c * beta))) for c in slow]
        self.slow_stem = nn.Sequential(TimePadConv3d(3, slow[0], (1, 7, 7), (1, 2, 2)),
                                       nn.BatchNorm3d(slow[0]), nn.ReLU(inplace=True),
                                       nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        self.fast_stem = nn.Sequential(TimePadConv3d(3, fast[0], (5, 7, 7), (1, 2, 2)),
                                       nn.BatchNorm3d(fast[0]), nn.ReLU(inplace=True),
                                       nn.MaxPool3d((1, 3, 3), (1, 2, 2), (0, 1, 1)))
        self.laterals = nn.ModuleList()
        self.slow_stages = nn.ModuleList()
        self.fast_stages = nn.ModuleList()
        for i in range(4):
            # a lateral after the stem (i = 0) and after stages 1..3 feeds stage i + 1
            self.laterals.append(nn.Sequential(
                nn.Conv3d(fast[i], 2 * fast[i], (5, 1, 1), (self.alpha, 1, 1), (2, 0, 0),
                          bias=False), nn.BatchNorm3d(2 * fast[i]), nn.ReLU(inplace=True)))
            stride = 1 if i == 0 else 2
            c_slow_in = slow[i] + 2 * fast[i]
            tk = 1 if i < 2 else 3
            self.slow_stages.append(nn.Sequential(
                Block3d(c_slow_in, slow[i + 1], stride=stride, time_kernel=tk),
                *[Block3d(slow[i + 1], slow[i + 1], stride=1, time_kernel=tk)
                  for _ in range(blocks - 1)]))
            self.fast_stages.append(nn.Sequential(
                Block3d(fast[i], fast[i + 1], stride=stride, time_kernel=3),
                *[Block3d(fast[i + 1], fast[i + 1], stride=1, time_kernel=3)
                  for _ in range(blocks - 1)]))
        self.out_channels = slow[-1] + fast[-1]
        self.fc = nn.Linear(self.out_channels, 1)

    def pathways(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """(slow input, fast input) of a clip (B, 3, T, H, W): every ``alpha``-th frame
        and every frame."""
        if x.shape[2] % self.alpha:
            raise ValueError(f"clip of {x.shape[2]} frames is not a multiple of alpha "
                             f"{self.alpha}")
        return x[:, :, ::self.alpha], x

    def forward(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        xs, xf = self.pathways(x)
        s, f = self.slow_stem(xs), self.fast_stem(xf)
        for lateral, slow_stage, fast_stage in zip(self.laterals, self.slow_stages,
                                                   self.fast_stages, strict=True):
            s = slow_stage(torch.cat([s, lateral(f)], dim=1))
            f = fast_stage(f)
        emb = torch.cat([s.mean(dim=(2, 3, 4)), f.mean(dim=(2, 3, 4))], dim=1)
        return {"logit": self.fc(emb).squeeze(1), "embedding": emb}
