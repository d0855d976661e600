"""A graded model's severity estimate for one assessed recording (``result.json``'s
``severity`` block; ``assess --severity-model``).

A graded model (``strokescreen train --target severity`` or any graded column) predicts
from the case's measured features. Clinical metadata the model was trained with is not
known for one recording: those columns are treated as missing (filled with the training
medians, their missing indicators set), and the block says so. The estimate is a
screening aid, never a diagnosis, and carries the model's out-of-fold error.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from strokescreen.errors import InputError

#: the words of the ``severity`` column's grades (docs/graded_targets.md)
SEVERITY_WORDS = ("none", "subtle", "mild", "moderate")


def load_severity_model(folder: str | Path) -> tuple[Any, dict[str, Any]]:
    """(model, sidecar) of a graded model folder; InputError for anything else."""
    from strokescreen.models.persist import load_model

    path = Path(folder)
    if not path.is_dir():
        raise InputError(f"severity model folder {path} not found; give a folder written by "
                         "`strokescreen train --target severity` (it holds model.json)")
    model, sidecar = load_model(path)
    if getattr(model, "target_kind", "label") != "graded":
        raise InputError(f"{path} holds a stroke classifier, not a graded model; give it as "
                         "--model, and a model trained with --target severity (or another "
                         "graded column) as --severity-model")
    return model, sidecar


def severity_estimate(model: Any, sidecar: dict[str, Any], features: dict[str, Any],
                      case_dir: Path) -> dict[str, Any]:
    """The ``severity`` block: value in the target's units, the grade when the target is
    graded in whole numbers, and what the estimate rests on."""
    from strokescreen.report.risk import case_table

    table = case_table(features, case_dir)
    names = [str(n) for n in model.feature_names_in_]
    absent = [n for n in names if n not in table.columns]
    for n in absent:  # metadata not known for one recording: missing, indicator set
        table[n] = 1.0 if n.endswith("_missing") else np.nan
    value = float(np.asarray(model.predict(table), dtype=float)[0])
    op = sidecar.get("operating_point") or {}
    target = op.get("target") or {}
    name, kind = str(target.get("name", "severity")), str(target.get("kind", "graded"))
    low, high = getattr(model, "y_range_", (value, value))
    block: dict[str, Any] = {
        "target": name, "kind": kind,
        "value": value if np.isfinite(value) else None,
        "grade": None,
        "model": (sidecar.get("model") or {}).get("name"),
        "out_of_fold": {k: op.get(k) for k in ("mae", "spearman", "kappa_quadratic")
                        if op.get(k) is not None},
        "metadata_missing": sorted({n.removeprefix("meta_").removesuffix("_missing")
                                    for n in absent if n.startswith("meta_")}),
        "synthetic": bool((sidecar.get("training_cohort") or {}).get("synthetic", False)),
        "note": "an estimate of the grade a clinician would give, from the measured "
                "features; a screening aid, not a diagnosis",
    }
    if np.isfinite(value) and kind != "continuous":
        g = int(np.clip(np.rint(value), np.floor(low), np.ceil(high)))
        words = name == "severity" and 0 <= g < len(SEVERITY_WORDS)
        block["grade"] = SEVERITY_WORDS[g] if words else g
    return block
