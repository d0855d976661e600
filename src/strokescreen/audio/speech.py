"""Speech measures of one clip: timing, rate, /pa-ta-ka/, pitch, intensity, spectrum, voice.

:func:`speech_measures` returns ``{name: Measure(value, unit, description)}`` with a
fixed set of names (all prefixed ``speech_``) whatever the clip holds; a measure that
is undefined for the clip (no speech, no pauses, not a DDK task, Praat not installed)
has value NaN, counts and durations of nothing are 0.

Definitions (see each module for the method and its reference):

- speech segments: VAD (:mod:`.vad`, 10 ms frames), gaps < 0.25 s bridged, runs
  < 0.1 s dropped. ``speech_time`` = their summed length; a *pause* is a gap between
  two segments (so >= 0.25 s); leading/trailing silence is neither speech nor pause.
- ``speech_utterance_duration`` = first speech onset to last speech offset.
- syllables: nuclei of de Jong & Wempe (2009) (:mod:`.syllables`) inside speech.
  ``speech_rate`` = syllables / utterance duration (de Jong & Wempe divide by the whole
  file; phone clips begin and end with handling silence, so the utterance is used);
  ``speech_articulation_rate`` = syllables / speech time.
- pitch over voiced frames inside speech (:mod:`.pitch`); intensity range = 5th..95th
  percentile of the intensity contour inside speech; spectral tilt and alpha ratio over
  voiced speech frames, flux over speech frames (:mod:`.spectral`).
- voice quality over the speech segments only (:mod:`.voice`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.audio.config import SpeechConfig
from strokescreen.audio.pitch import pitch_summary, pitch_tracks
from strokescreen.audio.spectral import spectral_balance, spectral_flux, stft_magnitude
from strokescreen.audio.syllables import (
    ddk_timing,
    intensity_db,
    nearest_index,
    syllable_nuclei,
)
from strokescreen.audio.vad import speech_segments
from strokescreen.errors import MissingExtraError


@dataclass(frozen=True)
class Measure:
    """One speech measure: its value, unit and a one-line description."""

    value: float
    unit: str
    description: str = ""


MEASURES: dict[str, tuple[str, str]] = {
    "speech_total_duration": ("s", "length of the clip"),
    "speech_utterance_duration": ("s", "first speech onset to last speech offset"),
    "speech_time": ("s", "summed length of speech segments (VAD)"),
    "speech_pause_time": ("s", "summed length of pauses (>= 0.25 s) between speech segments"),
    "speech_share": ("ratio", "speech time / clip length"),
    "speech_pause_count": ("count", "number of pauses between speech segments"),
    "speech_pause_mean": ("s", "mean pause length"),
    "speech_pause_max": ("s", "longest pause"),
    "speech_syllable_count": ("count", "syllable nuclei (de Jong & Wempe 2009) in speech"),
    "speech_rate": ("syllables/s", "syllables / utterance duration (pauses included)"),
    "speech_articulation_rate": ("syllables/s", "syllables / speech time (pauses excluded)"),
    "speech_ddk_rate": ("syllables/s", "/pa-ta-ka/ rate: 1 / mean inter-syllable interval"),
    "speech_ddk_interval_cv": ("%", "/pa-ta-ka/ irregularity: CV of inter-syllable intervals"),
    "speech_ddk_syllable_count": ("count", "syllables in /pa-ta-ka/ runs"),
    "speech_f0_median": ("Hz", "median F0 of voiced speech"),
    "speech_f0_median_st": ("st re 100 Hz", "median F0 in semitones re 100 Hz"),
    "speech_f0_range_st": ("st", "F0 range, 5th to 95th percentile"),
    "speech_f0_sd_st": ("st", "F0 standard deviation"),
    "speech_voiced_share": ("ratio", "voiced frames / speech frames"),
    "speech_intensity_range": ("dB", "intensity range in speech, 5th to 95th percentile"),
    "speech_spectral_tilt": ("dB/octave", "LTAS slope 100 Hz-5 kHz, voiced speech"),
    "speech_alpha_ratio": ("dB", "energy 1-5 kHz over 50 Hz-1 kHz, voiced speech"),
    "speech_spectral_flux": ("ratio", "mean L1 change of normalised spectra, speech frames"),
    "speech_jitter_local": ("%", "local jitter (Praat), speech segments"),
    "speech_shimmer_local": ("%", "local shimmer (Praat), speech segments"),
    "speech_hnr": ("dB", "mean harmonics-to-noise ratio (Praat cc), speech segments"),
}
"""Every measure name -> (unit, description), in report order."""

DDK_TASKS = frozenset(
    {
        "pataka",
        "ptk",
        "ddk",
        "smr",
        "amr",
        "pa",
        "ta",
        "ka",
        "papapa",
        "tatata",
        "kakaka",
        "puhtuhkuh",
        "pattycake",
        "buttercup",
    }
)
"""Task names (lower case, letters only) read as diadochokinetic tasks."""

_GAP_S = 0.05


def is_ddk_task(task: str | None) -> bool:
    """True for /pa-ta-ka/-like task names (``"PATAKA"``, ``"pa-ta-ka"``, ``"ddk"``, ...)."""
    if not task:
        return False
    return "".join(ch for ch in str(task).lower() if ch.isalpha()) in DDK_TASKS


def _frame_mask(t_s: np.ndarray, segments: list[tuple[float, float]]) -> np.ndarray:
    mask = np.zeros(t_s.size, dtype=bool)
    for s, e in segments:
        mask |= (t_s >= s) & (t_s < e)
    return mask


def _voiced_at(t_s: np.ndarray, f0_t: np.ndarray, f0: np.ndarray) -> np.ndarray:
    """Whether the F0 frame nearest to each time (within 11 ms) is voiced."""
    if f0_t.size == 0:
        return np.zeros(t_s.size, dtype=bool)
    j = nearest_index(f0_t, t_s)
    return np.isfinite(f0[j]) & (np.abs(f0_t[j] - t_s) <= 0.011)


def _speech_only(x: np.ndarray, segments: list[tuple[float, float]]) -> np.ndarray:
    """Speech segments joined with 50 ms of silence (no period spans a join)."""
    gap = np.zeros(int(_GAP_S * RATE_HZ), dtype=np.float32)
    parts: list[np.ndarray] = []
    for s, e in segments:
        parts += [x[int(s * RATE_HZ) : int(np.ceil(e * RATE_HZ))], gap]
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.float32)


def _voice(
    x: np.ndarray, segments: list[tuple[float, float]], cfg: SpeechConfig
) -> dict[str, float]:
    nan = float("nan")
    out = {"jitter_local_pct": nan, "shimmer_local_pct": nan, "hnr_db": nan}
    if not cfg.voice_quality or not segments:
        return out
    from strokescreen.audio.voice import voice_quality

    try:
        vq = voice_quality(
            _speech_only(x, segments), floor_hz=cfg.voice_floor_hz, ceiling_hz=cfg.voice_ceiling_hz
        )
    except MissingExtraError:
        return out
    return {k: vq[k] for k in out}


def _timing(segments: list[tuple[float, float]], duration_s: float) -> dict[str, float]:
    """Durations and pauses from the speech segments of a clip of ``duration_s``."""
    nan = float("nan")
    pauses = np.array([b[0] - a[1] for a, b in zip(segments[:-1], segments[1:], strict=True)])
    speech_time = float(sum(e - s for s, e in segments))
    return {
        "speech_total_duration": duration_s,
        "speech_utterance_duration": float(segments[-1][1] - segments[0][0]) if segments else 0.0,
        "speech_time": speech_time,
        "speech_pause_time": float(pauses.sum()) if pauses.size else 0.0,
        "speech_share": speech_time / duration_s if duration_s > 0 else nan,
        "speech_pause_count": float(pauses.size),
        "speech_pause_mean": float(pauses.mean()) if pauses.size else nan,
        "speech_pause_max": float(pauses.max()) if pauses.size else nan,
        "speech_syllable_count": 0.0,
        "speech_ddk_syllable_count": 0.0,
    }


def _content(
    x: np.ndarray,
    segments: list[tuple[float, float]],
    cfg: SpeechConfig,
    *,
    want_ddk: bool,
    utterance_s: float,
    speech_s: float,
) -> dict[str, float]:
    """Syllable, DDK, pitch, intensity and spectral measures of a clip with speech."""
    nan = float("nan")
    v: dict[str, float] = {}
    t_int, level = intensity_db(x, hop_s=cfg.hop_s, window_s=cfg.intensity_window_s)
    tracks = pitch_tracks(
        x,
        hop_s=cfg.hop_s,
        fmin_hz=cfg.pitch_floor_hz,
        fmax_hz=cfg.pitch_ceiling_hz,
        method=cfg.pitch_method,
    )
    nuclei = syllable_nuclei(
        level,
        hop_s=cfg.hop_s,
        voicing_t_s=tracks.voicing_t_s,
        voiced=tracks.voiced,
        segments=segments,
        silence_db=cfg.nuclei_silence_db,
        min_dip_db=cfg.nuclei_min_dip_db,
    )
    n_syl = float(nuclei.size)
    v["speech_syllable_count"] = n_syl
    v["speech_rate"] = n_syl / utterance_s if utterance_s > 0 else nan
    v["speech_articulation_rate"] = n_syl / speech_s if speech_s > 0 else nan
    if want_ddk:
        d = ddk_timing(nuclei, segments)
        v["speech_ddk_rate"] = d["ddk_rate"]
        v["speech_ddk_interval_cv"] = d["ddk_interval_cv"]
        v["speech_ddk_syllable_count"] = d["ddk_syllables"]
    f0_t, f0 = tracks.t_s, tracks.f0_hz
    in_speech_f0 = _frame_mask(f0_t, segments)
    ps = pitch_summary(np.where(in_speech_f0, f0, np.nan))
    v["speech_f0_median"] = ps["f0_median_hz"]
    v["speech_f0_median_st"] = ps["f0_median_st"]
    v["speech_f0_range_st"] = ps["f0_range_st"]
    v["speech_f0_sd_st"] = ps["f0_sd_st"]
    if in_speech_f0.any():
        v["speech_voiced_share"] = ps["voiced_frames"] / float(in_speech_f0.sum())
    speech_levels = level[_frame_mask(t_int, segments)]
    if speech_levels.size >= 2:
        p5, p95 = np.percentile(speech_levels, [5, 95])
        v["speech_intensity_range"] = float(p95 - p5)
    mag = stft_magnitude(x)
    t_stft = np.arange(mag.shape[1]) * 0.010
    in_speech = _frame_mask(t_stft, segments)
    bal = spectral_balance(mag, in_speech & _voiced_at(t_stft, f0_t, f0))
    v["speech_spectral_tilt"] = bal["spectral_tilt_db_per_oct"]
    v["speech_alpha_ratio"] = bal["alpha_ratio_db"]
    v["speech_spectral_flux"] = spectral_flux(mag, in_speech)
    return v


def speech_measures(
    samples: np.ndarray,
    *,
    rate_hz: int = RATE_HZ,
    task: str | None = None,
    ddk: bool | None = None,
    config: SpeechConfig | None = None,
) -> dict[str, Measure]:
    """All speech measures of one clip.

    Parameters
    ----------
    samples : ndarray, shape (n,) (or 2-D multichannel, averaged), audio; any rate
        8..384 kHz is resampled to 16 kHz, integer PCM is scaled to [-1, 1).
    rate_hz : sampling rate of ``samples`` (Hz).
    task : the recording's task; /pa-ta-ka/-like names (:func:`is_ddk_task`) turn on
        the diadochokinetic measures.
    ddk : force the DDK measures on (True) or off (False); None follows ``task``.
    config : :class:`SpeechConfig` (defaults when None).

    Returns
    -------
    dict name -> :class:`Measure`, with exactly the keys of :data:`MEASURES`.

    Raises
    ------
    InputError
        empty, non-finite, badly shaped audio or an unusable rate.
    """
    cfg = (config or SpeechConfig()).validate()
    x = prepare_samples(samples, rate_hz=rate_hz)
    x = x - np.float32(x.mean())  # a DC offset is not sound
    v: dict[str, float] = dict.fromkeys(MEASURES, float("nan"))
    segments = speech_segments(
        x,
        frame_s=cfg.vad_frame_s,
        aggressiveness=cfg.vad_aggressiveness,
        method=cfg.vad_method,
        min_speech_s=cfg.min_speech_s,
        min_pause_s=cfg.min_pause_s,
    )
    v.update(_timing(segments, x.size / RATE_HZ))
    if segments:
        want_ddk = is_ddk_task(task) if ddk is None else bool(ddk)
        v.update(
            _content(
                x,
                segments,
                cfg,
                want_ddk=want_ddk,
                utterance_s=v["speech_utterance_duration"],
                speech_s=v["speech_time"],
            )
        )
    vq = _voice(x, segments, cfg)
    v["speech_jitter_local"] = vq["jitter_local_pct"]
    v["speech_shimmer_local"] = vq["shimmer_local_pct"]
    v["speech_hnr"] = vq["hnr_db"]
    return {name: Measure(float(v[name]), unit, desc) for name, (unit, desc) in MEASURES.items()}
