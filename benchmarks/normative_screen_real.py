"""Norm-based screen and composite asymmetry index on the real healthy recordings here.

Prints, for every real recording of a healthy person in ``../shared/data/real``:

- videos (GRID clips, single_face.mp4, wolfgang_langer_pexels.mp4): the region scores,
  the composite index (and the former mean-|z| index), the speech rates, each sign's
  status and the screen's decision;
- photos (MEEI normals, 10 subjects x 8 expressions, and takeo): the face part of the
  screen (the photos have no speech, so the whole screen would say "cannot tell");
- LibriSpeech readings: the speech part.

and the false-positive rates ("signs present" on healthy people). Every recording here is
of a healthy person, so any "signs present" is a false positive. The MEEI rest photos
built the face normal ranges: their rate is in-sample.

Usage: python benchmarks/normative_screen_real.py [REAL_DIR]

Frame proposal: the defaults (frontality judged against the recording's own reference
pose, docs/frame_proposal.md).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the repository's tools/

from tools.normal_ranges import infer_meei_expressions, read_meei_csv

from strokescreen.config import PreprocessConfig
from strokescreen.features.asymmetry import asymmetry_scores, mean_abs_z_index
from strokescreen.features.face_measures import MEASURES, face_measures
from strokescreen.features.states import STATES, photo_state
from strokescreen.screen import norm_screen
from strokescreen.screen.normative import operating_point, speech_signs

REGIONS = ("mouth", "eye", "brow", "midline")


def _f(v: float | None, digits: int = 2) -> str:
    return "-" if v is None or not np.isfinite(v) else f"{v:.{digits}f}"


def video_rows(real: Path) -> list[dict]:
    import json

    from strokescreen.preprocess.pipeline import preprocess_video
    from strokescreen.workflows.feature_table import case_features

    cfg = PreprocessConfig()
    clips = sorted((real / "video" / "grid").glob("*.mpg")) + [
        real / "video" / "single_face.mp4", real / "video" / "wolfgang_langer_pexels.mp4"]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for clip in clips:
            if not clip.is_file():
                continue
            case = Path(tmp) / clip.stem
            preprocess_video(clip, case, config=cfg, overwrite=True, raise_on_unusable=False)
            quality = json.loads((case / "quality.json").read_text())
            feats = case_features(case)["features"] if quality["verdict"] != "unusable" else {}
            face = {k[5:]: (np.nan if v is None else float(v)) for k, v in feats.items()
                    if k.startswith("face_")}
            res = norm_screen(feats, quality=quality)
            rows.append({"name": clip.name, "quality": quality, "features": feats,
                         "old": float(mean_abs_z_index(face)) if face else np.nan,
                         "screen": res})
    return rows


def photo_values(lm: np.ndarray) -> dict[str, float]:
    pf = face_measures(lm, scheme="ibug68")
    return {k: float(v[0]) for k, v in pf.items() if k in MEASURES and not MEASURES[k].dynamic}


def read_pts(path: Path) -> np.ndarray:
    body = path.read_text().split("{", 1)[1].split("}", 1)[0]
    return np.array(body.split(), dtype=float).reshape(68, 2)


def face_status(values: dict[str, float]) -> tuple[str, dict[str, float]]:
    """The face part of the screen for one photo, against the ranges of its estimated state
    (one frame's landmarker noise)."""
    state = photo_state({k: np.atleast_1d(v) for k, v in values.items()})
    res = norm_screen({f"face_{k}": v for k, v in values.items()}, kind="photo", state=state)
    face = [s for s in res["signs"] if s["kind"] == "face"]
    sc = {k: float(v) for k, v in asymmetry_scores(
        values, state=state if state in STATES else "rest").items()}
    status = face[0]["status"] if face else f"no range ({state})"
    return f"{status} [{state}]", sc


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("real", nargs="?", default=str(Path(__file__).resolve().parents[1].parent
                                                  / "shared" / "data" / "real"))
    args = ap.parse_args(argv)
    real = Path(args.real)
    if not real.is_dir():
        print(f"real data folder not found: {real}", file=sys.stderr)
        return 2
    op = operating_point()
    print(f"operating point: family-wise level {op['alpha']:.0%} over {op['n_families']} "
          f"families, per family {op['per_family_level']:.4f}; face borderline > "
          f"{op['face_borderline_from']:.2f}, sign > {op['face_sign_from']:.2f}; speech margin "
          f"{op['speech_margin_se']:.2f} SE")

    print("\n## Videos (frame proposal: the defaults, relative to each recording's reference pose)\n")
    print("| clip | quality | kept | mouth | eye | brow | midline (hint) | index at rest | "
          "smile index | speech-frames index | old mean-|z| "
          "| speech rate | artic. rate | decision | drivers / reasons |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|")
    vids = video_rows(real)
    for r in vids:
        f, q, s = r["features"], r["quality"], r["screen"]
        why = ", ".join(s["drivers"]) if s["decision"] == "signs present" else "; ".join(s["reasons"])
        print(f"| {r['name']} | {q['verdict']} | {q['n_kept']}/{q['n_frames']} | "
              + " | ".join(_f(f.get(f"face_{g}_score")) for g in REGIONS)
              + f" | {_f(f.get('face_asymmetry_index'))} | "
              f"{_f(f.get('face_smile_asymmetry_index'))} | "
              f"{_f(f.get('face_speech_asymmetry_index'))} | {_f(r['old'])} | "
              f"{_f(f.get('speech_rate'))} | {_f(f.get('speech_articulation_rate'))} | "
              f"{s['decision']} | {why} |")
    face_pos = sum(r["screen"]["signs"][0]["status"] == "sign" for r in vids)
    pos = sum(r["screen"]["decision"] == "signs present" for r in vids)
    print(f"\nvideos: {pos}/{len(vids)} 'signs present' (false positives); face sign in "
          f"{face_pos}/{len(vids)}; decisions: "
          + ", ".join(f"{d} {sum(r['screen']['decision'] == d for r in vids)}"
                      for d in ("signs present", "no signs found", "cannot tell")))

    print("\n## Photos: face part of the screen (no speech in a photo)\n")
    lm, subj, expr = read_meei_csv(real / "landmarks" / "meei_normals_68.csv")
    names = infer_meei_expressions(lm, expr)
    counts: dict[str, dict[str, int]] = {}
    old_idx, new_idx = [], []
    for i in range(len(lm)):
        e = names[int(expr[i])]
        status, sc = face_status(photo_values(lm[i]))
        counts.setdefault(e, {}).setdefault(status, 0)
        counts[e][status] += 1
        if e == "rest":
            new_idx.append(sc["asymmetry_index"])
            old_idx.append(float(mean_abs_z_index(photo_values(lm[i]))))
    print("| MEEI expression | n | face status [estimated state]: count |")
    print("|---|---:|---|")
    in_sample = ("rest", "smile_small", "smile_large", "eye_closure_gentle", "eye_closure_tight")
    for e, c in counts.items():
        print(f"| {e}{' (in-sample: built the ranges)' if e in in_sample else ''} | "
              f"{sum(c.values())} | " + ", ".join(f"{k}: {v}" for k, v in sorted(c.items()))
              + " |")
    all_sign = sum(v for c in counts.values() for k, v in c.items() if k.startswith("sign"))
    print(f"\nMEEI all expressions: face sign in {all_sign}/{len(lm)}; rest photos index "
          f"{min(new_idx):.2f}-{max(new_idx):.2f} (mean {np.mean(new_idx):.2f}), former mean-|z| "
          f"{min(old_idx):.2f}-{max(old_idx):.2f}")
    takeo = real / "landmarks" / "takeo.pts"
    if takeo.is_file():
        status, sc = face_status(photo_values(read_pts(takeo)))
        print(f"takeo: index {sc['asymmetry_index']:.2f} ("
              + ", ".join(f"{g} {sc[f'{g}_score']:.2f}" for g in REGIONS) + f"): {status}")

    print("\n## LibriSpeech readings: speech part of the screen\n")
    import librosa
    import soundfile as sf

    from strokescreen.audio import speech_feature_vector

    print("| reading | speech rate | SE | artic. rate | SE | status (rate, artic.) |")
    print("|---|---:|---:|---:|---:|---|")
    n_sign = 0
    oggs = sorted((real / "speech").glob("*.ogg"))
    for ogg in oggs:
        x, sr = sf.read(str(ogg), dtype="float32", always_2d=False)
        x = librosa.resample(np.asarray(x), orig_sr=sr, target_sr=16000)
        v = speech_feature_vector(x, 16000)
        ss = speech_signs(v, op, min_speech_s=2.0)
        n_sign += any(s["status"] == "sign" for s in ss)
        print(f"| {ogg.stem} | {_f(ss[0]['value'])} | {_f(ss[0]['standard_error'])} | "
              f"{_f(ss[1]['value'])} | {_f(ss[1]['standard_error'])} | "
              f"{ss[0]['status']}, {ss[1]['status']} |")
    print(f"\nLibriSpeech: a speech sign in {n_sign}/{len(oggs)} readings (these readings set "
          "the derived speech ranges but not the two rate ranges, which are literature)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
