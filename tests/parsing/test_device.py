"""The parsing model's ``device`` setting: checked with one line, the CPU results unchanged,
checkpoints and model folders device-free, and the ``paper`` preset trains a step.

No GPU here: what runs on CUDA is the same code with ``.to(device)``; these tests pin
what the CPU can show (a GPU run is benchmarks/parsing_paper_gpu.py)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

torch = pytest.importorskip("torch")

from strokescreen.cli import app  # noqa: E402
from strokescreen.devices import check_device, resolve_device  # noqa: E402
from strokescreen.errors import ConfigError  # noqa: E402
from strokescreen.parsing import masks as M  # noqa: E402
from strokescreen.parsing.model import (  # noqa: E402
    ParsingModel,
    load_parsing_model,
    save_parsing_model,
)
from strokescreen.parsing.net import n_parameters  # noqa: E402

NO_GPU = not torch.cuda.is_available()


def _faces(n: int, size: int, seed: int = 0):
    """Skin discs with an eye and, on odd crops, an FPP quarter: crops (n, size, size, 3)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[:size, :size]
    x = np.zeros((n, size, size, 3), np.uint8)
    y = np.zeros((n, size, size), np.uint8)
    d = np.zeros((n, size, size), np.float32)
    r = size / 4
    for i in range(n):
        cx, cy = rng.uniform(0.4, 0.6, 2) * size
        face = (xx - cx) ** 2 + (yy - cy) ** 2 < r ** 2
        y[i][face], x[i][face], d[i][face] = M.SKIN, (200, 150, 120), 0.2
        eye = (xx - cx + r / 3) ** 2 + (yy - cy + r / 3) ** 2 < (r / 4) ** 2
        y[i][eye], x[i][eye] = M.EYES, (20, 20, 20)
        if i % 2:
            y[i][face & ~eye & (xx > cx) & (yy > cy)] = M.CLASSES.index("fpp")
    return x, y, d


def _weights(model: ParsingModel) -> dict:
    return {k: v.detach().cpu() for k, v in model.net_.state_dict().items()}


def _same(a: dict, b: dict) -> bool:
    return a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)


def _tensors(obj):
    if isinstance(obj, torch.Tensor):
        yield obj
    elif isinstance(obj, dict):
        for v in obj.values():
            yield from _tensors(v)
    elif isinstance(obj, (list, tuple)):
        for v in obj:
            yield from _tensors(v)


@pytest.mark.parametrize(("device", "says"), [
    ("gpu", "use cpu, cuda, cuda:N or auto"), ("cuda:x", "use cpu, cuda, cuda:N or auto"),
    ("CPU", "use cpu, cuda, cuda:N or auto"), ("cuda:99", "torch sees")])
def test_a_device_torch_cannot_use_is_one_clear_line(device, says):
    with pytest.raises(ConfigError, match=says) as err:
        check_device(device, option="--device")
    assert str(err.value).replace("'", "").startswith(f"--device {device}")
    assert "\n" not in str(err.value)
    x, y, d = _faces(2, 32)
    with pytest.raises(ConfigError, match=says):  # before any training
        ParsingModel(device=device, size=32, epochs=1).fit(x, y, d)


@pytest.mark.skipif(not NO_GPU, reason="a GPU is visible here")
def test_cuda_without_a_gpu_is_refused_and_auto_is_the_cpu():
    with pytest.raises(ConfigError, match=r"torch sees 0 CUDA GPU\(s\) here; use --device cpu"):
        check_device("cuda", option="--device")
    check_device("auto")
    assert resolve_device("auto") == torch.device("cpu")


def test_the_check_counts_the_gpus_torch_sees(monkeypatch):
    """With one GPU visible (faked): cuda and cuda:0 pass, cuda:1 is refused; auto
    resolves to cuda."""
    import strokescreen.devices as D

    monkeypatch.setattr(D, "visible_gpus", lambda: 1)
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    for ok in ("cuda", "cuda:0", "auto", "cpu"):
        check_device(ok)
    with pytest.raises(ConfigError, match=r"device cuda:1: torch sees 1 CUDA GPU\(s\)"):
        check_device("cuda:1")
    assert resolve_device("auto") == torch.device("cuda")
    assert resolve_device("cuda:0") == torch.device("cuda", 0)


def test_cpu_and_auto_train_the_weights_of_the_default():
    """device="cpu" (and "auto" on a machine without a GPU) is the default training:
    the same seed gives the same weights bit for bit, the device is recorded."""
    x, y, d = _faces(6, 32)
    val = (x[4:], y[4:])
    kw = {"epochs": 2, "seed": 2, "size": 32, "balance": True, "fpp_balance": True}
    base = ParsingModel(**kw).fit(x[:4], y[:4], d[:4], val=val)
    cpu = ParsingModel(device="cpu", **kw).fit(x[:4], y[:4], d[:4], val=val)
    assert _same(_weights(base), _weights(cpu))
    assert cpu.history_ == base.history_ and cpu.device_ == {"device": "cpu"}
    assert np.array_equal(cpu.predict_proba(x), base.predict_proba(x))
    assert base.get_params()["device"] == "cpu"
    if NO_GPU:
        auto = ParsingModel(device="auto", **kw).fit(x[:4], y[:4], d[:4], val=val)
        assert _same(_weights(base), _weights(auto)) and auto.device_ == {"device": "cpu"}
    # the weights did move: the comparison above is not of two untrained nets
    torch.manual_seed(2)
    assert not _same(_weights(base), {k: v for k, v in ParsingModel(**kw).build()
                                      .state_dict().items()})


def test_checkpoint_is_device_free_and_resumes_under_another_device_setting(tmp_path):
    """A training stopped after epoch 1 resumes with another ``device`` (the setting is not
    part of the checkpoint key) and ends with the weights of an uninterrupted run."""
    x, y, d = _faces(4, 32)
    kw = {"epochs": 2, "seed": 5, "size": 32}
    whole = ParsingModel(**kw).fit(x, y, d)
    ck = tmp_path / "ck.pt"

    def stop_in_epoch_2(done, total=None, note=None):
        if note and note.startswith("epoch 2/"):
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        ParsingModel(device="cpu", **kw).fit(x, y, d, checkpoint=ck, progress=stop_in_epoch_2)
    saved = torch.load(ck, weights_only=True, map_location="cpu")
    assert json.loads(saved["state"])["epoch"] == 1
    tensors = list(_tensors({k: saved[k] for k in ("net", "opt", "best_net")}))
    assert len(tensors) > 100 and {t.device.type for t in tensors} == {"cpu"}
    resumed = ParsingModel(device="auto", **kw).fit(x, y, d, checkpoint=ck)
    assert len(resumed.history_) == 2 and resumed.history_[0] == whole.history_[0]
    if NO_GPU:
        assert _same(_weights(resumed), _weights(whole))


def test_model_folder_trained_elsewhere_loads_on_the_cpu(tmp_path):
    x, y, d = _faces(2, 32)
    model = ParsingModel(epochs=1, size=32, device="auto").fit(x, y, d)
    save_parsing_model(model, tmp_path / "m", training={"device": "cpu"})
    weights = torch.load(tmp_path / "m" / "weights.pt", weights_only=True)
    assert {t.device.type for t in weights.values()} == {"cpu"}
    # as if trained on a GPU: model.json says cuda; it still loads (and runs) on the CPU
    side = json.loads((tmp_path / "m" / "model.json").read_text())
    assert side["model"]["params"]["device"] == "auto"
    side["model"]["params"]["device"] = "cuda"
    side["training"]["device"] = "cuda:0"
    (tmp_path / "m" / "model.json").write_text(json.dumps(side))
    loaded = load_parsing_model(tmp_path / "m")
    assert loaded.device == "cpu"
    assert {p.device.type for p in loaded.net_.parameters()} == {"cpu"}
    assert np.array_equal(loaded.predict_proba(x), model.predict_proba(x))
    assert load_parsing_model(tmp_path / "m", device="auto").net_ is not None
    with pytest.raises(ConfigError, match="use cpu, cuda, cuda:N or auto"):
        load_parsing_model(tmp_path / "m", device="gpu")


def test_paper_preset_builds_and_trains_a_step_on_a_small_crop():
    """The paper preset (widths 64-512, ASPP rates 1/6/12/18) at a 64 px crop: one epoch
    of one batch of 2 runs forward and backward, and the network is ~84x tiny's."""
    tiny = n_parameters(ParsingModel(preset="tiny").build())
    torch.manual_seed(0)
    init = ParsingModel(preset="paper", size=64).build()
    paper = n_parameters(init)
    assert tiny == 393_335 and paper == 32_982_711  # 83.9x
    x, y, d = _faces(2, 64)
    model = ParsingModel(preset="paper", size=64, epochs=1, seed=0, device="cpu").fit(x, y, d)
    loss = model.history_[0]["loss"]
    assert {"ce", "coarse", "hist", "depth", "edges"} == loss.keys()
    assert all(np.isfinite(v) and v > 0 for v in loss.values())
    assert not _same(_weights(model), {k: v for k, v in init.state_dict().items()})
    proba = model.predict_proba(x)
    assert proba.shape == (2, 7, 64, 64) and np.allclose(proba.sum(1), 1.0, atol=1e-4)


def test_parsing_train_refuses_a_bad_device_before_writing(tmp_path):
    cohort = tmp_path / "cohort"
    cohort.mkdir()
    bad = [("gpu", "use cpu, cuda, cuda:N or auto"), ("cuda:7", "CUDA GPU(s)")]
    if NO_GPU:
        bad.append(("cuda", "torch sees 0 CUDA GPU(s) here"))
    for device, says in bad:
        res = CliRunner().invoke(app, ["parsing-train", str(cohort), "--out",
                                       str(tmp_path / "model"), "--device", device])
        assert res.exit_code == 2, res.output
        out = " ".join(res.output.split())
        assert says in out and "Traceback" not in out
        assert not (tmp_path / "model").exists()
