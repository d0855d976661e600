"""Benchmark helpers of the landmark-candidate search (issue 14): face-api's net rebuilt in
torch (benchmarks/faceapi68.py) and the inverse-variance fusion weights
(benchmarks/fit_fusion_weights.py), on planted inputs."""

from __future__ import annotations

import importlib.util
import json
import sys
from pathlib import Path

import numpy as np
import pytest

from strokescreen.face.accuracy import commissure_difference
from strokescreen.face.schemes import MIRROR_IBUG68
from tests.face.test_fusion import _symmetric_face

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"


def _module(name: str, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, name, mod)
    spec.loader.exec_module(mod)
    return mod


def test_faceapi_weights_are_dequantised_as_the_manifest_says(tmp_path, monkeypatch):
    pytest.importorskip("torch")
    fa = _module("faceapi68", monkeypatch)
    manifest = [{"paths": ["m.bin"], "weights": [
        {"name": "a", "shape": [2, 2], "dtype": "float32",
         "quantization": {"dtype": "uint8", "scale": 0.5, "min": -1.0}},
        {"name": "b", "shape": [3], "dtype": "float32"}]}]
    (tmp_path / "m-weights_manifest.json").write_text(json.dumps(manifest))
    raw = bytes([0, 2, 4, 255]) + np.array([1.5, -2.0, 3.25], np.float32).tobytes()
    (tmp_path / "m.bin").write_bytes(raw)
    w = fa.load(tmp_path, "m")
    assert w["a"].numpy() == pytest.approx(np.array([[-1.0, 0.0], [1.0, 126.5]]))
    assert w["b"].numpy() == pytest.approx([1.5, -2.0, 3.25])


def test_faceapi_net_has_tensorflow_same_padding_and_68_points(monkeypatch):
    torch = pytest.importorskip("torch")
    fa = _module("faceapi68", monkeypatch)
    x = torch.arange(1.0, 17.0).view(1, 1, 4, 4)
    padded = fa.same_pad(x, 2)  # TF 'same', stride 2, 3x3 on 4: one extra row/col at the end
    assert padded.shape == (1, 1, 5, 5)
    assert float(padded[0, 0, 0, 0]) == 1.0 and float(padded[0, 0, 3, 3]) == 16.0
    assert float(padded[0, 0, 4, :].abs().sum()) == 0.0 == float(padded[0, 0, :, 4].abs().sum())
    assert fa.same_pad(x, 1).shape == (1, 1, 6, 6)  # stride 1: one on every side
    gen = torch.Generator().manual_seed(0)
    w = {}
    chans = [3, 32, 64, 128, 256]
    for b in range(4):
        cin, cout = chans[b], chans[b + 1]
        if b == 0:
            w["dense0/conv0/filters"] = torch.randn(3, 3, 3, 32, generator=gen) * 0.1
            w["dense0/conv0/bias"] = torch.zeros(32)
        for c in range(0 if b else 1, 4):
            ci = cin if c == 0 else cout
            w[f"dense{b}/conv{c}/depthwise_filter"] = torch.randn(3, 3, ci, 1, generator=gen) * 0.1
            w[f"dense{b}/conv{c}/pointwise_filter"] = torch.randn(1, 1, ci, cout, generator=gen) * 0.1
            w[f"dense{b}/conv{c}/bias"] = torch.zeros(cout)
    w["fc/weights"] = torch.zeros(256, 136)
    w["fc/bias"] = torch.full((136,), 0.25)
    out = fa.net(torch.zeros(2, 112, 112, 3), w)
    assert out.shape == (2, 68, 2) and out.numpy() == pytest.approx(np.full((2, 68, 2), 0.25))
    # fractions of the crop -> pixels of the box
    image = np.zeros((200, 300, 3), np.uint8)
    pts = fa.predict(image, (100.0, 40.0, 180.0, 120.0), w)
    assert pts == pytest.approx(np.tile([100 + 0.25 * 80, 40 + 0.25 * 80], (68, 1)))


def _faces(n: int, sd: float, rng: np.random.Generator) -> np.ndarray:
    return _symmetric_face()[None] + rng.normal(0.0, sd, (n, 68, 2))


def test_three_cornered_hat_recovers_planted_noise_and_weights(monkeypatch):
    fw = _module("fit_fusion_weights", monkeypatch)
    rng = np.random.default_rng(5)
    n, ocd = 4000, 60.0  # _symmetric_face's outer canthi: the eye centres, 60 px apart
    truth = _faces(n, 0.0, rng)
    data = {"mesh": truth + rng.normal(0, 0.6, truth.shape),
            "ert": truth + rng.normal(0, 1.2, truth.shape),
            "third": truth + rng.normal(0, 1.8, truth.shape)}
    var = fw.three_hat(data)
    for key, sd in (("mesh", 0.6), ("ert", 1.2), ("third", 1.8)):
        est = np.sqrt(var[key][17:].mean()) * ocd
        assert est == pytest.approx(sd, rel=0.1)
    w = fw.weights_from(var, floor=1e-8)
    assert w[17:] == pytest.approx(np.full((51, 2), 0.36 / (0.36 + 1.44)), abs=0.05)
    assert w[:17] == pytest.approx(np.ones((17, 2)))
    assert w == pytest.approx(w[MIRROR_IBUG68])


def test_weighted_fusion_scales_the_symmetric_correction_and_keeps_a_droop(monkeypatch):
    fw = _module("fit_fusion_weights", monkeypatch)
    mesh = _symmetric_face()
    mesh[54, 1] += 6.0  # the mesh reads a 6 px droop of one corner
    ert = _symmetric_face() + np.array([0.0, 4.0])  # the ERT: symmetric, 4 px lower
    w = np.full((68, 2), 0.25)
    fused = fw.fuse_weighted(mesh, ert, w)
    assert fused[:17] == pytest.approx(ert[:17])
    assert commissure_difference(fused) == pytest.approx(6.0)  # droop read whole
    # brows: a quarter of the ERT's 4 px drop
    assert (fused - mesh)[17:27, 1] == pytest.approx(np.full(10, 1.0))
    w[48, 1] = 0.9  # no longer mirror-symmetric: would add a left-right difference
    with pytest.raises(ValueError, match="mirror partners"):
        fw.fuse_weighted(mesh, ert, w)
