"""Losses of the parsing network: cross-entropy, HIST structure, boundary, depth.

- Cross-entropy on the full-resolution logits (per-pixel weight, see boundary) plus
  ``coarse_weight`` x cross-entropy on the coarse (attention-stride) logits.
- HIST-style structural term: node classification (BCE of each category's presence in
  the image) plus an allocation term that keeps the categories' relative geometry: the
  L1 difference between predicted and true pairwise centroid offsets of the categories
  present in the truth (centroids of the soft masks, image-size units).
- Boundary enhancement: pixels on a label border (3x3 neighbourhood) or on a depth edge
  get weight ``1 + boundary_weight``; with an edge head the predicted edge map (detached)
  adds its probability, and the head learns the true border map (BCE).
- Depth: L1 on the face pixels (depth is only known on the mesh).
"""

from __future__ import annotations

from dataclasses import dataclass

import torch
import torch.nn.functional as F


@dataclass(frozen=True)
class LossConfig:
    coarse_weight: float = 0.4
    hist_weight: float = 0.2
    allocation_weight: float = 1.0
    boundary_weight: float = 2.0
    depth_edge_threshold: float = 0.02
    depth_weight: float = 1.0
    edge_weight: float = 0.2
    boundary: bool = True


def border_map(labels: torch.Tensor) -> torch.Tensor:
    """(B, H, W) bool: pixels whose 3x3 neighbourhood holds another label."""
    x = labels[:, None].float()
    hi = F.max_pool2d(x, 3, 1, 1)
    lo = -F.max_pool2d(-x, 3, 1, 1)
    return (hi != lo)[:, 0]


def depth_edges(depth: torch.Tensor, threshold: float) -> torch.Tensor:
    """(B, H, W) bool: pixels where the depth changes more than ``threshold`` per pixel."""
    d = depth[:, None]
    gx = (d[..., :, 1:] - d[..., :, :-1]).abs()
    gy = (d[..., 1:, :] - d[..., :-1, :]).abs()
    g = F.pad(gx, (0, 1, 0, 0)) + F.pad(gy, (0, 0, 0, 1))
    return (g > threshold)[:, 0]


def centroids(probs: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Centroids (B, K, 2) in [0, 1] image units of (B, K, H, W) soft masks, and mass (B, K)."""
    b, k, h, w = probs.shape
    ys = (torch.arange(h, dtype=probs.dtype, device=probs.device) + 0.5) / h
    xs = (torch.arange(w, dtype=probs.dtype, device=probs.device) + 0.5) / w
    mass = probs.sum((2, 3))
    cx = (probs.sum(2) * xs).sum(-1) / (mass + 1e-6)
    cy = (probs.sum(3) * ys).sum(-1) / (mass + 1e-6)
    return torch.stack([cx, cy], -1), mass


def allocation_loss(probs: torch.Tensor, labels: torch.Tensor) -> torch.Tensor:
    """Mean L1 error of pairwise centroid offsets over pairs of categories in the truth."""
    k = probs.shape[1]
    onehot = F.one_hot(labels.long(), k).permute(0, 3, 1, 2).to(probs.dtype)
    c_pred, _ = centroids(probs)
    c_true, mass = centroids(onehot)
    present = (mass > 0).to(probs.dtype)
    pair = present[:, :, None] * present[:, None, :]
    d_pred = c_pred[:, :, None] - c_pred[:, None]
    d_true = c_true[:, :, None] - c_true[:, None]
    err = (d_pred - d_true).abs().sum(-1)
    return (err * pair).sum() / pair.sum().clamp_min(1.0)


def median_frequency_weights(labels: torch.Tensor, k: int) -> torch.Tensor:
    """Class weights (K,) by median-frequency balancing (Eigen & Fergus 2015): a class's
    frequency is its pixels over the pixels of the images where it appears, and its weight
    is the median frequency over the frequency; a class never seen gets weight 1."""
    counts = torch.zeros(k, dtype=torch.float64)
    totals = torch.zeros(k, dtype=torch.float64)
    per_image = labels[:, None] == torch.arange(k, device=labels.device)[None, :, None, None]
    pix = per_image.sum((2, 3)).to(torch.float64).cpu()  # (N, K)
    size = float(labels.shape[1] * labels.shape[2])
    counts += pix.sum(0)
    totals += (pix > 0).to(torch.float64).sum(0) * size
    seen = counts > 0
    freq = torch.where(seen, counts / totals.clamp_min(1.0), torch.ones_like(counts))
    med = freq[seen].median() if bool(seen.any()) else torch.tensor(1.0, dtype=torch.float64)
    return torch.where(seen, med / freq, torch.ones_like(freq)).to(torch.float32)


def parsing_loss(out: dict[str, torch.Tensor], labels: torch.Tensor, depth: torch.Tensor,
                 cfg: LossConfig, *, class_weight: torch.Tensor | None = None,
                 ) -> tuple[torch.Tensor, dict[str, float]]:
    """Total loss and its parts. labels (B, H, W) int64; depth (B, H, W) float.
    class_weight : (K,) per-class weights of the pixel cross-entropy, or None."""
    logits = out["logits"]
    k = logits.shape[1]
    parts: dict[str, torch.Tensor] = {}
    weight = torch.ones_like(depth)
    true_border = border_map(labels)
    if cfg.boundary:
        edges = true_border | depth_edges(depth, cfg.depth_edge_threshold)
        weight = weight + cfg.boundary_weight * edges.to(weight.dtype)
        if "edges" in out:
            weight = weight + cfg.boundary_weight * torch.sigmoid(out["edges"][:, 0]).detach()
    ce = F.cross_entropy(logits, labels, reduction="none")
    if class_weight is not None:
        weight = weight * class_weight.to(weight.dtype)[labels]
    parts["ce"] = (ce * weight).sum() / weight.sum()
    if "coarse" in out:
        small = F.interpolate(labels[:, None].float(), size=out["coarse"].shape[-2:],
                              mode="nearest")[:, 0].long()
        parts["coarse"] = cfg.coarse_weight * F.cross_entropy(out["coarse"], small)
    present = F.one_hot(labels, k).amax((1, 2)).to(logits.dtype)
    node = F.binary_cross_entropy_with_logits(out["presence"], present)
    alloc = allocation_loss(torch.softmax(logits, 1), labels)
    parts["hist"] = cfg.hist_weight * (node + cfg.allocation_weight * alloc)
    if "depth" in out:
        face = (depth > 0).to(depth.dtype)
        l1 = ((out["depth"][:, 0] - depth).abs() * face).sum() / face.sum().clamp_min(1.0)
        parts["depth"] = cfg.depth_weight * l1
    if "edges" in out:
        parts["edges"] = cfg.edge_weight * F.binary_cross_entropy_with_logits(
            out["edges"][:, 0], true_border.to(logits.dtype))
    total = sum(parts.values())
    assert isinstance(total, torch.Tensor)
    return total, {name: float(v.detach()) for name, v in parts.items()}
