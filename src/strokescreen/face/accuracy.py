"""Landmark error metrics (iBUG-68), as in 300-W and Guarin et al. (Toronto NeuroFace).

Pure functions over arrays. The error of one face is a normalised mean error (NME): the
mean point-to-point distance between predicted and true points divided by the true
outer-canthus distance (points 36 and 45, the "inter-ocular" normaliser of 300-W); the
root-mean-square variant divides the RMS distance by the same length. Errors are reported
over all 68 points, over the 51 inner points (17-67: no jaw contour) and per region.

A face that a landmarker misses has error ``inf`` everywhere: it counts as a failure at
every threshold and never reaches the cumulative error curve; it is never dropped.
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.schemes import IBUG68_REGIONS

INNER_51 = np.arange(17, 68)
OUTER_CANTHI = (36, 45)
REGIONS: dict[str, tuple[int, ...]] = dict(IBUG68_REGIONS)
#: error columns of :func:`face_errors`, in order
ERROR_KEYS = ("nme_68", "rmse_68", "nme_51", "rmse_51") + tuple(f"nme_{r}" for r in REGIONS)


def _check(points: np.ndarray, what: str) -> np.ndarray:
    arr = np.asarray(points, dtype=float)
    if arr.ndim != 2 or arr.shape[0] != 68 or arr.shape[1] < 2:
        raise InputError(f"{what} must be iBUG-68 points, shape (68, 2); got {arr.shape}")
    return arr[:, :2]


def outer_canthus_distance(truth: np.ndarray) -> float:
    """Distance between true points 36 and 45 (outer eye corners), pixels."""
    t = _check(truth, "truth")
    d = float(np.linalg.norm(t[OUTER_CANTHI[0]] - t[OUTER_CANTHI[1]]))
    if not np.isfinite(d) or d <= 0:
        raise InputError(f"true outer eye corners (points 36 and 45) coincide or are missing "
                         f"(distance {d}); check the annotation")
    return d


def point_errors(pred: np.ndarray | None, truth: np.ndarray) -> np.ndarray:
    """Per-point distance / outer-canthus distance, shape (68,); all ``inf`` when missed.

    pred : (68, 2+) pixels, or None / any NaN for a face the landmarker did not find.
    """
    d = outer_canthus_distance(truth)
    if pred is None:
        return np.full(68, np.inf)
    p = _check(pred, "prediction")
    if not np.isfinite(p).all():
        return np.full(68, np.inf)
    return np.asarray(np.linalg.norm(p - _check(truth, "truth"), axis=1) / d)


def face_errors(pred: np.ndarray | None, truth: np.ndarray) -> dict[str, float]:
    """Errors of one face (fractions of the outer-canthus distance), keys :data:`ERROR_KEYS`.

    ``nme_*`` are mean point-to-point distances; ``rmse_*`` root-mean-square distances.
    """
    e = point_errors(pred, truth)
    out = {
        "nme_68": float(e.mean()),
        "rmse_68": float(np.sqrt(np.mean(e**2))),
        "nme_51": float(e[INNER_51].mean()),
        "rmse_51": float(np.sqrt(np.mean(e[INNER_51] ** 2))),
    }
    for region, idx in REGIONS.items():
        out[f"nme_{region}"] = float(e[list(idx)].mean())
    return out


def ced_curve(errors: np.ndarray, *, limit: float = 0.08, n_steps: int = 161
              ) -> tuple[np.ndarray, np.ndarray]:
    """Cumulative error distribution: (thresholds, share of faces with error <= threshold).

    Missed faces (``inf``) are in the denominator and never below a threshold.
    """
    err = np.asarray(errors, dtype=float)
    x = np.linspace(0.0, limit, n_steps)
    if err.size == 0:
        return x, np.zeros_like(x)
    y = (err[None, :] <= x[:, None]).mean(axis=1)
    return x, y


def summarise_errors(errors: np.ndarray, *, fail_at: tuple[float, ...] = (0.08, 0.10),
                     auc_limit: float = 0.08) -> dict[str, float | int | None]:
    """Summary of per-face errors (``inf`` = missed).

    Returns n, n_missed, mean / median / p90 / max over the faces found (None when none
    was), failure rates at each of ``fail_at`` (error above it, or missed, over all faces)
    and the area under the cumulative error curve up to ``auc_limit``, scaled to 0..1.
    """
    err = np.asarray(errors, dtype=float).ravel()
    found = err[np.isfinite(err)]
    out: dict[str, float | int | None] = {"n": int(err.size),
                                          "n_missed": int(err.size - found.size)}
    if found.size:
        out.update(mean=float(found.mean()), median=float(np.median(found)),
                   p90=float(np.percentile(found, 90)), max=float(found.max()))
    else:
        out.update(mean=None, median=None, p90=None, max=None)
    for thr in fail_at:
        key = f"failure_rate_{round(thr * 100):d}pct"
        out[key] = float(np.mean(~(err <= thr))) if err.size else None
    x, y = ced_curve(err, limit=auc_limit, n_steps=801)
    out[f"auc_{round(auc_limit * 100):d}pct"] = float(np.trapz(y, x) / auc_limit) \
        if err.size else None
    return out


def compare_paired(a: np.ndarray, b: np.ndarray) -> dict[str, float | int]:
    """Paired comparison of two landmarkers' errors on the same faces (Guarin et al.).

    Faces either missed are left out of the test (``n_excluded`` says how many). Returns
    n, n_excluded, mean_a, mean_b, mean_diff (a - b), t and p of a paired t-test, and the
    standardised mean difference (a - b) / sqrt((sd_a^2 + sd_b^2) / 2) (Cohen's d with the
    average SD). t, p and smd are NaN with fewer than 2 pairs.
    """
    from scipy import stats

    ea, eb = np.asarray(a, float).ravel(), np.asarray(b, float).ravel()
    if ea.shape != eb.shape:
        raise InputError(f"paired errors differ in length: {ea.size} vs {eb.size}")
    ok = np.isfinite(ea) & np.isfinite(eb)
    xa, xb = ea[ok], eb[ok]
    out: dict[str, float | int] = {"n": int(ok.sum()), "n_excluded": int((~ok).sum()),
                                   "mean_a": float(xa.mean()) if xa.size else float("nan"),
                                   "mean_b": float(xb.mean()) if xb.size else float("nan"),
                                   "mean_diff": float((xa - xb).mean()) if xa.size else float("nan"),
                                   "t": float("nan"), "p": float("nan"), "smd": float("nan")}
    if xa.size >= 2:
        diff = xa - xb
        if np.ptp(diff) > 0:
            res = stats.ttest_rel(xa, xb)
            out["t"], out["p"] = float(res.statistic), float(res.pvalue)
        sd = np.sqrt((xa.std(ddof=1) ** 2 + xb.std(ddof=1) ** 2) / 2)
        if sd > 0:
            out["smd"] = float(diff.mean() / sd)
    return out


def commissure_difference(points68: np.ndarray) -> np.ndarray:
    """Left-minus-right mouth-corner height below the eye line, in the points' unit.

    Each corner's height is measured perpendicular to the line through the two eye
    centroids, from that side's eye centroid (image y grows downwards, so + = the
    subject's left corner lower). points68 : (..., 68, 2+). Returns shape (...).
    """
    p = np.asarray(points68, dtype=float)[..., :2]
    eye_r, eye_l = p[..., 36:42, :].mean(-2), p[..., 42:48, :].mean(-2)
    axis = eye_l - eye_r
    axis = axis / np.linalg.norm(axis, axis=-1, keepdims=True)
    down = np.stack([-axis[..., 1], axis[..., 0]], axis=-1)  # eye line turned +90 degrees
    h_r = ((p[..., 48, :] - eye_r) * down).sum(-1)
    h_l = ((p[..., 54, :] - eye_l) * down).sum(-1)
    return np.asarray(h_l - h_r)


def droop_slope(measured: np.ndarray, true: np.ndarray) -> float:
    """Least-squares slope of measured against true commissure difference (1 = reads all
    of a droop, 0 = none: a landmarker pulling faces towards symmetry reads less than 1).

    measured, true : (n,) same unit; faces missed (NaN) are left out. NaN with fewer than
    two faces or no spread in the truth.
    """
    m, t = np.asarray(measured, float).ravel(), np.asarray(true, float).ravel()
    if m.shape != t.shape:
        raise InputError(f"measured and true differences differ in length: {m.size} vs {t.size}")
    ok = np.isfinite(m) & np.isfinite(t)
    if ok.sum() < 2 or np.ptp(t[ok]) == 0:
        return float("nan")
    tc = t[ok] - t[ok].mean()
    return float((tc * (m[ok] - m[ok].mean())).sum() / (tc**2).sum())
