"""Saved models: a folder with the weights and a ``model.json`` sidecar.

Layout::

    MODEL_DIR/
      model.json        # package + library versions, model name and params, feature schema,
                        # training cohort summary, threshold and its operating point,
                        # the recalibration map (method and its numbers),
                        # and the SHA-256 of every weights file
      weights.joblib    # scikit-learn models (joblib), or the files save_weights() wrote
                        # (deep models: a torch state_dict and their own JSON)

Loading verifies, before anything is unpickled, that the sidecar was written by
strokescreen, that the versions are compatible, and that every weights file is a plain
name inside the folder whose SHA-256 matches the sidecar; a swapped or edited file is
refused. The hash protects against corrupted or swapped files, not against someone who
rewrites both files: only load model folders from a source you trust (joblib unpickles).
Torch weights are loaded by the model itself with ``torch.load(weights_only=True)``.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import json
import platform
import re
from pathlib import Path
from typing import Any

import strokescreen
from strokescreen.errors import InputError, NotFittedError
from strokescreen.models.base import CaseModel
from strokescreen.models.calibration import CalibratedModel, Calibrator

SIDECAR = "model.json"
JOBLIB_WEIGHTS = "weights.joblib"
FORMAT = "strokescreen-model"
FORMAT_VERSION = 1
_PLAIN_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def weights_format(model: Any) -> str:
    """A CaseModel's ``weights_format`` ("joblib", "torch", ...); "joblib" for other models."""
    return model.weights_format if isinstance(model, CaseModel) else "joblib"


def feature_schema(model: Any) -> tuple[str, list[str]]:
    """(input kind "features" or "case_dir", ordered feature columns) of a fitted model."""
    names = getattr(model, "feature_names_in_", None)
    uses = bool(getattr(model, "uses_features", names is not None))
    cols = [str(n) for n in names] if uses and names is not None else []
    return ("features" if uses else "case_dir"), cols


def _check_fitted(model: Any) -> None:
    check = getattr(model, "_check_fitted", None)
    if callable(check):
        check()
    elif not hasattr(model, "classes_"):
        raise NotFittedError(f"{type(model).__name__} is not fitted; fit it before saving")


def sha256_file(path: Path, *, chunk_bytes: int = 1 << 20) -> str:
    """Hex SHA-256 of a file, read in chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk_bytes):
            h.update(block)
    return h.hexdigest()


def _library_versions() -> dict[str, str]:
    import numpy
    import sklearn

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scikit-learn": sklearn.__version__,
    }


def _major_minor(version: str) -> tuple[str, ...]:
    return tuple(str(version).split(".")[:2])


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if hasattr(value, "item"):  # numpy scalar
        return value.item()
    return repr(value)


def save_model(
    model: Any,
    model_dir: str | Path,
    *,
    name: str,
    params: dict[str, Any] | None = None,
    kind: str = "classical",
    threshold: float,
    operating_point: dict[str, Any],
    training_cohort: dict[str, Any],
    extra: dict[str, Any] | None = None,
    overwrite: bool = False,
) -> Path:
    """Write a fitted ``model`` as a model folder; returns the sidecar path.

    threshold : decision threshold on P(stroke) chosen on out-of-fold predictions.
    operating_point : its validation sensitivity, specificity, n_cases, cohort, synthetic...
    training_cohort : summary of the training cases (n_cases, n_subjects, n_pos, ...).
    """
    _check_fitted(model)
    calibration: dict[str, Any] = {"method": "none"}
    if isinstance(model, CalibratedModel):  # the inner model's weights + the map as numbers
        calibration = model.calibrator_.to_dict()
        model = model.estimator_
    folder = Path(model_dir)
    if folder.exists() and any(folder.iterdir()) and not overwrite:
        raise InputError(
            f"{folder} already exists and is not empty; choose a new --out or pass --overwrite"
        )
    folder.mkdir(parents=True, exist_ok=True)
    fmt = weights_format(model)
    if fmt == "joblib":
        import joblib

        joblib.dump(model, folder / JOBLIB_WEIGHTS, compress=3)
        files = [JOBLIB_WEIGHTS]
    else:
        files = list(model.save_weights(folder))
    for f in files:
        if not _PLAIN_NAME.match(f):
            raise ValueError(f"weights file name '{f}' must be a plain file name")
    sidecar = {
        "format": FORMAT,
        "format_version": FORMAT_VERSION,
        "written_by": "strokescreen",
        "strokescreen_version": strokescreen.__version__,
        "library_versions": _library_versions(),
        "created_at": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "model": {
            "name": name,
            "kind": kind,
            "class": f"{type(model).__module__}.{type(model).__qualname__}",
            "params": _jsonable(params or {}),
            "config": _jsonable(model.get_params(deep=False)),
        },
        "feature_schema": dict(zip(("input", "columns"), feature_schema(model), strict=True)),
        "training_cohort": _jsonable(training_cohort),
        "threshold": float(threshold),
        "operating_point": _jsonable(operating_point),
        "calibration": _jsonable(calibration),
        "weights": {
            "format": fmt,
            "files": [{"file": f, "sha256": sha256_file(folder / f)} for f in files],
        },
        "disclaimer": "strokescreen is a screening aid, not a diagnosis.",
    }
    if extra:
        sidecar["extra"] = _jsonable(extra)
    path = folder / SIDECAR
    path.write_text(json.dumps(sidecar, indent=2) + "\n", encoding="utf-8")
    return path


def read_sidecar(model_dir: str | Path) -> dict[str, Any]:
    """The parsed ``model.json`` of a model folder; InputError when absent or not ours."""
    folder = Path(model_dir)
    path = folder / SIDECAR
    if not path.is_file():
        raise InputError(
            f"{folder}: no {SIDECAR} found; give a model folder written by `strokescreen train`"
        )
    try:
        sidecar = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InputError(f"{path}: not valid JSON ({exc}); the model folder is damaged") from exc
    if (
        not isinstance(sidecar, dict)
        or sidecar.get("format") != FORMAT
        or (sidecar.get("written_by") != "strokescreen")
    ):
        raise InputError(f"{path}: not a strokescreen model sidecar; refusing to load")
    if sidecar.get("format_version") != FORMAT_VERSION:
        raise InputError(
            f"{path}: model format version {sidecar.get('format_version')} is not supported "
            f"(this strokescreen reads version {FORMAT_VERSION}); retrain the model"
        )
    return sidecar


def verify_weights(model_dir: str | Path, sidecar: dict[str, Any]) -> list[Path]:
    """Check every weights file named in the sidecar; return their paths.

    Raises InputError for a name that is not a plain file in the folder, a missing file,
    or a SHA-256 that differs from the sidecar's.
    """
    folder = Path(model_dir)
    entries = sidecar.get("weights", {}).get("files", [])
    if not entries:
        raise InputError(f"{folder / SIDECAR}: lists no weights files; the model folder is damaged")
    paths = []
    for entry in entries:
        name = str(entry.get("file", ""))
        if not _PLAIN_NAME.match(name):
            raise InputError(
                f"{folder / SIDECAR}: weights file '{name}' is not a plain file name; refusing"
            )
        path = folder / name
        if not path.is_file():
            raise InputError(f"{path}: weights file is missing; the model folder is incomplete")
        digest = sha256_file(path)
        if digest != entry.get("sha256"):
            raise InputError(
                f"{path}: SHA-256 {digest[:12]}... does not match model.json "
                f"({str(entry.get('sha256'))[:12]}...); the file changed after training; "
                "refusing to load it"
            )
        paths.append(path)
    return paths


def _check_versions(sidecar: dict[str, Any], allow_version_mismatch: bool) -> None:
    if allow_version_mismatch:
        return
    saved = sidecar.get("strokescreen_version", "?")
    if _major_minor(saved) != _major_minor(strokescreen.__version__):
        raise InputError(
            f"model was saved by strokescreen {saved}, this is {strokescreen.__version__}; "
            "retrain it, or load with allow_version_mismatch=True at your own risk"
        )
    if sidecar.get("weights", {}).get("format") == "joblib":
        saved_skl = sidecar.get("library_versions", {}).get("scikit-learn", "?")
        now_skl = _library_versions()["scikit-learn"]
        if _major_minor(saved_skl) != _major_minor(now_skl):
            raise InputError(
                f"model was saved with scikit-learn {saved_skl}, this is {now_skl}; "
                "retrain it, or load with allow_version_mismatch=True at your own risk"
            )


def load_model(
    model_dir: str | Path, *, allow_version_mismatch: bool = False
) -> tuple[Any, dict[str, Any]]:
    """Load a model folder written by :func:`save_model`; returns (model, sidecar).

    The model gets ``threshold_`` set to the sidecar's threshold. A model saved with a
    calibration block (``method`` sigmoid or isotonic) comes back wrapped in a
    :class:`~strokescreen.models.calibration.CalibratedModel`, so its ``predict_proba`` is
    the recalibrated probability.
    """
    folder = Path(model_dir)
    sidecar = read_sidecar(folder)
    _check_versions(sidecar, allow_version_mismatch)
    paths = verify_weights(folder, sidecar)
    fmt = sidecar["weights"].get("format")
    if fmt == "joblib":
        import joblib

        model = joblib.load(paths[0])
        if not callable(getattr(model, "predict_proba", None)):
            raise InputError(f"{folder}: weights do not hold a strokescreen model; refusing")
    else:
        from strokescreen.models.registry import get_model

        proto = get_model(sidecar["model"]["name"], **sidecar["model"].get("params", {}))
        model = proto.load_weights(folder, [p.name for p in paths]) or proto
    schema = sidecar.get("feature_schema", {}).get("columns", [])
    if feature_schema(model)[1] != list(schema):
        raise InputError(
            f"{folder}: the model reads {len(feature_schema(model)[1])} feature columns but "
            f"model.json lists {len(schema)} (or another order); the folder is inconsistent"
        )
    calibration = sidecar.get("calibration") or {"method": "none"}
    if calibration.get("method", "none") != "none":
        model = CalibratedModel.from_fitted(model, Calibrator.from_dict(calibration))
    model.threshold_ = float(sidecar["threshold"])
    return model, sidecar
