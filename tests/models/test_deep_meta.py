"""deepstroke-meta: the metadata branch trains, changes the output, saves and reloads."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

torch = pytest.importorskip("torch")

from tools.deep_fake import fake_cohort  # noqa: E402

from strokescreen.errors import ConfigError, InputError  # noqa: E402
from strokescreen.models.deep import DeepStrokeClassifier  # noqa: E402
from strokescreen.models.nets.deepstroke import DeepStrokeNet  # noqa: E402
from strokescreen.models.nets.variants import VARIANTS  # noqa: E402
from strokescreen.models.registry import available_models  # noqa: E402


@pytest.fixture(scope="module")
def cohort(tmp_path_factory) -> pd.DataFrame:
    t = fake_cohort(tmp_path_factory.mktemp("meta"), n_subjects=4, n_recordings=1, seed=1,
                    n_video_frames=12, audio_seconds=1.0)
    return t.assign(age=[40.0, 75.0, np.nan, 62.0], sex=["F", "M", "M", "F"],
                    hypertension=["no", "yes", "yes", ""])


def test_net_metadata_branch_changes_the_logit():
    net = DeepStrokeNet(VARIANTS["deepstroke-meta"], video_depth=18, audio_depth=18,
                        width=0.125, meta_dim=3)
    net.init_weights(torch.Generator().manual_seed(0))
    net.eval()
    g = torch.Generator().manual_seed(1)
    frames = torch.randn(2, 3, 32, 32, generator=g)
    audio = torch.randn(1, 1, 32, 32, generator=g)
    idx = torch.zeros(2, dtype=torch.long)
    a = net(frames, frames + 0.1, audio, idx, meta=torch.zeros(1, 3))["logit"]
    b = net(frames, frames + 0.1, audio, idx, meta=torch.full((1, 3), 3.0))["logit"]
    assert not torch.allclose(a, b)
    with pytest.raises(ValueError, match="meta"):
        net(frames, frames + 0.1, audio, idx)


@pytest.mark.slow
def test_deepstroke_meta_trains_and_its_metadata_moves_the_probability(cohort, tmp_path):
    model = DeepStrokeClassifier(variant="deepstroke-meta", epochs=1, seed=0, max_pairs=2)
    model.fit(cohort)
    assert model.meta_source_ == ["age", "sex", "hypertension"]
    assert model.meta_columns_[:2] == ["meta_age", "meta_age_missing"]
    p = model.predict_proba(cohort)[:, 1]
    assert np.isfinite(p).all()
    older = cohort.assign(age=95.0, hypertension="yes", sex="M")
    assert not np.allclose(p, model.predict_proba(older)[:, 1])
    model.save(tmp_path / "m")
    back = DeepStrokeClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(back.predict_proba(cohort)[:, 1], p, atol=1e-5)


def test_deepstroke_meta_refuses_outcome_columns_and_needs_metadata(cohort):
    with pytest.raises(ConfigError, match="severity"):
        DeepStrokeClassifier(variant="deepstroke-meta", metadata="age,severity").fit(
            cohort.assign(severity="mild"))
    with pytest.raises(InputError, match="no clinical metadata"):
        DeepStrokeClassifier(variant="deepstroke-meta").fit(
            cohort.drop(columns=["age", "sex", "hypertension"]))


def test_registered_and_in_the_ablation():
    from strokescreen.workflows.ablation import DEEP_ROWS

    assert "deepstroke-meta" in available_models("deep")
    assert "deepstroke-meta" in DEEP_ROWS


def test_identity_probe_of_a_metadata_model(tmp_path):
    # the probe's forward pass needs the metadata vectors as well (it raised ValueError,
    # which stopped `ablate` at the deepstroke-meta row's probe on a cohort with ages)
    from strokescreen.models.deep_probe import identity_probe

    cases = fake_cohort(tmp_path, n_subjects=3, n_recordings=2, seed=2, n_video_frames=10,
                        audio_seconds=1.0)
    cases = cases.assign(age=[50.0 + 5 * i for i in range(len(cases))],
                         sex=["F", "M"] * (len(cases) // 2))
    model = DeepStrokeClassifier(variant="deepstroke-meta", epochs=1, seed=0, max_pairs=2)
    model.fit(cases)
    probe = identity_probe(model, cases)
    assert probe["n_subjects"] == 3 and 0.0 <= probe["accuracy"] <= 1.0
