"""Bad inputs to the networks: weight files that do not fit, impossible settings."""

from __future__ import annotations

import pytest

torch = pytest.importorskip("torch")

from strokescreen.errors import InputError  # noqa: E402
from strokescreen.models.nets.resnet import (  # noqa: E402
    ResNet,
    load_weights_file,
    resnet18,
    resnet34,
)


def test_mismatched_file_names_the_layers_in_one_line(tmp_path):
    # a ResNet-18 file into a ResNet-34 (missing blocks) and a narrow net (shapes)
    path = tmp_path / "r18.pth"
    torch.save(resnet18().state_dict(), path)
    with pytest.raises(InputError) as exc:
        load_weights_file(resnet34(), path)
    msg = str(exc.value)
    assert "\n" not in msg and "r18.pth" in msg and "resnet34" in msg
    # 218 - 122 = 96 missing tensors, the first four named (sorted)
    assert "missing keys: layer1.2.bn1.bias" in msg and "(+92 more)" in msg
    with pytest.raises(InputError) as exc:
        load_weights_file(resnet18(width=0.5), path)
    msg = str(exc.value)
    assert "shape mismatches: bn1.bias file 64 vs model 32" in msg
    assert "missing keys" not in msg
    bad = tmp_path / "extra.pth"
    sd = resnet18().state_dict()
    sd["head.weight"] = torch.zeros(1)
    torch.save(sd, bad)
    with pytest.raises(InputError, match="unexpected keys: head.weight"):
        load_weights_file(resnet18(), bad)


def test_missing_and_unreadable_weight_files(tmp_path):
    with pytest.raises(InputError, match="weights file not found"):
        load_weights_file(resnet18(), tmp_path / "nope.pth")
    junk = tmp_path / "junk.pth"
    junk.write_bytes(b"not a torch file")
    with pytest.raises(InputError, match="cannot read weights file"):
        load_weights_file(resnet18(), junk)
    tensor_only = tmp_path / "tensor.pth"
    torch.save(torch.zeros(3), tensor_only)
    with pytest.raises(InputError, match="not a state_dict"):
        load_weights_file(resnet18(), tensor_only)


def test_impossible_architectures():
    with pytest.raises(ValueError, match="depth must be 18 or 34"):
        ResNet(50)
    with pytest.raises(ValueError, match="width multiplier"):
        ResNet(18, width=0)
    from strokescreen.models.nets.deepstroke import DeepStrokeNet, NetSpec

    with pytest.raises(ValueError, match="adv_stage"):
        DeepStrokeNet(NetSpec(), adv_stage=5)
    with pytest.raises(ValueError, match="at least one branch"):
        DeepStrokeNet(NetSpec(video=False, audio=False))
