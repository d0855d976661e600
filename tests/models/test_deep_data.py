"""Inputs of the deep model: truly adjacent frame pairs, log-Mel images, skip reasons."""

from __future__ import annotations

import numpy as np
from tools.deep_fake import fake_audio, subject_texture, write_fake_case

from strokescreen.models.deep_data import (
    adjacent_pairs,
    get_preset,
    load_case_inputs,
    log_mel_image,
)

TINY = get_preset("tiny")


def test_adjacent_pairs_use_real_frame_numbers():
    index = np.array([3, 4, 5, 9, 10, 20, 22, 23])
    # 3-4, 4-5, 9-10, 22-23 are adjacent; 5-9, 10-20, 20-22 are not
    assert adjacent_pairs(index, max_pairs=10).tolist() == [0, 1, 3, 6]
    assert adjacent_pairs(np.array([0, 2, 4, 6]), max_pairs=10).size == 0
    assert adjacent_pairs(np.array([7]), max_pairs=10).size == 0


def test_adjacent_pairs_are_spread_evenly_when_capped():
    index = np.arange(101)  # 100 adjacent pairs
    pos = adjacent_pairs(index, max_pairs=5)
    assert pos.tolist() == [0, 25, 50, 74, 99]


def test_case_inputs_pair_the_right_frames(tmp_path):
    rng = np.random.default_rng(0)
    tex = subject_texture(rng, px=64)
    index = np.array([0, 1, 2, 10, 11, 30])
    d = write_fake_case(tmp_path / "c", texture=tex, stroke=False, rng=rng, index=index)
    ci = load_case_inputs(d, case_id="c", preset=TINY)
    with np.load(d / "crops.npz") as z:
        crops = z["frames"]
    assert ci.pairs.shape == (3, 2)
    # every pair is (frame k, frame k+1) of the real video
    for a, b in ci.pairs:
        ka = next(i for i in range(len(crops)) if np.array_equal(crops[i], ci.frames[a]))
        kb = next(i for i in range(len(crops)) if np.array_equal(crops[i], ci.frames[b]))
        assert index[kb] == index[ka] + 1
    assert 30 not in index[[0, 1, 3, 4]]  # the lone frame 30 is never used
    assert ci.frames.shape == (5, 64, 64, 3)
    assert ci.spec.shape == (TINY.n_mels, TINY.n_frames)
    assert ci.video_reason is None and ci.audio_reason is None


def test_crops_are_resized_to_the_preset(tmp_path):
    rng = np.random.default_rng(1)
    d = write_fake_case(tmp_path / "big", texture=subject_texture(rng, px=224), stroke=True,
                        rng=rng, index=np.arange(6))
    ci = load_case_inputs(d, case_id="big", preset=TINY)
    assert ci.frames.shape == (6, 64, 64, 3) and ci.pairs.shape == (5, 2)


def test_missing_branches_are_reported_not_raised(tmp_path):
    rng = np.random.default_rng(2)
    tex = subject_texture(rng, px=64)
    d = write_fake_case(tmp_path / "noaudio", texture=tex, stroke=False, rng=rng,
                        index=np.array([0, 2, 4]), audio_seconds=None)
    ci = load_case_inputs(d, case_id="noaudio", preset=TINY)
    assert ci.pairs.shape == (0, 2) and ci.spec is None
    assert ci.video_reason == "no truly adjacent pair among 3 kept frames"
    assert ci.audio_reason == "video has no audio track"  # meta.json: no soundtrack
    d = write_fake_case(tmp_path / "lost", texture=tex, stroke=False, rng=rng,
                        index=np.array([0, 1, 2]))
    (d / "audio.wav").unlink()  # the recording had sound, its file is gone
    (d / "crops.npz").unlink()
    ci = load_case_inputs(d, case_id="lost", preset=TINY)
    assert ci.audio_reason == "no audio.wav" and ci.spec is None
    assert ci.video_reason == "no truly adjacent pair among 0 kept frames"
    empty = tmp_path / "empty"
    empty.mkdir()
    ci = load_case_inputs(empty, case_id="e", preset=TINY)
    assert ci.video_reason.startswith("unreadable case artifacts")
    assert "no meta.json" in ci.video_reason and ci.audio_reason == ci.video_reason
    ci = load_case_inputs(tmp_path / "absent", case_id="a", preset=TINY)
    assert ci.video_reason.startswith("case folder not found")
    broken = write_fake_case(tmp_path / "broken", texture=tex, stroke=False, rng=rng,
                             index=np.array([0, 1, 2]))
    (broken / "crops.npz").write_bytes(b"PK\x03\x04 not really a zip")
    ci = load_case_inputs(broken, case_id="b", preset=TINY)
    assert ci.video_reason.startswith("unreadable case artifacts") and ci.spec is None
    assert "BadZipFile" in ci.video_reason
    (broken / "meta.json").write_text("{}")  # a meta.json of no known version
    ci = load_case_inputs(broken, case_id="b", preset=TINY)
    assert ci.audio_reason.startswith("unreadable case artifacts")
    assert "missing audio_present" in ci.audio_reason


def test_log_mel_image_is_standardised_and_shows_the_tone():
    rng = np.random.default_rng(3)
    plain = log_mel_image(fake_audio(rng, seconds=2.0, stroke=False), rate_hz=16000,
                          n_mels=64, n_frames=64)
    tone = log_mel_image(fake_audio(rng, seconds=2.0, stroke=True), rate_hz=16000,
                         n_mels=64, n_frames=64)
    assert plain.shape == (64, 64) and plain.dtype == np.float32
    assert abs(plain.mean()) < 1e-4 and abs(plain.std() - 1.0) < 1e-3
    # the 1 kHz tone is steady: its Mel band is loud in every column, unlike noise bursts
    band = np.argmax(tone.mean(axis=1))
    assert tone[band].min() > plain[band].min() + 1.0
    # a quieter recording of the same sound gives nearly the same image (only the
    # -100 dB floor of digital silence is not scaled)
    y = fake_audio(rng, seconds=2.0, stroke=True)
    a = log_mel_image(y, rate_hz=16000, n_mels=64, n_frames=64)
    b = log_mel_image(0.25 * y, rate_hz=16000, n_mels=64, n_frames=64)
    assert np.corrcoef(a.ravel(), b.ravel())[0, 1] > 0.99


def test_presets():
    paper = get_preset("paper")
    assert (paper.image_px, paper.video_depth, paper.audio_depth, paper.batch_size) == (
        224, 34, 18, 64)
    assert TINY.image_px == 64 and TINY.width < 1.0
    assert get_preset("tiny", epochs=1, lr=None).epochs == 1
    assert get_preset("tiny", lr=None).lr == TINY.lr
