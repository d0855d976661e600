"""The task script of one recording: what is said and done when, as per-frame controls.

Order: rest, the sentences "It is nice to see people from my hometown." and "Buy Bobby a
puppy." (alternating, as many as fit in about half the clip), /pa-ta-ka/ repetitions,
three big smiles (not in the speech-only protocol, ``case.protocol == "speech"``), rest.
A subject whose lips are apart at rest keeps them at least ``case.rest_lip_gap_mm`` apart.
Everything is truncated at the clip's end, so very short clips hold only the first parts.
Mouth motion follows the phoneme timing of the synthetic speech (visemes, smoothed for
coarticulation); blinks, brow raises, head drift, planted large head turns, a passing hand or
blob, lighting drift come from the case's generator.
Controls are the INTENDED activations; per-side weakness is applied when animating.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.ndimage import gaussian_filter1d

from strokescreen.synth.config import DifficultyPreset
from strokescreen.synth.face_model import SMILE_JAW_OPEN_MM
from strokescreen.synth.params import CaseParams
from strokescreen.synth.published import COMPLETE_BLINK_SHARE, PARTIAL_BLINK_CLOSURES
from strokescreen.synth.speech import (
    PHRASES,
    RATE_HZ,
    Utterance,
    Voice,
    degrade,
    is_vowel,
    perturb_periods,
    synthesize,
)

SEGMENTS = ("rest", "hometown", "bbp", "pataka", "smile")
CONTROLS = ("jaw", "spread", "round", "smile_left", "smile_right", "blink_left", "blink_right",
            "brow_left", "brow_right", "yaw", "pitch", "roll", "shift_x", "shift_y", "light")
# viseme targets: (lip opening mm, spread (+) / round (-))
_VISEMES = {
    "a": (11, 0.1), "A": (11, 0.0), "aI": (10, 0.2), "aU": (10, -0.3), "V": (7, 0.0),
    "@": (5, 0.0), "3": (5, -0.2), "0": (9, -0.5), "O": (9, -0.6), "oU": (8, -0.6),
    "u": (4, -0.9), "U": (4, -0.7), "i": (4, 0.8), "I": (5, 0.5), "e": (7, 0.5),
    "E": (8, 0.4), "eI": (7, 0.5),
}
_CONSONANTS = {"p": (0, 0.0), "b": (0, 0.0), "m": (0, 0.0), "f": (1.5, 0.0), "v": (1.5, 0.0),
               "w": (3, -0.9), "r": (3, -0.5), "S": (3, -0.5), "Z": (3, -0.5), "tS": (3, -0.5),
               "dZ": (3, -0.5), "k": (5, 0.0), "g": (5, 0.0), "N": (4, 0.0), "h": (6, 0.0),
               "j": (3, 0.5)}
_GRID_HZ = 200
#: a spontaneous blink's closing, closed and opening phases (s), generator 4
BLINK_PHASES_S = (0.08, 0.06, 0.16)


@dataclass
class OcclusionEvent:
    """A hand (or blob) crossing the face from ``t0_s`` to ``t1_s``."""

    t0_s: float
    t1_s: float
    kind: str
    from_side: str
    height_frac: float
    size_frac: float
    angle_deg: float


@dataclass
class Timeline:
    """Per-frame controls of one recording (arrays of length ``n_frames``) and its audio."""

    fps: int
    n_frames: int
    audio: np.ndarray
    controls: dict[str, np.ndarray]
    segment: np.ndarray
    segment_index: np.ndarray
    head_turn: np.ndarray
    occlusions: list[OcclusionEvent] = field(default_factory=list)
    utterances: list[tuple[float, str, Utterance]] = field(default_factory=list)

    @property
    def t(self) -> np.ndarray:
        return np.arange(self.n_frames) / self.fps

    def speech_rate(self) -> float:
        """Syllables per second over the sentences (their own spans)."""
        utts = [u for _, seg, u in self.utterances if seg != "pataka"]
        dur = sum(u.duration_s for u in utts)
        return sum(u.n_syllables for u in utts) / dur if dur else float("nan")


def _viseme(phoneme: str) -> tuple[float, float]:
    name = phoneme.lstrip("',%=").rstrip("#:;2")
    if is_vowel(phoneme):
        for key in (name, name[:2], name[:1]):
            if key in _VISEMES:
                return _VISEMES[key]
        return (6.0, 0.0)
    return _CONSONANTS.get(name, (2.5, 0.1))


def _smoothstep(x: np.ndarray) -> np.ndarray:
    x = np.clip(x, 0, 1)
    return x * x * (3 - 2 * x)


def _bump(t: np.ndarray, t0: float, t1: float, ramp: float) -> np.ndarray:
    """1 inside [t0, t1] with smooth ramps of ``ramp`` seconds at both ends."""
    return _smoothstep((t - t0) / ramp) * _smoothstep((t1 - t) / ramp)


def _drift(t: np.ndarray, amp: float, rng: np.random.Generator) -> np.ndarray:
    out = np.zeros_like(t)
    for _ in range(3):
        f = rng.uniform(0.05, 0.4)
        out += rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi))
    return amp * out / 1.6


def _plan_speech(case: CaseParams, voice: Voice, seconds: float, rng: np.random.Generator
                 ) -> tuple[list[tuple[float, str, Utterance]], float]:
    """Place sentences then /pa-ta-ka/; return [(onset_s, segment, utterance)], end time."""
    d = case.dysarthria
    placed: list[tuple[float, str, Utterance]] = []
    t = float(rng.uniform(0.25, 0.5))
    cache = {k: synthesize(v, voice) for k, v in PHRASES.items()}
    speech_end = 0.55 * seconds
    order = ["hometown", "bbp"]
    k = 0
    while True:
        name = order[k % 2]
        utt = cache[name]
        if t + utt.duration_s > speech_end:
            if not placed:
                name, utt = "bbp", cache["bbp"]
                placed.append((t, name, utt))
                t += utt.duration_s
            break
        placed.append((t, name, utt))
        t += utt.duration_s + float(rng.uniform(0.3, 0.55) + 0.5 * d)
        k += 1
    t += float(rng.uniform(0.2, 0.4))
    ddk_voice = Voice(voice.variant, voice.pitch, voice.pitch_range, voice.rate_syl_s * 1.15,
                      voice.dysarthria)
    unit = 3.0 / (ddk_voice.rate_syl_s)
    reps = int(np.clip((0.16 * seconds) // unit, 1, 12))
    ddk = synthesize(" ".join(["pataka"] * reps), ddk_voice)
    placed.append((t, "pataka", ddk))
    t += ddk.duration_s + float(rng.uniform(0.3, 0.5))
    return placed, t


def _mouth(placed: list[tuple[float, str, Utterance]], seconds: float, d: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Lip opening (mm) and spread/round on a 200 Hz grid from phoneme timing."""
    n = int(np.ceil(seconds * _GRID_HZ)) + 1
    open_mm = np.zeros(n)
    spread = np.zeros(n)
    for onset, _, utt in placed:
        for a, b, ph in utt.phonemes:
            i0, i1 = int((onset + a) * _GRID_HZ), int((onset + b) * _GRID_HZ)
            if i0 >= n:
                break
            o, s = _viseme(ph)
            open_mm[i0:max(i1, i0 + 1)] = o
            spread[i0:max(i1, i0 + 1)] = s
    sigma = (0.025 + 0.02 * d) * _GRID_HZ
    scale = 1.0 - 0.3 * d
    grid_t = np.arange(n) / _GRID_HZ
    return grid_t, gaussian_filter1d(open_mm, sigma) * scale, gaussian_filter1d(spread, sigma) * scale


def build_timeline(case: CaseParams, preset: DifficultyPreset, *, seconds: float, fps: int,
                   rng: np.random.Generator) -> Timeline:
    """Script one recording of ``case`` (see module docstring). Deterministic given ``rng``."""
    voice = Voice(case.voice_variant, case.pitch, case.pitch_range, case.speech_rate_syl_s,
                  case.dysarthria)
    n = int(round(seconds * fps))
    t = np.arange(n) / fps
    placed, t_smiles = _plan_speech(case, voice, seconds, rng)
    # audio
    audio = np.zeros(int(round(seconds * RATE_HZ)), np.float64)
    loud = float(rng.uniform(0.05, 0.12))
    own = np.random.default_rng(case.eye_voice_seed)  # generator 4: its own stream
    for onset, _, utt in placed:
        a = perturb_periods(utt.audio, jitter_pct=case.vocal_jitter_pct, rng=own)
        a = degrade(a, dysarthria=case.dysarthria, rng=rng)
        a = a / max(float(np.sqrt(np.mean(a**2))), 1e-6) * loud
        i0 = int(round(onset * RATE_HZ))
        if i0 < len(audio):
            seg = a[: len(audio) - i0]
            audio[i0:i0 + len(seg)] += seg
    audio += rng.normal(0, 10 ** (-52 / 20), len(audio))
    grid_t, open_mm, spread = _mouth(placed, seconds, case.dysarthria)
    c = {k: np.zeros(n) for k in CONTROLS}
    c["jaw"] = np.interp(t, grid_t, open_mm)
    s = np.interp(t, grid_t, spread)
    c["spread"], c["round"] = np.clip(s, 0, None), np.clip(-s, 0, None)
    segment = np.array(["rest"] * n, dtype=object)
    seg_index = np.zeros(n, dtype=int)
    counts: dict[str, int] = {}
    for onset, name, utt in placed:
        m = (t >= onset) & (t < onset + utt.duration_s)
        segment[m] = name
        seg_index[m] = counts.get(name, 0)
        counts[name] = counts.get(name, 0) + 1
    # three big smiles (none in the speech-only protocol: that time stays rest)
    each = float(np.clip(0.26 * seconds / 3, 0.7, 2.0))
    ts = t_smiles
    smile = np.zeros(n)
    for k in range(3 if case.protocol == "full" else 0):
        m = (t >= ts) & (t < ts + each)
        segment[m] = "smile"
        seg_index[m] = k
        smile = np.maximum(smile, _bump(t, ts, ts + each, 0.3 * each))
        ts += each + float(rng.uniform(0.15, 0.3))
    c["smile_left"] = smile.copy()
    c["smile_right"] = smile.copy()
    c["jaw"] += SMILE_JAW_OPEN_MM * smile
    c["jaw"] = np.maximum(c["jaw"], case.rest_lip_gap_mm)  # lips apart at rest
    _expressions(c, t, case, rng, own)
    turns = _head(c, t, seconds, preset, rng,
                  rest_deg=(case.rest_yaw_deg, case.rest_pitch_deg, case.rest_roll_deg))
    c["light"] = 1.0 + _drift(t, preset.light_drift, rng)
    occ = _occlusions(seconds, preset, rng, avoid=turns, fps=fps)
    return Timeline(fps, n, audio.astype(np.float32), c, segment.astype(str), seg_index, turns,
                    occ, placed)


def _blink_closure(own: np.random.Generator | None) -> float:
    """How far one spontaneous blink closes the eye: complete for COMPLETE_BLINK_SHARE,
    else 25, 50 or 75 % (generator 4; 1.0 for every blink without its own stream)."""
    if own is None:
        return 1.0
    if own.random() < COMPLETE_BLINK_SHARE:
        return 1.0
    return float(own.choice(PARTIAL_BLINK_CLOSURES))


def _expressions(c: dict[str, np.ndarray], t: np.ndarray, case: CaseParams,
                 rng: np.random.Generator, own: np.random.Generator | None = None) -> None:
    """Blinks (both eyes), brow raises while speaking, a healthy one-sided expression.

    A blink closes in 80 ms, stays closed 60 ms and opens in 160 ms (opening about half
    as fast as closing, Sforza et al. 2008); how far it closes comes from ``own``.
    """
    seconds = t[-1] if len(t) else 0.0
    tb = float(rng.uniform(0.2, 2.0))
    while tb < seconds:
        depth = _blink_closure(own)
        prof = depth * np.interp(t, [tb, tb + BLINK_PHASES_S[0], tb + sum(BLINK_PHASES_S[:2]),
                                     tb + sum(BLINK_PHASES_S)], [0, 1, 1, 0], left=0, right=0)
        c["blink_left"] = np.maximum(c["blink_left"], prof)
        c["blink_right"] = np.maximum(c["blink_right"], prof)
        tb += float(rng.exponential(3.2)) + 0.4
    for _ in range(rng.poisson(0.12 * seconds)):
        t0 = float(rng.uniform(0, max(seconds - 0.6, 0.1)))
        amp = float(rng.uniform(0.3, 0.7))
        b = amp * _bump(t, t0, t0 + 0.5, 0.15)
        c["brow_left"] = np.maximum(c["brow_left"], b)
        c["brow_right"] = np.maximum(c["brow_right"], b)
    if case.one_sided_expression:
        side = "left" if rng.random() < 0.5 else "right"
        t0 = float(rng.uniform(0.2, max(seconds - 1.2, 0.3)))
        if case.one_sided_expression == "wink":
            w = _bump(t, t0, t0 + 0.35, 0.08)
            c[f"blink_{side}"] = np.maximum(c[f"blink_{side}"], w)
        else:
            c[f"smile_{side}"] = np.maximum(c[f"smile_{side}"], 0.5 * _bump(t, t0, t0 + 1.0, 0.25))


def _head(c: dict[str, np.ndarray], t: np.ndarray, seconds: float, preset: DifficultyPreset,
          rng: np.random.Generator, *, rest_deg: tuple[float, float, float] = (0.0, 0.0, 0.0)
          ) -> np.ndarray:
    """Resting pose + head drift + planted large turns; returns the planted-turn flag."""
    c["yaw"] = rest_deg[0] + _drift(t, 2.0, rng)
    c["pitch"] = rest_deg[1] + _drift(t, 1.5, rng)
    c["roll"] = rest_deg[2] + _drift(t, 1.0, rng)
    c["shift_x"] = _drift(t, 3.0, rng)
    c["shift_y"] = _drift(t, 2.0, rng)
    flag = np.zeros(len(t), bool)
    busy: list[tuple[float, float]] = []
    for _ in range(rng.poisson(preset.head_turns_per_10s * seconds / 10.0)):
        dur = float(rng.uniform(0.8, 1.6))
        if seconds - dur <= 0.6:
            break
        t0 = float(rng.uniform(0.5, seconds - dur))
        if any(t0 < b1 + 0.3 and t0 + dur > b0 - 0.3 for b0, b1 in busy):
            continue
        busy.append((t0, t0 + dur))
        axis = "yaw" if rng.random() < 0.7 else "pitch"
        peak = float(rng.uniform(20, 40) if axis == "yaw" else rng.uniform(15, 25))
        peak *= 1 if rng.random() < 0.5 else -1
        x = np.clip((t - t0) / dur, 0, 1)
        prof = 0.5 - 0.5 * np.cos(2 * np.pi * x)
        c[axis] += peak * prof
        flag |= (t >= t0) & (t <= t0 + dur)
    return flag


def _occlusions(seconds: float, preset: DifficultyPreset, rng: np.random.Generator, *,
                avoid: np.ndarray, fps: int) -> list[OcclusionEvent]:
    """At most one hand/blob pass, placed clear of the planted head turns when possible."""
    if seconds < 2.0 or rng.random() >= preset.occlusion_share:
        return []
    dur = float(rng.uniform(0.6, 1.2))
    starts = rng.uniform(0.3, seconds - dur - 0.1, 8)
    kind = "hand" if rng.random() < 0.7 else "blob"
    side = str(rng.choice(["left", "right", "bottom"]))
    shape = (float(rng.uniform(0.3, 0.7)), float(rng.uniform(0.7, 1.1)), float(rng.uniform(-30, 30)))
    t0 = float(starts[0])
    for s in starts:
        i0, i1 = int(s * fps), int(np.ceil((s + dur) * fps)) + 1
        if not avoid[max(i0 - 3, 0):i1 + 3].any():
            t0 = float(s)
            break
    return [OcclusionEvent(t0, t0 + dur, kind, side, *shape)]
