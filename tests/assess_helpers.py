"""Shared builders of the assessment tests (tests/workflows, tests/cli) and the report
tests: a tiny portrait clip and planted risk models."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.config import PreprocessConfig, ProposalConfig
from tests.helpers import portrait_clip, tone

# The bundled portrait looks slightly up (pitch ~16-30 deg); widen beta1 so it is frontal.
LOOSE = PreprocessConfig(proposal=ProposalConfig(beta1_deg=40.0))
#: an identifying-looking file name that must never reach result.json or report.html
PRIVATE_NAME = "jane_doe_1950-03-02_mrn123456.mp4"
#: the feature the planted models learn from: an unsigned asymmetry score, which the
#: shape-free model inputs keep as it is (models/columns.py; a signed left-right
#: difference enters as its magnitude, and in mm only when its ipu twin is absent)
PLANTED = "face_mouth_score"


def make_clip(folder: Path, astronaut: np.ndarray, *, seconds: float = 2.0) -> Path:
    """A 2 s 480x360 clip of the portrait gently moving, with a tone soundtrack."""
    folder.mkdir(parents=True, exist_ok=True)
    return portrait_clip(folder / PRIVATE_NAME, astronaut, seconds=seconds,
                         audio=tone(seconds))


def planted_model(model_dir: Path, features: dict[str, float | None], *, positive: bool,
                  synthetic: bool, seed: int = 0, n_subjects: int = 40) -> Path:
    """Train and save a logistic regression on a table with ``features``' columns.

    ``PLANTED`` separates the classes: the class the case should fall in (stroke when
    ``positive``) sits around the case's own value, the other 6 units away; every other
    column is noise around the case's value. So the case scores on the planted side of
    the threshold and ``PLANTED`` is its largest contribution.
    """
    from strokescreen.evaluation.training import save_trained, train_model

    rng = np.random.default_rng(seed)
    v = float(features[PLANTED])
    rows = []
    for s in range(n_subjects):
        label = s % 2
        row: dict = {"case_id": f"c{s:03d}", "subject_id": f"s{s:03d}", "label": label,
                     "case_dir": "/nonexistent"}
        for name, value in features.items():
            base = 0.0 if value is None or not math.isfinite(value) else float(value)
            row[name] = base + rng.normal(0.0, 0.3 * (abs(base) + 1.0))
        like_case = (label == 1) == positive
        row[PLANTED] = v + rng.normal(0.0, 0.5) + (0.0 if like_case else 6.0)
        rows.append(row)
    trained = train_model(pd.DataFrame(rows), "logreg", folds=4, seed=seed,
                          cohort_name="planted-test-cohort", synthetic=synthetic)
    return save_trained(trained, model_dir)


def case_feature_values(out_dir: Path) -> dict[str, float | None]:
    return json.loads((out_dir / "case" / "features.json").read_text())["features"]


_URL_ATTR = re.compile(
    r"""\b(?:src|href|action|srcset|poster)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>"'&][^\s>]*))""",
    re.IGNORECASE,
)


def external_references(html: str) -> list[str]:
    """Every src/href/... attribute value that is not an inline data: URI or an anchor."""
    values = ["".join(groups).strip() for groups in _URL_ATTR.findall(html)]
    return [u for u in values if not u.startswith(("data:", "#"))]
