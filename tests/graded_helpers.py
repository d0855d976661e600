"""A planted case table for graded targets and metadata fusion."""

from __future__ import annotations

import numpy as np
import pandas as pd

WORDS = ("none", "subtle", "mild", "moderate")


def graded_table(n_subjects: int = 40, *, seed: int = 0, per_subject: int = 2,
                 noise: float = 0.4) -> pd.DataFrame:
    """Each subject has a severity grade 0..3; ``face_droop`` = grade + noise determines it,
    ``speech_noise`` is pure noise, and the clinical metadata (age, sex, hypertension,
    days_since_onset) are drawn independently of grade and label. ``label`` = grade > 0;
    ``severity_change`` is a continuous (negative) target = -0.7 * grade + noise."""
    rng = np.random.default_rng(seed)
    rows = []
    for s in range(n_subjects):
        grade = s % 4
        age = float(rng.normal(60, 12))
        sex = "FM"[int(rng.integers(0, 2))]
        htn = ["yes", "no"][int(rng.integers(0, 2))]
        for c in range(per_subject):
            rows.append({
                "case_id": f"s{s:02d}c{c}",
                "subject_id": f"s{s:02d}",
                "label": int(grade > 0),
                "severity": WORDS[grade],
                "severity_change": -0.7 * grade + float(rng.normal(0, 0.3)),
                "age": age if rng.random() > 0.15 else np.nan,
                "sex": sex,
                "hypertension": htn,
                "days_since_onset": float(rng.integers(1, 60)),
                "face_droop": grade + float(rng.normal(0, noise)),
                "speech_noise": float(rng.normal()),
            })
    return pd.DataFrame(rows)
