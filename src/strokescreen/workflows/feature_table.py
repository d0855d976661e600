"""The case feature table: one row per case, facial + speech features, cached per case.

For every case of a manifest the preprocessing artifacts are made (or reused from the
cache), then ``features.json`` is written into the case folder: the facial features of
:func:`strokescreen.features.case_features.case_face_features` and the speech features of
:func:`strokescreen.audio.speech_feature_vector`, keyed by the case's preprocessing cache
key and this stage's version so a re-run only recomputes what changed.
"""

from __future__ import annotations

import json
import math
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.config import PreprocessConfig
from strokescreen.io.cohort_checks import OPTIONAL_MANIFEST_COLUMNS
from strokescreen.preprocess.artifacts import FEATURES_JSON, is_complete, read_meta, write_json
from strokescreen.preprocess.cohort import case_dir, preprocess_cohort
from strokescreen.tasks import TaskRunner, local_runner

FEATURES_VERSION = "features-2"


def case_speech(wav: str | Path, *, task: str | None = None) -> dict[str, float]:
    """Speech features of a case's ``audio.wav``, read as :func:`case_features` reads it."""
    from strokescreen.audio import speech_feature_vector
    from strokescreen.io.audio import read_wav

    samples, _ = read_wav(Path(wav))
    return speech_feature_vector(samples, 16000, task=task)


def case_features(folder: str | Path, *, task: str | None = None,
                  speech: dict[str, float] | None = None) -> dict[str, Any]:
    """Compute (or reuse) ``features.json`` for one complete case folder.

    ``speech``: the case's speech features when already computed from its ``audio.wav``
    by :func:`case_speech` (assess measures them while the frames are processed)."""
    from strokescreen.audio import speech_feature_vector
    from strokescreen.face.schemes import scheme_of
    from strokescreen.features.case_features import case_face_features
    from strokescreen.preprocess.artifacts import load_case

    folder = Path(folder)
    key = f"{read_meta(folder).cache_key}-{FEATURES_VERSION}-{task or ''}"
    path = folder / FEATURES_JSON
    if path.is_file():
        try:
            cached = json.loads(path.read_text())
            if cached.get("key") == key:
                return cached
        except ValueError:
            pass
    case = load_case(folder, crops=False)
    lm = np.asarray(case.landmarks, dtype=float)
    face = case_face_features(lm, t_s=case.t, kept=case.kept, scheme=scheme_of(lm))
    if speech is None or case.audio is None:
        speech = speech_feature_vector(case.audio, 16000, task=task)
    values = {**face, **speech}
    record = {
        "key": key,
        "version": FEATURES_VERSION,
        "quality_verdict": case.quality.verdict,
        "n_kept": int(case.kept.sum()),
        "audio_present": case.audio is not None,
        "features": {k: (None if v is None or (isinstance(v, float) and not math.isfinite(v))
                         else float(v)) for k, v in values.items()},
    }
    tmp = folder / f".features.json.tmp-{os.getpid()}"
    write_json(tmp, record)
    os.replace(tmp, path)
    return record


def _features_task(job: tuple[str, str | None]) -> dict[str, Any]:
    """One case's ``features.json`` record (computed on whichever worker runs it)."""
    folder, task = job
    return case_features(folder, task=task)


def _fpp_features(folder: Path, parser: Any) -> dict[str, float]:
    """FPP shares per side of one case (NaN when no kept frame shows a face)."""
    from strokescreen.errors import QualityError
    from strokescreen.workflows.parse import fpp_case_features, parse_case

    try:
        # the person gate only trims hair, which the FPP shares never count: skip its
        # segmenter (opened per case) on this per-case loop
        return fpp_case_features(parse_case(folder, parser, person_gate=False))
    except QualityError:
        return {"face_fpp_share_left": np.nan, "face_fpp_share_right": np.nan,
                "face_fpp_share_lr": np.nan}


def build_feature_table(
    manifest_df: pd.DataFrame,
    work_dir: str | Path,
    *,
    config: PreprocessConfig | None = None,
    workers: int = 1,
    runner: TaskRunner | None = None,
    progress: Callable[..., None] | None = None,
    parsing_model: str | Path | None = None,
) -> pd.DataFrame:
    """One row per case: ids, label, case_dir, manifest columns, ``face_*``/``speech_*``.

    parsing_model : a ``parsing-train`` model folder; adds the FPP share of each side's
        face (``face_fpp_share_left`` / ``_right``, and left - right ``face_fpp_share_lr``),
        the FPP decided with the model's validation-chosen threshold like ``assess``.

    Every manifest column but ``video`` is carried (the optional schema columns first, then
    any other, e.g. clinical metadata, ``visit``, ``days_since_onset`` or graded targets).

    Cases whose preprocessing failed are left out (their reasons are in
    ``cohort_quality.csv``); unusable ones stay, with NaN where nothing could be measured.
    ``df.attrs['excluded']`` lists the left-out case ids with reasons.

    runner : where preprocessing and the per-case features run (one task per case);
        default: this process for ``workers=1``, a local process pool otherwise.
    """
    work = Path(work_dir)
    run = runner or local_runner(workers)
    quality = preprocess_cohort(manifest_df, work, config=config, runner=run, progress=progress)
    status = dict(zip(quality["case_id"], quality["status"], strict=True))
    reasons = dict(zip(quality["case_id"], quality["reasons"], strict=True))
    todo = []
    excluded: dict[str, str] = {}
    for r in manifest_df.itertuples(index=False):
        cid = str(r.case_id)
        folder = case_dir(work, cid)
        if status.get(cid) == "failed" or not is_complete(folder):
            excluded[cid] = str(reasons.get(cid, "not preprocessed"))
            continue
        task = getattr(r, "task", None)
        task = None if task is None or (isinstance(task, float) and math.isnan(task)) else str(task)
        todo.append((r, folder, task))
    if progress:
        progress(0, len(todo), note="features")

    def on_done(i: int, _rec: dict[str, Any]) -> None:
        finished[0] += 1
        if progress:
            progress(finished[0], len(todo), note=f"features {todo[i][0].case_id}")

    finished = [0]
    records = run.run(_features_task, [(str(folder.absolute()), task) for _, folder, task in todo],
                      on_done=on_done, labels=[str(t[0].case_id) for t in todo],
                      task_name="features")
    # other manifest columns (a graded target such as severity_change, clinical metadata
    # such as days_since_onset or hypertension, visit) travel with the case too
    known = {"case_id", "subject_id", "label", "video", "case_dir", "quality_verdict",
             *OPTIONAL_MANIFEST_COLUMNS}
    extra = [c for c in manifest_df.columns if c not in known and str(c).isidentifier()
             and not str(c).startswith(("face_", "speech_", "meta_"))]
    parser = None
    if parsing_model is not None:
        from strokescreen.parsing.model import load_parsing_model

        parser = load_parsing_model(parsing_model)
    rows = []
    for (r, folder, _task), rec in zip(todo, records, strict=True):
        cid = str(r.case_id)
        row: dict[str, Any] = {"case_id": cid, "subject_id": str(r.subject_id),
                               "label": int(r.label), "case_dir": str(folder),
                               "quality_verdict": rec["quality_verdict"]}
        for col in OPTIONAL_MANIFEST_COLUMNS:
            if hasattr(r, col):
                row[col] = getattr(r, col)
        for col in extra:  # any other manifest column (metadata, visits, graded targets)
            row[col] = getattr(r, col)
        row.update({k: (np.nan if v is None else v) for k, v in rec["features"].items()})
        if parser is not None:
            row.update(_fpp_features(folder, parser))
        rows.append(row)
    table = pd.DataFrame(rows)
    table.attrs["excluded"] = excluded
    table.attrs["synthetic"] = bool(manifest_df.attrs.get("synthetic", False))
    return table
