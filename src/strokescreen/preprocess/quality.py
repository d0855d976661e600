"""Recording quality: counts per reject reason, usable share, and a verdict."""

from __future__ import annotations

from typing import Any

import numpy as np

from strokescreen.config import ProposalConfig
from strokescreen.preprocess.proposal import REJECT_REASONS, Reference

# what the person recording can do about each kind of rejected frame
ADVICE = {
    "no_face": "keep your whole face in the picture, lit from the front",
    "not_frontal": "face the camera squarely with your head level",
    "pose_change": "keep your head still while you speak",
    "large_motion": "keep your hands and other things away from your face",
    "no_motion": "record live video (the picture looks frozen)",
}
_GENERIC_ADVICE = ("re-record with the face centred and frontal, lit from the front, "
                   "in a quiet room, speaking the task sentences")
_SHARE_FOR_ADVICE = 0.10  # a reason gets its advice once it rejects this share of frames


def turned_reasons(ref: Reference | None) -> list[str]:
    """One sentence per axis on which the recording's own pose is beyond the sanity limit,
    with the angle and what to do (empty when the reference is plausible)."""
    if ref is None or not ref.clamped:
        return []
    out = []
    for axis, m, lim in zip(("yaw", "pitch", "roll"), ref.measured, ref.limit, strict=True):
        if not (np.isfinite(m) and abs(m) > lim):
            continue
        if axis == "yaw":
            side = "left" if m > 0 else "right"
            what = (f"the face is turned {abs(m):.0f}° towards the person's {side}; "
                    "turn your face towards the camera")
        elif axis == "pitch":
            what = (f"the head is tilted {'up' if m > 0 else 'down'} by {abs(m):.0f}°; "
                    + ("lower your chin or raise the camera to eye level" if m > 0 else
                       "raise your chin or lower the camera to eye level")
                    + " and turn your face towards the camera")
        else:
            what = (f"the head leans {abs(m):.0f}° to one side; hold your head upright and "
                    "turn your face towards the camera")
        out.append(f"{what} ({axis} limit ±{lim:.0f}°)")
    return out


def longest_run(mask: np.ndarray) -> int:
    """Length of the longest run of True values."""
    best = cur = 0
    for v in np.asarray(mask, dtype=bool):
        cur = cur + 1 if v else 0
        best = max(best, cur)
    return best


def speech_seconds(samples: np.ndarray | None, *, rate_hz: int = 16000) -> float | None:
    """Seconds of voice activity (the audio stage's VAD), None without a soundtrack."""
    if samples is None:
        return None
    if len(samples) == 0:
        return 0.0
    try:
        from strokescreen.audio.vad import speech_segments
    except ImportError:  # the audio stage is optional at this point of the pipeline
        return _energy_speech_seconds(samples, rate_hz=rate_hz)
    return float(sum(e - s for s, e in speech_segments(samples, rate_hz=rate_hz)))


def speech_seconds_in_wav(path, *, rate_hz: int = 16000, block_s: float = 60.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds of voice activity in a WAV file, read in blocks (flat memory)."""
    import soundfile as sf

    total = 0.0
    for block in sf.blocks(str(path), blocksize=int(block_s * rate_hz), dtype="float32",
                           always_2d=True):
        s = speech_seconds(block.mean(axis=1), rate_hz=rate_hz)
        total += s or 0.0
    return total


def _energy_speech_seconds(samples: np.ndarray, *, rate_hz: int) -> float:
    hop = rate_hz // 100
    n = len(samples) // hop
    if n == 0:
        return 0.0
    rms = np.sqrt((samples[: n * hop].reshape(n, hop) ** 2).mean(1) + 1e-12)
    db = 20 * np.log10(rms)
    active = db > max(np.percentile(db, 95) - 30.0, -60.0)
    return float(active.sum()) / 100.0


def assess_quality(reasons: np.ndarray, t: np.ndarray, *, fps: float,
                   speech_s: float | None, cfg: ProposalConfig,
                   reference: Reference | None = None) -> dict[str, Any]:
    """Summarise frame proposal into ``quality.json`` content with a verdict.

    Verdicts: ``unusable`` when the face is found in under ``min_usable_share`` of frames
    or fewer than ``min_usable_frames`` frames are kept; ``review`` when under
    ``review_usable_share`` of frames are kept, the longest usable run is under 1 s, the
    recording's own head pose is beyond the sanity limit (``reference``), or there is no
    soundtrack / under 2 s of speech; ``good`` otherwise. ``advice`` says what to do
    about the reasons that cost the most frames.
    """
    n = len(reasons)
    kept = np.array([r == "" for r in reasons], dtype=bool)
    counts = {r: int(sum(1 for x in reasons if x == r)) for r in REJECT_REASONS}
    face_share = 1.0 - counts["no_face"] / n if n else 0.0
    usable_share = float(kept.mean()) if n else 0.0
    run = longest_run(kept)
    unusable, review = [], []
    if face_share < cfg.min_usable_share:
        unusable.append(f"face found in {face_share:.0%} of frames "
                        f"(minimum {cfg.min_usable_share:.0%})")
    if int(kept.sum()) < cfg.min_usable_frames:
        unusable.append(f"{int(kept.sum())} usable frames (minimum {cfg.min_usable_frames})")
    if not unusable:
        if usable_share < cfg.review_usable_share:
            top = max(REJECT_REASONS, key=lambda r: counts[r])
            review.append(f"only {usable_share:.0%} of frames usable "
                          f"(most rejected as {top.replace('_', ' ')}: {ADVICE[top]})")
        if run / max(fps, 1e-6) < 1.0:
            review.append(f"longest usable stretch is {run / max(fps, 1e-6):.2f} s (under 1 s)")
        if speech_s is None:
            review.append("the video has no soundtrack; speech measures unavailable")
        elif speech_s < 2.0:
            review.append(f"{speech_s:.1f} s of speech heard (under 2 s)")
    turned = turned_reasons(reference)
    if unusable:
        unusable += turned
    else:
        review += turned
    verdict = "unusable" if unusable else ("review" if review else "good")
    advice = ""
    if verdict != "good":
        advice = _advice(counts, n, speech_s, turned)
        if verdict == "unusable":  # it has to be recorded again: say the whole recipe
            advice = f"{advice}; {_GENERIC_ADVICE}" if advice != _GENERIC_ADVICE else advice
    return {
        "verdict": verdict,
        "frontal_reference": None if reference is None else reference.as_dict(),
        "reasons": unusable + review,
        "advice": advice,
        "n_frames": n,
        "n_kept": int(kept.sum()),
        "reject_counts": counts,
        "face_found_share": round(face_share, 4),
        "usable_share": round(usable_share, 4),
        "longest_usable_run_frames": run,
        "longest_usable_run_s": round(run / max(fps, 1e-6), 3),
        "speech_s": None if speech_s is None else round(speech_s, 3),
        "duration_s": round(float(t[-1]) + 1.0 / max(fps, 1e-6), 3) if n else 0.0,
    }


def _advice(counts: dict[str, int], n: int, speech_s: float | None, turned: list[str]) -> str:
    """What to do, most costly reason first; the generic advice when nothing stands out."""
    parts = []
    if turned:
        parts.append("turn your face towards the camera")
    for r in sorted(REJECT_REASONS, key=lambda r: -counts[r]):
        if n and counts[r] / n >= _SHARE_FOR_ADVICE and ADVICE[r] not in parts:
            parts.append(ADVICE[r])
    if speech_s is None or speech_s < 2.0:
        parts.append("speak the task sentences clearly, in a quiet room")
    return "; ".join(parts) if parts else _GENERIC_ADVICE
