"""Every bad input of the preprocessing issue: exit code, one line, no traceback."""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from tests.helpers import real_file

EXE = [sys.executable, "-m", "strokescreen.cli"]


def run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*EXE, *args], capture_output=True, text=True, timeout=300)


def assert_one_line_error(res, code):
    assert res.returncode == code, (res.returncode, res.stderr)
    assert "Traceback" not in res.stderr and "Traceback" not in res.stdout
    lines = [ln for ln in res.stderr.splitlines() if ln.startswith("error:")]
    assert len(lines) == 1, res.stderr


@pytest.fixture(scope="module")
def bad_files(tmp_path_factory):
    import av
    import skimage.data
    import soundfile as sf
    from PIL import Image

    from strokescreen.io.video import write_video

    d = tmp_path_factory.mktemp("bad")
    (d / "empty.mp4").write_bytes(b"")
    (d / "text.mp4").write_text("this is not a video\n")
    Image.fromarray(skimage.data.astronaut()).save(d / "image.mp4", format="PNG")
    sf.write(d / "voice.wav", np.zeros(16000, np.float32), 16000)
    with av.open(str(d / "audio_only.m4a"), "w") as c:
        s = c.add_stream("aac", rate=16000)
        s.layout = "mono"
        fr = av.AudioFrame.from_ndarray(np.zeros((1, 16000), np.float32), format="flt",
                                        layout="mono")
        fr.sample_rate, fr.pts = 16000, 0
        for p in [*s.encode(fr), *s.encode(None)]:
            c.mux(p)
    write_video(d / "short.mp4", [np.zeros((64, 64, 3), np.uint8)] * 15, fps=30)
    # a 4 s clip with its index at the front (faststart), then cut in half
    frames = [np.full((64, 64, 3), i % 255, np.uint8) for i in range(120)]
    full = d / "full.mp4"
    with av.open(str(full), "w", options={"movflags": "faststart"}) as c:
        s = c.add_stream("libx264", rate=30)
        s.width, s.height, s.pix_fmt = 64, 64, "yuv420p"
        for i, f in enumerate(frames):
            vf = av.VideoFrame.from_ndarray(f, format="rgb24")
            vf.pts = i
            for p in s.encode(vf):
                c.mux(p)
        for p in s.encode(None):
            c.mux(p)
    data = full.read_bytes()
    (d / "cut.mp4").write_bytes(data[: len(data) // 2])
    (d / "cut_front.mp4").write_bytes(data[: len(data) // 20])
    return d


@pytest.mark.parametrize("name,pattern", [
    ("missing.mp4", "does not exist"),
    ("empty.mp4", "empty"),
    ("text.mp4", "not a readable video"),
    ("image.mp4", "still image"),
    ("voice.wav", "audio-only"),
    ("audio_only.m4a", "audio-only"),
    ("short.mp4", "under the minimum of 1 s"),
    ("cut.mp4", "truncated"),
    ("cut_front.mp4", "truncated|not a readable|does not decode"),
])
def test_bad_input_exits_3_with_one_line(bad_files, tmp_path, name, pattern):
    import re

    res = run("preprocess", str(bad_files / name), "--out", str(tmp_path / "out"))
    assert_one_line_error(res, 3)
    assert re.search(pattern, res.stderr), res.stderr
    assert not (tmp_path / "out").exists()  # nothing half-written left behind


@pytest.mark.slow
def test_no_face_exits_4_with_figures(tmp_path):
    video = real_file("video", "no_face.mp4")
    res = run("preprocess", str(video), "--out", str(tmp_path / "out"))
    assert_one_line_error(res, 4)
    assert "face found in 0% of frames" in res.stderr


def test_existing_output_is_never_overwritten(tmp_path, astronaut):
    from tests.helpers import portrait_clip

    clip = portrait_clip(tmp_path / "clip.mp4", astronaut, seconds=1.2)
    out = tmp_path / "out"
    out.mkdir()
    (out / "precious.txt").write_text("keep me")
    res = run("preprocess", str(clip), "--out", str(out))
    assert_one_line_error(res, 3)
    assert "--overwrite" in res.stderr
    assert (out / "precious.txt").read_text() == "keep me"


def test_unknown_landmarker_and_bad_config(tmp_path, astronaut):
    from tests.helpers import portrait_clip

    clip = portrait_clip(tmp_path / "clip.mp4", astronaut, seconds=1.2)
    res = run("preprocess", str(clip), "--out", str(tmp_path / "o1"), "--landmarker", "dlb68")
    assert_one_line_error(res, 2)
    assert "dlib68" in res.stderr
    cfg = tmp_path / "cfg.yaml"
    cfg.write_text("proposal:\n  beta1_deg: -3\n")
    res = run("preprocess", str(clip), "--out", str(tmp_path / "o2"), "--config", str(cfg))
    assert_one_line_error(res, 2)
    cfg.write_text("proposal:\n  beta9: 3\n")
    res = run("preprocess", str(clip), "--out", str(tmp_path / "o3"), "--config", str(cfg))
    assert_one_line_error(res, 2)
    assert "beta9" in res.stderr


def test_package_entry_point_runs_the_cli():
    """``python -m strokescreen`` is the same CLI: a bad path is one line and exit 3."""
    res = subprocess.run([sys.executable, "-m", "strokescreen", "preprocess",
                          "no/such/video.mp4", "--out", "unused"],
                         capture_output=True, text=True, timeout=300)
    assert_one_line_error(res, 3)
