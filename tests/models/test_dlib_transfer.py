"""DeepStroke with the dlib-resnet29 video backbone: transfer loads dlib's weights (from the
installed package, nothing downloaded), no-transfer really starts elsewhere, and a fit
keeps the frozen backbone while the rest trains."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.errors import ConfigError  # noqa: E402
from strokescreen.models.deep import DeepStrokeClassifier  # noqa: E402
from strokescreen.models.deep_data import PRESETS, get_preset  # noqa: E402
from strokescreen.models.nets.variants import VARIANTS  # noqa: E402
from strokescreen.workflows.ablation import ablation_rows  # noqa: E402

needs_weights = pytest.mark.skipif(importlib.util.find_spec("face_recognition_models") is None,
                                   reason="face_recognition_models (extra 'dlib') not installed")


def _net(variant: str, seed: int = 0):
    clf = DeepStrokeClassifier(variant=variant, preset="tiny", video_backbone="dlib-resnet29")
    return clf._initial_net(clf._preset(), VARIANTS[variant], torch.Generator().manual_seed(seed))


def test_paper_and_default_presets_use_the_dlib_backbone():
    assert PRESETS["paper"].video_backbone == "dlib-resnet29"
    assert PRESETS["default"].video_backbone == "dlib-resnet29"
    assert PRESETS["tiny"].video_backbone == "resnet"
    assert PRESETS["paper"].video_px == 150 and PRESETS["tiny"].video_px == 64
    assert get_preset("tiny", video_backbone="dlib-resnet29").video_px == 150
    with pytest.raises(ConfigError, match="video_backbone"):
        get_preset("tiny", video_backbone="vgg")


@needs_weights
def test_transfer_loads_dlibs_weights_and_no_transfer_differs():
    from strokescreen.models.nets.dlib_resnet import read_dlib_net

    dlib_first = torch.from_numpy(read_dlib_net().layers[0].params["filters"])
    on, on_other_seed, off = _net("deepstroke"), _net("deepstroke", 1), _net(
        "deepstroke-no-transfer")
    assert torch.equal(on.video.conv1.weight, dlib_first)
    assert torch.equal(on.video.fc.weight, on_other_seed.video.fc.weight)
    assert not torch.equal(off.video.conv1.weight, dlib_first)
    assert on.frozen == {"video"} and off.frozen == set()
    assert not any(p.requires_grad for p in on.video.parameters())
    assert all(p.requires_grad for p in off.video.parameters())
    # the audio branch starts the same: only the video backbone's weights differ
    assert torch.equal(on.audio.conv1.weight, off.audio.conv1.weight)


def test_no_transfer_row_runs_with_the_dlib_backbone():
    rows = {r.label: r for r in ablation_rows(dlib_backbone=True)}
    assert not rows["deepstroke-no-transfer"].note.startswith("not run")
    assert "dlib" in rows["deepstroke"].note
    rows = {r.label: r for r in ablation_rows()}
    assert rows["deepstroke-no-transfer"].note.startswith("not run")


@pytest.mark.slow
@needs_weights
def test_fit_keeps_the_frozen_dlib_backbone_and_reloads(tmp_path):
    cases = fake_cohort(tmp_path / "c", n_subjects=4, n_recordings=1, seed=3,
                        n_video_frames=12, audio_seconds=1.0)
    clf = DeepStrokeClassifier(variant="deepstroke", preset="tiny", epochs=1, max_pairs=2,
                               video_backbone="dlib-resnet29", seed=0)
    start = _net("deepstroke")
    clf.fit(cases)
    for k, v in start.video.state_dict().items():
        assert torch.equal(v, clf.net_.video.state_dict()[k]), k
    assert not torch.equal(start.head.weight, clf.net_.head.weight)
    p = clf.predict_proba(cases)
    assert np.isfinite(p).all()
    folder = tmp_path / "model"
    folder.mkdir()
    files = clf.save_weights(folder)
    again = DeepStrokeClassifier(variant="deepstroke").load_weights(folder, files)
    assert again.preset_.video_backbone == "dlib-resnet29"
    assert np.allclose(again.predict_proba(cases), p)
