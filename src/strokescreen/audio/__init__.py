"""Audio stage: log-Mel spectrograms, voice activity and speech measures (16 kHz).

Pure functions over numpy arrays; audio at other rates is resampled to 16 kHz and
multichannel audio averaged to mono (see :func:`prepare_samples`).
"""

from strokescreen.audio._input import RATE_HZ, prepare_samples
from strokescreen.audio.config import SpeechConfig
from strokescreen.audio.features import (
    speech_feature_names,
    speech_feature_units,
    speech_feature_vector,
)
from strokescreen.audio.normals import (
    compare_to_normals,
    derive_ranges,
    normals_table,
    speech_normals,
)
from strokescreen.audio.pitch import PitchTracks, pitch_summary, pitch_track, pitch_tracks
from strokescreen.audio.spectral import spectral_balance, spectral_flux, stft_magnitude
from strokescreen.audio.spectrogram import log_mel, log_mel_image
from strokescreen.audio.speech import MEASURES, Measure, is_ddk_task, speech_measures
from strokescreen.audio.syllables import ddk_timing, intensity_db, syllable_nuclei
from strokescreen.audio.vad import segments_from_activity, speech_segments, voice_activity
from strokescreen.audio.voice import voice_quality

__all__ = [
    "MEASURES",
    "RATE_HZ",
    "Measure",
    "PitchTracks",
    "SpeechConfig",
    "compare_to_normals",
    "ddk_timing",
    "derive_ranges",
    "intensity_db",
    "is_ddk_task",
    "log_mel",
    "log_mel_image",
    "normals_table",
    "pitch_summary",
    "pitch_track",
    "pitch_tracks",
    "prepare_samples",
    "segments_from_activity",
    "spectral_balance",
    "spectral_flux",
    "speech_feature_names",
    "speech_feature_units",
    "speech_feature_vector",
    "speech_measures",
    "speech_normals",
    "speech_segments",
    "stft_magnitude",
    "syllable_nuclei",
    "voice_activity",
    "voice_quality",
]
