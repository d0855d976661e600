"""`strokescreen shortcut-check` on a tiny cohort of crop folders with a planted lamp."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
from typer.testing import CliRunner

from strokescreen.cli import app
from strokescreen.features.scene import face_mask

runner = CliRunner()


def _cohort(tmp_path, n=24):
    """Stroke cases lit from the subject's left (a lamp); face measures are noise."""
    rng = np.random.default_rng(0)
    rows, feats = [], []
    for i in range(n):
        y = i % 2
        d = tmp_path / "work" / "cases" / f"c{i:02d}"
        d.mkdir(parents=True)
        crops = np.full((3, 48, 48, 3), 90, np.uint8)
        if y:  # as the synthetic lamp: brighter on one side, darker on the other
            crops[:, :, 24:] = 150
            crops[:, :, :24] = 30
        crops[:, face_mask(48)] = 180
        crops = np.clip(crops + rng.integers(-6, 7, crops.shape), 0, 255).astype(np.uint8)
        np.savez(d / "crops.npz", frames=crops, index=np.arange(3))
        (d / "meta.json").write_text("{}")
        (tmp_path / f"v{i}.mp4").write_bytes(b"\x00")
        rows.append({"case_id": f"c{i:02d}", "subject_id": f"s{i:02d}", "video": f"v{i}.mp4",
                     "label": y, "synthetic": True})
        feats.append({"case_id": f"c{i:02d}", "subject_id": f"s{i:02d}", "label": y,
                      "face_mouth_score": rng.normal(), "speech_rate": rng.normal()})
    pd.DataFrame(rows).to_csv(tmp_path / "manifest.csv", index=False)
    pd.DataFrame(feats).to_csv(tmp_path / "features.csv", index=False)
    return tmp_path / "manifest.csv"


def test_cli_catches_a_classical_model_made_to_read_the_lamp(tmp_path):
    manifest = _cohort(tmp_path)
    out = tmp_path / "out"
    res = runner.invoke(app, ["shortcut-check", str(manifest), "--work", str(tmp_path / "work"),
                              "--features", str(tmp_path / "features.csv"), "--model", "logreg",
                              "--param", "scene=true", "--calibration", "none", "--folds", "3",
                              "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "background masked: AUC" in res.output and "SYNTHETIC" in res.output
    assert "not a diagnosis" in res.output
    rows = {r["perturbation"]: r for r in
            json.loads((out / "shortcut_check.json").read_text())["perturbations"]}
    assert rows["background-masked"]["auc_clean"] > 0.95
    assert rows["background-masked"]["auc"] < 0.75  # only noise measures left
    assert rows["face-masked"]["auc"] > 0.95 and rows["mirrored"]["flagged_kept"] < 0.2


def test_bad_folds_is_one_line_and_exit_2(tmp_path):
    manifest = _cohort(tmp_path, n=4)
    proc = subprocess.run([sys.executable, "-m", "strokescreen", "shortcut-check", str(manifest),
                           "--work", str(tmp_path / "work"), "--folds", "1"],
                          capture_output=True, text=True)
    assert proc.returncode == 2
    assert "--folds 1" in proc.stderr + proc.stdout and "Traceback" not in proc.stderr
