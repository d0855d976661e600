"""Training loop of the region-crop and 3-D video baselines.

One sample is one frame's region pairs or one clip; its label is its case's. Each epoch
shuffles the samples with ``np.random.default_rng([seed, epoch])`` and takes Adam steps
on the DeepStroke loss (binary cross-entropy, weight 2 on non-stroke samples), so a run
resumed from the checkpoint of epoch k continues as the uninterrupted run would.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from strokescreen.errors import InputError
from strokescreen.models.deep_train import _auc, classification_loss
from strokescreen.models.video_data import VideoPreset
from strokescreen.progress import Progress

CHECKPOINT_NAME = "last.pt"


def _batches(n: int, rng: np.random.Generator, batch_size: int) -> list[np.ndarray]:
    """Shuffled batches of ``range(n)``; a last batch of one joins the one before (batch
    norm needs two samples)."""
    order = rng.permutation(n)
    batches = [order[i:i + batch_size] for i in range(0, n, batch_size)]
    if len(batches) > 1 and len(batches[-1]) < 2:
        batches[-2] = np.concatenate([batches[-2], batches.pop()])
    return batches


def _resume(net: Any, opt: Any, ckpt: Path | None, fingerprint: str) -> tuple[list[dict], int]:
    if ckpt is None or not ckpt.is_file():
        return [], 0
    state = torch.load(ckpt, map_location="cpu", weights_only=True)
    if state.get("fingerprint") != fingerprint:
        raise InputError(f"checkpoint {ckpt} belongs to another training (different model, "
                         "settings or cases); use another checkpoint folder or delete it")
    net.load_state_dict(state["net"])
    opt.load_state_dict(state["opt"])
    return list(state["history"]), int(state["epoch"])


def _save(ckpt: Path, state: dict) -> None:
    ckpt.parent.mkdir(parents=True, exist_ok=True)
    tmp = ckpt.with_suffix(".tmp")
    torch.save(state, tmp)
    os.replace(tmp, ckpt)


def train_samples(net: Any, x: np.ndarray, y: np.ndarray, case_of: np.ndarray, *, arch: str,
                  preset: VideoPreset, seed: int, device: torch.device, fingerprint: str,
                  checkpoint_dir: Path | None = None, progress: Progress | None = None
                  ) -> list[dict]:
    """Train ``net`` in place on samples ``x`` (uint8) with labels ``y`` (S,) of their
    cases ``case_of`` (S,); returns the history (per epoch: mean loss, training AUC of
    the case means)."""
    from strokescreen.models.video_models import to_tensor

    opt = torch.optim.Adam([p for p in net.parameters() if p.requires_grad], lr=preset.lr,
                           weight_decay=preset.weight_decay)
    ckpt = Path(checkpoint_dir) / CHECKPOINT_NAME if checkpoint_dir else None
    history, start = _resume(net, opt, ckpt, fingerprint)
    n = len(x)
    for epoch in range(start, preset.epochs):
        rng = np.random.default_rng([seed, epoch])
        batches = _batches(n, rng, preset.batch_size)
        net.train()
        total, row_p = 0.0, np.full(n, np.nan)
        for b, rows in enumerate(batches):
            out = net(to_tensor(x[rows], arch).to(device))
            target = torch.from_numpy(y[rows]).to(device)
            loss = classification_loss(out["logit"], target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            total += loss.item()
            row_p[rows] = torch.sigmoid(out["logit"].detach()).double().cpu().numpy()
            if progress is not None:
                progress(epoch * len(batches) + b + 1, total=preset.epochs * len(batches),
                         note=f"epoch {epoch + 1}/{preset.epochs} loss {loss.item():.3f}")
        cases = np.unique(case_of)
        case_p = np.array([row_p[case_of == c].mean() for c in cases])
        case_y = np.array([y[case_of == c][0] for c in cases])
        history.append({"epoch": epoch + 1, "loss": total / max(1, len(batches)),
                        "train_auc": _auc(case_y, case_p)})
        if ckpt is not None:
            _save(ckpt, {"fingerprint": fingerprint, "epoch": epoch + 1,
                         "net": net.state_dict(), "opt": opt.state_dict(),
                         "history": history})
    net.eval()
    return history


@torch.no_grad()
def predict_samples(net: Any, x: np.ndarray, *, arch: str, device: torch.device,
                    batch_size: int = 16) -> np.ndarray:
    """P(stroke) (S,) of every sample of ``x`` (the net in eval mode)."""
    from strokescreen.models.video_models import to_tensor

    net.eval()
    out = [torch.sigmoid(net(to_tensor(x[i:i + batch_size], arch).to(device))["logit"])
           .double().cpu().numpy() for i in range(0, len(x), batch_size)]
    return np.concatenate(out) if out else np.zeros(0)
