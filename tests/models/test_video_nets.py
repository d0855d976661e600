"""Siamese region net, I3D inflation and SlowFast pathways, with planted answers."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from strokescreen.models.nets.region import RegionSiameseNet  # noqa: E402
from strokescreen.models.nets.resnet import ResNet, init_resnet  # noqa: E402
from strokescreen.models.nets.video3d import (  # noqa: E402
    I3DResNet,
    SlowFastNet,
    inflate_conv,
)
from strokescreen.models.video_data import get_video_preset  # noqa: E402
from strokescreen.models.video_models import build_net  # noqa: E402
from strokescreen.models.video_train import train_samples  # noqa: E402


def _randomise_bn(net: torch.nn.Module, gen: torch.Generator) -> None:
    """Non-trivial batch-norm statistics and affine parameters (eval mode uses them)."""
    for m in net.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            m.running_mean.copy_(torch.randn(m.num_features, generator=gen) * 0.1)
            m.running_var.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.weight.data.copy_(torch.rand(m.num_features, generator=gen) + 0.5)
            m.bias.data.copy_(torch.randn(m.num_features, generator=gen) * 0.1)


@torch.no_grad()
def test_symmetric_face_gives_zero_difference_and_one_sided_change_does_not():
    gen = torch.Generator().manual_seed(0)
    net = RegionSiameseNet((4, 8, 8))
    init_resnet(net, gen)
    net.eval()
    side = torch.randn(2, 3, 3, 16, 16, generator=gen)
    x = torch.stack([side, side], dim=2)  # (B, 3 regions, 2 sides, 3, P, P): left == right
    out = net(x)
    assert torch.equal(out["difference"], torch.zeros_like(out["difference"]))
    # identity does not matter for a symmetric face: two different faces, the same score
    assert out["logit"][0].item() == out["logit"][1].item()
    droop = x.clone()
    droop[:, 2, 0] += 1.0  # the mouth's left side changed
    d = net(droop)["difference"]
    assert d[:, 2].abs().sum() > 0 and torch.equal(d[:, :2], torch.zeros_like(d[:, :2]))


@torch.no_grad()
def test_siamese_encoder_is_shared_by_both_sides():
    gen = torch.Generator().manual_seed(1)
    net = RegionSiameseNet((4, 8, 8))
    init_resnet(net, gen)
    net.eval()
    assert len(net.encoders) == 3  # one encoder per region, not per side
    x = torch.randn(3, 3, 2, 3, 16, 16, generator=gen)
    swapped = x.flip(dims=(2,))
    # shared weights: swapping the sides swaps the embeddings and negates the difference
    a, b = net(x), net(swapped)
    assert torch.allclose(a["left"], b["right"]) and torch.allclose(a["right"], b["left"])
    assert torch.allclose(a["difference"], -b["difference"])


@torch.no_grad()
def test_inflated_kernel_reproduces_the_2d_response_on_a_constant_clip():
    gen = torch.Generator().manual_seed(2)
    conv = torch.nn.Conv2d(3, 5, 3, stride=2, padding=1, bias=True)
    torch.nn.init.normal_(conv.weight, generator=gen)
    frame = torch.randn(2, 3, 20, 20, generator=gen)
    clip = frame[:, :, None].repeat(1, 1, 6, 1, 1)
    out = inflate_conv(conv, 3)(clip)
    assert out.shape == (2, 5, 6, 10, 10)
    for t in range(6):  # edge frames too: time is padded by repeating the edge frames
        assert torch.allclose(out[:, :, t], conv(frame), atol=1e-5)


@torch.no_grad()
def test_inflated_resnet_matches_the_2d_resnet_on_a_constant_clip():
    gen = torch.Generator().manual_seed(3)
    flat = ResNet(18, width=0.125, num_classes=None)
    init_resnet(flat, gen)
    _randomise_bn(flat, gen)
    flat.eval()
    i3d = I3DResNet(flat).eval()
    frame = torch.randn(2, 3, 64, 64, generator=gen)
    clip = frame[:, :, None].repeat(1, 1, 4, 1, 1)
    want = flat(frame)
    got = i3d(clip)["embedding"]
    assert torch.allclose(got, want, atol=1e-4, rtol=1e-4)
    fmap = i3d.feature_map(clip)
    assert torch.allclose(fmap[:, :, 0], fmap[:, :, 3], atol=1e-5)


def test_slowfast_pathways_see_the_designed_frame_rates():
    net = SlowFastNet(alpha=4, beta=0.25, channels=8, blocks=1).eval()
    seen: dict[str, int] = {}
    net.slow_stem.register_forward_hook(lambda m, i, o: seen.__setitem__("slow", i[0].shape[2]))
    net.fast_stem.register_forward_hook(lambda m, i, o: seen.__setitem__("fast", i[0].shape[2]))
    lat: list[int] = []
    for lateral in net.laterals:
        lateral.register_forward_hook(lambda m, i, o: lat.append(o.shape[2]))
    clip = torch.arange(8, dtype=torch.float32).view(1, 1, 8, 1, 1).expand(2, 3, 8, 32, 32)
    with torch.no_grad():
        out = net(clip)
    assert seen == {"slow": 2, "fast": 8}  # 8 frames: slow every 4th, fast all
    assert lat == [2, 2, 2, 2]  # laterals bring the fast features to the slow rate
    slow, fast = net.pathways(clip)
    assert slow[0, 0, :, 0, 0].tolist() == [0.0, 4.0]  # frames 0 and alpha
    assert fast.shape[2] == 8 and out["logit"].shape == (2,)
    # the fast pathway is the thin one: beta x the slow pathway's channels
    assert net.fast_stem[0].conv.out_channels == 2 and net.slow_stem[0].conv.out_channels == 8


@pytest.mark.parametrize("arch", ["region-cnn", "i3d", "slowfast"])
def test_each_net_trains_a_few_steps_and_its_loss_falls(arch):
    rng = np.random.default_rng(0)
    preset = get_video_preset("tiny", epochs=6, batch_size=8, lr=3e-3, clip_px=32)
    n = 16
    y = (np.arange(n) % 2).astype(np.float32)
    if arch == "region-cnn":
        x = rng.integers(60, 120, (n, 3, 2, 24, 24, 3)).astype(np.uint8)
        x[y == 1, 2, 0] = 250  # stroke samples: a bright left mouth half
    else:
        x = rng.integers(60, 120, (n, 8, 32, 32, 3)).astype(np.uint8)
        x[y == 1, :, :, :16] = 250  # stroke samples: a bright half face
    net = build_net(arch, preset, generator=torch.Generator().manual_seed(0))
    hist = train_samples(net, x, y, np.arange(n), arch=arch, preset=preset, seed=0,
                         device=torch.device("cpu"), fingerprint="t")
    losses = [h["loss"] for h in hist]
    assert losses[-1] < 0.5 * losses[0], losses
