"""``landmarks-train``: adapt the 68-point regressor to a clinic's own annotated frames.

A dlib ERT shape predictor is trained on the folder's faces, boxed the way
:class:`strokescreen.face.landmarks68.MediaPipeERTLandmarker` boxes them at run time.
Subject-grouped k-fold cross-validation reports the error before (the default 68-point
landmarker) and after (a predictor trained on the other folds' subjects) on every face;
the model written is then trained on all of them. A model folder holds
``shape_predictor.dat`` and ``landmarker.json`` and is accepted wherever a landmarker name
is (``preprocess --landmarker``, ``landmarks-eval --landmarker``).
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from strokescreen.errors import InputError
from strokescreen.face.accuracy import face_errors, summarise_errors
from strokescreen.face.ert_train import ERTOptions, train_ert, training_boxes
from strokescreen.face.landmarks68 import MODEL_DAT, MODEL_JSON
from strokescreen.io.pts import read_pts
from strokescreen.workflows.landmarks import find_annotated, pick_face, read_image_rgb

Progress = Callable[..., None]


def subject_folds(subjects: Sequence[str], n_folds: int) -> list[np.ndarray]:
    """Test-index arrays of ``min(n_folds, n_subjects)`` folds; a subject is in one fold only.

    Subjects are dealt to folds largest first (balanced face counts), ties by name.
    """
    subs = np.asarray(subjects)
    names, counts = np.unique(subs, return_counts=True)
    if len(names) < 2:
        raise InputError(f"subject-grouped cross-validation needs faces of two or more "
                         f"subjects; got {len(names)} ({', '.join(names)}); name images "
                         "SUBJECT_xxx.png or add subjects.csv")
    k = max(2, min(n_folds, len(names)))
    load = np.zeros(k)
    fold_of: dict[str, int] = {}
    for i in sorted(range(len(names)), key=lambda i: (-counts[i], names[i])):
        f = int(np.argmin(load))
        fold_of[str(names[i])] = f
        load[f] += counts[i]
    return [np.flatnonzero([fold_of[str(s)] == f for s in subs]) for f in range(k)]


@dataclass(frozen=True)
class TrainResult:
    """Cross-validated errors (nme_51 summaries) before and after, and the model folder."""

    model_dir: Path
    n_faces: int
    n_subjects: int
    n_folds: int
    before: dict
    after: dict


def _errors(preds: Sequence[np.ndarray | None], truths: Sequence[np.ndarray]) -> np.ndarray:
    return np.array([face_errors(p, t)["nme_51"] for p, t in zip(preds, truths, strict=True)])


def train_landmarker(folder: str | Path, out_dir: str | Path, *, folds: int = 5,
                     options: ERTOptions | None = None, base: str = "ibug68",
                     overwrite: bool = False, progress: Progress | None = None) -> TrainResult:
    """Cross-validate and train a 68-point model on an annotated folder; write ``out_dir``."""
    from strokescreen import __version__
    from strokescreen.face.landmarks import check_landmarker, get_landmarker
    from strokescreen.face.landmarks68 import MediaPipe68Landmarker, MediaPipeERTLandmarker

    opts = (options or ERTOptions()).validate()
    check_landmarker(base)
    out = Path(out_dir)
    if out.exists() and any(out.iterdir()) and not overwrite:
        raise InputError(f"{out} exists and is not empty; choose another --out or overwrite")
    items = find_annotated(folder)
    truths = [read_pts(i.pts) for i in items]
    test_folds = subject_folds([i.subject for i in items], folds)
    images = [read_image_rgb(i.image) for i in items]
    steps = len(items) * 2 + len(test_folds) + 1
    done = 0

    def tick(note: str) -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, steps, note)

    rough_lm = MediaPipe68Landmarker(max_faces=1, photo=True)
    base_lm = get_landmarker(base, static=True, photo=True)
    rough: list[np.ndarray | None] = []
    before: list[np.ndarray | None] = []
    try:
        for img, truth in zip(images, truths, strict=True):
            rough.append(pick_face(rough_lm.detect(img), truth))
            tick("finding faces")
            before.append(pick_face(base_lm.detect(img), truth))
            tick(f"{base} on every face")
    finally:
        rough_lm.close()
        base_lm.close()
    boxes = [training_boxes(t, r) for t, r in zip(truths, rough, strict=True)]
    after: list[np.ndarray | None] = [None] * len(items)
    with tempfile.TemporaryDirectory() as tmp:
        for f, test in enumerate(test_folds):
            train = np.setdiff1d(np.arange(len(items)), test)
            dat = train_ert([images[i] for i in train], [truths[i] for i in train],
                            [boxes[i] for i in train], Path(tmp) / f"fold{f}.dat", options=opts)
            lm = MediaPipeERTLandmarker(model=dat)
            for i in test:
                r = rough[i]
                after[i] = None if r is None else lm.refine(images[i], r)[:, :2]
            lm.close()
            tick(f"cross-validation fold {f + 1} of {len(test_folds)}")
        staging = Path(tempfile.mkdtemp(prefix=".landmarks-train-", dir=out.parent
                                        if out.parent.exists() else None))
        train_ert(images, truths, boxes, staging / MODEL_DAT, options=opts)
        tick("training on every face")
    err_before, err_after = _errors(before, truths), _errors(after, truths)
    subjects = sorted({i.subject for i in items})
    result = TrainResult(out, len(items), len(subjects), len(test_folds),
                         summarise_errors(err_before), summarise_errors(err_after))
    meta = {
        "model": "mediapipe-ert68", "n_points": 68, "strokescreen_version": __version__,
        "trained_on": {"folder": str(Path(folder)), "n_faces": len(items),
                       "n_subjects": len(subjects)},
        "options": opts.as_dict(),
        "cv": {"n_folds": len(test_folds), "grouped_by": "subject", "base": base,
               "error": "nme_51: mean distance over the 51 inner points / outer-canthus "
                        "distance", "before": result.before, "after": result.after},
        "licence": "trained from scratch by dlib's shape-predictor trainer on the folder's "
                   "annotations (dlib: Boost licence); the pretrained iBUG-68 model, whose "
                   "licence is non-commercial, is not part of it",
    }
    (staging / MODEL_JSON).write_text(json.dumps(meta, indent=2) + "\n")
    if out.exists():
        shutil.rmtree(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    staging.replace(out)
    return result
