"""Settings of the audio stage (frozen; validated; written into artifacts by the caller)."""

from __future__ import annotations

from dataclasses import dataclass

from strokescreen.errors import ConfigError

VAD_METHODS = ("auto", "webrtc", "energy")
PITCH_METHODS = ("auto", "praat", "pyin")


@dataclass(frozen=True)
class SpeechConfig:
    """Speech-measure settings. Defaults follow the cited method papers.

    hop_s : analysis step of the intensity, pitch and spectral tracks (s).
    vad_method : ``"webrtc"`` (webrtcvad GMM), ``"energy"`` (frame energy against the
        clip's noise floor) or ``"auto"`` (webrtc when importable, else energy).
    vad_frame_s : VAD frame length (s); webrtcvad accepts 0.01, 0.02 or 0.03. The speech
        measures use 10 ms frames so pause edges are placed to within about 10 ms.
    vad_aggressiveness : webrtcvad mode 0 (least) .. 3 (most aggressive in rejecting non-speech).
    min_pause_s : silent gaps shorter than this inside speech are bridged and are not
        pauses (0.25 s: Goldman-Eisler 1968; de Jong & Wempe 2009 use 0.3 s).
    min_speech_s : speech runs shorter than this are dropped as clicks/noise (s).
    pitch_method : ``"praat"`` (parselmouth autocorrelation, Boersma 1993), ``"pyin"``
        (librosa, Mauch & Dixon 2014) or ``"auto"`` (praat when installed, else pyin).
    pitch_floor_hz / pitch_ceiling_hz : F0 search range for pitch level/range.
    voice_floor_hz / voice_ceiling_hz : F0 range for jitter/shimmer/HNR
        (Praat voice-report defaults 75..500 Hz).
    nuclei_silence_db : syllable peaks must lie above (0.99 quantile of intensity + this)
        (de Jong & Wempe 2009: -25 dB).
    nuclei_min_dip_db : a peak counts only if intensity dips by more than this before the
        next peak (de Jong & Wempe 2009: 2 dB).
    intensity_window_s : physical length of the Kaiser-20 window of the intensity
        contour; Praat uses 3.2 / minimum pitch, and de Jong & Wempe use 50 Hz -> 0.064 s.
    voice_quality : compute jitter/shimmer/HNR (needs praat-parselmouth).
    """

    hop_s: float = 0.010
    vad_method: str = "auto"
    vad_frame_s: float = 0.010
    vad_aggressiveness: int = 2
    min_pause_s: float = 0.25
    min_speech_s: float = 0.10
    pitch_method: str = "auto"
    pitch_floor_hz: float = 60.0
    pitch_ceiling_hz: float = 400.0
    voice_floor_hz: float = 75.0
    voice_ceiling_hz: float = 500.0
    nuclei_silence_db: float = -25.0
    nuclei_min_dip_db: float = 2.0
    intensity_window_s: float = 0.064
    voice_quality: bool = True

    def validate(self) -> SpeechConfig:
        """Raise :class:`ConfigError` naming the first bad value; return self."""
        if not 0.002 <= self.hop_s <= 0.05:
            raise ConfigError(f"speech.hop_s={self.hop_s}; use 0.002..0.05 s")
        if self.vad_method not in VAD_METHODS:
            raise ConfigError(f"speech.vad_method={self.vad_method!r}; use one of {VAD_METHODS}")
        if self.vad_frame_s not in (0.01, 0.02, 0.03):
            raise ConfigError(f"speech.vad_frame_s={self.vad_frame_s}; use 0.01, 0.02 or 0.03")
        if self.vad_aggressiveness not in (0, 1, 2, 3):
            raise ConfigError(
                f"speech.vad_aggressiveness={self.vad_aggressiveness}; use 0, 1, 2 or 3"
            )
        if not 0.0 <= self.min_pause_s <= 5.0:
            raise ConfigError(f"speech.min_pause_s={self.min_pause_s}; use 0..5 s")
        if not 0.0 <= self.min_speech_s <= 5.0:
            raise ConfigError(f"speech.min_speech_s={self.min_speech_s}; use 0..5 s")
        if self.pitch_method not in PITCH_METHODS:
            raise ConfigError(
                f"speech.pitch_method={self.pitch_method!r}; use one of {PITCH_METHODS}"
            )
        for lo, hi, what in (
            (self.pitch_floor_hz, self.pitch_ceiling_hz, "pitch"),
            (self.voice_floor_hz, self.voice_ceiling_hz, "voice"),
        ):
            if not 30.0 <= lo < hi <= 1000.0:
                raise ConfigError(
                    f"speech.{what}_floor_hz={lo}, {what}_ceiling_hz={hi}; "
                    "use 30 <= floor < ceiling <= 1000 Hz"
                )
        if not -60.0 <= self.nuclei_silence_db <= 0.0:
            raise ConfigError(f"speech.nuclei_silence_db={self.nuclei_silence_db}; use -60..0 dB")
        if not 0.0 <= self.nuclei_min_dip_db <= 20.0:
            raise ConfigError(f"speech.nuclei_min_dip_db={self.nuclei_min_dip_db}; use 0..20 dB")
        if not 0.01 <= self.intensity_window_s <= 0.2:
            raise ConfigError(
                f"speech.intensity_window_s={self.intensity_window_s}; use 0.01..0.2 s"
            )
        return self
