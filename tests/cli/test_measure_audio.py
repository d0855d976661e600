"""`strokescreen measure` on audio files: speech measures, and exit 3 / 4 for bad audio."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from typer.testing import CliRunner

from strokescreen.audio.synthetic import syllable_train
from strokescreen.cli import app
from tests.helpers import real_file

runner = CliRunner()
REPO = Path(__file__).resolve().parents[2]
RATE = 4.0  # planted syllables per second


def run_cli(*args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(REPO / "src")}
    return subprocess.run([sys.executable, "-m", "strokescreen.cli", "measure", *args],
                          capture_output=True, text=True, env=env, timeout=600)


def write_pyav(path: Path, x: np.ndarray, codec: str, rate_hz: int = 16000) -> Path:
    import av

    with av.open(str(path), "w") as c:
        stream = c.add_stream(codec, rate=rate_hz)
        stream.layout = "mono"  # type: ignore[union-attr]
        frame = av.AudioFrame.from_ndarray(x.reshape(1, -1).astype(np.float32), format="flt",
                                           layout="mono")
        frame.sample_rate = rate_hz
        for packet in stream.encode(frame):  # type: ignore[union-attr]
            c.mux(packet)
        for packet in stream.encode(None):  # type: ignore[union-attr]
            c.mux(packet)
    return path


@pytest.fixture(scope="module")
def train():
    """36 bursts at 4 per second in 3 runs (pauses 0.6 and 0.9 s)."""
    return syllable_train(RATE, 36, pauses={11: 0.6, 23: 0.9}, rng=np.random.default_rng(11))


@pytest.fixture(scope="module")
def files(tmp_path_factory, train):
    import librosa

    d = tmp_path_factory.mktemp("audio")
    x = train.samples
    x44 = librosa.resample(x, orig_sr=16000, target_sr=44100)
    out = {
        "wav": d / "speech.wav",
        "flac": d / "speech.flac",
        "mp3": write_pyav(d / "speech.mp3", x, "mp3"),
        "m4a": write_pyav(d / "speech.m4a", x44, "aac", 44100),
    }
    sf.write(out["wav"], np.stack([x44, x44], axis=1), 44100, subtype="PCM_16")  # stereo 44.1
    sf.write(out["flac"], x, 16000)
    return out


def _json(result):
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


@pytest.mark.parametrize("ext", ["wav", "flac", "mp3", "m4a"])
def test_planted_rate_from_each_format(files, train, ext):
    doc = _json(runner.invoke(app, ["measure", str(files[ext]), "--json"]))
    assert doc["kind"] == "audio" and doc["face_found"] is False
    assert doc["composite_asymmetry"] is None and doc["region_scores"] == {}
    m = doc["measures"]
    assert all(k.startswith("speech_") for k in m)
    assert abs(m["speech_syllable_count"]["value"] - 36) <= 1
    assert m["speech_articulation_rate"]["value"] == pytest.approx(RATE, rel=0.1)
    assert m["speech_pause_count"]["value"] == 2
    utterance = train.offsets_s[-1] - train.onsets_s[0]
    assert m["speech_rate"]["value"] == pytest.approx(36 / utterance, rel=0.06)
    rate = m["speech_rate"]
    assert rate["unit"] == "syllables/s" and rate["normal_low"] == 3.0
    assert rate["out_of_range"] is False
    assert "disclaimer" in doc


def test_table_has_speech_and_no_face_part(files):
    result = runner.invoke(app, ["measure", str(files["flac"])])
    assert result.exit_code == 0, result.output
    assert "speech_articulation_rate" in result.stdout and "syllables/s" in result.stdout
    assert "composite asymmetry" not in result.stdout
    assert "inter-pupil" not in result.stdout
    assert "screening aid" in result.stdout


def test_librispeech_reading_gives_a_plausible_rate():
    p = real_file("speech", "librispeech_3436-172162-0000.ogg")
    doc = _json(runner.invoke(app, ["measure", str(p), "--json"]))
    m = doc["measures"]
    assert doc["face_found"] is False
    assert 3.0 < m["speech_rate"]["value"] < 6.5
    assert 3.5 < m["speech_articulation_rate"]["value"] < 7.0
    assert 85 < m["speech_f0_median"]["value"] < 180  # a man's speaking F0


def _one_error_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.startswith("error:")]
    assert len(lines) == 1, text
    assert "Traceback" not in text
    return lines[0]


def test_silent_file_exits_4_as_a_subprocess(tmp_path):
    p = tmp_path / "silence.wav"
    rng = np.random.default_rng(0)
    sf.write(p, 1e-4 * rng.standard_normal(3 * 16000), 16000)
    proc = run_cli(str(p))
    assert proc.returncode == 4, proc.stderr
    assert "no speech" in _one_error_line(proc.stderr)


def test_corrupt_file_exits_3_as_a_subprocess(tmp_path):
    p = tmp_path / "broken.mp3"
    p.write_bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8).tobytes())
    proc = run_cli(str(p))
    assert proc.returncode == 3, proc.stderr
    assert "broken.mp3" in _one_error_line(proc.stderr)


def _truncate(src: Path, dst: Path) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: len(data) // 2])
    return dst


@pytest.mark.parametrize("case", ["empty", "truncated-wav", "truncated-flac", "truncated-mp3",
                                  "truncated-m4a", "garbage-wav", "unknown-format"])
def test_bad_audio_exits_3_with_one_line(files, tmp_path, case):
    kind, _, ext = case.partition("-")
    if kind == "empty":
        p = tmp_path / "empty.m4a"
        p.write_bytes(b"")
    elif kind == "truncated":
        p = _truncate(files[ext], tmp_path / f"cut.{ext}")
    elif kind == "garbage":
        p = tmp_path / "garbage.wav"
        p.write_bytes(b"RIFF" + bytes(range(256)) * 8)
    else:
        p = tmp_path / "notes.xyz"
        p.write_text("not a recording\n" * 50)
    result = runner.invoke(app, ["measure", str(p)])
    assert result.exit_code == 3, result.output
    line = _one_error_line(result.stderr)
    assert p.name in line
    if kind in ("empty", "truncated"):
        assert kind in line or "corrupt" in line
