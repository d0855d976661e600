"""Audio stage: log-Mel spectrograms, voice activity and speech measures (16 kHz).

Pure functions over numpy arrays; audio at other rates is resampled to 16 kHz and
multichannel audio averaged to mono (see :func:`prepare_samples`).
"""

# Names load on first use (PEP 562): importing one submodule, such as the voice-activity
# detector the preprocessing needs, must not pull in scipy.signal and every measure.
from importlib import import_module

_WHERE = {
    'MEASURES': 'speech',
    'Measure': 'speech',
    'PitchTracks': 'pitch',
    'RATE_HZ': '_input',
    'SpeechConfig': 'config',
    'compare_to_normals': 'normals',
    'ddk_timing': 'syllables',
    'derive_ranges': 'normals',
    'intensity_db': 'syllables',
    'is_ddk_task': 'speech',
    'log_mel': 'spectrogram',
    'log_mel_image': 'spectrogram',
    'normals_table': 'normals',
    'pitch_summary': 'pitch',
    'pitch_track': 'pitch',
    'pitch_tracks': 'pitch',
    'prepare_samples': '_input',
    'segments_from_activity': 'vad',
    'spectral_balance': 'spectral',
    'spectral_flux': 'spectral',
    'speech_feature_names': 'features',
    'speech_feature_units': 'features',
    'speech_feature_vector': 'features',
    'speech_measures': 'speech',
    'speech_normals': 'normals',
    'speech_segments': 'vad',
    'stft_magnitude': 'spectral',
    'syllable_nuclei': 'syllables',
    'voice_activity': 'vad',
    'voice_quality': 'voice',
    'ac_voicing': 'voicing',
}


def __getattr__(name: str):
    if name in _WHERE:
        value = getattr(import_module(f"{__name__}.{_WHERE[name]}"), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


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
    "ac_voicing",
]
