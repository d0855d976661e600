"""Parsing metrics: per-class F1, IoU and pixel accuracy; FPP area per side."""

from __future__ import annotations

import numpy as np

from strokescreen.parsing import masks as M

#: a side is called weak when the predicted FPP covers at least this share of that side's
#: face (skin + FPP) pixels: half of the smallest planted region (the lower face half of
#: a hemiface covers about half of it), so a call needs most of that region found; and
#: it must exceed the other side's share by the same amount: a weakness is one-sided, so
#: FPP found on both sides is discounted (what the two sides share is not lateral) and
#: the one-sided excess must still reach the minimum
FPP_SIDE_MIN_SHARE = 0.25


def confusion(true: np.ndarray, pred: np.ndarray, n_classes: int) -> np.ndarray:
    """(K, K) counts, rows = truth, columns = prediction."""
    idx = true.astype(np.int64).ravel() * n_classes + pred.astype(np.int64).ravel()
    return np.bincount(idx, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def class_scores(cm: np.ndarray, names: tuple[str, ...]) -> list[dict]:
    """Per-class F1, IoU and pixel accuracy (recall of that class's pixels); NaN if absent."""
    rows = []
    for k, name in enumerate(names):
        tp = float(cm[k, k])
        fn = float(cm[k].sum() - tp)
        fp = float(cm[:, k].sum() - tp)
        present = tp + fn > 0
        f1 = 2 * tp / (2 * tp + fp + fn) if present else float("nan")
        iou = tp / (tp + fp + fn) if present else float("nan")
        acc = tp / (tp + fn) if present else float("nan")
        rows.append({"class": name, "f1": f1, "iou": iou, "pixel_accuracy": acc,
                     "true_pixels": int(tp + fn), "predicted_pixels": int(tp + fp)})
    return rows


def summary(cm: np.ndarray, names: tuple[str, ...]) -> dict:
    """Mean F1 / IoU over the foreground classes present, and overall pixel accuracy."""
    rows = class_scores(cm, names)
    fg = [r for r in rows if r["class"] != "background" and r["true_pixels"] > 0]
    return {"mean_f1": float(np.mean([r["f1"] for r in fg])) if fg else float("nan"),
            "mean_iou": float(np.mean([r["iou"] for r in fg])) if fg else float("nan"),
            "pixel_accuracy": float(np.trace(cm) / max(cm.sum(), 1))}


def fpp_areas(labels: np.ndarray, points: np.ndarray, *, fpp_class: int = M.FPP,
              skin_class: int = M.SKIN) -> dict[str, float]:
    """FPP pixels per subject side and their share of that side's face (skin + FPP)."""
    sign = M.side_of_midline(points, (int(labels.shape[0]), int(labels.shape[1])))
    out: dict[str, float] = {}
    for side, s in (("left", 1), ("right", -1)):
        fpp = int(((labels == fpp_class) & (sign == s)).sum())
        face = int((((labels == fpp_class) | (labels == skin_class)) & (sign == s)).sum())
        out[f"fpp_px_{side}"] = float(fpp)
        out[f"fpp_share_{side}"] = fpp / face if face else 0.0
    return out


def fpp_side(share_left: float, share_right: float, *,
             min_share: float = FPP_SIDE_MIN_SHARE) -> str:
    """``left`` / ``right`` / ``none`` from the FPP shares of the two sides.

    A side needs ``share >= min_share`` and ``share - other side's share >= min_share``
    (a symmetric FPP, small or large, names no side).
    """
    hi, lo = max(share_left, share_right), min(share_left, share_right)
    if hi < min_share or hi - lo < min_share:
        return "none"
    return "left" if share_left > share_right else "right"


def fpp_side_of_frames(shares_left, shares_right, *,
                       min_share: float = FPP_SIDE_MIN_SHARE) -> str:
    """A recording's FPP side from its frames: each frame calls a side by :func:`fpp_side`;
    the recording takes the side called on more frames (``none`` on a tie or when no frame
    calls one).

    The labels draw the FPP only on the frames that show the droop (often a few of a
    recording's frames, e.g. the smiles), so a perfect parser marks it there alone; a mean
    share over all frames would dilute it below the minimum (labels v3 on the
    generator-v2 cohort: the truth labels themselves name the side of 3 of 9 held-out weak
    recordings by the mean, all 9 by the frames).
    """
    calls = [fpp_side(a, b, min_share=min_share)
             for a, b in zip(shares_left, shares_right, strict=True)]
    n_left, n_right = calls.count("left"), calls.count("right")
    if n_left == n_right:
        return "none"
    return "left" if n_left > n_right else "right"
