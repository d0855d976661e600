"""The FPP decision threshold, chosen on the validation subjects.

A parsing network can rank the crops that carry the paralysed part (FPP) above the rest on
new subjects and still never give the FPP the largest probability of a pixel, so nothing
is drawn (docs/face_parsing.md, symmetry path). The threshold here is an *offset* added to
the FPP log-probability before the arg-max: a pixel is FPP when

    log p_fpp + offset > max over the other classes of log p_k.

It is chosen by a stated principle, on the validation subjects only (never the held-out
test subjects, never real files): **the offset that maximises the validation FPP pixel
F1** (rule ``f1``), or the same maximum over the offsets that give no validation
recording without weakness a side (rule ``healthy``, the default of
:func:`strokescreen.workflows.parsing.fpp_threshold_on`). Each pixel switches to FPP at
its own margin ``max_k log p_k - log p_fpp``, so F1 as a function of the offset is a step
function whose steps are the sorted margins; every step is scored exactly and the chosen
offset is the midpoint of the best step (the smallest such step when several tie). No FPP
pixel in the validation truth, or no step beating F1 at offset 0, keeps the offset at 0.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from strokescreen.errors import InputError

RULES = {
    "f1": "offset on the FPP log-probability maximising the validation FPP pixel F1",
    "healthy": "offset on the FPP log-probability maximising the validation FPP pixel F1 "
               "among the offsets below the first that gives a validation recording "
               "without weakness a side (found on a 0.05 grid, then bisected)",
}
RULE = RULES["f1"]
#: the step of the offset grid on which the validation recordings' side calls are checked
SIDE_GRID_STEP = 0.05
#: offsets beyond this (a factor e^12 on the FPP probability) are not considered
MAX_OFFSET = 12.0


def fpp_margins(proba: np.ndarray, fpp: int) -> np.ndarray:
    """Per pixel, the offset above which it turns FPP: max over the other classes of
    log p_k minus log p_fpp. proba (N, K, H, W) -> (N, H, W) float64."""
    if proba.ndim != 4 or not 0 <= fpp < proba.shape[1]:
        raise InputError(f"class probabilities of shape {proba.shape} with FPP index {fpp}: "
                         "give (N, K, H, W) probabilities and an index below K")
    logp = np.log(np.clip(proba.astype(np.float64), 1e-30, None))
    others = np.delete(logp, fpp, axis=1).max(1)
    return others - logp[:, fpp]


def f1_by_offset(margins: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Candidate offsets (0 and the midpoints between consecutive sorted margins up to
    :data:`MAX_OFFSET`, and below 0) and the FPP pixel F1 at each."""
    m = np.asarray(margins, np.float64).ravel()
    t = np.asarray(truth, bool).ravel()
    if m.shape != t.shape:
        raise InputError(f"margins {np.shape(margins)} and truth {np.shape(truth)} differ")
    order = np.argsort(m, kind="stable")
    ms, ts = m[order], t[order]
    keep = ms < MAX_OFFSET
    ms, ts = ms[keep], ts[keep]
    # after the first j pixels (by margin) are FPP: tp = cumsum of truth, fp = j - tp
    tp = np.concatenate([[0], np.cumsum(ts)])
    pred = np.arange(len(ms) + 1)
    pos = int(t.sum())
    f1 = np.where(pred + pos > 0, 2 * tp / np.maximum(pred + pos, 1), 0.0)
    # offset for "the first j pixels": midpoint between margin j-1 and margin j
    lo = np.concatenate([[ms[0] - 1.0 if len(ms) else -1.0], ms])
    hi = np.concatenate([ms, [MAX_OFFSET]])
    offsets = (lo + hi) / 2
    reachable = lo < hi  # equal margins switch together: no offset splits them
    return offsets[reachable], f1[reachable]


def choose_fpp_offset(proba: np.ndarray, truth_fpp: np.ndarray, fpp: int, *,
                      below: float | None = None) -> dict[str, Any]:
    """The validation-chosen FPP offset (module docstring) and the F1 with and without it.

    proba (N, K, H, W) class probabilities of the validation crops; truth_fpp (N, H, W)
    bool, the pixels labelled FPP; fpp the FPP class index. below : only offsets under
    this one are considered (the rule :data:`RULES` ``healthy`` passes the first offset
    that gives a validation recording without weakness a side)."""
    margins = fpp_margins(proba, fpp)
    truth = np.asarray(truth_fpp, bool)
    if truth.shape != margins.shape:
        raise InputError(f"FPP truth of shape {truth.shape} does not match the "
                         f"probabilities' {margins.shape}")
    base = _f1(margins < 0, truth)
    offsets, f1 = f1_by_offset(margins, truth)
    if below is not None:
        offsets, f1 = offsets[offsets < below], f1[offsets < below]
    best = int(np.argmax(f1)) if len(f1) else 0
    offset = 0.0
    if truth.any() and len(f1) and f1[best] > base:
        offset = float(offsets[best])
    chosen = margins < offset
    return {"offset": offset, "rule": RULE,
            "val_fpp_f1": round(_f1(chosen, truth), 4), "val_fpp_f1_at_0": round(base, 4),
            "val_crops": int(len(truth)), "val_crops_with_fpp": int(truth.any((1, 2)).sum()),
            "val_fpp_pixels_true": int(truth.sum()), "val_fpp_pixels_drawn": int(chosen.sum()),
            "val_crops_without_fpp_drawn": int((chosen.any((1, 2)) & ~truth.any((1, 2)))
                                               .sum())}


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float((pred & truth).sum())
    denom = float(pred.sum() + truth.sum())
    return 2 * tp / denom if denom else 0.0


def apply_fpp_offset(proba: np.ndarray, fpp: int, offset: float) -> np.ndarray:
    """Label maps (N, H, W) uint8 with the FPP log-probability raised by ``offset``."""
    if not offset:
        return proba.argmax(1).astype(np.uint8)
    scaled = np.array(proba, np.float64, copy=True)
    scaled[:, fpp] *= np.exp(offset)
    return scaled.argmax(1).astype(np.uint8)
