"""``strokescreen shortcut-check``: train a model as usual (subject-grouped folds), then
score each fold's test cases again with their input perturbed (facial regions masked,
only the background kept, the background masked, left and right swapped) and report how
far the AUC falls (:mod:`strokescreen.evaluation.shortcut`).

Feature models are perturbed at the level they read: the case table's columns. The
table gains ``scene_*`` columns (background statistics of the crops,
:mod:`strokescreen.features.scene`) when the cases have crops, so that a model that reads
them (``--param scene=true``) can be checked; no default model reads them. Models that read
the recording (deep models) get perturbed copies of their case folders under a scratch
folder: crops masked or mirrored, the other files linked (the soundtrack left out for
"background-only"); the work folder is never written.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.evaluation.shortcut import (
    DESCRIPTION,
    EXPECTED,
    PERTURBATIONS,
    check_perturbation,
    perturb_features,
    perturbation_summary,
)
from strokescreen.evaluation.splits import SplitSpec, make_folds
from strokescreen.features.scene import SCENE_COLUMNS, perturb_crops, scene_features
from strokescreen.jsonable import json_safe
from strokescreen.models.base import check_labels
from strokescreen.progress import Progress
from strokescreen.tasks import TaskRunner

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."


@dataclass
class ShortcutCheck:
    """The result: one row per perturbation, and every case's probabilities."""

    model_name: str
    cohort_name: str
    synthetic: bool
    split: str
    threshold: float
    rows: list[dict[str, Any]]
    predictions: pd.DataFrame  # case_id, subject_id, fold, label, clean, <perturbation>...
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return json_safe({
            "model": self.model_name, "cohort": self.cohort_name, "synthetic": self.synthetic,
            "split": self.split, "threshold": self.threshold, "perturbations": self.rows,
            "notes": self.notes, "disclaimer": DISCLAIMER,
        })


def add_scene_features(cases: pd.DataFrame) -> pd.DataFrame:
    """``cases`` with ``scene_*`` columns from each case folder's crops (kept when present;
    NaN for a case without crops)."""
    if all(c in cases.columns for c in SCENE_COLUMNS) or "case_dir" not in cases.columns:
        return cases
    from strokescreen.preprocess.artifacts import CROPS_NPZ

    rows = []
    for d in cases["case_dir"].astype(str):
        path = Path(d) / CROPS_NPZ
        crops = None
        if path.is_file():
            with np.load(path) as z:
                crops = z["frames"]
        rows.append(scene_features(crops))
    scene = pd.DataFrame(rows, index=cases.index)
    out = cases.drop(columns=[c for c in SCENE_COLUMNS if c in cases.columns])
    return pd.concat([out, scene], axis=1)


def perturb_case_dir(src: Path, dst: Path, kind: str) -> Path:
    """A perturbed copy of case folder ``src`` at ``dst`` (crops rewritten, other files
    linked; no soundtrack for "background-only"). Returns ``dst``."""
    from strokescreen.preprocess.artifacts import AUDIO_WAV, CROPS_NPZ

    check_perturbation(kind)
    dst.mkdir(parents=True, exist_ok=True)
    for f in src.iterdir():
        if f.name == CROPS_NPZ or (f.name == AUDIO_WAV and kind == "background-only"):
            continue
        if f.is_file() and not (dst / f.name).exists():
            try:
                os.symlink(f.absolute(), dst / f.name)
            except OSError:  # a file system without links
                shutil.copy2(f, dst / f.name)
    if (src / CROPS_NPZ).is_file():
        with np.load(src / CROPS_NPZ) as z:
            frames, index = z["frames"], z["index"]
        if len(frames):
            frames = perturb_crops(frames, kind)
        np.savez(dst / CROPS_NPZ, frames=frames, index=index)
    return dst


def _perturbed_cases(test: pd.DataFrame, kind: str, *, reads_features: bool,
                     scratch: Path) -> pd.DataFrame:
    if reads_features:
        return perturb_features(test, kind)
    out = test.copy()
    out["case_dir"] = [
        str(perturb_case_dir(Path(d), scratch / kind / str(cid), kind))
        for d, cid in zip(test["case_dir"].astype(str), test["case_id"].astype(str),
                          strict=True)]
    return out


def shortcut_check(
    cases: pd.DataFrame,
    model_factory: Callable[[], Any],
    *,
    split: SplitSpec | None = None,
    perturbations: tuple[str, ...] = PERTURBATIONS,
    threshold: float = 0.5,
    scratch: str | Path | None = None,
    model_name: str | None = None,
    cohort_name: str = "cohort",
    synthetic: bool = False,
    progress: Progress | None = None,
    runner: TaskRunner | None = None,
) -> ShortcutCheck:
    """Train ``model_factory``'s model on subject-grouped folds of ``cases`` and score each
    fold's test cases clean and under every perturbation (see the module docstring).

    cases : case table (case_id, subject_id, label, case_dir, feature columns).
    split : subject-grouped k-fold or leave-one-subject-out (default: 5-fold).
    threshold : the probability at which a case is called positive (``calls_kept``).
    scratch : folder for perturbed case folders of deep models (default: a temporary one,
        removed afterwards).
    """
    from strokescreen.evaluation.engine import run_folds

    for k in perturbations:
        check_perturbation(k)
    spec = split or SplitSpec("group-kfold", folds=5)
    spec.validate()
    cases = add_scene_features(cases.reset_index(drop=True))
    y = check_labels(cases["label"], len(cases))
    folds = make_folds(cases, y, spec)
    total = len(folds) * (1 + len(perturbations))
    runs = run_folds(cases, y, model_factory, folds, progress=progress, progress_total=total,
                     runner=runner)
    reads = bool(getattr(runs[0].model, "uses_features", True))
    n = len(cases)
    table = {"clean": np.full(n, np.nan)}
    fold_of = np.empty(n, dtype=object)
    for r in runs:
        table["clean"][r.fold.test] = r.test_proba
        fold_of[r.fold.test] = r.fold.name
    own_scratch = scratch is None
    root = Path(tempfile.mkdtemp(prefix="shortcut-") if scratch is None else scratch)
    done = len(folds)
    try:
        for kind in perturbations:
            table[kind] = np.full(n, np.nan)
            for r in runs:
                test = cases.iloc[r.fold.test].reset_index(drop=True)
                pert = _perturbed_cases(test, kind, reads_features=reads,
                                        scratch=root / f"fold-{r.fold.name}")
                table[kind][r.fold.test] = np.asarray(r.model.predict_proba(pert), float)[:, 1]
                if own_scratch:  # perturbed crops are large: keep one fold's at a time
                    shutil.rmtree(root / f"fold-{r.fold.name}", ignore_errors=True)
                done += 1
                if progress is not None:
                    progress(done, total, note=f"{kind}, fold {r.fold.name}")
    finally:
        if own_scratch:
            shutil.rmtree(root, ignore_errors=True)
    rows = []
    for kind in perturbations:
        s = perturbation_summary(y, table["clean"], table[kind], threshold=threshold,
                                 folds=fold_of.astype(str))
        rows.append({"perturbation": kind, "description": DESCRIPTION[kind],
                     "stroke_model_expected": EXPECTED[kind], **s})
    preds = pd.DataFrame({"case_id": cases["case_id"].astype(str),
                          "subject_id": cases["subject_id"].astype(str), "fold": fold_of,
                          "label": y, **table})
    notes = []
    if reads and not any(c.startswith("scene_") for c in runs[0].model.feature_schema):
        notes.append("the model reads no scene_* column: the background reaches it only "
                     "through the face and speech measures")
    name = str(model_name or getattr(model_factory, "model_name", "model"))
    return ShortcutCheck(name, cohort_name, bool(synthetic), spec.describe(), threshold, rows,
                         preds, notes)


def write_shortcut_check(result: ShortcutCheck, out: str | Path) -> dict[str, Path]:
    """``shortcut_check.json`` (the rows) and ``shortcut_predictions.csv`` into ``out``."""
    folder = Path(out)
    folder.mkdir(parents=True, exist_ok=True)
    paths = {"summary": folder / "shortcut_check.json",
             "predictions": folder / "shortcut_predictions.csv"}
    paths["summary"].write_text(json.dumps(result.to_dict(), indent=2, allow_nan=False) + "\n",
                                encoding="utf-8")
    result.predictions.to_csv(paths["predictions"], index=False)
    return paths
