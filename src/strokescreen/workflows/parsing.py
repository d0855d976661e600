"""Face-parsing jobs: train on a cohort, evaluate on held-out subjects (with ablations).

Training splits subjects three ways (train / validation / held-out test, never a subject
on two sides); the validation subjects pick the best epoch, the test subjects are written
into the model folder and are what ``parsing-eval`` scores.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from strokescreen.errors import InputError
from strokescreen.jsonable import json_safe
from strokescreen.parsing import masks as M
from strokescreen.parsing.metrics import (
    class_scores,
    confusion,
    fpp_areas,
    fpp_side,
    fpp_side_of_frames,
    summary,
)
from strokescreen.parsing.model import (
    ParsingModel,
    load_parsing_model,
    preset,
    save_parsing_model,
)
from strokescreen.progress import Progress
from strokescreen.workflows.parsing_cohorts import SUBJECT_MODES, training_cohort_match
from strokescreen.workflows.parsing_data import (
    DEFAULT_LABELS,
    LABEL_RULES,
    ParsingData,
    build_parsing_data,
    find_manifest,
    split_subjects,
)

CHECKPOINT = "checkpoint.pt"
#: an extra (training-only) source is usually a few real recordings: more frames from each
EXTRA_FRAMES = 2
DATA_DIR = "_data"
SYNTHETIC_NOTE = ("results on a synthetic cohort describe the generator, not people; "
                  "strokescreen is a screening aid, not a diagnosis")


def train_parsing(source: str | Path, out: str | Path, *, preset_name: str = "tiny",
                  ablation: str = "full", hair: bool = True, epochs: int | None = None,
                  frames_per_case: int | None = None, test_share: float = 0.2,
                  val_share: float = 0.15, seed: int = 0, threads: int = 1,
                  overwrite: bool = False, cache_dir: str | Path | None = None,
                  extra: list[str | Path] | None = None, crop: str | None = None,
                  balance: bool = False, mirror: bool = False, fpp_balance: bool = False,
                  symmetry: bool = False, calibrate: bool = True, size: int | None = None,
                  device: str = "cpu", labels: int = DEFAULT_LABELS,
                  progress: Progress | None = None) -> dict[str, Any]:
    """Build the crops, split by subject, train with checkpoints, save the model folder.

    labels : the FPP label rule (3: corner heights on the 2-D mesh, the default; 4: without
    the head's pose), recorded in model.json as ``fpp_labels``.

    extra : further cohorts / manifests (e.g. real healthy faces) used for training only;
    the subject split (validation, held-out test) is drawn from ``source`` alone.
    crop : crop geometry (``box`` | ``midline``; None = the model's default).
    balance : median-frequency class weights in the pixel cross-entropy.
    mirror : the mirrored image as extra input channels. fpp_balance : FPP pixels
    weighted by the training crops without FPP over those with it. symmetry : the FPP
    decided by the left-right comparison path (needs ``crop="midline"``). calibrate :
    choose the FPP threshold on the validation subjects (:func:`fpp_threshold_on`).
    size : crop side in pixels (None = the preset's; recorded in ``model.json``).
    device : where the network trains (``cpu``, ``cuda``, ``cuda:N``, ``auto``); recorded
    as ``training.device`` in ``model.json``; the saved model loads on the CPU.

    Re-running into the same ``out`` resumes from ``out/checkpoint.pt`` (data cached in
    ``out/_data`` unless ``cache_dir`` is given). Returns the training summary written into
    ``model.json`` and the FPP threshold chosen (None when not calibrated).
    """
    folder = Path(out)
    if (folder / "model.json").exists() and not overwrite:
        raise InputError(f"{folder} already holds a parsing model; choose a new --out or "
                         "pass --overwrite")
    manifest = find_manifest(source)
    p = preset(preset_name)
    fpc = frames_per_case or p.frames_per_case
    model = ParsingModel(preset=preset_name, ablation=ablation, hair=hair, epochs=epochs,
                         seed=seed, threads=threads, balance=balance, mirror=mirror,
                         fpp_balance=fpp_balance, symmetry=symmetry, size=size,
                         device=device, **({"crop": crop} if crop else {}))
    model.net_config()  # validates the ablation name before any work
    model.torch_device()  # and the device (a GPU torch does not see)
    started = time.perf_counter()
    cpu0 = time.process_time()

    def data_progress(done: float, total: float | None = None, note: str | None = None) -> None:
        if progress is not None:
            progress(done, total, note=f"crops {note or ''}")

    data = build_parsing_data(manifest, size=model.size_px, frames_per_case=fpc, hair=hair,
                              cache_dir=cache_dir or folder / DATA_DIR, align=model.crop,
                              labels=labels, progress=data_progress)
    split = split_subjects(data.meta["subject_id"].tolist(), test_share=test_share,
                           val_share=val_share, seed=seed)
    if not split["train"]:
        raise InputError(f"{manifest}: {len(set(data.meta.subject_id))} subject(s) leave none "
                         "for training; give a cohort with at least 3 subjects")
    subj = data.meta["subject_id"].to_numpy()
    train = data.subset(np.isin(subj, split["train"]))
    val = data.subset(np.isin(subj, split["val"]))
    extra_info = []
    for src in extra or []:
        more = build_parsing_data(src, size=model.size_px, frames_per_case=EXTRA_FRAMES * fpc,
                                  hair=hair, align=model.crop, labels=labels,
                                  cache_dir=cache_dir or folder / DATA_DIR)
        extra_info.append({"source": str(find_manifest(src)), "n_crops": int(len(more.images)),
                           "n_subjects": int(more.meta["subject_id"].nunique())})
        train = ParsingData(np.concatenate([train.images, more.images]),
                            np.concatenate([train.labels, more.labels]),
                            np.concatenate([train.depth, more.depth]),
                            np.concatenate([train.points, more.points]),
                            pd.concat([train.meta, more.meta], ignore_index=True))
    data_s = time.perf_counter() - started
    cpu_data = time.process_time() - cpu0
    model.fit(train.images, train.labels, train.depth.astype(np.float32),
              val=(val.images, val.labels) if len(val.images) else None,
              checkpoint=folder / CHECKPOINT, progress=progress)
    training = {
        "cohort": str(manifest), "synthetic": bool(_is_synthetic(manifest)),
        "n_cases": int(data.meta["case_id"].nunique()), "n_crops": int(len(data.images)),
        "frames_per_case": fpc, "subjects": split, "extra_training_sources": extra_info,
        "n_train_crops": int(len(train.images)), "n_val_crops": int(len(val.images)),
        "fpp_regions": data.meta.drop_duplicates("case_id")["region"].value_counts().to_dict(),
        "crop": model.crop, "fpp_normal_sd_mm": float(data.meta["normal_sd_mm"].iloc[0]),
        "fpp_labels": labels,
        "fpp_drawn_crops": int(data.meta["fpp_drawn"].sum()),
        "data_seconds": round(data_s, 1),
        "train_seconds": round(time.perf_counter() - started - data_s, 1),
        "data_cpu_seconds": round(cpu_data, 1),
        "train_cpu_seconds": round(time.process_time() - cpu0 - cpu_data, 1),
        "device": model.device_["device"], "device_requested": device,
        "gpu": model.device_.get("gpu"),
        "hair_labels": "person segmentation (MediaPipe selfie) outside the face oval above "
                       "the pupil line: a proxy, no offline hair segmenter" if hair else "none",
        "note": SYNTHETIC_NOTE,
    }
    if calibrate and len(val.images) and "fpp" in model.classes:
        model.fpp_threshold_ = fpp_threshold_on(model, val)
    save_parsing_model(model, folder, training=training, overwrite=True)
    (folder / CHECKPOINT).unlink(missing_ok=True)
    return {**training, "fpp_threshold": getattr(model, "fpp_threshold_", None)}


def fpp_threshold_on(model: ParsingModel, val: ParsingData, *,
                     rule: str = "healthy") -> dict[str, Any]:
    """The FPP offset chosen on ``val`` by ``rule`` (:data:`~strokescreen.parsing.calibrate.
    RULES`), with the validation recordings' side calls at that offset."""
    from strokescreen.parsing.calibrate import (
        MAX_OFFSET,
        RULES,
        SIDE_GRID_STEP,
        apply_fpp_offset,
        choose_fpp_offset,
    )

    if rule not in RULES:
        raise InputError(f"unknown FPP threshold rule {rule!r}; one of {', '.join(RULES)}")
    fpp = model.classes.index("fpp")
    proba = model.predict_proba(val.images)
    truth = model._merge(val.labels) == fpp
    healthy = (val.meta["region"] == "none").to_numpy()
    sub = val.subset(healthy)

    def healthy_sides(off: float) -> int:
        if not healthy.any():
            return 0
        pred = apply_fpp_offset(proba[healthy], fpp, off)
        return side_counts(case_fpp_sides(model, sub, pred))["no_weakness_with_a_side"]

    below = None
    res = choose_fpp_offset(proba, truth, fpp)
    if rule == "healthy":
        for off in np.arange(0.0, res["offset"] + SIDE_GRID_STEP, SIDE_GRID_STEP):
            if healthy_sides(float(off)):
                below = float(off)
                break
        if below is not None and below > 0:  # bisect the grid step: where it starts
            lo = max(below - SIDE_GRID_STEP, 0.0)
            while below - lo > 1e-4:
                mid = (lo + below) / 2
                lo, below = (lo, mid) if healthy_sides(mid) else (mid, below)
        below = MAX_OFFSET if below is None else below
        res = choose_fpp_offset(proba, truth, fpp, below=below)
        # between grid points: lower the bound until the chosen offset itself is safe
        while res["offset"] > 0 and healthy_sides(res["offset"]):
            below = res["offset"]
            res = choose_fpp_offset(proba, truth, fpp, below=below)
    res["rule"], res["rule_name"] = RULES[rule], rule
    res["first_offset_giving_a_side_without_weakness"] = below
    for tag, off in (("at_0", 0.0), ("chosen", res["offset"])):
        cases = case_fpp_sides(model, val, apply_fpp_offset(proba, fpp, off))
        res[f"val_sides_{tag}"] = side_counts(cases)
    res["val_subjects"] = sorted(set(val.meta["subject_id"]))
    return res


def calibrate_parsing(model_dir: str | Path, source: str | Path, *, rule: str = "healthy",
                      cache_dir: str | Path | None = None, overwrite: bool = False,
                      progress: Progress | None = None) -> dict[str, Any]:
    """Choose the FPP offset of an existing model on its validation subjects (read from
    its ``model.json``, found in ``source``) and write it into ``model.json``."""
    folder = Path(model_dir)
    model = load_parsing_model(folder, fpp_threshold=False)
    side = model.sidecar_
    if "fpp" not in model.classes:
        raise InputError(f"{folder}: the model has no FPP class (ablation {model.ablation}); "
                         "calibrate a model trained with the FPP")
    if side.get("fpp_threshold") and not overwrite:
        raise InputError(f"{folder}: already holds an FPP threshold (offset "
                         f"{float(side['fpp_threshold'].get('offset', 0.0)):+.3f}); pass "
                         "--overwrite to choose it again")
    val_subj = set((side.get("training", {}).get("subjects") or {}).get("val") or [])
    if not val_subj:
        raise InputError(f"{folder}: no validation subjects recorded; retrain with a "
                         "cohort of 3 or more subjects")
    data = build_parsing_data(source, size=side["model"]["input_size_px"],
                              frames_per_case=side["training"]["frames_per_case"],
                              subjects=val_subj, align=model.crop,
                              labels=model_labels(side),
                              cache_dir=cache_dir or folder / DATA_DIR)
    found = set(data.meta["subject_id"])
    if found != val_subj:
        raise InputError(f"{source}: holds {len(found & val_subj)} of the model's "
                         f"{len(val_subj)} validation subjects; give the cohort it was "
                         "trained on")
    if progress is not None:
        progress(0, 1, note="validation crops")
    res = fpp_threshold_on(model, data, rule=rule)
    res["synthetic"] = bool(side.get("training", {}).get("synthetic"))
    side["fpp_threshold"] = res
    (folder / "model.json").write_text(json.dumps(json_safe(side), indent=2) + "\n")
    if progress is not None:
        progress(1, 1, note="done")
    return res


def _is_synthetic(manifest: Path) -> bool:
    df = pd.read_csv(manifest, nrows=5)
    return "synthetic" in df and bool(df["synthetic"].astype(str).str.lower().eq("true").any())


def case_fpp_sides(model: ParsingModel, data: ParsingData, pred: np.ndarray) -> pd.DataFrame:
    """Per case: mean FPP share per side over its crops, the crops calling each side, the
    called side (:func:`fpp_side_of_frames`), the planted one."""
    full = model.to_full_codes(pred)
    rows = []
    for i in range(len(full)):
        rows.append({**data.meta.iloc[i].to_dict(), **fpp_areas(full[i], data.points[i])})
    per = pd.DataFrame(rows)
    per["frame_call"] = [fpp_side(a, b) for a, b in
                         zip(per["fpp_share_left"], per["fpp_share_right"], strict=True)]
    per["frame_left"] = per["frame_call"] == "left"
    per["frame_right"] = per["frame_call"] == "right"
    extra = {"frames_fpp_drawn": ("fpp_drawn", "mean")} if "fpp_drawn" in per else {}
    cases = per.groupby("case_id").agg(subject_id=("subject_id", "first"), side=("side", "first"),
                                        region=("region", "first"),
                                        fpp_share_left=("fpp_share_left", "mean"),
                                        fpp_share_right=("fpp_share_right", "mean"),
                                        frames_called_left=("frame_left", "sum"),
                                        frames_called_right=("frame_right", "sum"),
                                        **extra).reset_index()
    cases["planted"] = cases["side"].replace("", "none")
    cases["called"] = [fpp_side_of_frames(g["fpp_share_left"], g["fpp_share_right"])
                       for _, g in per.groupby("case_id")]
    cases["agree"] = cases["planted"] == cases["called"]
    return cases.drop(columns=["side"])


def side_counts(cases: pd.DataFrame) -> dict[str, int]:
    """Recordings with a planted side called right / missed / on the wrong side, and
    recordings without one that get a side (or none)."""
    lat = cases[cases["planted"] != "none"]
    neg = cases[cases["planted"] == "none"]
    return {"palsy": int(len(lat)), "palsy_right_side": int(lat["agree"].sum()),
            "palsy_missed": int((lat["called"] == "none").sum()),
            "palsy_wrong_side": int(((lat["called"] != "none") & ~lat["agree"]).sum()),
            "no_weakness": int(len(neg)), "no_weakness_none": int(neg["agree"].sum()),
            "no_weakness_with_a_side": int((~neg["agree"]).sum())}


def evaluate_model(model: ParsingModel, data: ParsingData) -> dict[str, Any]:
    """Per-class scores, summary, FPP side agreement and inference time on ``data``."""
    t0 = time.perf_counter()
    pred = model.predict(data.images)
    per_frame_ms = 1000 * (time.perf_counter() - t0) / max(len(data.images), 1)
    truth = model._merge(data.labels)
    cm = confusion(truth, pred, len(model.classes))
    cases = case_fpp_sides(model, data, pred) if "fpp" in model.classes else None
    res: dict[str, Any] = {"classes": class_scores(cm, model.classes),
                           "summary": summary(cm, model.classes),
                           "inference_ms_per_crop": per_frame_ms, "n_crops": int(len(pred))}
    if cases is not None:
        lateral = cases[cases["planted"] != "none"]
        res["fpp_cases"] = cases
        res["fpp_side_agreement"] = float(cases["agree"].mean())
        res["fpp_side_agreement_palsy"] = float(lateral["agree"].mean()) if len(lateral) \
            else float("nan")
        res["fpp_n_cases"] = int(len(cases))
        res["fpp_n_palsy_cases"] = int(len(lateral))
        res["fpp_side_counts"] = side_counts(cases)
        # the same rule on the truth labels: what a perfect parser would reach
        res["fpp_side_counts_truth_labels"] = side_counts(case_fpp_sides(model, data, truth))
    return res


def model_labels(sidecar: dict[str, Any]) -> int:
    """The FPP label rule a parsing model was trained with (3 when model.json predates
    the setting)."""
    return int((sidecar.get("training") or {}).get("fpp_labels", 3))


def evaluate_parsing(source: str | Path, model_dirs: list[str | Path], out: str | Path, *,
                     cache_dir: str | Path | None = None, fpp_threshold: bool = True,
                     subjects: str = "held-out", normal_sd_mm: float | None = None,
                     labels: int | None = None,
                     progress: Progress | None = None) -> dict[str, Any]:
    """Score each model on the held-out subjects recorded in the first model's folder
    (``subjects="held-out"``), or on every subject of ``source`` (``"all"``) when it is an
    independent cohort: refused when it is a model's training cohort (or an ``--extra``
    training source), since "all" would then score training subjects. ``normal_sd_mm``:
    the FPP labels' normal spread; None = for ``"held-out"`` measured on ``source`` (the
    training cohort, as in training), for ``"all"`` the first model's training spread
    (``fpp_normal_sd_mm`` in its model.json): the FPP label then means the drop the model
    was trained to mark, not a threshold that moves with each cohort's own draw; a model
    trained on other labels than ``labels`` (the FPP label rule, 4 = corner heights without
    the head's pose, 3 = on the 2-D mesh) records a spread measured another way, so the
    cohort's own, measured by ``labels``, stands in. ``labels`` None = the first model's
    own rule (``fpp_labels`` in its model.json; 3 for models saved before the setting).

    Writes ``per_class.csv`` (model x class), ``ablation.csv`` (one row per model),
    ``fpp_cases.csv`` and ``summary.json`` (with the mode used) into ``out``.
    """
    if not model_dirs:
        raise InputError("give at least one --model folder from `strokescreen parsing-train`")
    if subjects not in SUBJECT_MODES:
        raise InputError(f"unknown --subjects {subjects!r}; one of {', '.join(SUBJECT_MODES)}")
    manifest = find_manifest(source)
    if not manifest.is_file():
        raise InputError(f"{source}: no such manifest; give a cohort folder or manifest CSV")
    models = [load_parsing_model(m, fpp_threshold=fpp_threshold) for m in model_dirs]
    first = models[0].sidecar_
    if labels is None:
        labels = model_labels(first)
    if labels not in LABEL_RULES:
        raise InputError(f"unknown FPP label rule {labels!r}; one of 3, 4")
    held: set[str] | None
    if subjects == "all":
        for m, d in zip(models, model_dirs, strict=True):
            same = training_cohort_match(manifest, m.sidecar_)
            if same is not None:
                raise InputError(f"{source} is the cohort {d} was trained on ({same}); "
                                 "--subjects all needs an independent cohort (or use "
                                 "--subjects held-out)")
        held = None
        if normal_sd_mm is None and first["training"].get("fpp_labels", 3) == labels:
            normal_sd_mm = first["training"].get("fpp_normal_sd_mm")
    else:
        held = set(first["training"]["subjects"]["test"])
        for m, d in zip(models, model_dirs, strict=True):
            trained = set(m.sidecar_["training"]["subjects"]["train"])
            if trained & held:
                raise InputError(f"{d} was trained on {len(trained & held)} of the held-out "
                                 "subjects; evaluate models trained with the same split (seed)")
        if not held:
            raise InputError(f"{model_dirs[0]}: no held-out subjects recorded; train on 3 or "
                             "more")
    out_dir = Path(out)
    out_dir.mkdir(parents=True, exist_ok=True)
    sizes = {(m.sidecar_["model"]["input_size_px"], m.crop) for m in models}
    data_by_size = {}
    for s, crop in sizes:
        fpc = first["training"]["frames_per_case"]
        data_by_size[s, crop] = build_parsing_data(source, size=s, frames_per_case=fpc,
                                                   subjects=held, align=crop,
                                                   normal_sd_mm=normal_sd_mm, labels=labels,
                                                   cache_dir=cache_dir or out_dir / DATA_DIR)
    per_class, table, fpp_cases = [], [], []
    for i, (m, d) in enumerate(zip(models, model_dirs, strict=True)):
        data = data_by_size[m.sidecar_["model"]["input_size_px"], m.crop]
        res = evaluate_model(m, data)
        name = m.ablation
        for r in res["classes"]:
            per_class.append({"model": str(d), "ablation": name, **r})
        table.append({"model": str(d), "ablation": name, "preset": m.preset, "crop": m.crop,
                      "balance": m.balance, "mirror": m.mirror,
                      "fpp_balance": m.fpp_balance, "symmetry": m.symmetry, "seed": m.seed,
                      "fpp_offset": float(getattr(m, "fpp_offset_", 0.0)),
                      "parameters": sum(p.numel() for p in m.net_.parameters()),
                      **res["summary"],
                      "fpp_side_agreement": res.get("fpp_side_agreement", float("nan")),
                      "fpp_side_agreement_palsy": res.get("fpp_side_agreement_palsy",
                                                          float("nan")),
                      **{f"sides_{k}": v for k, v in res.get("fpp_side_counts", {}).items()},
                      **{f"truth_labels_sides_{k}": v for k, v in
                         res.get("fpp_side_counts_truth_labels", {}).items()},
                      "inference_ms_per_crop": res["inference_ms_per_crop"],
                      "epochs": len(m.history_),
                      "train_seconds": m.sidecar_["training"].get("train_seconds")})
        if "fpp_cases" in res:
            fpp_cases.append(res["fpp_cases"].assign(model=str(d), ablation=name))
        if progress is not None:
            progress(i + 1, len(models), note=name)
    pd.DataFrame(per_class).to_csv(out_dir / "per_class.csv", index=False)
    pd.DataFrame(table).to_csv(out_dir / "ablation.csv", index=False)
    if fpp_cases:
        pd.concat(fpp_cases).to_csv(out_dir / "fpp_cases.csv", index=False)
    data0 = next(iter(data_by_size.values()))
    scored = sorted(set(data0.meta["subject_id"])) if len(data0.meta) else []
    result = {"subjects_mode": subjects, "cohort": str(manifest),
              "synthetic": _is_synthetic(manifest),
              "held_out_subjects": sorted(held) if held is not None else [],
              "evaluated_subjects": scored, "n_crops": int(len(data0.images)),
              "fpp_threshold_applied": fpp_threshold, "fpp_labels": labels,
              "fpp_normal_sd_mm": (float(data0.meta["normal_sd_mm"].iloc[0])
                                   if "normal_sd_mm" in data0.meta and len(data0.meta)
                                   else None),
              "models": table, "per_class": per_class, "note": SYNTHETIC_NOTE}
    (out_dir / "summary.json").write_text(json.dumps(json_safe(result), indent=2) + "\n")
    return result


def labels_overlay(image: np.ndarray, labels: np.ndarray, *, alpha: float = 0.45) -> np.ndarray:
    """RGB overlay of a full-code label map on an image (background left untouched)."""
    colour = M.PALETTE[labels].astype(np.float32)
    out = image.astype(np.float32)
    fg = labels != M.BACKGROUND
    out[fg] = (1 - alpha) * out[fg] + alpha * colour[fg]
    return out.clip(0, 255).astype(np.uint8)
