"""Offline speech for synthetic recordings: espeak-ng through ctypes, with phoneme timing.

espeak-ng (shipped by ``espeakng-loader``) is driven synchronously; its callback hands
back PCM at 22 050 Hz and phoneme/word events with their sample positions, which time the
mouth animation. Output is resampled to 16 kHz. Dysarthria is layered on top: a slower
rate and longer word gaps (asked of espeak), a narrowed pitch range, blurred articulation
(low-pass filtering and temporal smearing) and breathiness (envelope-shaped noise).

espeak-ng keeps global state (e.g. its pitch-flutter phase) that carries over from one
utterance to the next, so the same text would not give the same samples twice. For
reproducible output every phrase is synthesised by a freshly loaded library
(:func:`fresh_espeak`: dlclose + reload, about 10 ms).
"""

from __future__ import annotations

import ctypes
from dataclasses import dataclass

import numpy as np
from scipy import signal

from strokescreen.errors import StrokeScreenError

RATE_HZ = 16000
_VOWEL_START = set("aeiouAEIOUV@30")
PHRASES = {
    "hometown": "It is nice to see people from my hometown.",
    "bbp": "Buy Bobby a puppy.",
}


class _EventId(ctypes.Union):
    _fields_ = [("number", ctypes.c_int), ("name", ctypes.c_char_p),
                ("string", ctypes.c_char * 8)]


class _Event(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("unique_identifier", ctypes.c_uint),
                ("text_position", ctypes.c_int), ("length", ctypes.c_int),
                ("audio_position", ctypes.c_int), ("sample", ctypes.c_int),
                ("user_data", ctypes.c_void_p), ("id", _EventId)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int,
                             ctypes.POINTER(_Event))
_EV_PHONEME = 7
_P_RATE, _P_VOLUME, _P_PITCH, _P_RANGE, _P_WORDGAP = 1, 2, 3, 4, 7


def is_vowel(phoneme: str) -> bool:
    """True for espeak-ng English vowel mnemonics (one syllable nucleus each)."""
    name = phoneme.lstrip("',%=")
    return bool(name) and name[0] in _VOWEL_START


class Espeak:
    """Process-wide espeak-ng synthesiser (use :func:`get_espeak`)."""

    def __init__(self) -> None:
        try:
            import espeakng_loader
        except ImportError as exc:  # pragma: no cover - a core dependency
            raise StrokeScreenError(
                "espeakng-loader is not installed; it provides the offline speech engine "
                "for the synthetic cohort (pip install espeakng-loader)"
            ) from exc
        lib = ctypes.CDLL(espeakng_loader.get_library_path())
        lib.espeak_Initialize.restype = ctypes.c_int
        lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p,
                                          ctypes.c_int]
        lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        lib.espeak_Synth.argtypes = [ctypes.c_char_p, ctypes.c_size_t, ctypes.c_uint,
                                     ctypes.c_int, ctypes.c_uint, ctypes.c_uint,
                                     ctypes.c_void_p, ctypes.c_void_p]
        data = espeakng_loader.get_data_path().encode()
        # 2 = AUDIO_OUTPUT_SYNCHRONOUS; option 1 = phoneme events
        self.rate_hz = lib.espeak_Initialize(2, 0, data, 1)
        if self.rate_hz <= 0:
            raise StrokeScreenError("espeak-ng failed to initialise (no speech data found)")
        self._lib = lib
        self._libc = ctypes.CDLL(None)
        self._seed_fn = getattr(lib, "espeak_ng_SetRandSeed", None)
        if self._seed_fn is not None:
            self._seed_fn.argtypes = [ctypes.c_long]
        self._chunks: list[np.ndarray] = []
        self._events: list[tuple[int, str]] = []
        self._cb = _CALLBACK(self._on_audio)  # keep a reference: ctypes must not free it
        lib.espeak_SetSynthCallback(self._cb)

    def _on_audio(self, wav, n, events) -> int:  # type: ignore[no-untyped-def]
        if n > 0:
            self._chunks.append(np.ctypeslib.as_array(wav, shape=(n,)).astype(np.int16))
        i = 0
        while events[i].type != 0:
            ev = events[i]
            if ev.type == _EV_PHONEME:
                self._events.append((int(ev.sample), ev.id.string.decode("ascii", "replace")))
            i += 1
        return 0

    def synth(self, text: str, *, voice: str, wpm: int, pitch: int, pitch_range: int,
              word_gap_10ms: int) -> tuple[np.ndarray, list[tuple[float, str]]]:
        """Synthesise ``text``; return (float32 PCM at ``rate_hz``, [(start_s, phoneme)])."""
        lib = self._lib
        lib.espeak_SetVoiceByName(f"en-us+{voice}".encode())
        lib.espeak_SetParameter(_P_RATE, int(np.clip(wpm, 80, 450)), 0)
        lib.espeak_SetParameter(_P_PITCH, int(np.clip(pitch, 0, 99)), 0)
        lib.espeak_SetParameter(_P_RANGE, int(np.clip(pitch_range, 0, 99)), 0)
        lib.espeak_SetParameter(_P_VOLUME, 100, 0)
        lib.espeak_SetParameter(_P_WORDGAP, int(max(word_gap_10ms, 0)), 0)
        self._chunks, self._events = [], []
        raw = text.encode()
        # espeak-ng draws breath/noise samples from libc rand(), seeded from the clock at
        # initialisation: reseed so the samples do not depend on when they were made
        self._libc.srand(0x5EED)
        if self._seed_fn is not None:
            self._seed_fn(0x5EED)
        lib.espeak_Synth(raw, len(raw) + 1, 0, 1, 0, 1, None, None)  # POS_CHARACTER, UTF8
        lib.espeak_Synchronize()
        pcm = (np.concatenate(self._chunks) if self._chunks else np.zeros(0, np.int16))
        events = [(s / self.rate_hz, p) for s, p in self._events]
        return pcm.astype(np.float32) / 32768.0, events


_ESPEAK: Espeak | None = None


def get_espeak() -> Espeak:
    """The process's espeak-ng instance (created on first use)."""
    global _ESPEAK
    if _ESPEAK is None:
        _ESPEAK = Espeak()
    return _ESPEAK


def fresh_espeak() -> Espeak:
    """Unload espeak-ng and load it again, so synthesis starts from its initial state."""
    global _ESPEAK
    if _ESPEAK is not None:
        import _ctypes

        handle = _ESPEAK._lib._handle
        _ESPEAK = None
        try:
            _ctypes.dlclose(handle)  # type: ignore[attr-defined]
        except OSError:  # pragma: no cover - platform without dlclose
            pass
    return get_espeak()


@dataclass(frozen=True)
class Utterance:
    """One synthesised phrase at 16 kHz.

    audio : float32, shape (n,), 16 kHz, silence trimmed to the phoneme span.
    phonemes : [(start_s, end_s, name)] relative to the start of ``audio``.
    n_syllables : vowel nuclei in it; ``rate_syl_s`` = n_syllables / duration.
    """

    text: str
    audio: np.ndarray
    phonemes: list[tuple[float, float, str]]
    n_syllables: int

    @property
    def duration_s(self) -> float:
        return len(self.audio) / RATE_HZ

    @property
    def rate_syl_s(self) -> float:
        return self.n_syllables / max(self.duration_s, 1e-6)


@dataclass(frozen=True)
class Voice:
    """A subject's voice: espeak variant, pitch (0-99), pitch range (0-99), rate, dysarthria."""

    variant: str
    pitch: float
    pitch_range: float
    rate_syl_s: float
    dysarthria: float = 0.0


def _trimmed(pcm: np.ndarray, events: list[tuple[float, str]], rate_hz: int,
             text: str) -> Utterance:
    """Cut to the span from the first to the last real phoneme; resample to 16 kHz."""
    real = [(t, p) for t, p in events if not p.startswith("_") and p != ";"]
    if not real:
        raise StrokeScreenError(f"espeak-ng produced no phonemes for {text!r}")
    ends = [t for t, p in events if t > real[-1][0]]
    t0, t1 = real[0][0], (min(ends) if ends else len(pcm) / rate_hz)
    seg = pcm[int(t0 * rate_hz):int(np.ceil(t1 * rate_hz))]
    audio = signal.resample_poly(seg, RATE_HZ, rate_hz).astype(np.float32)
    starts = [t - t0 for t, _ in real] + [t1 - t0]
    phonemes = [(starts[i], starts[i + 1], real[i][1]) for i in range(len(real))]
    return Utterance(text, audio, phonemes, sum(is_vowel(p) for _, _, p in phonemes))


def synthesize(text: str, voice: Voice) -> Utterance:
    """Synthesise ``text`` at the voice's speech rate (syllables/s, word gaps included).

    espeak's words-per-minute setting is calibrated in two steps so the trimmed phrase
    meets ``voice.rate_syl_s`` within a few percent (espeak limits: 80-450 wpm). The same
    text and voice always give the same samples (the engine is reloaded first).
    Dysarthria (0..1) adds word gaps up to 150 ms; its other signs are applied by
    :func:`degrade`.
    """
    tts = fresh_espeak()
    gap = int(round(15 * voice.dysarthria))
    wpm = 175.0 * voice.rate_syl_s / 5.0
    utt = None
    for _ in range(3):
        pcm, events = tts.synth(text, voice=voice.variant, wpm=int(round(wpm)),
                                pitch=int(round(voice.pitch)),
                                pitch_range=int(round(voice.pitch_range)), word_gap_10ms=gap)
        utt = _trimmed(pcm, events, tts.rate_hz, text)
        wpm = float(np.clip(wpm * voice.rate_syl_s / utt.rate_syl_s, 80, 450))
    assert utt is not None
    return utt


def degrade(audio: np.ndarray, *, dysarthria: float, rng: np.random.Generator,
            breath: float = 0.02, blur: float | None = None,
            breathiness: float | None = None) -> np.ndarray:
    """Blur articulation and add breathiness in proportion to ``dysarthria`` (0..1).

    audio : float32 (n,), 16 kHz. Returns float32 (n,). Blurring = low-pass filtering
    (cut-off falls from 7 kHz to 2.5 kHz) plus a short smearing tail; breathiness = noise
    high-passed above 1 kHz and shaped by the speech envelope (``breath`` is the amount
    every voice has). ``blur`` / ``breathiness`` override the share taken from dysarthria.
    """
    d = float(np.clip(dysarthria, 0.0, 1.0))
    b = d if blur is None else float(np.clip(blur, 0.0, 1.0))
    h = d if breathiness is None else float(np.clip(breathiness, 0.0, 1.0))
    x = audio.astype(np.float64)
    if b > 0:
        cutoff = 7000.0 - 4500.0 * b
        sos = signal.butter(4, cutoff, btype="low", fs=RATE_HZ, output="sos")
        x = signal.sosfilt(sos, x)
        tail = int(RATE_HZ * 0.03 * b)
        if tail > 1:
            kern = np.exp(-np.arange(tail) / (tail / 3.0))
            x = signal.fftconvolve(x, kern / kern.sum())[: len(x)] * 0.7 + 0.3 * x
    env = signal.sosfiltfilt(signal.butter(2, 20, fs=RATE_HZ, output="sos"), np.abs(x))
    noise = signal.sosfilt(signal.butter(2, 1000, btype="high", fs=RATE_HZ, output="sos"),
                           rng.standard_normal(len(x)))
    x = x + (breath + 0.35 * h) * np.clip(env, 0, None) * noise * 2.0
    return x.astype(np.float32)


def median_f0(audio: np.ndarray) -> float:
    """Median F0 (Hz) of the voiced 40 ms frames of ``audio`` (16 kHz), by
    autocorrelation over 70-400 Hz; 150 Hz when nothing voiced is found."""
    x = np.asarray(audio, float)
    n, hop = int(0.04 * RATE_HZ), int(0.02 * RATE_HZ)
    lo, hi = RATE_HZ // 400, RATE_HZ // 70
    if len(x) < n:
        return 150.0
    frames = np.lib.stride_tricks.sliding_window_view(x, n)[::hop]
    energy = (frames**2).mean(1)
    keep = frames[energy > 0.1 * energy.max()] if energy.max() > 0 else frames[:0]
    f0s = []
    for fr in keep:
        fr = fr - fr.mean()
        ac = np.correlate(fr, fr, "full")[n - 1:]
        if ac[0] <= 0:
            continue
        lag = lo + int(np.argmax(ac[lo:hi]))
        if ac[lag] > 0.4 * ac[0]:
            f0s.append(RATE_HZ / lag)
    return float(np.median(f0s)) if f0s else 150.0


#: Praat's local jitter of a sustained synthetic vowel per unit sd of the period
#: perturbation below (segments of one period, not aligned with the glottal pulses):
#: measured on espeak voices, see docs/synthetic_cohort.md
JITTER_READ_PER_SD = 0.75


def perturb_periods(audio: np.ndarray, *, jitter_pct: float,
                    rng: np.random.Generator) -> np.ndarray:
    """Give a synthetic voice the cycle-to-cycle period perturbation of a larynx.

    espeak's voice source is perfectly periodic; a healthy larynx's consecutive periods
    differ (jitter). The audio is time-warped in segments of one median period, each
    played faster or slower by an independent normal factor whose sd makes Praat read
    ``jitter_pct`` (local jitter, %) on a sustained vowel. The factors have zero mean
    over the phrase and the output keeps its length, so phoneme timing is unchanged
    (drift a few ms at most). audio : float32 (n,), 16 kHz.
    """
    x = np.asarray(audio, np.float64)
    n = len(x)
    if jitter_pct <= 0 or n < 4:
        return np.asarray(audio, np.float32)
    seg = max(int(round(RATE_HZ / median_f0(x))), 8)
    k = n // seg + 2
    eps = rng.normal(0.0, 1.0, k)
    eps -= eps.mean()
    sd = jitter_pct / 100.0 / JITTER_READ_PER_SD
    step = np.repeat(1.0 + np.clip(sd * eps, -0.2, 0.2), seg)[:n]
    tau = np.concatenate([[0.0], np.cumsum(step[:-1])])
    tau *= (n - 1) / tau[-1]
    return np.interp(tau, np.arange(n), x).astype(np.float32)
