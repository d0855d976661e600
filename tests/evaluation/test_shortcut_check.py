"""Shortcut checks with planted answers: a model that reads the face and one that reads
a planted side lamp, on tiny feature tables and tiny crop folders."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from strokescreen.evaluation.shortcut import (
    mirror_features,
    mirror_rule,
    perturb_features,
    perturbation_summary,
)
from strokescreen.evaluation.splits import SplitSpec
from strokescreen.features.scene import SCENE_COLUMNS
from strokescreen.models.base import CaseModel
from strokescreen.models.classical import make_logreg
from strokescreen.workflows.shortcut import shortcut_check, write_shortcut_check

SPLIT = SplitSpec("group-kfold", folds=4)


def planted(n: int = 80, *, face: float, lamp_agreement: float, seed: int = 0) -> pd.DataFrame:
    """Stroke cases (every other subject) droop ``face`` mm on a random side; a side lamp
    (scene_light_lr +0.1) agrees with the label with probability ``lamp_agreement``."""
    rng = np.random.default_rng(seed)
    y = np.arange(n) % 2
    side = rng.choice([-1.0, 1.0], n)  # +1: the subject's left is weak
    droop = face * y * side + rng.normal(0, 0.5, n)
    left = 20 + np.maximum(droop, 0) + rng.normal(0, 0.2, n)
    right = 20 + np.maximum(-droop, 0) + rng.normal(0, 0.2, n)
    lamp = np.where(rng.random(n) < lamp_agreement, y, 1 - y)
    df = pd.DataFrame({
        "case_id": [f"c{i:03d}" for i in range(n)], "subject_id": [f"s{i:03d}" for i in range(n)],
        "label": y, "case_dir": "/nonexistent",
        "face_mouth_corner_height_l_mm": left, "face_mouth_corner_height_r_mm": right,
        "face_mouth_corner_height_lr_mm": left - right,
        "face_mouth_score": np.abs(left - right) + rng.normal(0, 0.1, n),
        "speech_rate": rng.normal(4.0, 0.5, n),
    })
    df["scene_luma"] = 0.5 + rng.normal(0, 0.01, n)
    df["scene_light_lr"] = 0.1 * lamp + rng.normal(0, 0.01, n)
    for c in ("scene_r", "scene_g", "scene_b"):
        df[c] = 0.5 + rng.normal(0, 0.01, n)
    return df


def _rows(result) -> dict[str, dict]:
    return {r["perturbation"]: r for r in result.rows}


def test_true_sign_model_reads_the_face_and_follows_the_swap():
    cases = planted(face=3.0, lamp_agreement=0.5)
    res = _rows(shortcut_check(cases, make_logreg, split=SPLIT))
    assert res["face-masked"]["auc_clean"] > 0.9
    assert res["face-masked"]["auc"] < 0.65  # the face was all it had
    assert res["background-only"]["auc"] == pytest.approx(0.5, abs=0.05)
    assert abs(res["background-masked"]["auc_drop"]) < 0.02  # survives background removal
    assert res["mirrored"]["auc_drop"] < 0.05 and res["mirrored"]["calls_kept"] > 0.9
    assert res["mirrored"]["flagged_kept"] > 0.9


def test_planted_shortcut_model_is_caught():
    cases = planted(face=0.0, lamp_agreement=1.0)
    res = _rows(shortcut_check(cases, lambda: make_logreg(scene=True), split=SPLIT))
    assert res["background-masked"]["auc_clean"] > 0.95
    # dies: what is left are noise measures (AUC under no signal: 0.5, SD about 0.065 here)
    assert res["background-masked"]["auc"] == pytest.approx(0.5, abs=0.13)
    assert res["background-masked"]["auc_drop"] > 0.3
    assert res["face-masked"]["auc"] > 0.95  # the face never mattered
    assert res["background-only"]["auc"] > 0.95
    # the lamp moves to the other side with the mirror: the flagged cases are no longer
    # flagged (a stroke model's calls follow the weak side to the other half of the face)
    assert res["mirrored"]["flagged_kept"] < 0.1 and res["mirrored"]["auc"] < 0.2


def test_mirror_rule_matches_features_of_mirrored_landmarks():
    from strokescreen.face.schemes import mirror_landmarks
    from strokescreen.features.case_features import case_face_features
    from tests.features.face_helpers import astronaut_mp478, face_down, mm_per_px, symmetric_face

    base = symmetric_face(astronaut_mp478(), "mp478") * 4.0
    n = 120
    lm = np.repeat(base[None], n, axis=0)
    lm[..., :2] += np.random.default_rng(1).normal(0, 0.05, size=lm[..., :2].shape)
    px = 1.0 / mm_per_px(base)
    down = face_down(base, "mp478")
    d = base[473, :2] - base[468, :2]
    lateral = d / np.linalg.norm(d)
    lm[:, 291, :2] += down * 3.0 * px  # left commissure 3 mm lower
    lm[30:60, 61, :2] += (-lateral - down) / np.sqrt(2) * 6.0 * px  # smiles
    lm[30:60, 291, :2] += (lateral - down) / np.sqrt(2) * 2.0 * px
    lm[:, 386, 1] += 0.8 * px  # left upper lid lower
    t = np.arange(n) / 30.0
    f = case_face_features(lm, t_s=t, scheme="mp478")
    g = case_face_features(mirror_landmarks(lm, scheme="mp478", width=2000.0), t_s=t,
                           scheme="mp478")
    by_rule = mirror_features(pd.DataFrame([f])).iloc[0]
    compared = 0
    for k, v in g.items():
        if np.isfinite(v) and np.isfinite(f[k]):
            assert by_rule[k] == pytest.approx(v, abs=1e-6 + 0.02 * abs(v)), k
            compared += 1
    assert compared > 60
    assert f["face_mouth_corner_height_lr_mm"] > 2 and g["face_mouth_corner_height_lr_mm"] < -2


def test_mirror_rule_and_feature_masks():
    assert mirror_rule("face_eye_opening_l_mm") == ("face_eye_opening_r_mm", 1.0)
    assert mirror_rule("face_dyn_corner_rom_mm_r") == ("face_dyn_corner_rom_mm_l", 1.0)
    assert mirror_rule("face_dyn_lip_rom_mm_nd") == ("face_dyn_lip_rom_mm_nd", -1.0)
    assert mirror_rule("scene_light_lr") == ("scene_light_lr", -1.0)
    assert mirror_rule("face_mouth_score") == ("face_mouth_score", 1.0)
    assert mirror_rule("speech_rate") == ("speech_rate", 1.0)
    cases = planted(n=8, face=3.0, lamp_agreement=1.0)
    fm = perturb_features(cases, "face-masked")
    assert fm[["face_mouth_score", "face_mouth_corner_height_lr_mm"]].isna().all().all()
    assert fm["speech_rate"].notna().all() and fm["scene_light_lr"].notna().all()
    bo = perturb_features(cases, "background-only")
    assert bo["speech_rate"].isna().all() and bo[list(SCENE_COLUMNS)].notna().all().all()
    bm = perturb_features(cases, "background-masked")
    assert bm[list(SCENE_COLUMNS)].isna().all().all() and bm["face_mouth_score"].notna().all()
    s = perturbation_summary(np.array([0, 1, 0, 1]), np.array([.2, .8, .3, .7]),
                             np.array([.8, .2, .3, .7]))
    assert s["auc_clean"] == 1.0 and s["calls_kept"] == 0.5 and s["flagged_kept"] == 0.5
    # constant predictions per fold (nothing left to read): 0.5 in every fold, while the
    # pooled AUC of constants that differ between unbalanced folds is not 0.5
    y = np.array([0, 1, 1, 0, 0, 1])
    const = np.array([0.3, 0.3, 0.3, 0.6, 0.6, 0.6])
    s = perturbation_summary(y, np.array([.1, .9, .8, .2, .3, .7]), const,
                             folds=np.array(["a", "a", "a", "b", "b", "b"]))
    assert s["fold_auc"] == 0.5 and s["fold_auc_clean"] == 1.0 and s["auc"] != 0.5


# --- the video path: case folders with crops, a model that reads them -----------------


class LampReader(CaseModel):
    """Reads the crops' brightness on the subject's left minus right: a lamp cheater."""

    uses_features = False

    def fit(self, cases, y):
        s = self._scores(cases)
        self.sign_ = 1.0 if s[y == 1].mean() > s[y == 0].mean() else -1.0
        self.mid_ = (s[y == 1].mean() + s[y == 0].mean()) / 2
        self.classes_ = np.array([0, 1])
        return self

    @staticmethod
    def _scores(cases):
        out = []
        for d in cases["case_dir"]:
            with np.load(f"{d}/crops.npz") as z:
                f = z["frames"].astype(float)
            out.append(f[:, :, 16:, :].mean() - f[:, :, :16, :].mean())
        return np.asarray(out)

    def predict_proba(self, cases):
        p = 1 / (1 + np.exp(-self.sign_ * (self._scores(cases) - self.mid_) / 5.0))
        return np.column_stack([1 - p, p])


def _crop_cohort(tmp_path, n=24):
    rows = []
    for i in range(n):
        y = i % 2
        d = tmp_path / "work" / "cases" / f"c{i:02d}"
        d.mkdir(parents=True)
        crops = np.full((3, 32, 32, 3), 100, np.uint8)
        if y:  # the lamp lights the image's right side (the subject's left)
            crops[:, :, 16:] = 160
        np.savez(d / "crops.npz", frames=crops, index=np.arange(3))
        (d / "meta.json").write_text("{}")
        (d / "audio.wav").write_bytes(b"RIFF")
        rows.append({"case_id": f"c{i:02d}", "subject_id": f"s{i:02d}", "label": y,
                     "case_dir": str(d)})
    return pd.DataFrame(rows)


def test_video_path_perturbs_crops_and_catches_the_lamp(tmp_path):
    cases = _crop_cohort(tmp_path)
    scratch = tmp_path / "scratch"
    result = shortcut_check(cases, LampReader, split=SplitSpec("group-kfold", folds=3),
                            scratch=scratch, model_name="lamp", synthetic=True)
    res = _rows(result)
    assert res["mirrored"]["auc_clean"] == 1.0 and res["mirrored"]["auc"] == 0.0
    assert res["mirrored"]["flagged_kept"] == 0.0
    assert res["face-masked"]["auc"] == 1.0  # the lamp is outside the facial regions too
    # background-only: the soundtrack is left out, the crop's face ellipse is grey
    one = scratch / "fold-1" / "background-only"
    folder = next(one.iterdir())
    assert not (folder / "audio.wav").exists() and (folder / "meta.json").is_symlink()
    with np.load(folder / "crops.npz") as z:
        assert (z["frames"][:, 16, 16] == 128).all()
    # the work folder is never written
    with np.load(tmp_path / "work" / "cases" / "c01" / "crops.npz") as z:
        assert (z["frames"][:, 16, 16] == 160).all()
    paths = write_shortcut_check(result, tmp_path / "out")
    summary = json.loads(paths["summary"].read_text())
    assert summary["synthetic"] is True and "not a diagnosis" in summary["disclaimer"]
    assert len(pd.read_csv(paths["predictions"])) == len(cases)


def test_scene_parameter_chooses_the_columns_a_classical_model_reads():
    from strokescreen.errors import InputError

    cases = planted(n=40, face=3.0, lamp_agreement=1.0)
    y = cases["label"].to_numpy()
    assert not any(c.startswith("scene_") for c in make_logreg().fit(cases, y).feature_schema)
    assert set(make_logreg(scene="only").fit(cases, y).feature_schema) == set(SCENE_COLUMNS)
    assert "scene_light_lr" in make_logreg(scene=True).fit(cases, y).feature_schema
    with pytest.raises(InputError, match="scene='maybe'"):
        make_logreg(scene="maybe")
