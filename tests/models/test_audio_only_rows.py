"""The audio-only variant has one input per case: one table row per case, however many
frame pairs the case has, and the discriminator never sees a row paired with itself."""

from __future__ import annotations

import numpy as np

from strokescreen.models.deep_data import CaseInputs
from strokescreen.models.deep_train import build_table
from strokescreen.models.nets.discriminator import sample_partners
from strokescreen.models.nets.variants import VARIANTS


def _case(cid: str, n_pairs: int, *, audio: bool = True) -> CaseInputs:
    frames = np.zeros((n_pairs + 1, 32, 32, 3), np.uint8)
    pairs = np.column_stack([np.arange(n_pairs), np.arange(1, n_pairs + 1)]).astype(np.int64)
    spec = np.full((32, 32), float(len(cid)), np.float32) if audio else None
    return CaseInputs(cid, frames, pairs, spec)


def test_audio_only_gives_one_row_per_case_whatever_its_pairs():
    inputs = [_case("a", 32), _case("bb", 3), _case("ccc", 0), _case("dddd", 5, audio=False)]
    table, reasons = build_table(inputs, VARIANTS["audio-only"], labels=np.array([1, 0, 1, 0]),
                                 spec_shape=(32, 32))
    assert list(table.row_case) == [0, 1, 2]  # one row each; case 3 has no audio
    assert table.usable.tolist() == [True, True, True, False]
    assert not table.row_video.any() and table.row_audio.all()
    assert "dddd" in reasons
    # the fused model keeps one row per frame pair (and one audio row without pairs)
    fused, _ = build_table(inputs, VARIANTS["deepstroke"], spec_shape=(32, 32))
    assert np.bincount(fused.row_case).tolist() == [32, 3, 1, 5]


def test_a_row_without_a_same_partner_is_paired_with_another_row_not_itself():
    case = np.arange(8)  # one row per case, as an audio-only batch
    subject = np.array([0, 0, 1, 1, 2, 3, 4, 5])
    for seed in range(5):
        partner, same = sample_partners(case, subject, np.random.default_rng(seed),
                                        same="subject")
        assert (partner != np.arange(8)).all()
        # subjects 2..5 have one recording: never a "same" pair for them
        assert not same[4:].any()
        assert (subject[partner][same] == subject[same]).all()
    partner, same = sample_partners([0], [0], np.random.default_rng(0))
    assert partner.tolist() == [0] and same.tolist() == [True]  # nothing else in the batch
