"""Landmarker noise of each facial measure, measured on the real healthy videos.

Two figures per measure and per face state (:mod:`strokescreen.features.states`), from the
landmarks that :mod:`tools.collect_landmarks` writes (MediaPipe 478 on every frame, dlib's
iBUG-68 predictor on every 2nd):

- **frame repeatability** (``frame_sd``): the SD of one landmarker's frame-to-frame change
  over consecutive frames of one state, divided by sqrt 2 (the successive-difference
  estimate of a frame's own noise; true slow movement cancels);
- **between landmarkers**, one frame (``frame_between``): RMS of MediaPipe - dlib on the
  same frames. This is the noise of a *photo's* value against ranges built from iBUG-68
  annotations;
- **between landmarkers, averaged** (``averaged_between``): RMS over faces of the
  difference of the two landmarkers' *medians over a video's frames in that state*. This
  is the noise of a *video's* value: the frame-to-frame jitter averages away and what is
  left is each landmarker's persistent placement on that face.
- **split-half** (``averaged_split``): RMS over faces of half the difference between the
  medians of the first and the second half of a state's frames (one landmarker): the
  remaining noise of a video median, correlated noise and slow drift included.

Faces count once (pwij3p and id2_vcd_swwp2s are the same man: their medians are averaged).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path

import numpy as np

from strokescreen.features.face_measures import MEASURES, face_measures
from strokescreen.features.states import classify_states, own_reference, state_summaries

#: near-frontal only, as the pipeline keeps: nose tip within this of the midline (IPU)
MAX_NOSE_DEVIATION_IPU = 0.06
MIN_FRAMES = 6


def static_measure_names() -> list[str]:
    return [n for n, i in MEASURES.items()
            if not i.dynamic and i.unit in ("ipu", "deg") and i.region != "pose"]


def video_states(mp478: np.ndarray) -> tuple[dict[str, np.ndarray], np.ndarray, np.ndarray]:
    """(MediaPipe per-frame measures, state per frame, near-frontal mask)."""
    m = face_measures(mp478, scheme="mp478")
    summ = state_summaries(m)
    frontal = np.abs(m["nose_tip_deviation_ipu"]) < MAX_NOSE_DEVIATION_IPU
    ref = own_reference(summ, frontal)
    return m, classify_states(summ, ref), frontal


def _rms(x: list[float]) -> float:
    a = np.asarray(x, dtype=float)
    a = a[np.isfinite(a)]
    return float(np.sqrt(np.mean(a**2))) if a.size else float("nan")


def face_noise(mp478: np.ndarray, dlib68: np.ndarray, state: str
               ) -> dict[str, dict[str, float]] | None:
    """Per-measure figures of one face (one or more pooled videos) in ``state``.

    Returns name -> {frame_sd (pooled successive-difference variance, as a variance sum and
    count), between_frame (sum of squares, count), mp_median, dlib_median, split (half the
    difference of the half medians)}; None when fewer than :data:`MIN_FRAMES` frames.
    """
    m, states, frontal = video_states(mp478)
    sel = frontal & (states == state)
    if sel.sum() < MIN_FRAMES:
        return None
    d = face_measures(dlib68, scheme="ibug68")
    both = sel & np.isfinite(d["mouth_width_ipu"]) & (
        np.abs(d["nose_tip_deviation_ipu"]) < MAX_NOSE_DEVIATION_IPU)
    idx = np.flatnonzero(sel)
    consecutive = idx[:-1][np.diff(idx) == 1]
    out = {}
    for name in static_measure_names():
        a, b = m[name], d[name]
        steps = a[consecutive + 1] - a[consecutive]
        steps = steps[np.isfinite(steps)]
        half = len(idx) // 2
        first, second = a[idx[:half]], a[idx[half:]]
        out[name] = {
            "step_ss": float(np.sum(steps**2) / 2), "step_n": float(steps.size),
            "between_ss": float(np.nansum((a[both] - b[both]) ** 2)),
            "between_n": float(np.isfinite(a[both] - b[both]).sum()),
            "mp_median": float(np.nanmedian(a[sel])),
            "dlib_median": float(np.nanmedian(b[both])) if both.sum() >= MIN_FRAMES / 2
            else float("nan"),
            "split": float(np.nanmedian(first) - np.nanmedian(second)) / 2,
            "n_frames": float(sel.sum()),
        }
    return out


def pooled_noise(per_video: Mapping[str, Mapping[str, Mapping[str, float]]],
                 person: Mapping[str, str]) -> dict[str, dict[str, float]]:
    """Pool :func:`face_noise` over videos (``per_video``: video -> figures; ``person``:
    video -> person): name -> frame_sd, frame_between, averaged_between, averaged_split,
    n_faces (people with both landmarkers' medians; a person's videos are averaged)."""
    names = sorted({n for f in per_video.values() for n in f})
    out = {}
    for name in names:
        recs = [f[name] for f in per_video.values() if name in f]
        step_n = sum(r["step_n"] for r in recs)
        between_n = sum(r["between_n"] for r in recs)
        by_person: dict[str, list[float]] = {}
        for v, f in per_video.items():
            if name in f:
                by_person.setdefault(person[v], []).append(
                    f[name]["mp_median"] - f[name]["dlib_median"])
        diffs = [float(np.mean(d)) for d in by_person.values()]
        out[name] = {
            "frame_sd": float(np.sqrt(sum(r["step_ss"] for r in recs) / step_n))
            if step_n else float("nan"),
            "frame_between": float(np.sqrt(sum(r["between_ss"] for r in recs) / between_n))
            if between_n else float("nan"),
            "averaged_between": _rms(diffs),
            "averaged_split": _rms([r["split"] for r in recs]),
            "n_faces": float(np.isfinite(diffs).sum()),
            "n_frames": float(sum(r["n_frames"] for r in recs)),
        }
    return out


def load_videos(cache: Path, videos: Iterable[str]) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """video -> (MediaPipe (n, 478, 3), dlib (n, 68, 2)) from the cache folder."""
    out = {}
    for rel in videos:
        f = cache / f"{Path(rel).stem}.npz"
        if f.is_file():
            z = np.load(f)
            out[rel] = (z["mp478"].astype(float), z["dlib68"].astype(float))
    return out
