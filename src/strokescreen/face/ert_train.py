"""Train an iBUG-68 ensemble-of-regression-trees shape predictor (dlib) on annotated faces.

The predictor is trained on the boxes it will be given at run time by
:class:`strokescreen.face.landmarks68.MediaPipeERTLandmarker`: each face contributes one
sample boxed from MediaPipe's mesh (the first pass) and one boxed from its true points
(what the second pass sees), so both passes are in the training distribution.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from strokescreen.errors import ConfigError, InputError
from strokescreen.face.landmarks68 import _dlib, box_from_points


@dataclass(frozen=True)
class ERTOptions:
    """dlib shape-predictor training settings (dlib's defaults, a smaller forest).

    Kazemi & Sullivan (2014) use cascade_depth 10, tree_depth 5, 500 trees per level; a
    clinic's few hundred frames need less. seed makes training repeatable.
    """

    cascade_depth: int = 10
    tree_depth: int = 4
    trees_per_level: int = 300
    nu: float = 0.1
    oversampling: int = 20
    feature_pool_size: int = 400
    test_splits: int = 20
    threads: int = 1
    seed: int = 0

    def validate(self) -> ERTOptions:
        for name in ("cascade_depth", "tree_depth", "trees_per_level", "oversampling",
                     "feature_pool_size", "test_splits", "threads"):
            if getattr(self, name) < 1:
                raise ConfigError(f"ert.{name}={getattr(self, name)}; use an integer >= 1")
        if not 0.0 < self.nu <= 1.0:
            raise ConfigError(f"ert.nu={self.nu}; use a value in (0, 1]")
        return self

    def as_dict(self) -> dict[str, float | int]:
        return asdict(self)


def training_boxes(truth68: np.ndarray, rough68: np.ndarray | None
                   ) -> list[tuple[float, float, float, float]]:
    """Boxes a face is trained on: from the true points, and from MediaPipe's when found."""
    boxes = [box_from_points(truth68)]
    if rough68 is not None and np.isfinite(rough68).all():
        boxes.append(box_from_points(rough68))
    return boxes


def train_ert(images: Sequence[np.ndarray], truths: Sequence[np.ndarray],
              boxes: Sequence[Sequence[tuple[float, float, float, float]]], out_path: Path, *,
              options: ERTOptions | None = None) -> Path:
    """Train a 68-point shape predictor and save it (dlib ``.dat``) to ``out_path``.

    images : RGB uint8 arrays. truths : (68, 2) true points each, pixels. boxes : per image
    one or more (left, top, right, bottom) boxes, each a training sample with its truth.
    """
    opts = (options or ERTOptions()).validate()
    if not (len(images) == len(truths) == len(boxes)) or len(images) < 2:
        raise InputError(f"training needs two or more annotated faces; got {len(images)}")
    dlib = _dlib()
    dets = []
    for truth, face_boxes in zip(truths, boxes, strict=True):
        parts = [dlib.point(int(round(x)), int(round(y))) for x, y in np.asarray(truth)[:, :2]]
        dets.append([dlib.full_object_detection(
            dlib.rectangle(*(int(round(v)) for v in b)), parts) for b in face_boxes])
    o = dlib.shape_predictor_training_options()
    o.cascade_depth, o.tree_depth = opts.cascade_depth, opts.tree_depth
    o.num_trees_per_cascade_level, o.nu = opts.trees_per_level, opts.nu
    o.oversampling_amount, o.feature_pool_size = opts.oversampling, opts.feature_pool_size
    o.num_test_splits, o.num_threads = opts.test_splits, opts.threads
    o.random_seed, o.be_verbose = str(opts.seed), False
    predictor = dlib.train_shape_predictor([np.ascontiguousarray(i) for i in images], dets, o)
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".dat", dir=out_path.parent)
    os.close(fd)
    predictor.save(tmp)
    os.replace(tmp, out_path)
    return out_path
