"""The parsing network: ablation switches change it, attention stays inside a category,
the losses fall on a tiny fit, and a fitted model round-trips through its folder."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from strokescreen.errors import InputError, NotFittedError  # noqa: E402
from strokescreen.parsing import masks as M  # noqa: E402
from strokescreen.parsing.losses import (  # noqa: E402
    LossConfig,
    allocation_loss,
    border_map,
    parsing_loss,
)
from strokescreen.parsing.model import (  # noqa: E402
    ParsingModel,
    load_parsing_model,
    save_parsing_model,
)
from strokescreen.parsing.net import ESC, ForegroundAttention, n_parameters  # noqa: E402


def _forward(ablation: str):
    torch.manual_seed(0)
    net = ParsingModel(ablation=ablation).build().eval()
    with torch.no_grad():
        out = net(torch.zeros(1, 3, 32, 32))
    return net, out


def test_each_ablation_switch_changes_the_network():
    full, out = _forward("full")
    assert out["logits"].shape == (1, 7, 32, 32) and {"depth", "edges", "coarse"} <= out.keys()
    counts = {"full": n_parameters(full)}
    for name in ("no-attention", "no-boundary", "no-depth", "no-disease"):
        net, o = _forward(name)
        counts[name] = n_parameters(net)
        assert counts[name] < counts["full"], name
    assert "depth" not in _forward("no-depth")[1]
    assert "edges" not in _forward("no-boundary")[1]
    assert _forward("no-disease")[1]["logits"].shape[1] == 6
    assert not any(isinstance(m, ForegroundAttention) for m in _forward("no-attention")[0].modules())
    assert len(set(counts.values())) == 5
    assert LossConfig(boundary=False) == ParsingModel(ablation="no-boundary").loss_config()


def test_unknown_ablation_is_an_input_error():
    with pytest.raises(InputError, match="no-attention"):
        ParsingModel(ablation="no-esc").build()


def test_esc_gate_rescales_channels_uniformly_over_space():
    torch.manual_seed(0)
    esc = ESC(8).eval()
    x = torch.rand(2, 8, 6, 6) + 0.1
    y = esc(x)
    ratio = y / x
    assert torch.allclose(ratio, ratio[..., :1, :1].expand_as(ratio), atol=1e-5)
    assert ((ratio > 0) & (ratio < 1)).all()


def test_foreground_attention_only_mixes_pixels_of_the_same_category():
    torch.manual_seed(0)
    att = ForegroundAttention(4, 4).eval()
    x = torch.rand(1, 4, 4, 4)
    probs = torch.zeros(1, 2, 4, 4)
    probs[:, 0, :, :2] = 1.0  # category 0: left half; 1: right half
    probs[:, 1, :, 2:] = 1.0
    y1 = att(x, probs)
    x2 = x.clone()
    x2[..., 2:] += torch.rand(1, 4, 4, 2)  # change only category 1's pixels
    y2 = att(x2, probs)
    assert torch.allclose(y1[..., :2], y2[..., :2], atol=1e-4)
    assert not torch.allclose(y1[..., 2:], y2[..., 2:], atol=1e-3)


def test_border_and_allocation_terms():
    lab = torch.zeros(1, 8, 8, dtype=torch.long)
    lab[:, 2:6, 2:6] = 1
    border = border_map(lab)[0]
    assert border[2, 2] and border[1, 3] and not border[4, 4] and not border[0, 7]
    onehot = torch.nn.functional.one_hot(lab, 2).permute(0, 3, 1, 2).float()
    assert float(allocation_loss(onehot, lab)) == pytest.approx(0.0, abs=1e-6)
    shifted = onehot.roll(2, dims=3)
    assert float(allocation_loss(shifted, lab)) > 0.05


def _blobs(n: int = 8, size: int = 32, seed: int = 0):
    rng = np.random.default_rng(seed)
    x = np.zeros((n, size, size, 3), np.uint8)
    y = np.zeros((n, size, size), np.uint8)
    d = np.zeros((n, size, size), np.float32)
    yy, xx = np.mgrid[:size, :size]
    for i in range(n):
        cx, cy = rng.integers(10, 22, 2)
        face = (xx - cx) ** 2 + (yy - cy) ** 2 < 8 ** 2
        y[i][face], x[i][face], d[i][face] = M.SKIN, (200, 150, 120), 0.2
        eye = (xx - cx + 3) ** 2 + (yy - cy + 2) ** 2 < 4
        y[i][eye], x[i][eye] = M.EYES, (20, 20, 20)
    return x, y, d


@pytest.mark.slow
def test_losses_fall_on_a_tiny_fit(tmp_path):
    x, y, d = _blobs()
    model = ParsingModel(epochs=6, seed=1).fit(x, y, d, checkpoint=tmp_path / "new" / "ck.pt")
    first, last = model.history_[0]["loss"], model.history_[-1]["loss"]
    assert sum(last.values()) < 0.9 * sum(first.values())
    assert last["ce"] < first["ce"] and last["depth"] < first["depth"]
    # the checkpoint resumes: a second fit with the same settings trains no further epoch
    again = ParsingModel(epochs=6, seed=1).fit(x, y, d, checkpoint=tmp_path / "new" / "ck.pt")
    assert len(again.history_) == 6


def test_loss_parts_follow_the_switches():
    x, y, d = _blobs(2)
    lab = torch.from_numpy(y.astype(np.int64))
    dep = torch.from_numpy(d)
    inp = torch.from_numpy(x).permute(0, 3, 1, 2).float() / 255 - 0.5
    torch.manual_seed(0)
    full = ParsingModel().build()
    _, parts = parsing_loss(full(inp), lab, dep, LossConfig())
    assert {"ce", "coarse", "hist", "depth", "edges"} == parts.keys()
    torch.manual_seed(0)
    plain = ParsingModel(ablation="no-boundary").build()
    _, p2 = parsing_loss(plain(inp), lab, dep, LossConfig(boundary=False))
    assert "edges" not in p2 and p2["ce"] != parts["ce"]


def test_model_folder_round_trip(tmp_path):
    x, y, d = _blobs(4)
    with pytest.raises(NotFittedError):
        ParsingModel().predict(x)
    model = ParsingModel(epochs=1).fit(x, y, d)
    save_parsing_model(model, tmp_path / "m", training={"cohort": "planted", "synthetic": True})
    loaded = load_parsing_model(tmp_path / "m")
    assert np.array_equal(loaded.predict(x), model.predict(x))
    with pytest.raises(InputError, match="already holds"):
        save_parsing_model(model, tmp_path / "m", training={})
    (tmp_path / "m" / "weights.pt").write_bytes(b"changed")
    with pytest.raises(InputError, match="changed"):
        load_parsing_model(tmp_path / "m")


def test_crop_setting_travels_with_the_model(tmp_path):
    import json

    x, y, d = _blobs(2)
    model = ParsingModel(epochs=1, crop="midline").fit(x, y, d)
    save_parsing_model(model, tmp_path / "m", training={})
    assert load_parsing_model(tmp_path / "m").crop == "midline"
    # a model saved before the setting existed was trained on the axis-aligned box crop
    side = json.loads((tmp_path / "m" / "model.json").read_text())
    del side["model"]["params"]["crop"]
    (tmp_path / "m" / "model.json").write_text(json.dumps(side))
    assert load_parsing_model(tmp_path / "m").crop == "box"
    with pytest.raises(InputError, match="unknown crop"):
        ParsingModel(crop="tilted").build()


def test_each_ablation_switch_removes_only_its_component():
    """A switch must not change anything else (the 4-epoch collapse of two rows was a
    question of the schedule, not of a switch that broke the rest of the network)."""
    full = {k: tuple(v.shape) for k, v in ParsingModel().build().state_dict().items()}
    removed = {"no-attention": "attn.", "no-boundary": "edge_head.", "no-depth": "depth_head."}
    for name, prefix in removed.items():
        net = {k: tuple(v.shape) for k, v in ParsingModel(ablation=name).build()
               .state_dict().items()}
        assert set(full) - set(net) == {k for k in full if k.startswith(prefix)}, name
        assert not set(net) - set(full) and all(net[k] == full[k] for k in net), name
    six = {k: tuple(v.shape) for k, v in ParsingModel(ablation="no-disease").build()
           .state_dict().items()}
    assert set(six) == set(full)
    changed = {k for k in full if six[k] != full[k]}
    # only the per-class outputs lose the FPP row: coarse and full-size heads, depth per class
    assert changed == {"coarse.weight", "coarse.bias", "head.weight", "head.bias",
                       "depth_head.1.weight", "depth_head.1.bias"}
    assert all(six[k][0] == 6 and full[k][0] == 7 for k in changed)
    assert ParsingModel(ablation="no-disease").loss_config() == ParsingModel().loss_config()


def test_median_frequency_weights_of_planted_counts():
    from strokescreen.parsing.losses import median_frequency_weights

    y = torch.zeros(2, 10, 10, dtype=torch.int64)
    y[0].view(-1)[:10] = 1  # image 0: 90 px class 0, 10 px class 1
    y[1].view(-1)[:50] = 2  # image 1: 50 px class 0, 50 px class 2; class 3 never
    # frequencies 140/200, 10/100, 50/100 -> median 0.5 -> weights 0.5/0.7, 5, 1; unseen 1
    w = median_frequency_weights(y, 4)
    assert w.tolist() == pytest.approx([0.5 / 0.7, 5.0, 1.0, 1.0], abs=1e-5)
    # the weights scale each pixel's cross-entropy by its class
    logits = torch.zeros(2, 4, 10, 10)
    out = {"logits": logits, "presence": torch.zeros(2, 4)}
    d = torch.zeros(2, 10, 10)
    cfg = LossConfig(boundary=False)
    _, plain = parsing_loss(out, y, d, cfg)
    _, weighted = parsing_loss(out, y, d, cfg, class_weight=w)
    assert weighted["ce"] == pytest.approx(plain["ce"], rel=1e-5)  # uniform logits: same mean
    logits[:, 1] = 2.0  # now class-1 pixels are cheap, the rest dearer
    _, p2 = parsing_loss(out, y, d, cfg)
    _, w2 = parsing_loss(out, y, d, cfg, class_weight=w)
    assert w2["ce"] != pytest.approx(p2["ce"], rel=1e-3)


def test_balance_switch_records_its_weights(tmp_path):
    x, y, d = _blobs(2)
    model = ParsingModel(epochs=1, balance=True).fit(x, y, d)
    assert model.class_weights_ is not None and len(model.class_weights_) == 7
    save_parsing_model(model, tmp_path / "m", training={})
    loaded = load_parsing_model(tmp_path / "m")
    assert loaded.balance and loaded.sidecar_["model"]["class_weights"] == model.class_weights_
    assert ParsingModel(epochs=1).fit(x, y, d).class_weights_ is None


def test_mirror_input_sees_each_pixel_with_its_mirror_partner():
    from strokescreen.parsing.net import ParsingNet

    cfg = ParsingModel(mirror=True).net_config()
    assert cfg.mirror
    net = ParsingNet(cfg).eval()
    assert net.blocks[0][0][0].in_channels == 6
    plain = ParsingModel().build()
    assert plain.blocks[0][0][0].in_channels == 3
    # a symmetric image and its copy with one side changed differ on both sides of the
    # output for the mirror net (each pixel sees its partner), on one side only at the
    # first layer of the plain one
    torch.manual_seed(0)
    x = torch.rand(1, 3, 32, 32)
    x = (x + x.flip(-1)) / 2
    y = x.clone()
    y[..., 20:24, 26:30] += 0.5  # image right only
    with torch.no_grad():
        first = net.blocks[0][0]
        cat = lambda t: torch.cat([t, t.flip(-1)], 1)  # noqa: E731
        diff = (first(cat(y)) - first(cat(x))).abs().sum((0, 1))
    assert diff[20:24, 2:6].sum() > 0 and diff[20:24, 26:30].sum() > 0
    with torch.no_grad():
        out = net(x - 0.5)
    assert out["logits"].shape == (1, 7, 32, 32)


def test_fpp_balance_weights_fpp_by_crops_without_over_with():
    x, y, d = _blobs(4)
    y[0][2:5, 2:5] = M.FPP  # 1 crop of 4 holds FPP: weight 3
    model = ParsingModel(epochs=1, fpp_balance=True).fit(x, y, d)
    assert model.class_weights_ == pytest.approx([1, 1, 1, 1, 1, 1, 3.0])
    both = ParsingModel(epochs=1, fpp_balance=True, balance=True).fit(x, y, d)
    mf = ParsingModel(epochs=1, balance=True).fit(x, y, d).class_weights_
    assert both.class_weights_[-1] == pytest.approx(3.0 * mf[-1], rel=1e-3)
    # without the disease class there is nothing to weight
    assert ParsingModel(epochs=1, fpp_balance=True, ablation="no-disease").fit(
        x, y, d).class_weights_ is None
