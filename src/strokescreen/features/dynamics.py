"""Dynamic facial measures per task repetition: range, speed, path, smoothness, symmetry.

Repetitions are found automatically from the mouth-opening signal (inner lip distance at
the midline): each is one trough -> peak -> trough cycle around a prominent peak. Before
anything else the named-point trajectories get a 5-frame running median (NaN-aware), so
single-frame landmark glitches do not become velocity spikes.

Per repetition and per side (subject's right ``r`` / left ``l``), for the mouth corner
(``corner``) and the lower lip half-way to the corner (``lip``), in the face-centred frame
(roll removed, see :mod:`strokescreen.features.normalise`) and in mm:

- ``rom_mm``: range of motion, extent along the movement's main axis (max - min);
- ``peak_velocity_mm_s``: largest speed;
- ``path_length_mm``: distance travelled;
- ``ldlj``: log dimensionless jerk (Balasubramanian et al. 2015), a smoothness measure
  independent of amplitude and duration; closer to 0 = smoother.

Symmetry: ``*_nd`` = (left - right) / (left + right) for range, speed and path
(0 = symmetric, -1/3 when the left moves half as far as the right); ``ldlj_lr`` = left - right.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.integrate import trapezoid

from strokescreen.errors import ConfigError
from strokescreen.features.normalise import NormalisedFace, normalise_face

POINTS = {"corner": "mouth_corner", "lip": "lip_lower"}
METRICS = ("rom_mm", "peak_velocity_mm_s", "path_length_mm", "ldlj")


@dataclass(frozen=True)
class DynamicsConfig:
    """Settings for repetition finding and kinematics.

    smooth_frames : running-median window on landmark trajectories (odd, frames)
    prominence_frac : a repetition's peak must stand out from its troughs by this share
        of the opening signal's 5-95 percentile range
    min_period_s : peaks closer than this are one repetition
    max_gap_frames : NaN gaps up to this long are linearly filled; longer ones split
    """

    smooth_frames: int = 5
    prominence_frac: float = 0.3
    min_period_s: float = 0.25
    max_gap_frames: int = 3

    def validate(self) -> None:
        if self.smooth_frames < 1 or self.smooth_frames % 2 == 0:
            raise ConfigError(
                f"dynamics.smooth_frames={self.smooth_frames}; use an odd number >= 1"
            )
        if not 0 < self.prominence_frac < 1:
            raise ConfigError(f"dynamics.prominence_frac={self.prominence_frac}; use (0, 1)")
        if self.min_period_s <= 0:
            raise ConfigError(f"dynamics.min_period_s={self.min_period_s}; use > 0")
        if self.max_gap_frames < 0:
            raise ConfigError(f"dynamics.max_gap_frames={self.max_gap_frames}; use >= 0")


@dataclass(frozen=True)
class Repetition:
    """One repetition: frame indices of its start trough, peak and end trough."""

    start: int
    peak: int
    end: int


def running_median(x: np.ndarray, *, frames: int = 5) -> np.ndarray:
    """Centred running median along axis 0, ignoring NaN; ``frames`` odd. Same shape as x."""
    x = np.asarray(x, dtype=float)
    if frames <= 1 or x.shape[0] == 0:
        return x.copy()
    h = frames // 2
    pad = np.full((h, *x.shape[1:]), np.nan)
    xp = np.concatenate([pad, x, pad])
    win = np.lib.stride_tricks.sliding_window_view(xp, frames, axis=0)
    out = np.full(x.shape, np.nan)
    ok = np.any(np.isfinite(win), axis=-1)
    with np.errstate(all="ignore"):
        out[ok] = np.nanmedian(win[ok], axis=-1)
    out[~np.isfinite(x)] = np.nan  # never invent a frame that had no face
    return out


def fill_gaps(x: np.ndarray, *, max_gap: int = 3) -> np.ndarray:
    """Linearly fill NaN runs of at most ``max_gap`` frames along axis 0 (interior only)."""
    x = np.asarray(x, dtype=float).copy()
    flat = x.reshape(x.shape[0], -1)
    idx = np.arange(x.shape[0])
    for j in range(flat.shape[1]):
        col = flat[:, j]
        bad = ~np.isfinite(col)
        if not bad.any() or bad.all():
            continue
        good = ~bad
        filled = np.interp(idx, idx[good], col[good])
        # run lengths of NaN stretches
        starts = np.flatnonzero(bad & ~np.r_[False, bad[:-1]])
        for s in starts:
            e = s
            while e < len(col) and bad[e]:
                e += 1
            if s > 0 and e < len(col) and e - s <= max_gap:
                col[s:e] = filled[s:e]
        flat[:, j] = col
    return flat.reshape(x.shape)


def find_repetitions(
    opening: np.ndarray, *, fps_hz: float, prominence_frac: float = 0.3,
    min_period_s: float = 0.25,
) -> list[Repetition]:
    """Repetitions (trough -> peak -> trough) in a mouth-opening signal.

    Parameters
    ----------
    opening : ndarray, shape (n_frames,), any length unit; NaN splits the signal
    fps_hz : frame rate, for ``min_period_s``
    """
    from scipy.signal import find_peaks

    x = np.asarray(opening, dtype=float)
    finite = np.isfinite(x)
    if finite.sum() < 3:
        return []
    lo, hi = np.percentile(x[finite], [5, 95])
    if not hi > lo:
        return []
    filled = np.where(finite, x, lo)  # NaN frames are treated as closed; checked below
    peaks, _ = find_peaks(filled, prominence=prominence_frac * (hi - lo),
                          distance=max(1, int(round(min_period_s * fps_hz))))
    reps = []
    bounds = [0, *peaks.tolist(), len(x) - 1]
    for i, p in enumerate(peaks):
        left, right = bounds[i], bounds[i + 2]
        start = left + int(np.argmin(filled[left : p + 1]))
        end = p + int(np.argmin(filled[p : right + 1]))
        if start < p < end and finite[start : end + 1].all():
            reps.append(Repetition(int(start), int(p), int(end)))
    return reps


def derivatives(traj: np.ndarray, t_s: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Velocity and jerk of a trajectory by central differences over the whole sequence.

    traj : ndarray, shape (m, 2); t_s : ndarray, shape (m,) -> (velocity, jerk), (m, 2) each.
    Differencing the whole sequence once, then cutting repetitions, keeps one-sided edge
    differences out of every repetition but the first and last frame of the recording.
    """
    traj = np.asarray(traj, dtype=float)
    t = np.asarray(t_s, dtype=float)
    vel = np.full(traj.shape, np.nan)
    jerk = np.full(traj.shape, np.nan)
    ok = np.all(np.isfinite(traj), axis=1) & np.isfinite(t)
    # differentiate each run of finite frames on its own (NaN gaps stay NaN)
    edges = np.flatnonzero(np.diff(np.r_[0, ok.astype(int), 0]))
    for a, b in zip(edges[::2], edges[1::2], strict=True):
        if b - a < 2:
            continue
        v = np.gradient(traj[a:b], t[a:b], axis=0)
        vel[a:b] = v
        jerk[a:b] = np.gradient(np.gradient(v, t[a:b], axis=0), t[a:b], axis=0)
    return vel, jerk


def kinematics(
    traj_mm: np.ndarray, t_s: np.ndarray, *, vel: np.ndarray | None = None,
    jerk: np.ndarray | None = None,
) -> dict[str, float]:
    """Range of motion, peak velocity, path length and LDLJ of one trajectory.

    traj_mm : ndarray, shape (m, 2), mm; t_s : ndarray, shape (m,), seconds (increasing)
    vel, jerk : optional precomputed derivatives, shape (m, 2) (see :func:`derivatives`)
    """
    p = np.asarray(traj_mm, dtype=float)
    t = np.asarray(t_s, dtype=float)
    if vel is None or jerk is None:
        vel, jerk = derivatives(p, t)
    centred = p - p.mean(axis=0)
    _, _, vt = np.linalg.svd(centred, full_matrices=False)
    proj = centred @ vt[0]
    rom = float(proj.max() - proj.min())
    speed = np.hypot(vel[:, 0], vel[:, 1])
    vpeak = float(speed.max())
    path = float(np.sum(np.hypot(*np.diff(p, axis=0).T)))
    ldlj = np.nan
    duration = float(t[-1] - t[0])
    if p.shape[0] >= 4 and vpeak > 0 and duration > 0:
        integral = float(trapezoid(np.sum(jerk**2, axis=1), t))
        if integral > 0:
            ldlj = float(-np.log(duration**3 / vpeak**2 * integral))
    return {"rom_mm": rom, "peak_velocity_mm_s": vpeak, "path_length_mm": path, "ldlj": ldlj}


def _nd(left: float, right: float) -> float:
    s = left + right
    return float((left - right) / s) if s > 0 else np.nan


def repetition_dynamics(
    face: NormalisedFace, *, t_s: np.ndarray, kept: np.ndarray | None = None,
    config: DynamicsConfig = DynamicsConfig(),
) -> list[dict[str, float]]:
    """Per-repetition dynamics of a normalised face sequence (see module docstring).

    Parameters
    ----------
    face : normalised named points, n_frames long
    t_s : ndarray, shape (n_frames,), frame times in seconds
    kept : optional bool mask, shape (n_frames,); other frames count as missing

    Returns one dict per repetition: ``start_s``, ``duration_s``, ``opening_rom_mm`` and
    ``<point>_<metric>_<side>`` / ``<point>_<metric>_nd`` / ``<point>_ldlj_lr``.
    """
    config.validate()
    t = np.asarray(t_s, dtype=float)
    n = face.n_frames
    miss = np.zeros(n, bool) if kept is None else ~np.asarray(kept, bool)

    def prep(p: np.ndarray) -> np.ndarray:
        p = p.copy()
        p[miss] = np.nan
        return fill_gaps(running_median(p, frames=config.smooth_frames),
                         max_gap=config.max_gap_frames) * face.ipd_mm

    up = prep(face.points["lip_inner_upper_mid"])
    lo = prep(face.points["lip_inner_lower_mid"])
    opening = np.hypot(*(lo - up).T)
    dt = np.diff(t[np.isfinite(t)])
    fps = 1.0 / float(np.median(dt)) if dt.size and np.median(dt) > 0 else 30.0
    reps = find_repetitions(opening, fps_hz=fps, prominence_frac=config.prominence_frac,
                            min_period_s=config.min_period_s)
    traj = {(k, s): prep(face.points[f"{v}_{s}"]) for k, v in POINTS.items() for s in ("r", "l")}
    deriv = {key: derivatives(p, t) for key, p in traj.items()}
    out = []
    for r in reps:
        sl = slice(r.start, r.end + 1)
        if not all(np.isfinite(p[sl]).all() for p in traj.values()):
            continue
        row = {"start_s": float(t[r.start]), "duration_s": float(t[r.end] - t[r.start]),
               "opening_rom_mm": float(np.nanmax(opening[sl]) - np.nanmin(opening[sl]))}
        for k in POINTS:
            per_side = {
                s: kinematics(traj[(k, s)][sl], t[sl], vel=deriv[(k, s)][0][sl],
                              jerk=deriv[(k, s)][1][sl])
                for s in ("r", "l")
            }
            for m in METRICS:
                for s in ("r", "l"):
                    row[f"{k}_{m}_{s}"] = per_side[s][m]
            for m in METRICS[:3]:
                row[f"{k}_{m}_nd"] = _nd(per_side["l"][m], per_side["r"][m])
            row[f"{k}_ldlj_lr"] = per_side["l"]["ldlj"] - per_side["r"]["ldlj"]
        out.append(row)
    return out


def _rep_keys() -> list[str]:
    keys = ["duration_s", "opening_rom_mm"]
    for k in POINTS:
        keys += [f"{k}_{m}_{s}" for m in METRICS for s in ("r", "l")]
        keys += [f"{k}_{m}_nd" for m in METRICS[:3]] + [f"{k}_ldlj_lr"]
    return keys


#: keys of :func:`dynamics_summary`, always all present (NaN without repetitions)
SUMMARY_KEYS: tuple[str, ...] = ("n_repetitions", "repetition_rate_hz", *_rep_keys())


def dynamics_summary(reps: list[dict[str, float]], *, duration_s: float) -> dict[str, float]:
    """Case-level summary: count, rate and the median over repetitions of each measure."""
    out = {"n_repetitions": float(len(reps)),
           "repetition_rate_hz": float(len(reps) / duration_s) if duration_s > 0 else np.nan}
    for k in SUMMARY_KEYS[2:]:
        vals = np.array([r[k] for r in reps], dtype=float)
        out[k] = float(np.nanmedian(vals)) if np.isfinite(vals).any() else np.nan
    return out


def case_dynamics(
    landmarks: np.ndarray, *, t_s: np.ndarray, kept: np.ndarray | None = None,
    scheme: str = "mp478", config: DynamicsConfig = DynamicsConfig(),
) -> tuple[list[dict[str, float]], dict[str, float]]:
    """Repetitions and their summary straight from landmarks, shape (n_frames, n_points, D) px."""
    face = normalise_face(landmarks, scheme=scheme)
    reps = repetition_dynamics(face, t_s=t_s, kept=kept, config=config)
    t = np.asarray(t_s, dtype=float)
    duration = float(np.nanmax(t) - np.nanmin(t)) if t.size else 0.0
    return reps, dynamics_summary(reps, duration_s=duration)
