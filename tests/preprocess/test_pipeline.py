from __future__ import annotations

import dataclasses
import json
import sys

import numpy as np
import pandas as pd
import pytest

from strokescreen.config import PreprocessConfig, ProposalConfig
from strokescreen.errors import QualityError
from strokescreen.preprocess.artifacts import load_case
from strokescreen.preprocess.pipeline import preprocess_video
from strokescreen.preprocess.proposal import REJECT_REASONS
from tests.helpers import portrait_clip, real_file, tone

# The bundled portrait looks slightly up; widen beta1 so its frames count as frontal.
LOOSE = PreprocessConfig(proposal=ProposalConfig(beta1_deg=40.0))


@pytest.fixture(scope="module")
def portrait_case(tmp_path_factory, astronaut):
    d = tmp_path_factory.mktemp("case")
    clip = portrait_clip(d / "clip.mp4", astronaut, seconds=2.0, audio=tone(2.0))
    out = preprocess_video(clip, d / "out", config=LOOSE)
    return load_case(out)


def test_artifact_contract(portrait_case):
    c = portrait_case
    for name in ("meta.json", "frames.parquet", "crops.npz", "audio.wav", "quality.json"):
        assert (c.case_dir / name).is_file(), name
    cols = set(c.frames.columns)
    assert {"frame", "t", "face_found", "yaw", "pitch", "roll", "flow", "kept",
            "reject_reason"} <= cols
    assert {"x_0", "x_477", "y_477", "z_477"} <= cols and "x_478" not in cols
    assert c.landmarks.shape == (60, 478, 3)
    assert c.frames["face_found"].all()
    assert set(c.frames["reject_reason"]) <= set(REJECT_REASONS) | {""}
    # crops are exactly the kept frames, with their real frame numbers
    assert c.crops.shape == (int(c.kept.sum()), 224, 224, 3)
    assert np.array_equal(c.crop_index, c.frames.loc[c.frames["kept"], "frame"].to_numpy())
    assert c.meta.audio_present and c.meta.n_points == 478
    assert c.meta.config["proposal"]["beta1_deg"] == 40.0
    assert abs(len(c.audio) / 16000 - 2.0) < 0.15
    q = c.quality
    assert q.n_frames == 60 and q.n_kept == int(c.kept.sum())
    assert sum(q.reject_counts.values()) == 60 - q.n_kept


def test_crops_are_stabilised(portrait_case):
    # the portrait jitters by a few pixels in the frame; the crops hold the eyes still
    from strokescreen.preprocess.stabilise import TEMPLATE
    crops = portrait_case.crops.astype(float)
    assert len(crops) > 20
    diffs = np.abs(np.diff(crops, axis=0)).mean()
    assert diffs < 12.0
    assert TEMPLATE.shape == (3, 2)


def test_video_without_sound_still_gets_facial_artifacts(tmp_path, astronaut):
    clip = portrait_clip(tmp_path / "mute.mp4", astronaut, seconds=1.5)
    out = preprocess_video(clip, tmp_path / "out", config=LOOSE)
    meta = json.loads((out / "meta.json").read_text())
    assert meta["audio_present"] is False and "no soundtrack" in meta["audio_note"]
    assert not (out / "audio.wav").exists()
    assert (out / "crops.npz").is_file()
    q = json.loads((out / "quality.json").read_text())
    assert any("soundtrack" in r for r in q["reasons"])


def test_portrait_phone_video_is_turned_upright(tmp_path, astronaut):
    # stored sideways with rotation metadata, as phones record portrait video
    sideways = np.ascontiguousarray(np.rot90(astronaut, k=-1))
    clip = portrait_clip(tmp_path / "rot.mp4", sideways, seconds=1.5, rotation_deg=90)
    out = preprocess_video(clip, tmp_path / "out", config=LOOSE)
    c = load_case(out)
    assert c.meta.rotation_deg == 90 and (c.meta.width, c.meta.height) == (360, 480)
    assert c.frames["face_found"].mean() > 0.95
    assert np.nanmedian(np.abs(c.frames["roll"])) < 15  # upright, not lying on its side


def test_cache_key_changes_with_config(tmp_path, astronaut):
    from strokescreen.preprocess.pipeline import cache_key
    other = dataclasses.replace(LOOSE, proposal=dataclasses.replace(LOOSE.proposal, beta1_deg=30))
    assert cache_key("ab" * 32, LOOSE) != cache_key("ab" * 32, other)
    assert cache_key("ab" * 32, LOOSE) == cache_key("ab" * 32, LOOSE)


@pytest.mark.slow
@pytest.mark.parametrize("name", ["single_face.mp4", "wolfgang_langer_pexels.mp4"])
def test_real_face_found_in_95_percent_of_frames(tmp_path, name):
    video = real_file("video", name)
    out = preprocess_video(video, tmp_path / "out", raise_on_unusable=False)
    frames = pd.read_parquet(out / "frames.parquet")
    assert frames["face_found"].mean() >= 0.95


def test_real_face_noface_marks_faceless_frames(tmp_path):
    video = real_file("video", "face_noface.mov")
    out = preprocess_video(video, tmp_path / "out", raise_on_unusable=False)
    frames = pd.read_parquet(out / "frames.parquet")
    missing = ~frames["face_found"]
    assert 0.2 < missing.mean() < 0.9
    assert (frames.loc[missing, "reject_reason"] == "no_face").all()
    assert not frames.loc[missing, "kept"].any()


def test_real_no_face_raises_quality_error_after_writing(tmp_path):
    video = real_file("video", "no_face.mp4")
    with pytest.raises(QualityError, match="face found in 0%"):
        preprocess_video(video, tmp_path / "out")
    q = json.loads((tmp_path / "out" / "quality.json").read_text())
    assert q["verdict"] == "unusable"


def test_worker_thread_keeps_order_and_hands_back_its_error():
    from strokescreen.preprocess.pipeline import _Background, _Worker

    seen: list[int] = []
    w = _Worker(seen.append, depth=2)
    for i in range(50):
        w.put(i)
    w.close()
    assert seen == list(range(50))

    def boom(item: int) -> None:
        if item == 3:
            raise ValueError("bad frame 3")

    w = _Worker(boom, depth=1)
    with pytest.raises(ValueError, match="bad frame 3"):
        for i in range(100):
            w.put(i)
        w.close()
    assert _Background(lambda: 7).result() == 7
    bg = _Background(lambda: 1 / 0)
    bg.wait()
    with pytest.raises(ZeroDivisionError):
        bg.result()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="per-thread nice is Linux's")
def test_helper_threads_yield_to_landmarking():
    import os
    import threading

    from strokescreen.preprocess.pipeline import _HELPER_NICE, _lower_priority

    seen: dict[str, int] = {}

    def helper() -> None:
        tid = threading.get_native_id()
        seen["before"] = os.getpriority(os.PRIO_PROCESS, tid)
        _lower_priority()
        seen["after"] = os.getpriority(os.PRIO_PROCESS, tid)

    th = threading.Thread(target=helper)
    th.start()
    th.join()
    me = os.getpriority(os.PRIO_PROCESS, threading.get_native_id())
    assert _HELPER_NICE > 0
    assert seen["after"] == min(seen["before"] + _HELPER_NICE, 19)
    assert me == seen["before"]  # the calling (landmarking) thread keeps its priority


def test_prefetch_keeps_order_hands_back_errors_and_stops_early():
    import threading

    from strokescreen.preprocess.pipeline import _Prefetch

    assert list(_Prefetch(iter(range(40)), depth=2)) == list(range(40))

    def broken():
        yield 0
        yield 1
        raise OSError("decoder broke at 2")

    with pytest.raises(OSError, match="decoder broke"):
        list(_Prefetch(broken(), depth=1))

    closed = threading.Event()

    def endless():
        try:
            i = 0
            while True:
                yield i
                i += 1
        finally:
            closed.set()

    pre = _Prefetch(endless(), depth=3)
    first = next(iter(pre))
    pre.close()  # returns (no hang on the full queue) and releases the source
    assert first == 0 and closed.wait(2.0)


def test_speech_measured_alongside_matches_the_case_folder(tmp_path, astronaut):
    from strokescreen.workflows.feature_table import case_features, case_speech

    clip = portrait_clip(tmp_path / "talk.mp4", astronaut, seconds=2.0,
                         audio=tone(2.0, f0_hz=180.0))
    got: dict = {}

    def hook(wav):
        assert wav.name == "audio.wav" and wav.is_file()
        got["speech"] = case_speech(wav)

    out = preprocess_video(clip, tmp_path / "out", config=LOOSE, on_audio=hook)
    alongside = got["speech"]
    assert alongside["speech_f0_median"] == pytest.approx(180.0, abs=3.0)
    fresh = case_features(out)["features"]  # computed from the finished folder
    for k, v in alongside.items():
        if np.isfinite(v):
            assert fresh[k] == pytest.approx(v), k

    def broken(wav):
        raise RuntimeError("speech measure failed")

    with pytest.raises(RuntimeError, match="speech measure failed"):
        preprocess_video(clip, tmp_path / "out2", config=LOOSE, on_audio=broken)
    assert not (tmp_path / "out2").exists()  # nothing half-written is left


@pytest.mark.slow
@pytest.mark.parametrize("follow", [True, False])
def test_dlib68_landmarker_end_to_end(tmp_path, astronaut, follow):
    pytest.importorskip("dlib")
    from strokescreen.config import LandmarkConfig

    clip = portrait_clip(tmp_path / "clip.mp4", astronaut, seconds=1.2)
    cfg = dataclasses.replace(LOOSE, landmarks=LandmarkConfig(landmarker="dlib68", follow=follow))
    case = load_case(preprocess_video(clip, tmp_path / "out", config=cfg))
    assert case.meta.n_points == 68 and case.landmarks.shape[1:] == (68, 3)
    assert {"x_67", "y_67"} <= set(case.frames.columns) and "x_68" not in case.frames.columns
    assert case.frames["face_found"].mean() >= 0.9
    # the portrait's nose tip (iBUG 30) stays where the gently moving portrait puts it
    nose = case.landmarks[:, 30, :2]
    assert np.nanstd(nose[:, 0]) < 5 and np.nanstd(nose[:, 1]) < 5


@pytest.mark.slow
def test_follow_and_scan_agree_on_the_portrait_clip(tmp_path, astronaut, monkeypatch):
    from strokescreen.config import LandmarkConfig
    from strokescreen.face.tracking import PatientFollower
    from strokescreen.preprocess import pipeline

    followers: list[PatientFollower] = []

    def recording(*args, **kwargs):
        followers.append(PatientFollower(*args, **kwargs))
        return followers[-1]

    monkeypatch.setattr(pipeline, "PatientFollower", recording)
    clip = portrait_clip(tmp_path / "clip.mp4", astronaut, seconds=1.5)
    cases = {}
    for follow in (True, False):
        cfg = dataclasses.replace(LOOSE, landmarks=LandmarkConfig(follow=follow))
        cases[follow] = load_case(preprocess_video(clip, tmp_path / f"out{follow}", config=cfg))
    # the setting reaches the follower: all but the settling frames followed, or none
    assert followers[0].frames_followed >= 45 - 4 and followers[1].frames_followed == 0
    a, b = cases[True].landmarks, cases[False].landmarks
    iod = np.linalg.norm(b[:, 468, :2] - b[:, 473, :2], axis=1)
    dev = np.median(np.linalg.norm(a[..., :2] - b[..., :2], axis=2), axis=1) / iod
    assert np.nanmax(dev) < 0.02
    assert cases[True].meta.config["landmarks"]["follow"] is True
    assert cases[True].meta.cache_key != cases[False].meta.cache_key
