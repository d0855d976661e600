"""The temporal trend of one assessed recording (``result.json``'s ``trend`` block).

Loads the case folder's landmarks and calls :func:`strokescreen.screen.trend.window_trend`.
With a feature-based (classical) risk model, each window's probability is the model's on
the case's features with the facial static measures and scores replaced by the window's;
a model that reads images (the deep models) gets no per-window probability.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.report.risk import RiskModel


def _window_risk(risk: RiskModel | None, features: dict[str, Any], case_dir: Path):
    """A per-window probability callback, or None when the model cannot give one."""
    from strokescreen.report.risk import case_table, predict

    if risk is None or not risk.uses_features:
        return None

    def window_probability(values: dict[str, float]) -> float | None:
        merged = dict(features)
        for k, v in values.items():
            if f"face_{k}" in merged:
                merged[f"face_{k}"] = None if not np.isfinite(v) else float(v)
        return predict(risk, case_table(merged, case_dir))

    return window_probability


def recording_trend(case_dir: Path, *, features: dict[str, Any],
                    risk: RiskModel | None) -> dict[str, Any]:
    """The ``trend`` block of ``result.json`` for the case in ``case_dir``."""
    from strokescreen.face.schemes import scheme_of
    from strokescreen.preprocess.artifacts import load_case
    from strokescreen.screen.trend import window_trend

    case = load_case(case_dir, crops=False)
    lm = np.asarray(case.landmarks, dtype=float)
    trend = window_trend(lm, t_s=np.asarray(case.t, float), kept=case.kept,
                         scheme=scheme_of(lm), risk=_window_risk(risk, features, case_dir))
    trend["risk_source"] = ("the trained model on each window's facial measures"
                            if any(w["risk"] is not None for w in trend["windows"])
                            else "none (no feature-based model): the composite index is shown")
    return trend
