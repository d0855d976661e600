"""The parsing network behind the scikit-learn contract, its presets, and its model folder.

``ParsingModel(preset="tiny").fit(images, labels, depth)`` trains; ``predict`` gives label
maps. A fitted model saves as a folder: ``weights.pt`` (state dict) + ``model.json``.
Training checkpoints every epoch to a file and resumes from it when run again with the
same settings. ``device`` says where it trains and predicts (``cpu``, ``cuda``,
``cuda:N``, ``auto``); the crops stay on the CPU and travel one batch at a time, and
weights and checkpoints are written device-free (CPU tensors), so what a GPU wrote
resumes and loads on a CPU and the other way round.
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

import strokescreen
from strokescreen.devices import check_device, describe_device, resolve_device
from strokescreen.errors import InputError, NotFittedError
from strokescreen.parsing import masks as M
from strokescreen.parsing.losses import LossConfig
from strokescreen.progress import Progress

FORMAT = "strokescreen-parsing"
FORMAT_VERSION = 1
WEIGHTS = "weights.pt"
SIDECAR = "model.json"
ABLATIONS = ("full", "no-attention", "no-boundary", "no-depth", "no-disease")
#: the crop geometry of new models (see docs/face_parsing.md, "FPP sensitivity")
DEFAULT_CROP = "box"


@dataclass(frozen=True)
class Preset:
    """Input size, widths and schedule of a preset."""

    size_px: int
    widths: tuple[int, ...]
    aspp_rates: tuple[int, ...]
    attention_stride: int
    attention_dim: int
    epochs: int
    batch_size: int
    lr: float
    frames_per_case: int


PRESETS = {
    # CPU: a few minutes an epoch on one core; 128 px since 2026-11-30 (96 px before: a
    # 4 mm drop was 1.7 px; docs/face_parsing.md, "A larger crop for the symmetry path")
    "tiny": Preset(128, (16, 32, 48, 64), (1, 2, 4), 4, 16, 8, 8, 2e-3, 8),
    # GPU: the published widths (VGG-like 64..512), DeepLab ASPP rates
    "paper": Preset(256, (64, 128, 256, 512, 512), (1, 6, 12, 18), 8, 64, 60, 16, 1e-3, 24),
}


def preset(name: str) -> Preset:
    if name not in PRESETS:
        raise InputError(f"unknown preset {name!r}; choose one of {', '.join(PRESETS)}")
    return PRESETS[name]


def _torch() -> Any:
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - installed by `make setup`
        from strokescreen.errors import MissingExtraError

        raise MissingExtraError("torch is not installed; run `make setup` "
                                "(pip install torch==2.13.0)") from exc
    return torch


class ParsingModel:
    """Multi-task face parser (see :mod:`strokescreen.parsing.net`).

    ablation : ``full`` or one component removed (``no-attention``, ``no-boundary``,
    ``no-depth``, ``no-disease`` = FPP merged into skin). hair : whether hair is a class.
    epochs : None = the preset's. crop : the crop geometry it is trained and run on
    (:func:`strokescreen.parsing.data.crop_transform`; models saved before the setting
    existed load as ``box``). balance : weight the pixel cross-entropy by median-frequency
    class balancing measured on the training labels (``class_weights_``). mirror : the
    mirrored image as extra input channels (:class:`strokescreen.parsing.net.NetConfig`).
    fpp_balance : weight the FPP pixels by the training crops without FPP over those with
    it (the FPP is rare in crops, not in the pixels of a crop that has it). symmetry : the
    FPP is decided by the left-right comparison path
    (:class:`strokescreen.parsing.net.SymmetryPath`); needs the ``midline`` crop (whose
    centre column is the facial midline) and the FPP class. size : crop side in pixels
    (None = the preset's ``size_px``; more pixels per millimetre for small asymmetries;
    a multiple of 16, the network's deepest stride). device : where ``fit`` and
    ``predict_proba`` run: ``cpu`` (default), ``cuda``, ``cuda:N`` or ``auto`` (cuda when
    torch sees a GPU); it is not part of the checkpoint key, so a training resumes on
    another device; ``device_`` is the one ``fit`` used.
    """

    sidecar_: dict[str, Any]
    history_: list[dict[str, Any]]
    #: the validation-chosen FPP threshold (``calibrate``) and the offset ``predict`` adds
    fpp_threshold_: dict[str, Any] | None
    fpp_offset_: float

    def __init__(self, *, preset: str = "tiny", ablation: str = "full", hair: bool = True,
                 epochs: int | None = None, seed: int = 0, threads: int = 1,
                 crop: str = DEFAULT_CROP, balance: bool = False, mirror: bool = False,
                 fpp_balance: bool = False, symmetry: bool = False, size: int | None = None,
                 device: str = "cpu"):
        self.preset = preset
        self.ablation = ablation
        self.hair = hair
        self.epochs = epochs
        self.seed = seed
        self.threads = threads
        self.crop = crop
        self.balance = balance
        self.mirror = mirror
        self.fpp_balance = fpp_balance
        self.symmetry = symmetry
        self.size = size
        self.device = device

    def get_params(self, deep: bool = False) -> dict[str, Any]:
        return {"preset": self.preset, "ablation": self.ablation, "hair": self.hair,
                "epochs": self.epochs, "seed": self.seed, "threads": self.threads,
                "crop": self.crop, "balance": self.balance, "mirror": self.mirror,
                "fpp_balance": self.fpp_balance, "symmetry": self.symmetry, "size": self.size,
                "device": self.device}

    # -- settings ------------------------------------------------------------------------
    @property
    def size_px(self) -> int:
        """Crop side in pixels the model is trained and run on."""
        return int(self.size) if self.size is not None else preset(self.preset).size_px

    @property
    def classes(self) -> tuple[str, ...]:
        return M.class_names(hair=self.hair, disease=self.ablation != "no-disease")

    def net_config(self):
        from strokescreen.parsing.data import CROP_ALIGNS
        from strokescreen.parsing.net import NetConfig

        if self.ablation not in ABLATIONS:
            raise InputError(f"unknown ablation {self.ablation!r}; one of {', '.join(ABLATIONS)}")
        if self.crop not in CROP_ALIGNS:
            raise InputError(f"unknown crop {self.crop!r}; one of {', '.join(CROP_ALIGNS)}")
        if self.symmetry and (self.crop != "midline" or self.ablation == "no-disease"):
            raise InputError("the symmetry path compares the two halves of a midline-aligned "
                             f"crop with an FPP class (crop {self.crop!r}, ablation "
                             f"{self.ablation!r}); use --crop midline, without --ablation "
                             "no-disease")
        p = preset(self.preset)
        if self.size is not None and (int(self.size) != self.size or self.size < 32
                                      or self.size % 16):
            raise InputError(f"crop size (--size) {self.size!r} px is not usable; give a "
                             "multiple of 16 of at least 32 (e.g. 96, 112, 128)")
        classes = self.classes
        return NetConfig(n_classes=len(self.classes), widths=p.widths, aspp_rates=p.aspp_rates,
                         attention=self.ablation != "no-attention",
                         attention_stride=p.attention_stride, attention_dim=p.attention_dim,
                         depth=self.ablation != "no-depth",
                         boundary=self.ablation != "no-boundary", mirror=self.mirror,
                         symmetry=self.symmetry, skin_index=classes.index("skin"),
                         fpp_index=classes.index("fpp") if "fpp" in classes else -1)

    def loss_config(self) -> LossConfig:
        return LossConfig(boundary=self.ablation != "no-boundary")

    def build(self):
        from strokescreen.parsing.net import ParsingNet

        return ParsingNet(self.net_config())

    def torch_device(self) -> Any:
        """The ``torch.device`` of the ``device`` setting (checked: one clear line)."""
        check_device(self.device)
        return resolve_device(self.device)

    def _key(self) -> str:
        params = {k: v for k, v in self.get_params().items() if k != "device"}
        blob = json.dumps({**params, "net": dataclasses.asdict(self.net_config())},
                          sort_keys=True)
        return hashlib.sha256(blob.encode()).hexdigest()[:16]

    # -- training ------------------------------------------------------------------------
    def fit(self, images: np.ndarray, labels: np.ndarray, depth: np.ndarray, *,
            val: tuple[np.ndarray, np.ndarray] | None = None,
            checkpoint: str | Path | None = None, progress: Progress | None = None,
            ) -> ParsingModel:
        """Train on crops. images (N, S, S, 3) uint8; labels (N, S, S) full CLASSES codes;
        depth (N, S, S) float. val: (images, labels) to pick the best epoch by mean IoU."""
        torch = _torch()
        from strokescreen.parsing.losses import parsing_loss

        torch.set_num_threads(self.threads)
        dev = self.torch_device()
        p = preset(self.preset)
        if self.size is not None and images.shape[1:3] != (self.size, self.size):
            raise InputError(f"crops of {images.shape[1]}x{images.shape[2]} px given to a "
                             f"model of crop size {self.size} px; build the crops at that size")
        epochs = self.epochs if self.epochs is not None else p.epochs
        gen = torch.Generator().manual_seed(self.seed)
        torch.manual_seed(self.seed)
        net = self.build().to(dev)
        opt = torch.optim.AdamW(net.parameters(), lr=p.lr, weight_decay=1e-4)
        y_all = torch.from_numpy(self._merge(labels).astype(np.int64))
        d_all = torch.from_numpy(depth.astype(np.float32))
        x_all = torch.from_numpy(images)
        n = len(x_all)
        steps = max(1, int(np.ceil(n / p.batch_size)))
        sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=p.lr, total_steps=epochs * steps)
        state: dict[str, Any] = {"epoch": 0, "best": -1.0, "history": []}
        best_weights = None
        ck = Path(checkpoint) if checkpoint else None
        if ck is not None:
            ck.parent.mkdir(parents=True, exist_ok=True)
        if ck is not None and ck.is_file():
            saved = torch.load(ck, weights_only=True, map_location="cpu")
            if saved.get("key") == self._key():
                net.load_state_dict(saved["net"])
                opt.load_state_dict(saved["opt"])
                sched.load_state_dict(saved["sched"])
                best_weights = saved["best_net"]
                state = json.loads(saved["state"])
                gen.set_state(saved["gen"])
        loss_cfg = self.loss_config()
        from strokescreen.parsing.losses import median_frequency_weights

        cw = median_frequency_weights(y_all, len(self.classes)) if self.balance else None
        if self.fpp_balance and "fpp" in self.classes:
            cw = cw if cw is not None else torch.ones(len(self.classes))
            fpp_k = self.classes.index("fpp")
            has = (y_all == fpp_k).flatten(1).any(1)
            cw[fpp_k] = cw[fpp_k] * float((~has).sum()) / max(float(has.sum()), 1.0)
        self.class_weights_ = None if cw is None else [round(float(v), 4) for v in cw]
        cw = None if cw is None else cw.to(dev)
        for epoch in range(state["epoch"], epochs):
            net.train()
            order = torch.randperm(n, generator=gen)
            totals: dict[str, float] = {}
            for s in range(steps):
                idx = order[s * p.batch_size:(s + 1) * p.batch_size]
                x, y, d = (t.to(dev) for t in
                           self._augment(x_all[idx], y_all[idx], d_all[idx], gen))
                out = net(x)
                loss, parts = parsing_loss(out, y, d, loss_cfg, class_weight=cw)
                opt.zero_grad()
                loss.backward()
                opt.step()
                sched.step()
                for k, v in parts.items():
                    totals[k] = totals.get(k, 0.0) + v / steps
                if progress is not None:
                    progress(epoch * steps + s + 1, epochs * steps,
                             note=f"epoch {epoch + 1}/{epochs} loss {float(loss.detach()):.3f}")
            entry: dict[str, Any] = {"epoch": epoch + 1, "loss": totals}
            if val is not None and len(val[0]):
                self.net_ = net
                from strokescreen.parsing.metrics import confusion, summary

                pred = self.predict(val[0])
                cm = confusion(self._merge(val[1]), pred, len(self.classes))
                entry["val"] = summary(cm, self.classes)
                score = entry["val"]["mean_iou"]
            else:
                score = -float(sum(totals.values()))
            if score > state["best"]:
                state["best"] = score
                best_weights = {k: v.detach().to("cpu", copy=True)
                                for k, v in net.state_dict().items()}
            state["history"].append(entry)
            state["epoch"] = epoch + 1
            if ck is not None:
                tmp = ck.with_suffix(".tmp")
                torch.save({"key": self._key(), "net": _on_cpu(net.state_dict()),
                            "opt": _on_cpu(opt.state_dict()), "sched": sched.state_dict(),
                            "best_net": best_weights, "state": json.dumps(state),
                            "gen": gen.get_state()}, tmp)
                tmp.replace(ck)
        if best_weights is not None:
            net.load_state_dict(best_weights)
        net.eval()
        self.net_ = net
        self.history_ = state["history"]
        self.device_ = describe_device(dev)
        return self

    def _merge(self, labels: np.ndarray) -> np.ndarray:
        return M.merge_classes(labels, hair=self.hair, disease=self.ablation != "no-disease")

    @staticmethod
    def flip_pair(x, y, d):
        """Mirror a batch left-right: images (B, C, H, W), labels and depth (B, H, W).

        The label map flips with the image, so the FPP moves with the drooping half of the
        face; on the mirrored face a landmarker names that half the other side, so the
        side label swaps with it (tested with :func:`~strokescreen.face.schemes.mirror_landmarks`).
        """
        return x.flip(-1), y.flip(-1), d.flip(-1)

    @staticmethod
    def _augment(x, y, d, gen):
        torch = _torch()
        x = x.permute(0, 3, 1, 2).float() / 255.0
        flip = torch.rand(len(x), generator=gen) < 0.5
        x[flip], y[flip], d[flip] = ParsingModel.flip_pair(x[flip], y[flip], d[flip])
        gain = 0.75 + 0.5 * torch.rand(len(x), 1, 1, 1, generator=gen)
        bias = 0.1 * (torch.rand(len(x), 1, 1, 1, generator=gen) - 0.5)
        x = (x * gain + bias).clamp(0, 1)
        return x - 0.5, y, d

    # -- prediction ----------------------------------------------------------------------
    def _check(self) -> None:
        if not hasattr(self, "net_"):
            raise NotFittedError("the parsing model is not fitted; call fit or load_parsing_model")

    def predict_proba(self, images: np.ndarray, *, batch_size: int = 16) -> np.ndarray:
        """Class probabilities (N, K, S, S) of (N, S, S, 3) uint8 crops."""
        self._check()
        torch = _torch()
        torch.set_num_threads(self.threads)
        dev = self.torch_device()
        self.net_.to(dev)
        was = self.net_.training
        self.net_.eval()
        out = []
        with torch.no_grad():
            for i in range(0, len(images), batch_size):
                x = torch.from_numpy(images[i:i + batch_size]).permute(0, 3, 1, 2).float()
                logits = self.net_(x.to(dev) / 255.0 - 0.5)["logits"]
                out.append(torch.softmax(logits, 1).cpu().numpy())
        self.net_.train(was)
        k = len(self.classes)
        s = images.shape[1] if len(images) else 0
        return np.concatenate(out) if out else np.zeros((0, k, s, s), np.float32)

    def predict(self, images: np.ndarray, *, attached_hair: bool = True) -> np.ndarray:
        """Label maps (N, S, S) uint8, codes in :attr:`classes` order; the FPP
        log-probability raised by ``fpp_offset_`` (the validation-chosen threshold of
        :mod:`strokescreen.parsing.calibrate`; 0 when none is set). attached_hair : hair
        not connected to the face becomes background (:mod:`strokescreen.parsing.hair`)."""
        from strokescreen.parsing.calibrate import apply_fpp_offset
        from strokescreen.parsing.hair import keep_attached_hair_named

        proba = self.predict_proba(images)
        offset = float(getattr(self, "fpp_offset_", 0.0) or 0.0)
        if "fpp" not in self.classes:
            pred = proba.argmax(1).astype(np.uint8)
        else:
            pred = apply_fpp_offset(proba, self.classes.index("fpp"), offset)
        return keep_attached_hair_named(pred, self.classes) if attached_hair else pred

    def to_full_codes(self, pred: np.ndarray) -> np.ndarray:
        """Predicted codes mapped onto :data:`masks.CLASSES` codes."""
        lut = np.array([M.CLASSES.index(c) for c in self.classes], np.uint8)
        return lut[pred]


def save_parsing_model(model: ParsingModel, folder: str | Path, *, training: dict[str, Any],
                       overwrite: bool = False) -> Path:
    """Write ``weights.pt`` + ``model.json``; returns the folder."""
    torch = _torch()
    model._check()
    out = Path(folder)
    if (out / SIDECAR).exists() and not overwrite:
        raise InputError(f"{out} already holds a model; choose a new --out or pass --overwrite")
    out.mkdir(parents=True, exist_ok=True)
    torch.save(_on_cpu(model.net_.state_dict()), out / WEIGHTS)
    digest = hashlib.sha256((out / WEIGHTS).read_bytes()).hexdigest()
    sidecar = {
        "format": FORMAT, "format_version": FORMAT_VERSION, "written_by": "strokescreen",
        "strokescreen_version": strokescreen.__version__,
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model": {"name": "face-parsing", "params": model.get_params(),
                  "classes": list(model.classes), "input_size_px": model.size_px,
                  "net": dataclasses.asdict(model.net_config()),
                  "class_weights": getattr(model, "class_weights_", None)},
        "training": training, "history": getattr(model, "history_", []),
        "fpp_threshold": getattr(model, "fpp_threshold_", None),
        "weights": {"file": WEIGHTS, "sha256": digest},
        "disclaimer": "strokescreen is a screening aid, not a diagnosis.",
    }
    (out / SIDECAR).write_text(json.dumps(sidecar, indent=2, default=_num) + "\n")
    return out


def _on_cpu(obj: Any) -> Any:
    """A (nested) state dict with every tensor on the CPU, so a file written on a GPU
    loads anywhere; a state dict's ``_metadata`` (module versions) is kept."""
    torch = _torch()
    if isinstance(obj, torch.Tensor):
        return obj.detach().cpu()
    if isinstance(obj, dict):
        moved = type(obj)((k, _on_cpu(v)) for k, v in obj.items())
        if hasattr(obj, "_metadata"):
            moved._metadata = obj._metadata  # type: ignore[attr-defined]
        return moved
    if isinstance(obj, (list, tuple)):
        return type(obj)(_on_cpu(v) for v in obj)
    return obj


def _num(v: Any) -> Any:
    if isinstance(v, np.generic):
        return v.item()
    raise TypeError(f"not JSON: {type(v)}")


def read_parsing_sidecar(folder: str | Path) -> dict[str, Any]:
    path = Path(folder) / SIDECAR
    if not path.is_file():
        raise InputError(f"{folder}: not a parsing model folder (no {SIDECAR}); give the --out "
                         "folder of `strokescreen parsing-train`")
    try:
        side = json.loads(path.read_text())
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON; retrain or restore the model folder") from exc
    if side.get("format") != FORMAT or side.get("format_version") != FORMAT_VERSION:
        raise InputError(f"{path}: format {side.get('format')!r} v{side.get('format_version')} "
                         f"is not a {FORMAT} v{FORMAT_VERSION} model; use a parsing-train model")
    return side


def load_parsing_model(folder: str | Path, *, threads: int = 1,
                       fpp_threshold: bool = True, device: str = "cpu") -> ParsingModel:
    """Load a model folder (checks the weights' hash; ``weights_only`` unpickling).

    fpp_threshold : use the validation-chosen FPP offset saved in ``model.json`` (the
    default, docs/face_parsing.md; none saved = offset 0); False = the plain arg-max.
    device : where it predicts (the CPU unless asked, wherever it was trained)."""
    torch = _torch()
    side = read_parsing_sidecar(folder)
    params = {"crop": "box", "balance": False, "mirror": False, "fpp_balance": False,
              "symmetry": False,
              # saved before the setting existed: the size it was trained at
              "size": side["model"].get("input_size_px"),
              **side["model"]["params"], "threads": threads, "device": device}
    model = ParsingModel(**params)
    wpath = Path(folder) / side["weights"]["file"]
    if not wpath.is_file() or hashlib.sha256(wpath.read_bytes()).hexdigest() \
            != side["weights"]["sha256"]:
        raise InputError(f"{wpath}: weights missing or changed since training; retrain")
    net = model.build()
    net.load_state_dict(torch.load(wpath, weights_only=True, map_location="cpu"))
    net.to(model.torch_device()).eval()
    model.net_ = net
    model.history_ = side.get("history", [])
    model.sidecar_ = side
    model.fpp_threshold_ = side.get("fpp_threshold")
    model.fpp_offset_ = float((model.fpp_threshold_ or {}).get("offset", 0.0)) \
        if fpp_threshold else 0.0
    return model
