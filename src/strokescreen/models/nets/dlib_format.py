"""Reader of dlib's binary serialisation of a DNN (``dlib::serialize(net, out)``), as far
as the face-recognition ResNet (``dlib_face_recognition_resnet_model_v1.dat``) needs it.

Pure numpy; no dlib. What the bytes are (read from the file, see
docs/deepstroke_fidelity.md):

- an integer is one header byte (low 4 bits: how many little-endian magnitude bytes
  follow; bit 7: negative) and those bytes;
- a string is an integer length and the characters; a bool is one character ``'0'``/``'1'``;
- a float is two integers, mantissa and base-2 exponent (value = mantissa * 2**exponent);
- a tensor is an integer version (2), four integer sizes (samples, channels, rows,
  columns) and that many little-endian float32 values;
- an alias (a named view into a layer's parameter tensor) is an integer version and four
  sizes; views are laid out one after another in the parameter tensor.

The network record starts with the loss layer (version, type name, its settings), then
the version integer of every wrapper from the top down (2: a layer, 1: a tag or skip
wrapper, 3: the lowest layer, which carries the input layer), then the input layer, then
every computational layer from the input up: type name, settings, parameter tensor, and
a tail (three bools, three tensors that are empty in a saved net; the lowest layer adds
its sample expansion factor). Tag and skip wrappers write nothing but their version, so
which ``add_prev_`` adds which tag is not in the file; the caller knows the topology.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from strokescreen.errors import InputError


@dataclass
class DlibLayer:
    """One computational layer of the file, bottom (input side) first.

    kind : the file's type name (``con_4``, ``affine_``, ``relu_``, ``max_pool_2``,
        ``avg_pool_2``, ``add_prev_``, ``fc_2``).
    settings : ints of the layer (filters, window, stride, padding, mode ...).
    params : the named parameter views as arrays (``filters``/``biases`` of ``con_4``,
        ``gamma``/``beta`` of ``affine_``, ``weights`` of ``fc_2``), shaped as dlib's
        tensors (samples, channels, rows, columns).
    """

    kind: str
    settings: dict[str, int] = field(default_factory=dict)
    params: dict[str, np.ndarray] = field(default_factory=dict)


@dataclass
class DlibNet:
    """A parsed network: loss name, input layer settings, layers bottom-up and the
    wrapper versions (counts of 2 = layers, 1 = tags/skips)."""

    loss: str
    input_kind: str
    input_mean_rgb: tuple[float, float, float]
    input_size: tuple[int, int]
    layers: list[DlibLayer]
    n_layer_wrappers: int
    n_tag_wrappers: int

    def kinds(self) -> list[str]:
        return [layer.kind for layer in self.layers]


class _Cursor:
    def __init__(self, data: bytes, name: str) -> None:
        self.data = data
        self.pos = 0
        self.name = name

    def fail(self, what: str) -> InputError:
        return InputError(f"{self.name}: not a dlib network file this reader knows "
                          f"({what} at byte {self.pos})")

    def read_int(self) -> int:
        if self.pos >= len(self.data):
            raise self.fail("unexpected end of file")
        head = self.data[self.pos]
        n = head & 0x0F
        if n > 8 or self.pos + 1 + n > len(self.data):
            raise self.fail(f"bad integer header 0x{head:02x}")
        value = int.from_bytes(self.data[self.pos + 1:self.pos + 1 + n], "little")
        self.pos += 1 + n
        return -value if head & 0x80 else value

    def read_float(self) -> float:
        mantissa = self.read_int()
        exponent = self.read_int()
        return float(mantissa) * 2.0 ** exponent

    def read_str(self) -> str:
        n = self.read_int()
        if n < 0 or n > 256 or self.pos + n > len(self.data):
            raise self.fail(f"bad string length {n}")
        text = self.data[self.pos:self.pos + n]
        self.pos += n
        try:
            return text.decode("ascii")
        except UnicodeDecodeError:
            raise self.fail("non-ASCII type name") from None

    def read_bool(self) -> bool:
        ch = self.data[self.pos:self.pos + 1]
        if ch not in (b"0", b"1"):
            raise self.fail(f"bad bool {ch!r}")
        self.pos += 1
        return ch == b"1"

    def read_tensor(self) -> np.ndarray:
        version = self.read_int()
        if version != 2:
            raise self.fail(f"tensor version {version} (only 2, float32, is known)")
        shape = tuple(self.read_int() for _ in range(4))
        if any(s < 0 for s in shape):
            raise self.fail(f"negative tensor size {shape}")
        count = int(np.prod(shape))
        end = self.pos + 4 * count
        if end > len(self.data):
            raise self.fail(f"tensor of {count} floats runs past the end")
        values = np.frombuffer(self.data, dtype="<f4", count=count, offset=self.pos)
        self.pos = end
        return values.reshape(shape).astype(np.float32)

    def read_alias(self) -> tuple[int, int, int, int]:
        version = self.read_int()
        if version != 1:
            raise self.fail(f"alias version {version}")
        return tuple(self.read_int() for _ in range(4))  # type: ignore[return-value]


def _views(params: np.ndarray, cur: _Cursor, names: tuple[str, ...]) -> dict[str, np.ndarray]:
    """Split a flat parameter tensor into consecutive named views."""
    flat = params.reshape(-1)
    out, offset = {}, 0
    for name in names:
        shape = cur.read_alias()
        size = int(np.prod(shape))
        if offset + size > flat.size:
            raise cur.fail(f"view {name} {shape} exceeds the {flat.size} parameters")
        out[name] = flat[offset:offset + size].reshape(shape).copy()
        offset += size
    return out


_WINDOW = ("rows", "cols", "stride_y", "stride_x", "pad_y", "pad_x")


def _layer(cur: _Cursor, kind: str) -> DlibLayer:
    layer = DlibLayer(kind)
    if kind == "con_4":
        params = cur.read_tensor()
        layer.settings = {"filters": cur.read_int(), **{k: cur.read_int() for k in _WINDOW}}
        layer.params = _views(params, cur, ("filters", "biases"))
        for _ in range(4):  # learning-rate and weight-decay multipliers
            cur.read_float()
    elif kind == "affine_":
        params = cur.read_tensor()
        layer.params = _views(params, cur, ("gamma", "beta"))
        layer.settings = {"mode": cur.read_int()}
    elif kind in ("max_pool_2", "avg_pool_2"):
        layer.settings = {k: cur.read_int() for k in _WINDOW}
    elif kind == "fc_2":
        layer.settings = {"outputs": cur.read_int(), "inputs": cur.read_int()}
        params = cur.read_tensor()
        layer.params = _views(params, cur, ("weights", "biases"))
        layer.settings["bias_mode"] = cur.read_int()
        for _ in range(4):
            cur.read_float()
    elif kind not in ("relu_", "add_prev_"):
        raise cur.fail(f"layer type {kind!r}")
    return layer


def _tail(cur: _Cursor) -> None:
    for _ in range(3):
        cur.read_bool()
    for _ in range(3):
        cur.read_tensor()


def parse_dlib_net(data: bytes, *, name: str = "dlib network") -> DlibNet:
    """Parse a serialised ``loss_metric`` network over ``input_rgb_image_sized``.

    Raises :class:`InputError` (one line naming ``name`` and the byte offset) when the
    bytes are not such a network.
    """
    cur = _Cursor(data, name)
    if cur.read_int() != 1:
        raise cur.fail("loss wrapper version")
    loss = cur.read_str()
    if loss != "loss_metric_2":
        raise cur.fail(f"loss {loss!r} (expected loss_metric_2)")
    cur.read_float()  # margin
    cur.read_float()  # distance threshold
    versions = []
    while True:
        v = cur.read_int()
        if v == 3:
            break
        if v not in (1, 2):
            raise cur.fail(f"wrapper version {v}")
        versions.append(v)
    input_kind = cur.read_str()
    if input_kind != "input_rgb_image_sized":
        raise cur.fail(f"input layer {input_kind!r}")
    mean = (cur.read_float(), cur.read_float(), cur.read_float())
    size = (cur.read_int(), cur.read_int())
    layers = [_layer(cur, cur.read_str())]
    _tail(cur)
    cur.read_int()  # sample expansion factor of the lowest layer
    while cur.pos < len(data):
        layers.append(_layer(cur, cur.read_str()))
        _tail(cur)
    n_layer = sum(v == 2 for v in versions)
    if n_layer != len(layers) - 1:
        raise cur.fail(f"{n_layer + 1} layer wrappers but {len(layers)} layers")
    return DlibNet(loss, input_kind, mean, size, layers, n_layer,
                   sum(v == 1 for v in versions))
