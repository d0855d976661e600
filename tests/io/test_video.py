from __future__ import annotations

from fractions import Fraction

import numpy as np

from strokescreen.io.video import iter_frames, probe, read_audio, write_video
from tests.helpers import real_file


def test_real_video_probe_and_stream():
    p = real_file("video", "single_face.mp4")
    info = probe(p)
    assert (info.width, info.height) == (640, 360)
    assert abs(info.duration_s - 2.4) < 0.05 and info.has_audio
    frames = list(iter_frames(p))
    assert len(frames) == 72
    t = np.array([f.t for f in frames])
    assert t[0] == 0.0 and np.all(np.diff(t) > 0)
    assert abs(np.median(np.diff(t)) - 1 / 30) < 1e-3


def test_variable_frame_rate_uses_each_frames_timestamp(tmp_path):
    import av

    # write a clip whose frames are unevenly spaced in time (as phones record)
    path = tmp_path / "vfr.mp4"
    stamps_ms = [0, 33, 66, 140, 173, 300, 333, 366, 500, 533, 566, 600, 1200, 1233]
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=1000)
        s.width, s.height, s.pix_fmt = 64, 48, "yuv420p"
        s.time_base = Fraction(1, 1000)
        for ms in stamps_ms:
            f = av.VideoFrame.from_ndarray(np.full((48, 64, 3), ms % 255, np.uint8), format="rgb24")
            f.pts = ms
            f.time_base = Fraction(1, 1000)
            for pkt in s.encode(f):
                c.mux(pkt)
        for pkt in s.encode(None):
            c.mux(pkt)
    t = np.array([f.t for f in iter_frames(path)])
    assert np.allclose(t * 1000, stamps_ms, atol=2)


def test_hevc_quicktime_decodes():
    p = real_file("video", "face_noface.mov")
    assert probe(p).codec == "hevc"
    assert sum(1 for _ in iter_frames(p)) == 169


def test_audio_becomes_16k_mono():
    p = real_file("video", "single_face.mp4")
    a = read_audio(p, rate_hz=16000)
    assert a is not None and a.dtype == np.float32 and a.ndim == 1
    assert abs(len(a) / 16000 - 2.4) < 0.1


def test_rotation_metadata_is_honoured(tmp_path):
    img = np.zeros((64, 96, 3), np.uint8)
    img[:16, :16] = 255  # a marker in the top-left corner of the stored (landscape) frame
    p = write_video(tmp_path / "rot.mp4", [img] * 12, fps=30, rotation_deg=90)
    info = probe(p)
    assert info.rotation_deg == 90 and (info.width, info.height) == (64, 96)
    frame = next(iter_frames(p)).image
    assert frame.shape == (96, 64, 3)
    ys, xs = np.nonzero(frame[..., 0] > 128)
    # 90° counter-clockwise display rotation carries the top-left corner to bottom-left
    assert ys.mean() > 70 and xs.mean() < 20


def test_writer_is_deterministic(tmp_path):
    rng = np.random.default_rng(1)
    frames = [rng.integers(0, 255, (48, 64, 3), dtype=np.uint8) for _ in range(10)]
    audio = (0.1 * np.sin(np.arange(16000) / 10)).astype(np.float32)
    a = write_video(tmp_path / "a.mp4", frames, fps=30, audio=audio).read_bytes()
    b = write_video(tmp_path / "b.mp4", frames, fps=30, audio=audio).read_bytes()
    assert a == b
