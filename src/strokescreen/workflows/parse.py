"""``parse``: run a face-parsing model on a photo or a video and write masks + areas.

Per image (or per sampled video frame with a face): the face crop the model was trained
on, its indexed-PNG label map (palette = :data:`strokescreen.parsing.masks.PALETTE`), and
per-category and per-side FPP areas in ``parsing.json``; ``overlay.png`` shows the crops
with their masks. Video frames are spread evenly over the clip (``max_frames``).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import cv2
import numpy as np

from strokescreen.errors import InputError, QualityError
from strokescreen.face.landmarks import get_landmarker
from strokescreen.io.video import iter_frames, probe
from strokescreen.jsonable import json_safe
from strokescreen.parsing import masks as M
from strokescreen.parsing.data import crop, crop_person_mask, crop_transform, map_points
from strokescreen.parsing.hair import default_person_tol_px, gate_hair_by_person_named
from strokescreen.parsing.metrics import FPP_SIDE_MIN_SHARE, fpp_areas, fpp_side_of_frames
from strokescreen.parsing.model import ParsingModel, load_parsing_model
from strokescreen.parsing.person import PersonSegmenter
from strokescreen.progress import Progress
from strokescreen.workflows.parsing import labels_overlay

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".webp", ".tif", ".tiff", ".ppm"}
DISCLAIMER = "strokescreen is a screening aid, not a diagnosis."
PERSON_GATE_RULE = ("predicted hair outside the crop's person mask (MediaPipe selfie "
                    "segmenter), widened by tolerance_px, becomes background, as the hair "
                    "label lies inside the person by definition; a frame whose person mask is "
                    "empty keeps its hair as predicted")
SIDE_RULE = ("per frame, the side whose face the FPP covers by {share:.0%} or more and by "
             "{share:.0%} more than the other side's; over {over}, the side called on more "
             "frames; else none")


def read_image(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_COLOR)
    if img is None:
        raise InputError(f"{path}: not a readable image; give a PNG or JPEG photo or a video")
    return cv2.cvtColor(img, cv2.COLOR_BGR2RGB)


def _frames(path: Path, max_frames: int):
    """(frame index, RGB image) pairs: the photo, or frames spread over the video."""
    if path.suffix.lower() in IMAGE_SUFFIXES:
        yield 0, read_image(path)
        return
    info = probe(path)
    n = max(info.n_frames_est, 1)
    wanted = set(np.round(np.linspace(0, n - 1, min(max_frames, n))).astype(int).tolist())
    for fr in iter_frames(path):
        if fr.index in wanted:
            yield fr.index, fr.image


def parse_frames(model: ParsingModel, frames, *, progress: Progress | None = None,
                 total: int | None = None, person_gate: bool = True,
                 segmenter=None) -> list[dict[str, Any]]:
    """Crop, parse and measure each (index, image) frame that shows a face.

    person_gate : predicted hair outside the crop's person mask (widened by
    :func:`strokescreen.parsing.hair.default_person_tol_px`) becomes background
    (:func:`strokescreen.parsing.hair.gate_hair_by_person_named`); each result's
    ``person_gate`` says whether it was applied and how many hair pixels it removed.
    segmenter : object with ``segment(rgb) -> bool mask`` (None = MediaPipe's selfie
    segmenter from the installed package).
    """
    size = int(model.sidecar_["model"]["input_size_px"]) if hasattr(model, "sidecar_") \
        else 96
    gate = person_gate and "hair" in model.classes
    own_seg = gate and segmenter is None
    if own_seg:
        segmenter = PersonSegmenter()
    lm = get_landmarker("mediapipe", static=True)
    out = []
    seen = 0
    try:
        for idx, image in frames:
            seen += 1
            faces = lm.detect(image)
            if progress is not None:
                progress(seen, total, note=f"frame {idx}")
            if not faces:
                continue
            affine = crop_transform(faces[0], size, align=getattr(model, "crop", "box"))
            crop_img = crop(image, affine, size)
            pts = map_points(faces[0], affine)
            pred = model.predict(crop_img[None])
            info = _gate_info(gate, person_gate)
            if gate:
                person = crop_person_mask(image, affine, size, segmenter)
                info["person_pixels"] = int(person.sum())
                if person.any():
                    hair = model.classes.index("hair")
                    gated = gate_hair_by_person_named(pred, person[None], model.classes)
                    info.update(applied=True, reason="",
                                hair_pixels_removed=int((pred == hair).sum()
                                                        - (gated == hair).sum()))
                    pred = gated
                else:
                    info["reason"] = "the person segmenter found no one; hair left as predicted"
            labels = model.to_full_codes(pred)[0]
            out.append({"frame": int(idx), "crop": crop_img, "labels": labels, "points": pts,
                        "person_gate": info})
    finally:
        lm.close()
        if own_seg:
            segmenter.close()
    if not out:
        raise QualityError(f"no face found in 0 of {seen} frames read; use a photo or video "
                           "with the face frontal, centred and lit from the front")
    return out


def _gate_info(gate: bool, asked: bool) -> dict[str, Any]:
    reason = ("" if gate else "turned off" if not asked
              else "the model has no hair class")
    return {"applied": False, "reason": reason, "hair_pixels_removed": 0}


def gate_summary(parsed: list[dict[str, Any]], size: int) -> dict[str, Any]:
    """What the person gate did over the parsed frames (for parsing.json)."""
    infos = [p["person_gate"] for p in parsed]
    return {"frames_applied": sum(bool(i["applied"]) for i in infos),
            "frames": len(infos),
            "hair_pixels_removed": sum(int(i["hair_pixels_removed"]) for i in infos),
            "tolerance_px": default_person_tol_px(size), "rule": PERSON_GATE_RULE}


def areas(labels: np.ndarray, points: np.ndarray) -> dict[str, Any]:
    """Pixels and share of the crop per category, and FPP per side."""
    n = labels.size
    counts = np.bincount(labels.ravel(), minlength=len(M.CLASSES))
    cats = {name: {"pixels": int(counts[k]), "share": counts[k] / n}
            for k, name in enumerate(M.CLASSES) if name != "background"}
    return {"categories": cats, "fpp": fpp_areas(labels, points)}


def parse_file(path: str | Path, model_dir: str | Path, out: str | Path, *,
               max_frames: int = 16, progress: Progress | None = None,
               fpp_threshold: bool = True, person_gate: bool = True) -> dict[str, Any]:
    """Parse a photo or video into ``out`` (masks/, overlay.png, parsing.json).
    fpp_threshold : use the model's validation-chosen FPP offset (when it has one).
    person_gate : drop predicted hair outside the person mask (:func:`parse_frames`)."""
    src = Path(path)
    if not src.exists():
        raise InputError(f"{src}: file does not exist; check the path")
    if src.is_dir():
        raise InputError(f"{src}: is a folder; give one photo or video file")
    model = load_parsing_model(model_dir, fpp_threshold=fpp_threshold)
    total = 1 if src.suffix.lower() in IMAGE_SUFFIXES else max_frames
    parsed = parse_frames(model, _frames(src, max_frames), progress=progress, total=total,
                          person_gate=person_gate)
    out_dir = Path(out)
    (out_dir / "masks").mkdir(parents=True, exist_ok=True)
    frames = []
    for p in parsed:
        name = f"masks/frame_{p['frame']:06d}.png"
        write_indexed_png(out_dir / name, p["labels"])
        frames.append({"frame": p["frame"], "mask": name, **areas(p["labels"], p["points"]),
                       "person_gate": p["person_gate"]})
    left = float(np.mean([f["fpp"]["fpp_share_left"] for f in frames]))
    right = float(np.mean([f["fpp"]["fpp_share_right"] for f in frames]))
    result = {
        "input": src.name, "model": str(model_dir), "classes": list(M.CLASSES),
        "palette": M.PALETTE.tolist(), "frames": frames,
        "fpp_share_left": left, "fpp_share_right": right,
        "fpp_side": fpp_side_of_frames([f["fpp"]["fpp_share_left"] for f in frames],
                                       [f["fpp"]["fpp_share_right"] for f in frames])
        if "fpp" in model.classes else "not modelled",
        "fpp_side_rule": SIDE_RULE.format(share=FPP_SIDE_MIN_SHARE, over="frames"),
        "fpp_offset": float(getattr(model, "fpp_offset_", 0.0)),
        "person_gate": gate_summary(parsed, int(parsed[0]["labels"].shape[-1])),
        "trained_on": model.sidecar_["training"].get("cohort"),
        "trained_on_synthetic": model.sidecar_["training"].get("synthetic"),
        "disclaimer": DISCLAIMER,
    }
    (out_dir / "parsing.json").write_text(json.dumps(json_safe(result), indent=2) + "\n")
    cv2.imwrite(str(out_dir / "overlay.png"), cv2.cvtColor(montage(parsed), cv2.COLOR_RGB2BGR))
    return result


def write_indexed_png(path: Path, labels: np.ndarray) -> None:
    """An 8-bit palette PNG whose pixel values are the class codes."""
    from PIL import Image

    img = Image.fromarray(labels.astype(np.uint8), mode="P")
    pal = np.zeros((256, 3), np.uint8)
    pal[: len(M.PALETTE)] = M.PALETTE
    img.putpalette(pal.ravel().tolist())
    img.save(path)


def montage(parsed: list[dict[str, Any]], *, columns: int = 4, max_tiles: int = 8) -> np.ndarray:
    """Crops above their overlays, ``columns`` pairs per row, up to ``max_tiles``."""
    step = max(1, int(np.ceil(len(parsed) / max_tiles)))
    tiles = []
    for p in parsed[::step][:max_tiles]:
        tiles.append(np.vstack([p["crop"], labels_overlay(p["crop"], p["labels"])]))
    h, w = tiles[0].shape[:2]
    rows = int(np.ceil(len(tiles) / columns))
    sheet = np.full((rows * h, min(columns, len(tiles)) * w, 3), 255, np.uint8)
    for i, t in enumerate(tiles):
        r, c = divmod(i, columns)
        sheet[r * h:(r + 1) * h, c * w:(c + 1) * w] = t
    return sheet


PARSING_OVERLAY = "parsing_overlay.png"


def parse_case(case_dir: str | Path, model: ParsingModel | str | Path, *,
               n_frames: int = 4, fpp_threshold: bool = True,
               person_gate: bool = True) -> dict[str, Any]:
    """Parse ``n_frames`` kept crops of a preprocessed case folder.

    Returns per-side FPP shares (mean over the frames), the FPP side, and writes the
    overlay montage ``parsing_overlay.png`` into the case folder. fpp_threshold : when
    ``model`` is a folder, use its validation-chosen FPP offset. person_gate : drop
    predicted hair outside the person mask (:func:`parse_frames`).
    """
    from strokescreen.preprocess.artifacts import CROPS_NPZ

    folder = Path(case_dir)
    if not isinstance(model, ParsingModel):
        model = load_parsing_model(model, fpp_threshold=fpp_threshold)
    path = folder / CROPS_NPZ
    if not path.is_file():
        raise InputError(f"{folder}: no {CROPS_NPZ}; preprocess the recording first")
    with np.load(path) as z:
        crops, index = z["frames"], z["index"]
    if len(crops) == 0:
        raise QualityError(f"{folder}: no kept frame to parse; re-record with the face "
                           "frontal and still")
    picks = np.unique(np.round(np.linspace(0, len(crops) - 1, min(n_frames, len(crops))))
                      .astype(int))
    parsed = parse_frames(model, ((int(index[i]), crops[i]) for i in picks),
                          person_gate=person_gate)
    shares = [fpp_areas(p["labels"], p["points"]) for p in parsed]
    left = float(np.mean([s["fpp_share_left"] for s in shares]))
    right = float(np.mean([s["fpp_share_right"] for s in shares]))
    cv2.imwrite(str(folder / PARSING_OVERLAY), cv2.cvtColor(montage(parsed), cv2.COLOR_RGB2BGR))
    modelled = "fpp" in model.classes
    training = getattr(model, "sidecar_", {}).get("training", {})
    return {"frames": [p["frame"] for p in parsed], "fpp_share_left": left,
            "fpp_share_right": right,
            "fpp_side": fpp_side_of_frames([s["fpp_share_left"] for s in shares],
                                           [s["fpp_share_right"] for s in shares])
            if modelled else "not modelled",
            "overlay": PARSING_OVERLAY, "trained_on_synthetic": bool(training.get("synthetic")),
            "fpp_offset": float(getattr(model, "fpp_offset_", 0.0)),
            "person_gate": gate_summary(parsed, int(parsed[0]["labels"].shape[-1])),
            "rule": SIDE_RULE.format(share=FPP_SIDE_MIN_SHARE, over="the key frames")}


def fpp_case_features(parsed: dict[str, Any]) -> dict[str, float]:
    """The FPP shares of a :func:`parse_case` result as case features (the columns a
    classical model can use: each side's share and left minus right)."""
    left, right = float(parsed["fpp_share_left"]), float(parsed["fpp_share_right"])
    return {"face_fpp_share_left": left, "face_fpp_share_right": right,
            "face_fpp_share_lr": left - right}


def side_agreement(fpp: str, landmark_side: str | None) -> dict[str, Any]:
    """FPP side next to the landmark-based weaker side; both always shown."""
    lm = landmark_side or "none"
    return {"fpp_side": fpp, "landmark_side": lm, "agree": fpp == lm,
            "text": (f"Face parsing marks the {fpp} side as weak; the landmark measures point "
                     f"to the {lm} side: they {'agree' if fpp == lm else 'DISAGREE'}.")
            .replace("the none side as weak", "no side as weak")
            .replace("to the none side", "to no side")}
