"""The case-folder contract: typed meta.json / quality.json, same bytes as the plain dicts."""

from __future__ import annotations

import json

import pytest

from strokescreen.errors import InputError
from strokescreen.preprocess.artifacts import (
    CaseMeta,
    CaseQuality,
    read_meta,
    read_quality,
    write_json,
    write_meta,
    write_quality,
)

META = {
    "input_sha256": "ab" * 32, "input_bytes": 1234, "duration_s": 2.0,
    "declared_duration_s": None, "fps": 30.0, "fps_measured": 29.97, "n_frames": 60,
    "width": 360, "height": 480, "rotation_deg": 90, "codec": "h264",
    "audio_present": False, "audio_note": "the video has no soundtrack", "audio_rate_hz": None,
    "audio_s": None, "landmarker": "mediapipe", "n_points": 478,
    "versions": {"strokescreen": "0"}, "stage_version": "preprocess-3",
    "config": {"proposal": {"beta1_deg": 5.0}}, "config_hash": "c0ffee", "cache_key": "k1",
    "elapsed_s": 1.5, "frontal_reference": None,
}
REFERENCE = {
    "criterion": "recording", "landmarker": "mediapipe",
    "measured_deg": {"yaw": 2.1, "pitch": -7.4, "roll": 0.3},
    "reference_deg": {"yaw": 2.1, "pitch": -7.4, "roll": 0.3},
    "limit_deg": {"yaw": 11.3, "pitch": 18.9, "roll": 8.0}, "beta1_deg": 5.0, "clamped": False,
}
QUALITY = {
    "verdict": "review", "reasons": ["the video has no soundtrack; speech measures unavailable"],
    "advice": "re-record", "n_frames": 60, "n_kept": 50, "reject_counts": {"no_face": 2},
    "face_found_share": 0.9667, "usable_share": 0.8333, "longest_usable_run_frames": 40,
    "longest_usable_run_s": 1.335, "speech_s": None, "duration_s": 2.002,
    "frontal_reference": REFERENCE,
}


def test_typed_files_are_byte_identical_to_the_plain_dicts(tmp_path):
    plain, typed = tmp_path / "plain", tmp_path / "typed"
    plain.mkdir()
    typed.mkdir()
    write_json(plain / "meta.json", META)
    write_json(plain / "quality.json", QUALITY)
    write_meta(typed, CaseMeta.from_dict(META))
    write_quality(typed, CaseQuality.from_dict(QUALITY))
    for name in ("meta.json", "quality.json"):
        assert (typed / name).read_bytes() == (plain / name).read_bytes()
    meta, quality = read_meta(typed), read_quality(typed)
    assert meta.to_dict() == META and quality.to_dict() == QUALITY
    assert meta.analysis_fps == 29.97 and not meta.audio_present and quality.verdict == "review"


def test_missing_and_unknown_keys_are_named(tmp_path):
    (tmp_path / "meta.json").write_text(json.dumps({**META, "has_audio": True}))
    with pytest.raises(InputError, match="unknown has_audio"):
        read_meta(tmp_path)
    (tmp_path / "quality.json").write_text(json.dumps({"verdict": "good"}))
    with pytest.raises(InputError, match="missing n_frames, n_kept, reasons"):
        read_quality(tmp_path)


@pytest.mark.parametrize("text", ["[1, 2]", "not json"])
def test_malformed_files_give_one_clear_error(tmp_path, text):
    (tmp_path / "meta.json").write_text(text)
    with pytest.raises(InputError, match="re-run `strokescreen preprocess`"):
        read_meta(tmp_path)


def test_an_absent_file_says_to_preprocess_first(tmp_path):
    with pytest.raises(InputError, match="missing; run `strokescreen preprocess` first"):
        read_quality(tmp_path)
