"""ResNet-18/34 in plain torch: torchvision's parameter names, weights round trip."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from strokescreen.models.nets.resnet import (  # noqa: E402
    ResNet,
    check_state_dict,
    init_resnet,
    load_weights_file,
    resnet18,
    resnet34,
)


def test_resnet18_state_dict_matches_torchvision_count_and_names():
    # 122 = conv1 (1) + bn1 (5: weight, bias, running_mean, running_var,
    # num_batches_tracked) + 8 blocks x (2 conv + 2 bn = 12) + 3 downsamples x (1 conv +
    # 1 bn = 6) + fc (2): 6 + 96 + 18 + 2.
    sd = resnet18().state_dict()
    assert len(sd) == 122
    for key in ("conv1.weight", "bn1.running_var", "bn1.num_batches_tracked",
                "layer1.0.conv1.weight", "layer1.1.bn2.bias",
                "layer2.0.downsample.0.weight", "layer2.0.downsample.1.running_mean",
                "layer4.1.bn2.running_var", "fc.weight", "fc.bias"):
        assert key in sd, key
    assert "layer1.0.downsample.0.weight" not in sd  # torchvision: no projection in layer1
    assert tuple(sd["fc.weight"].shape) == (1000, 512)
    assert tuple(sd["layer4.1.conv2.weight"].shape) == (512, 512, 3, 3)


def test_resnet34_state_dict_matches_torchvision_count_and_names():
    # blocks (3, 4, 6, 3) = 16 x 12 + 3 downsamples x 6 + 6 + 2 = 218.
    sd = resnet34().state_dict()
    assert len(sd) == 218
    assert "layer3.5.bn2.running_var" in sd and "layer4.2.conv1.weight" in sd
    assert "layer3.6.conv1.weight" not in sd


def test_forward_shape_and_width_multiplier():
    net = ResNet(34, width=0.25, in_channels=1, num_classes=None)
    assert net.stage_channels == (16, 32, 64, 128)
    out = net(torch.zeros(2, 1, 64, 64))
    assert tuple(out.shape) == (2, 128)
    full = resnet18(num_classes=7)
    assert tuple(full(torch.zeros(1, 3, 64, 64)).shape) == (1, 7)


def test_weights_file_round_trip(tmp_path):
    src = resnet18()
    init_resnet(src, torch.Generator().manual_seed(1))
    with torch.no_grad():
        src.bn1.running_mean.uniform_(-1, 1)
    path = tmp_path / "r18.pth"
    torch.save(src.state_dict(), path)
    dst = resnet18()
    init_resnet(dst, torch.Generator().manual_seed(2))
    load_weights_file(dst, path)
    for k, v in src.state_dict().items():
        if not k.startswith("fc."):  # the classifier is the one part never loaded
            assert torch.equal(v, dst.state_dict()[k]), k
    # a wrapped checkpoint with DataParallel prefixes loads the same
    torch.save({"state_dict": {f"module.{k}": v for k, v in src.state_dict().items()}},
               tmp_path / "wrapped.pth")
    dst2 = load_weights_file(resnet18(num_classes=None), tmp_path / "wrapped.pth")
    assert torch.equal(dst2.layer4[1].conv2.weight, src.layer4[1].conv2.weight)


def test_rgb_conv1_is_summed_into_one_channel_model():
    src = resnet18(num_classes=None)
    init_resnet(src, torch.Generator().manual_seed(0))
    grey = resnet18(in_channels=1, num_classes=None)
    matched = check_state_dict(grey, src.state_dict())
    assert torch.allclose(matched["conv1.weight"], src.conv1.weight.sum(1, keepdim=True))
