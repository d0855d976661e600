"""Hair kept only where attached to the face: before / after on held-out crops and real files.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_hair.py \\
        --cohort /tmp/realism/cohort --model /tmp/hair/midline_sym_128px_full_s0 \\
        --out /tmp/hair [--cache /tmp/hair/_data] [--max-frames 4] [--no-real]

Figures (OUT/results_hair.json, printed):
- held-out subjects of the model (SYNTHETIC crops): per-class F1 / IoU and the mean before
  (plain arg-max with the model's FPP offset) and after :func:`keep_attached_hair`, the
  hair pixels removed (and how many of them were true hair), the crops touched;
- the rule on the truth labels themselves: hair pixels it would remove (the labels draw
  hair attached to the face by construction, so this should be 0 or nearly);
- the rule's time per 128 px map (one map per call, median of the held-out maps);
- real files (benchmarks/parsing.py's list): per file the hair share of the crop before
  and after, crops touched, hair F1 against the training label's hair proxy drawn on the
  crop (person segmentation of the crop upscaled to the segmenter's size, outside the
  face oval, above the pupil line), predicted hair pixels outside the person mask, and
  OUT/real_hair_before_after.png (two frames a file: crop, before, after).
A screening aid, not a diagnosis; synthetic figures describe the generator, not people.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import cv2
import numpy as np

from strokescreen.errors import StrokeScreenError
from strokescreen.parsing import masks as M
from strokescreen.parsing.data import SEGMENT_SIZE_PX
from strokescreen.parsing.hair import default_gap_px, keep_attached_hair_named
from strokescreen.parsing.metrics import class_scores, confusion, summary
from strokescreen.parsing.model import load_parsing_model
from strokescreen.parsing.person import PersonSegmenter
from strokescreen.workflows.parse import _frames, parse_frames
from strokescreen.workflows.parsing import labels_overlay
from strokescreen.workflows.parsing_data import build_parsing_data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parsing as base  # noqa: E402  (benchmarks/parsing.py: the real file list)


def _scores(truth: np.ndarray, pred: np.ndarray, classes: tuple[str, ...]) -> dict:
    cm = confusion(truth, pred, len(classes))
    per = {r["class"]: {"f1": round(r["f1"], 4), "iou": round(r["iou"], 4),
                        "predicted_pixels": r["predicted_pixels"]}
           for r in class_scores(cm, classes)}
    s = summary(cm, classes)
    return {"mean_f1": round(s["mean_f1"], 4), "mean_iou": round(s["mean_iou"], 4),
            "pixel_accuracy": round(s["pixel_accuracy"], 4), "classes": per}


def held_out(cohort: Path, model_dir: Path, cache: Path) -> dict:
    m = load_parsing_model(model_dir, fpp_threshold=True)
    side = m.sidecar_
    held = set(side["training"]["subjects"]["test"])
    d = build_parsing_data(cohort, size=side["model"]["input_size_px"],
                           frames_per_case=side["training"]["frames_per_case"],
                           subjects=held, align=m.crop, cache_dir=cache)
    raw = m.predict(d.images, attached_hair=False)
    after = keep_attached_hair_named(raw, m.classes)
    truth = m._merge(d.labels)
    hair = m.classes.index("hair")
    removed = (raw == hair) & (after != hair)
    truth_clean = keep_attached_hair_named(truth, m.classes)
    times = []
    for one in raw:
        t0 = time.perf_counter()
        keep_attached_hair_named(one, m.classes)
        times.append(1000 * (time.perf_counter() - t0))
    return {"subjects": len(held), "crops": int(len(raw)), "size_px": int(raw.shape[-1]),
            "gap_px": default_gap_px(int(raw.shape[-1])),
            "fpp_offset": float(getattr(m, "fpp_offset_", 0.0)),
            "before": _scores(truth, raw, m.classes), "after": _scores(truth, after, m.classes),
            "hair_pixels_removed": int(removed.sum()),
            "hair_pixels_removed_that_were_true_hair": int((removed & (truth == hair)).sum()),
            "crops_touched": int(removed.reshape(len(raw), -1).any(1).sum()),
            "truth_hair_pixels": int((truth == hair).sum()),
            "truth_hair_pixels_the_rule_removes": int(((truth == hair)
                                                       & (truth_clean != hair)).sum()),
            "ms_per_map_median": round(float(np.median(times)), 3),
            "ms_per_map_p90": round(float(np.percentile(times, 90)), 3)}


def _proxy_hair(seg: PersonSegmenter, parsed: list[dict]) -> tuple[np.ndarray, np.ndarray]:
    """The training label's hair proxy on each crop (person mask of the crop, upscaled to
    the segmenter size as the labels do, outside the oval and above the pupil line) and
    the person mask, each (N, S, S) bool."""
    hair, person = [], []
    for p in parsed:
        size = p["crop"].shape[0]
        big = cv2.resize(p["crop"], (SEGMENT_SIZE_PX, SEGMENT_SIZE_PX),
                         interpolation=cv2.INTER_LINEAR)
        mask = cv2.resize(seg.segment(big).astype(np.float32), (size, size),
                          interpolation=cv2.INTER_AREA) > 0.5
        person.append(mask)
        hair.append(M.hair_proxy(mask, p["points"]))
    return np.stack(hair), np.stack(person)


def _f1(pred: np.ndarray, truth: np.ndarray) -> float:
    tp = float((pred & truth).sum())
    den = float(pred.sum() + truth.sum())
    return round(2 * tp / den, 4) if den else float("nan")


def real(model_dir: Path, out: Path, max_frames: int) -> dict:
    m = load_parsing_model(model_dir, fpp_threshold=True)
    seg = PersonSegmenter()
    files = [base.REAL / "landmarks" / "takeo.png", base.REAL / "video" / "single_face.mp4",
             base.REAL / "video" / "face_noface.mov", base.REAL / "video" / "no_face.mp4",
             base.REAL / "video" / "grid" / "pwij3p.mpg",
             base.REAL / "video" / "grid" / "id2_vcd_swwp2s.mpg",
             *[base.REAL / f for f in base.REAL_TRAIN]]
    rows, tiles = [], []
    hair_full = M.HAIR
    for f in files:
        if not f.exists():
            continue
        try:
            parsed = parse_frames(m, _frames(f, max_frames))
        except StrokeScreenError as exc:
            rows.append({"file": f.name, "error": str(exc)})
            continue
        crops = np.stack([p["crop"] for p in parsed])
        after = np.stack([p["labels"] for p in parsed])
        before = m.to_full_codes(m.predict(crops, attached_hair=False))
        n = after[0].size
        proxy, person = _proxy_hair(seg, parsed)
        hb, ha = before == hair_full, after == hair_full
        rows.append({"file": f.name, "frames": len(parsed),
                     "hair_share_before": round(float((before == hair_full).sum()) / n
                                                / len(parsed), 4),
                     "hair_share_after": round(float((after == hair_full).sum()) / n
                                               / len(parsed), 4),
                     "frames_touched": int((before != after).reshape(len(parsed), -1)
                                           .any(1).sum()),
                     "frames_without_hair_after": int((~(after == hair_full)
                                                       .reshape(len(parsed), -1).any(1)).sum()),
                     "hair_f1_vs_proxy_before": _f1(hb, proxy),
                     "hair_f1_vs_proxy_after": _f1(ha, proxy),
                     "hair_outside_person_px_before": int((hb & ~person).sum()),
                     "hair_outside_person_px_after": int((ha & ~person).sum())})
        for c, b, a in zip(crops[:2], before[:2], after[:2], strict=True):
            tiles.append(np.vstack([c, labels_overlay(c, b), labels_overlay(c, a)]))
    seg.close()
    if tiles:
        sheet = np.hstack([cv2.copyMakeBorder(t, 0, 0, 0, 3, cv2.BORDER_CONSTANT,
                                              value=(255, 255, 255)) for t in tiles])
        cv2.imwrite(str(out / "real_hair_before_after.png"),
                    cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return {"files": rows, "montage": str(out / "real_hair_before_after.png"),
            "montage_rows": "crop / before / after, two frames a file"}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, default=Path("/tmp/realism/cohort"))
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("/tmp/hair"))
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--max-frames", type=int, default=4)
    ap.add_argument("--no-real", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    res = {"model": str(a.model), "note": "held_out: SYNTHETIC crops (generator, not people); "
           "strokescreen is a screening aid, not a diagnosis"}
    res["held_out"] = held_out(a.cohort, a.model, a.cache or a.out / "_data")
    if not a.no_real:
        res["real"] = real(a.model, a.out, a.max_frames)
    text = json.dumps(res, indent=2, default=str)
    (a.out / "results_hair.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
