"""Why does the parsing model put an FPP on healthy faces? Measurements on a trained model.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_fpp_diagnosis.py \\
        --model /tmp/fpp/bench/full --cohort /work/cohorts/real60 [--data-npz CACHE.npz]

Prints (and writes next to ``--out``) for the model's own subject split:
- FPP side counts on train / validation / held-out subjects (memorising subjects shows as
  perfect train calls and chance held-out ones);
- how visible the planted droop is in the crops: the weak mouth corner's drop below the
  other one in crop pixels, for palsy and (unsigned) for healthy crops;
- flip test: mean FPP share per subject side on held-out crops without weakness, as they
  are and mirrored (mirrored landmarks as a landmarker would give them): an FPP that
  follows the face keeps its subject side, one that follows the image swaps;
- light test: the same with a left-right brightness ramp of +-30 % (side lighting).
Results on a synthetic cohort describe the generator, not people; a screening aid, not a
diagnosis.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from strokescreen.face.schemes import mirror_landmarks
from strokescreen.parsing.data import corner_drop_px
from strokescreen.parsing.metrics import fpp_areas
from strokescreen.parsing.model import load_parsing_model
from strokescreen.workflows.parsing import case_fpp_sides, side_counts
from strokescreen.workflows.parsing_data import ParsingData, _load, build_parsing_data


def _shares(model, images: np.ndarray, points: np.ndarray) -> dict[str, float]:
    pred = model.to_full_codes(model.predict(images))
    a = [fpp_areas(pred[i], points[i]) for i in range(len(images))]
    return {s: round(float(np.mean([x[f"fpp_share_{s}"] for x in a])), 3)
            for s in ("left", "right")}


def _ramp(images: np.ndarray, k: float) -> np.ndarray:
    g = 1 + k * np.linspace(-1, 1, images.shape[2])[None, None, :, None]
    return (images * g).clip(0, 255).astype(np.uint8)


def diagnose(model_dir: Path, data: ParsingData) -> dict:
    model = load_parsing_model(model_dir, fpp_threshold=False)
    split = model.sidecar_["training"]["subjects"]
    subj = data.meta["subject_id"].to_numpy()
    out: dict = {"model": str(model_dir), "sides": {}}
    for part in ("train", "val", "test"):
        sub = data.subset(np.isin(subj, split[part]))
        cases = case_fpp_sides(model, sub, model.predict(sub.images))
        out["sides"][part] = {"agreement": round(float(cases["agree"].mean()), 3),
                              **side_counts(cases)}
    drop = np.array([corner_drop_px(p, s) for p, s in zip(data.points, data.meta["side"],
                                                          strict=True)])
    palsy = (data.meta["side"] != "").to_numpy()
    healthy_dh = np.array([abs(corner_drop_px(p, "left")) for p in data.points[~palsy]])
    out["visibility_px"] = {
        "palsy_drop_quartiles": np.quantile(drop[palsy], [0.25, 0.5, 0.75]).round(2).tolist(),
        "palsy_share_below_1px": round(float((drop[palsy] < 1).mean()), 3),
        "healthy_abs_dh_q50_q90_q95": np.quantile(healthy_dh, [0.5, 0.9, 0.95]).round(2).tolist()}
    held = np.isin(subj, split["test"]) & ~palsy
    im, pts = data.images[held], data.points[held]
    size = im.shape[2]
    mirrored = np.stack([mirror_landmarks(p, scheme="mp478", width=size) for p in pts])
    out["flip_test_healthy_heldout"] = {
        "as_is": _shares(model, im, pts),
        "mirrored": _shares(model, im[:, :, ::-1].copy(), mirrored)}
    out["light_test_healthy_heldout"] = {f"ramp_{k:+.1f}": _shares(model, _ramp(im, k), pts)
                                         for k in (-0.3, 0.3)}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", type=Path, default=Path("/tmp/fpp/bench/full"))
    ap.add_argument("--cohort", type=Path, default=Path("/work/cohorts/real60"))
    ap.add_argument("--data-npz", type=Path, help="a parsing data cache to use as is")
    ap.add_argument("--out", type=Path, default=Path("/tmp/fpp/diagnosis.json"))
    a = ap.parse_args()
    if a.data_npz is not None:
        data = _load(a.data_npz)
    else:
        side = load_parsing_model(a.model).sidecar_
        data = build_parsing_data(a.cohort, size=side["model"]["input_size_px"],
                                  frames_per_case=side["training"]["frames_per_case"],
                                  cache_dir=a.model.parent / "_data")
    res = diagnose(a.model, data)
    text = json.dumps(res, indent=2)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(text + "\n")
    print(text)


if __name__ == "__main__":
    main()
