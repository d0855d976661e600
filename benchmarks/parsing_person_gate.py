"""Hair gated by the person mask at inference: before / after on real files and held-out crops.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_person_gate.py \\
        --cohort /tmp/realism/cohort --model /tmp/hair2/midline_sym_128px_full_s0 \\
        --out /tmp/hair2 [--cache /tmp/hair2/_data] [--max-frames 4] [--no-held-out]

Figures (OUT/results_person_gate.json, printed):
- real files (benchmarks/parsing.py's list): ``parse_frames`` without and with the person
  gate (both after the attached-hair rule). Per file: hair share of the crop, hair F1
  against the training label's hair proxy built exactly as the labels are (the person
  mask of the crop cut at the segmenter's 192 px from the frame, area-resampled, outside
  the oval, above the pupil line) and against the crop-upscaled proxy of
  benchmarks/parsing_hair.py (comparable with its figures), hair pixels removed, frames
  whose hair vanished, predicted hair outside the person mask; the segmenter's time per
  frame (cutting the 192 px crop, segmenting, resampling); OUT/real_person_gate.png (two
  frames a file: crop, before, after).
- held-out subjects of the model (SYNTHETIC crops): per-class F1 / IoU before and after
  gating by the person mask of the crop upscaled to 192 px (the full frames are not kept
  with the crops), hair pixels removed and how many were true hair.
The F1 against the proxy is partly circular (the proxy is made from the same person
mask as the gate); look at the montage too. A screening aid, not a diagnosis; synthetic
figures describe the generator, not people.
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
from strokescreen.parsing.hair import default_person_tol_px, gate_hair_by_person_named
from strokescreen.parsing.model import load_parsing_model
from strokescreen.parsing.person import PersonSegmenter
from strokescreen.workflows.parse import _frames, parse_frames
from strokescreen.workflows.parsing import labels_overlay
from strokescreen.workflows.parsing_data import build_parsing_data

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parsing_hair as ph  # noqa: E402  (benchmarks/parsing_hair.py: scores, proxy)

base = ph.base  # benchmarks/parsing.py: the real file list


class TimedSegmenter:
    """A PersonSegmenter that keeps each mask it returns and the time it took."""

    def __init__(self, seg: PersonSegmenter):
        self.seg, self.masks, self.ms = seg, [], []

    def segment(self, rgb: np.ndarray) -> np.ndarray:
        t0 = time.perf_counter()
        m = self.seg.segment(rgb)
        self.ms.append(1000 * (time.perf_counter() - t0))
        self.masks.append(m)
        return m


def real(model_dir: Path, out: Path, max_frames: int) -> dict:
    m = load_parsing_model(model_dir, fpp_threshold=True)
    seg = PersonSegmenter()
    files = [base.REAL / "landmarks" / "takeo.png", base.REAL / "video" / "single_face.mp4",
             base.REAL / "video" / "face_noface.mov", base.REAL / "video" / "no_face.mp4",
             base.REAL / "video" / "grid" / "pwij3p.mpg",
             base.REAL / "video" / "grid" / "id2_vcd_swwp2s.mpg",
             *[base.REAL / f for f in base.REAL_TRAIN]]
    rows, tiles, seg_ms, gate_ms = [], [], [], []
    for f in files:
        if not f.exists():
            continue
        try:
            plain = parse_frames(m, _frames(f, max_frames), person_gate=False)
        except StrokeScreenError as exc:
            rows.append({"file": f.name, "error": str(exc)})
            continue
        timed = TimedSegmenter(seg)
        t0 = time.perf_counter()
        gated = parse_frames(m, _frames(f, max_frames), segmenter=timed)
        total = time.perf_counter() - t0
        t0 = time.perf_counter()
        parse_frames(m, _frames(f, max_frames), person_gate=False)
        gate_ms.append(1000 * (total - (time.perf_counter() - t0)) / len(gated))
        seg_ms += timed.ms
        size = plain[0]["labels"].shape[0]
        person = np.stack([cv2.resize(x.astype(np.float32), (size, size),
                                      interpolation=cv2.INTER_AREA) > 0.5
                           for x in timed.masks])
        proxy = np.stack([M.hair_proxy(pm, p["points"]) for pm, p in zip(person, gated,
                                                                          strict=True)])
        proxy_up, _ = ph._proxy_hair(seg, gated)
        before = np.stack([p["labels"] for p in plain]) == M.HAIR
        after = np.stack([p["labels"] for p in gated]) == M.HAIR
        n = before[0].size
        rows.append({
            "file": f.name, "frames": len(gated),
            "seen_in_training": any(str(f).endswith(x) for x in base.REAL_TRAIN),
            "hair_share_before": round(float(before.sum()) / n / len(gated), 4),
            "hair_share_after": round(float(after.sum()) / n / len(gated), 4),
            "hair_pixels_removed": int(sum(p["person_gate"]["hair_pixels_removed"]
                                           for p in gated)),
            "frames_gated": sum(bool(p["person_gate"]["applied"]) for p in gated),
            "frames_touched": int((before != after).reshape(len(gated), -1).any(1).sum()),
            "frames_with_hair_before": int(before.reshape(len(gated), -1).any(1).sum()),
            "frames_with_hair_after": int(after.reshape(len(gated), -1).any(1).sum()),
            "hair_f1_vs_label_proxy_before": ph._f1(before, proxy),
            "hair_f1_vs_label_proxy_after": ph._f1(after, proxy),
            "hair_f1_vs_upscaled_proxy_before": ph._f1(before, proxy_up),
            "hair_f1_vs_upscaled_proxy_after": ph._f1(after, proxy_up),
            "hair_outside_person_px_before": int((before & ~person).sum()),
            "hair_outside_person_px_after": int((after & ~person).sum())})
        for a, b in list(zip(plain, gated, strict=True))[:2]:
            c = a["crop"]
            tiles.append(np.vstack([c, labels_overlay(c, a["labels"]),
                                    labels_overlay(c, b["labels"])]))
    seg.close()
    if tiles:
        sheet = np.hstack([cv2.copyMakeBorder(t, 0, 0, 0, 3, cv2.BORDER_CONSTANT,
                                              value=(255, 255, 255)) for t in tiles])
        cv2.imwrite(str(out / "real_person_gate.png"), cv2.cvtColor(sheet, cv2.COLOR_RGB2BGR))
    return {"files": rows, "tolerance_px": default_person_tol_px(int(size)),
            "segmenter_ms_per_frame_median": round(float(np.median(seg_ms)), 2),
            "segmenter_ms_per_frame_p90": round(float(np.percentile(seg_ms, 90)), 2),
            "gate_added_ms_per_frame_median_over_files": round(float(np.median(gate_ms)), 1),
            "montage": str(out / "real_person_gate.png"),
            "montage_rows": "crop / before (attached rule only) / after (person gate), "
                            "two frames a file"}


def held_out(cohort: Path, model_dir: Path, cache: Path) -> dict:
    m = load_parsing_model(model_dir, fpp_threshold=True)
    side = m.sidecar_
    held = set(side["training"]["subjects"]["test"])
    d = build_parsing_data(cohort, size=side["model"]["input_size_px"],
                           frames_per_case=side["training"]["frames_per_case"],
                           subjects=held, align=m.crop, cache_dir=cache)
    raw = m.predict(d.images)
    size = int(raw.shape[-1])
    with PersonSegmenter() as seg:
        person = np.stack([cv2.resize(seg.segment(cv2.resize(
            img, (SEGMENT_SIZE_PX, SEGMENT_SIZE_PX), interpolation=cv2.INTER_LINEAR))
            .astype(np.float32), (size, size), interpolation=cv2.INTER_AREA) > 0.5
            for img in d.images])
    after = gate_hair_by_person_named(raw, person, m.classes)
    truth = m._merge(d.labels)
    hair = m.classes.index("hair")
    removed = (raw == hair) & (after != hair)
    return {"subjects": len(held), "crops": int(len(raw)), "size_px": size,
            "tolerance_px": default_person_tol_px(size),
            "empty_person_masks": int((~person.reshape(len(person), -1).any(1)).sum()),
            "before": ph._scores(truth, raw, m.classes),
            "after": ph._scores(truth, after, m.classes),
            "hair_pixels_removed": int(removed.sum()),
            "hair_pixels_removed_that_were_true_hair": int((removed & (truth == hair)).sum()),
            "crops_touched": int(removed.reshape(len(raw), -1).any(1).sum())}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", type=Path, default=Path("/tmp/realism/cohort"))
    ap.add_argument("--model", type=Path, required=True)
    ap.add_argument("--out", type=Path, default=Path("/tmp/hair2"))
    ap.add_argument("--cache", type=Path, default=None)
    ap.add_argument("--max-frames", type=int, default=4)
    ap.add_argument("--no-held-out", action="store_true")
    a = ap.parse_args()
    a.out.mkdir(parents=True, exist_ok=True)
    res = {"model": str(a.model), "note": "held_out: SYNTHETIC crops (generator, not people); "
           "strokescreen is a screening aid, not a diagnosis"}
    res["real"] = real(a.model, a.out, a.max_frames)
    if not a.no_held_out:
        res["held_out"] = held_out(a.cohort, a.model, a.cache or a.out / "_data")
    text = json.dumps(res, indent=2, default=str)
    (a.out / "results_person_gate.json").write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
