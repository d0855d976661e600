"""The left-right symmetry path of the parsing network: it changes the network, it is
exactly mirror-equivariant, a symmetric face names no half, the skin/FPP split keeps the
face probability, and on a tiny fit it learns which half of a planted face droops."""

from __future__ import annotations

import json

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from strokescreen.errors import InputError  # noqa: E402
from strokescreen.parsing import masks as M  # noqa: E402
from strokescreen.parsing.model import (  # noqa: E402
    ParsingModel,
    load_parsing_model,
    save_parsing_model,
)
from strokescreen.parsing.net import SymmetryPath, n_parameters, split_skin  # noqa: E402


def _net(symmetry: bool):
    torch.manual_seed(0)
    return ParsingModel(crop="midline", symmetry=symmetry).build()


def test_the_symmetry_switch_changes_the_network_and_needs_a_midline_crop():
    plain, sym = _net(False), _net(True)
    assert n_parameters(sym) > n_parameters(plain)
    assert any(isinstance(m, SymmetryPath) for m in sym.modules())
    with torch.no_grad():
        out = sym.eval()(torch.zeros(1, 3, 32, 32))
    assert out["fpp_half"].shape == (1, 2) and out["logits"].shape == (1, 7, 32, 32)
    with pytest.raises(InputError, match="midline"):
        ParsingModel(crop="box", symmetry=True).build()
    with pytest.raises(InputError, match="no-disease"):
        ParsingModel(crop="midline", symmetry=True, ablation="no-disease").build()


def test_mirroring_the_crop_swaps_the_halves_and_a_symmetric_face_names_none():
    net = _net(True).train()  # batch statistics: the mirrored copy sits in the same batch
    torch.manual_seed(1)
    x = torch.rand(3, 3, 32, 32) - 0.5
    h, hm = net(x)["fpp_half"], net(x.flip(-1))["fpp_half"]
    assert torch.allclose(h, hm.flip(-1), atol=1e-5)
    assert not torch.allclose(h[:, 0], h[:, 1], atol=1e-4)  # an asymmetric input differs
    half = torch.rand(3, 3, 32, 16) - 0.5
    sym = torch.cat([half, half.flip(-1)], -1)
    out = net(sym)
    # on a face symmetric about the centre column every feature difference is zero
    assert torch.allclose(out["fpp_half"][:, 0], out["fpp_half"][:, 1], atol=1e-6)


def test_split_keeps_the_face_probability_and_follows_the_half_logits():
    torch.manual_seed(0)
    logits = torch.randn(2, 7, 4, 6)
    half = torch.tensor([[8.0, -8.0], [-8.0, 8.0]])  # sample 0: image-left weak
    region = torch.full((2, 1, 4, 6), 8.0)
    out = split_skin(logits, half, region, 1, 6)
    p, q = torch.softmax(logits, 1), torch.softmax(out, 1)
    assert torch.allclose(p[:, 1] + p[:, 6], q[:, 1] + q[:, 6], atol=1e-5)
    assert torch.allclose(p[:, [0, 2, 3, 4, 5]], q[:, [0, 2, 3, 4, 5]], atol=1e-5)
    share = q[:, 6] / (q[:, 1] + q[:, 6])
    assert (share[0, :, :3] > 0.99).all() and (share[0, :, 3:] < 0.01).all()
    assert (share[1, :, 3:] > 0.99).all() and (share[1, :, :3] < 0.01).all()


def _drooping_faces(n: int = 16, size: int = 32, seed: int = 0):
    """Planted faces symmetric about the centre column except for one mouth corner,
    which sits 3 px lower on the weak half; FPP = that half's skin below the eyes."""
    rng = np.random.default_rng(seed)
    x = np.zeros((n, size, size, 3), np.uint8)
    y = np.zeros((n, size, size), np.uint8)
    d = np.zeros((n, size, size), np.float32)
    yy, xx = np.mgrid[:size, :size]
    c = size / 2 - 0.5
    sides = []
    for i in range(n):
        face = ((xx - c) / 12) ** 2 + ((yy - c) / 14) ** 2 < 1
        y[i][face], d[i][face] = M.SKIN, 0.2
        x[i][face] = rng.integers(150, 230, 3)
        for ex in (c - 5, c + 5):
            eye = (xx - ex) ** 2 + (yy - 11) ** 2 < 4
            y[i][eye], x[i][eye] = M.EYES, (20, 20, 20)
        side = rng.choice(["none", "left", "right"])
        sides.append(side)
        mouth = (np.abs(xx - c) < 6) & (np.abs(yy - 22) < 1.5)
        if side != "none":
            on = (xx < c) if side == "left" else (xx > c)
            corner = on & (np.abs(xx - c) >= 3) & (np.abs(xx - c) < 6)
            mouth = (mouth & ~corner) | (corner & (np.abs(yy - 25) < 1.5))
            weak = face & on & (yy > 13) & (y[i] == M.SKIN)
            y[i][weak] = M.CLASSES.index("fpp")
        y[i][mouth], x[i][mouth] = M.MOUTH, (160, 40, 50)
    return x, y, d, sides


@pytest.mark.slow
def test_a_tiny_fit_learns_which_half_droops(tmp_path):
    x, y, d, sides = _drooping_faces()
    model = ParsingModel(epochs=12, seed=0, crop="midline", symmetry=True).fit(x, y, d)
    first, last = model.history_[0]["loss"], model.history_[-1]["loss"]
    assert last["ce"] < 0.8 * first["ce"]
    with torch.no_grad():
        h = model.net_(torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255 - 0.5)["fpp_half"]
    diff = (h[:, 0] - h[:, 1]).numpy()  # image-left minus image-right
    s = np.array(sides)
    assert diff[s == "left"].min() > diff[s == "right"].max()
    save_parsing_model(model, tmp_path / "m", training={})
    loaded = load_parsing_model(tmp_path / "m")
    assert loaded.symmetry and np.array_equal(loaded.predict(x), model.predict(x))
    side = json.loads((tmp_path / "m" / "model.json").read_text())
    assert side["model"]["params"]["symmetry"] is True and side["model"]["net"]["symmetry"]
