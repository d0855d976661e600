"""ResNet-18 / ResNet-34 in plain torch with torchvision's parameter names.

torchvision cannot be imported next to the CPU torch build used here, so the two
backbones are written out; the module tree (``conv1``, ``bn1``, ``layer1.0.conv1``, ...,
``layerK.0.downsample.0/1``, ``fc``) matches torchvision's exactly, so a torchvision-format
``state_dict`` file (e.g. ImageNet ResNet-18, FairFace ResNet-34) loads with
:func:`load_weights_file`.

A width multiplier scales every stage's channel count (64, 128, 256, 512) for the narrow
nets of the ``tiny`` preset; a file only fits at ``width=1.0``.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import torch
from torch import nn

from strokescreen.errors import InputError

STAGE_CHANNELS = (64, 128, 256, 512)
DEPTH_BLOCKS = {18: (2, 2, 2, 2), 34: (3, 4, 6, 3)}


def _conv3x3(c_in: int, c_out: int, stride: int = 1) -> nn.Conv2d:
    return nn.Conv2d(c_in, c_out, kernel_size=3, stride=stride, padding=1, bias=False)


class BasicBlock(nn.Module):
    """torchvision's ``BasicBlock``: two 3x3 convolutions and an identity/projection skip."""

    def __init__(self, c_in: int, c_out: int, stride: int = 1) -> None:
        super().__init__()
        self.conv1 = _conv3x3(c_in, c_out, stride)
        self.bn1 = nn.BatchNorm2d(c_out)
        self.relu = nn.ReLU(inplace=True)
        self.conv2 = _conv3x3(c_out, c_out)
        self.bn2 = nn.BatchNorm2d(c_out)
        self.downsample: nn.Module | None = None
        if stride != 1 or c_in != c_out:
            self.downsample = nn.Sequential(
                nn.Conv2d(c_in, c_out, kernel_size=1, stride=stride, bias=False),
                nn.BatchNorm2d(c_out),
            )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        identity = x if self.downsample is None else self.downsample(x)
        out = self.relu(self.bn1(self.conv1(x)))
        out = self.bn2(self.conv2(out))
        return self.relu(out + identity)


class ResNet(nn.Module):
    """ResNet-18/34 backbone with torchvision's names.

    Frames enter it ImageNet-normalised (``input_norm``).

    Parameters
    ----------
    depth : 18 or 34
    width : float
        Channel multiplier; stage widths are ``max(4, round(c * width))`` for
        c in (64, 128, 256, 512). 1.0 is torchvision's net.
    in_channels : int
        Input channels (3 for images, 1 for a spectrogram).
    num_classes : int or None
        Size of ``fc``; None leaves ``fc`` out (a pure feature extractor).
    """

    def __init__(
        self,
        depth: int = 18,
        *,
        width: float = 1.0,
        in_channels: int = 3,
        num_classes: int | None = 1000,
    ) -> None:
        super().__init__()
        self.input_norm = "imagenet"
        if depth not in DEPTH_BLOCKS:
            raise ValueError(f"ResNet depth must be 18 or 34, got {depth}")
        if width <= 0:
            raise ValueError(f"ResNet width multiplier must be > 0, got {width}")
        self.depth = depth
        self.width = float(width)
        self.in_channels = in_channels
        chans = tuple(max(4, int(round(c * width))) for c in STAGE_CHANNELS)
        self.stage_channels = chans
        self.conv1 = nn.Conv2d(in_channels, chans[0], kernel_size=7, stride=2, padding=3,
                               bias=False)
        self.bn1 = nn.BatchNorm2d(chans[0])
        self.relu = nn.ReLU(inplace=True)
        self.maxpool = nn.MaxPool2d(kernel_size=3, stride=2, padding=1)
        c_prev = chans[0]
        for i, (n_blocks, c) in enumerate(zip(DEPTH_BLOCKS[depth], chans, strict=True)):
            stride = 1 if i == 0 else 2
            blocks = [BasicBlock(c_prev, c, stride)]
            blocks += [BasicBlock(c, c) for _ in range(n_blocks - 1)]
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks))
            c_prev = c
        self.avgpool = nn.AdaptiveAvgPool2d(1)
        self.fc: nn.Module | None = nn.Linear(c_prev, num_classes) if num_classes else None

    @property
    def out_channels(self) -> int:
        """Channels of the last stage (512 x width)."""
        return self.stage_channels[-1]

    def stages(self) -> list[nn.Module]:
        """``[layer1, layer2, layer3, layer4]``."""
        return [getattr(self, f"layer{i}") for i in range(1, 5)]

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        """conv1 -> bn1 -> relu (no max-pool); (B, C_in, H, W) -> (B, C0, H/2, W/2)."""
        return self.relu(self.bn1(self.conv1(x)))

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Last stage map (B, C, h, w) -> pooled features (B, ``out_channels``)."""
        return torch.flatten(self.avgpool(x), 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """(B, C_in, H, W) -> logits (B, num_classes), or pooled features when no ``fc``."""
        x = self.maxpool(self.stem(x))
        for stage in self.stages():
            x = stage(x)
        x = self.pool(x)
        return x if self.fc is None else self.fc(x)


def resnet18(**kwargs: object) -> ResNet:
    """ResNet-18 (see :class:`ResNet` for keyword options)."""
    return ResNet(18, **kwargs)  # type: ignore[arg-type]


def resnet34(**kwargs: object) -> ResNet:
    """ResNet-34 (see :class:`ResNet` for keyword options)."""
    return ResNet(34, **kwargs)  # type: ignore[arg-type]


def init_resnet(model: nn.Module, generator: torch.Generator) -> None:
    """torchvision's initialisation, drawn from ``generator`` (deterministic).

    Convolutions: Kaiming normal (fan_out, relu); batch norms: weight 1, bias 0;
    linear layers: torch's default uniform(-1/sqrt(fan_in), 1/sqrt(fan_in)).
    """
    for m in model.modules():
        if isinstance(m, nn.Conv2d):
            nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu",
                                    generator=generator)
            if m.bias is not None:
                nn.init.zeros_(m.bias)
        elif isinstance(m, nn.BatchNorm2d | nn.GroupNorm):
            nn.init.ones_(m.weight)
            nn.init.zeros_(m.bias)
        elif isinstance(m, nn.Linear):
            bound = 1.0 / max(1, m.in_features) ** 0.5
            nn.init.uniform_(m.weight, -bound, bound, generator=generator)
            if m.bias is not None:
                nn.init.uniform_(m.bias, -bound, bound, generator=generator)


def _short(keys: Iterable[str], limit: int = 4) -> str:
    keys = sorted(keys)
    head = ", ".join(keys[:limit])
    return head + (f" (+{len(keys) - limit} more)" if len(keys) > limit else "")


def _shape(t: torch.Tensor) -> str:
    return "x".join(str(s) for s in t.shape) or "scalar"


def check_state_dict(
    model: nn.Module,
    state: dict[str, torch.Tensor],
    *,
    ignore_prefixes: tuple[str, ...] = ("fc.",),
    adapt_in_channels: bool = True,
) -> dict[str, torch.Tensor]:
    """Match a torchvision-format ``state`` to ``model``; return the dict to load.

    Keys starting with one of ``ignore_prefixes`` (the classifier ``fc`` by default) are
    dropped from both sides. With ``adapt_in_channels``, a 3-channel ``conv1.weight`` going
    into a 1-channel model is summed over its input channels (the usual RGB -> grey
    transfer). Any other difference raises :class:`InputError` with one line naming the
    missing keys, unexpected keys and shape mismatches.
    """
    def keep(k: str) -> bool:
        return not any(k.startswith(p) for p in ignore_prefixes)

    want = {k: v for k, v in model.state_dict().items() if keep(k)}
    have = {k: v for k, v in state.items() if keep(k)}
    missing = set(want) - set(have)
    unexpected = set(have) - set(want)
    out: dict[str, torch.Tensor] = {}
    bad: list[str] = []
    for k in sorted(set(want) & set(have)):
        v = have[k]
        if not isinstance(v, torch.Tensor):
            bad.append(f"{k} (not a tensor)")
            continue
        if v.shape != want[k].shape:
            if (adapt_in_channels and k == "conv1.weight" and v.ndim == 4
                    and v.shape[1] == 3 and want[k].shape[1] == 1
                    and v.shape[0] == want[k].shape[0] and v.shape[2:] == want[k].shape[2:]):
                v = v.sum(dim=1, keepdim=True)
            else:
                bad.append(f"{k} file {_shape(v)} vs model {_shape(want[k])}")
                continue
        out[k] = v.to(want[k].dtype)
    if missing or unexpected or bad:
        parts = []
        if missing:
            parts.append(f"missing keys: {_short(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_short(unexpected)}")
        if bad:
            parts.append(f"shape mismatches: {_short(bad, limit=3)}")
        raise InputError("weights do not fit the network: " + "; ".join(parts))
    return out


def load_weights_file(
    model: ResNet,
    path: str | Path,
    *,
    ignore_prefixes: tuple[str, ...] = ("fc.",),
) -> ResNet:
    """Load a torchvision-format ``state_dict`` file into ``model`` (in place).

    The file is read with ``torch.load(..., weights_only=True)`` (no code is unpickled).
    A dict wrapping the weights under ``"state_dict"`` or ``"model"`` is unwrapped and a
    ``"module."`` prefix (DataParallel) is stripped. Raises :class:`InputError` naming the
    file and the mismatched layers when it does not fit.
    """
    path = Path(path)
    if not path.is_file():
        raise InputError(f"weights file not found: {path}; pass an existing "
                         "torchvision-format state_dict (.pth/.pt)")
    try:
        obj = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # noqa: BLE001 - any unreadable file is the user's input
        raise InputError(f"cannot read weights file {path}: {exc}; expected a torch "
                         "state_dict saved with torch.save") from None
    for wrapper in ("state_dict", "model"):
        if isinstance(obj, dict) and isinstance(obj.get(wrapper), dict):
            obj = obj[wrapper]
    if not isinstance(obj, dict):
        raise InputError(f"weights file {path} holds a {type(obj).__name__}, not a state_dict")
    state = {(k[7:] if k.startswith("module.") else k): v for k, v in obj.items()}
    try:
        matched = check_state_dict(model, state, ignore_prefixes=ignore_prefixes)
    except InputError as exc:
        raise InputError(
            f"{path.name} does not fit resnet{model.depth} (width {model.width:g}, "
            f"{model.in_channels} input channels): {str(exc).split(': ', 1)[1]}"
        ) from None
    model.load_state_dict(matched, strict=False)
    return model
