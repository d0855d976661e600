# ruff: noqa: E402, E501, E701, E702, E741  (a one-off audit table of tries, written densely)
"""Run bad-input tries of every strokescreen command; one JSON line per try (docs/cli_errors.md).

Usage: python tools/cli_audit/make_inputs.py DIR; copy a `train` model folder to DIR/in/model,
a `parsing-train` model folder to DIR/in/parsing_model
and a feature table to DIR/in/features.parquet (the demo makes both); then
python tools/cli_audit/run.py DIR [COMMAND ...]. Each try is stopped after 60 s.
"""
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

BASE = sys.argv[1] if len(sys.argv) > 1 else "/tmp/strokescreen_cli_audit"
I = f"{BASE}/in"
O = f"{BASE}/o"
NW = "/proc/ux_out"          # not writable
UO = f"{I}/users_out"        # user's folder with a file in it
P = sys.executable
REPO = Path(__file__).resolve().parents[2]
M = f"{I}/model"; F = f"{I}/features.parquet"; PM = f"{I}/parsing_model"  # train / parsing-train folders
C = []
def c(cmd, what, *args): C.append((cmd, what, list(args)))
# video commands
for cmd, extra in (("preprocess", ["--out", f"{O}/pp"]), ("assess", ["--out", f"{O}/as", "--no-pdf"]),
                   ("measure", []), ("parse", ["--model", PM, "--out", f"{O}/parse"])):
    for what, f in (("missing file", f"{I}/missing.mp4"), ("directory", f"{I}/adir.mp4"),
                    ("empty file", f"{I}/empty.mp4"), ("corrupt video", f"{I}/corrupt.mp4"),
                    ("text renamed .mp4", f"{I}/text.mp4"), ("image no face", f"{I}/noface.png"),
                    ("audio-only mp4", f"{I}/audio_only.mp4"), ("video no face", f"{I}/no_face.mp4")):
        c(cmd, what, f, *extra)
c("measure", "video with no audio", f"{I}/noaudio.mp4")
c("assess", "video with no audio", f"{I}/noaudio.mp4", "--out", f"{O}/as2", "--no-pdf")
c("measure", "empty wav", f"{I}/empty.wav"); c("measure", "corrupt wav", f"{I}/corrupt.wav")
c("measure", "corrupt png", f"{I}/corrupt.png"); c("measure", "empty png", f"{I}/empty.png")
c("preprocess", "--out exists with user files", f"{I}/good.mp4", "--out", UO)
c("assess", "--out exists with user files", f"{I}/good.mp4", "--out", UO, "--no-pdf")
c("preprocess", "--out not writable", f"{I}/good.mp4", "--out", NW)
c("assess", "--out not writable", f"{I}/good.mp4", "--out", NW, "--no-pdf")
c("assess", "--out under a file", f"{I}/good.mp4", "--out", f"{I}/users_file.csv/out", "--no-pdf")
c("preprocess", "--landmarker nosuch", f"{I}/good.mp4", "--out", f"{O}/pp3", "--landmarker", "nosuch")
c("preprocess", "--config missing", f"{I}/good.mp4", "--out", f"{O}/pp4", "--config", f"{I}/missing.yaml")
c("preprocess", "--config not yaml", f"{I}/good.mp4", "--out", f"{O}/pp5", "--config", f"{I}/binary.csv")
c("assess", "--model missing", f"{I}/good.mp4", "--out", f"{O}/as3", "--model", f"{I}/nomodel")
c("assess", "--model empty dir", f"{I}/good.mp4", "--out", f"{O}/as4", "--model", f"{I}/emptydir")
c("assess", "--baseline corrupt", f"{I}/good.mp4", "--out", f"{O}/as5", "--no-pdf", "--baseline", f"{I}/binary.csv")
c("parse", "--model not a model", f"{I}/good.mp4", "--model", f"{I}/emptydir", "--out", f"{O}/parse2")
c("parse", "--out exists with user files", f"{I}/good.mp4", "--model", PM, "--out", UO)
c("parse", "--max-frames 0", f"{I}/good.mp4", "--model", PM, "--out", f"{O}/parse3", "--max-frames", "0")
# manifests
for cmd, extra in (("preprocess-cohort", ["--work", f"{O}/w"]), ("features", ["--work", f"{O}/w", "--out", f"{O}/f.parquet"]),
                   ("ablate", ["--work", f"{O}/w", "--out", f"{O}/abl"]), ("shortcut-check", ["--work", f"{O}/w"])):
    for what, f in (("missing manifest", f"{I}/missing.csv"), ("directory manifest", f"{I}/adir.mp4"),
                    ("empty manifest", f"{I}/empty.csv"), ("wrong columns", f"{I}/wrong_cols.csv"),
                    ("binary manifest", f"{I}/binary.csv"), ("manifest video missing", f"{I}/missing_video.csv"),
                    ("bad label", f"{I}/bad_label.csv")):
        c(cmd, what, f, *extra)
c("preprocess-cohort", "corrupt video row", f"{I}/corrupt_video.csv", "--work", f"{O}/w2")
c("preprocess-cohort", "--workers 0", f"{I}/good.csv", "--work", f"{O}/w3", "--workers", "0")
c("preprocess-cohort", "--workers -2", f"{I}/good.csv", "--work", f"{O}/w3", "--workers", "-2")
c("preprocess-cohort", "--engine nosuch", f"{I}/good.csv", "--work", f"{O}/w3", "--engine", "nosuch")
c("preprocess-cohort", "--work not writable", f"{I}/good.csv", "--work", NW)
c("preprocess-cohort", "--work is a file", f"{I}/good.csv", "--work", f"{I}/users_file.csv")
c("features", "--out exists (user's)", f"{I}/good.csv", "--work", f"{O}/w4", "--out", f"{I}/users_file.parquet")
c("features", "--out bad suffix", f"{I}/good.csv", "--work", f"{O}/w4", "--out", f"{O}/f.txt")
c("features", "--out is a dir", f"{I}/good.csv", "--work", f"{O}/w4", "--out", UO)
c("features", "--workers 0", f"{I}/good.csv", "--work", f"{O}/w4", "--out", f"{O}/f2.parquet", "--workers", "0")
c("features", "--parsing-model missing", f"{I}/good.csv", "--work", f"{O}/w4", "--out", f"{O}/f3.parquet", "--parsing-model", f"{I}/nomodel")
# train / evaluate
for cmd, extra in (("train", ["--out", f"{O}/tr"]), ("evaluate", ["--out", f"{O}/ev", "--bootstrap", "10"])):
    c(cmd, "neither --work nor --features", *extra)
    c(cmd, "--features missing", "--features", f"{I}/missing.parquet", *extra)
    c(cmd, "--features dir", "--features", f"{I}/adir.mp4", *extra)
    c(cmd, "--features empty csv", "--features", f"{I}/empty.csv", *extra)
    c(cmd, "--features binary", "--features", f"{I}/binary.csv", *extra)
    c(cmd, "--features wrong cols", "--features", f"{I}/wrong_cols.csv", *extra)
    c(cmd, "--features corrupt parquet", "--features", f"{I}/users_file.parquet", *extra)
    c(cmd, "--model nosuch", "--features", F, "--model", "nosuch", *extra)
    c(cmd, "--preset nosuch", "--features", F, "--model", "deepstroke", "--preset", "nosuch", *extra)
    c(cmd, "--folds 0", "--features", F, "--folds", "0", *extra)
    c(cmd, "--folds -1", "--features", F, "--folds", "-1", *extra)
    c(cmd, "--reference-spec 2", "--features", F, "--reference-spec", "2", *extra)
    c(cmd, "--param bad", "--features", F, "--param", "C", *extra)
    c(cmd, "--param unknown", "--features", F, "--param", "nosuch=1", *extra)
    c(cmd, "--calibration nosuch", "--features", F, "--calibration", "nosuch", *extra)
    c(cmd, "--target nosuch", "--features", F, "--target", "nosuch", *extra)
    c(cmd, "--feature-set nosuch", "--features", F, "--feature-set", "nosuch", *extra)
    c(cmd, "--work missing", "--work", f"{I}/nowork", *extra)
c("train", "--out exists with user files", "--features", F, "--out", UO)
c("train", "--out not writable", "--features", F, "--out", NW)
c("evaluate", "--out exists with user files", "--features", F, "--out", UO, "--bootstrap", "10")
c("evaluate", "--out not writable", "--features", F, "--out", NW, "--bootstrap", "10")
c("evaluate", "--split nosuch", "--features", F, "--out", f"{O}/ev2", "--split", "nosuch")
c("evaluate", "--bootstrap -5", "--features", F, "--out", f"{O}/ev3", "--bootstrap", "-5")
c("evaluate", "--importance nosuch", "--features", F, "--out", f"{O}/ev4", "--importance", "nosuch")
c("evaluate", "--split holdout no N", "--features", F, "--out", f"{O}/ev5", "--split", "holdout")
c("evaluate", "--holdout-after notadate", "--features", F, "--out", f"{O}/ev6", "--split", "holdout", "--holdout-after", "notadate")
# validate
c("validate", "model missing", f"{I}/nomodel", "--features", F, "--out", f"{O}/va")
c("validate", "model empty dir", f"{I}/emptydir", "--features", F, "--out", f"{O}/va")
c("validate", "--features missing", M, "--features", f"{I}/missing.parquet", "--out", f"{O}/va")
c("validate", "--features wrong cols", M, "--features", f"{I}/wrong_cols.csv", "--out", f"{O}/va")
c("validate", "--update nosuch", M, "--features", F, "--out", f"{O}/va", "--update", "nosuch")
c("validate", "--folds 0", M, "--features", F, "--out", f"{O}/va", "--folds", "0")
c("validate", "--bootstrap 0", M, "--features", F, "--out", f"{O}/va", "--bootstrap", "0")
c("validate", "--out exists with user files", M, "--features", F, "--out", UO, "--bootstrap", "10")
c("validate", "no --out", M, "--features", F)
# ablate / shortcut
c("ablate", "--preset nosuch", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl2", "--preset", "nosuch")
c("ablate", "--epochs 0", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl3", "--epochs", "0")
c("ablate", "--adv-stage 9", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl4", "--adv-stage", "9")
c("ablate", "--device nosuch", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl5", "--device", "nosuch")
c("ablate", "--rows nosuch", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl6", "--rows", "nosuch")
c("ablate", "--video-weights missing", f"{I}/good.csv", "--work", f"{O}/w5", "--out", f"{O}/abl7", "--video-weights", f"{I}/missing.pt")
c("ablate", "--out exists with user files", f"{I}/good.csv", "--work", f"{O}/w5", "--out", UO)
c("shortcut-check", "--model nosuch", f"{I}/good.csv", "--work", f"{O}/w6", "--model", "nosuch")
c("shortcut-check", "--threshold 5", f"{I}/good.csv", "--work", f"{O}/w6", "--threshold", "5")
c("shortcut-check", "--folds 0", f"{I}/good.csv", "--work", f"{O}/w6", "--folds", "0")
# synth / demo
c("synth", "--subjects 0", "--out", f"{O}/sy", "--subjects", "0")
c("synth", "--subjects -3", "--out", f"{O}/sy", "--subjects", "-3")
c("synth", "--seconds 0", "--out", f"{O}/sy", "--subjects", "1", "--seconds", "0")
c("synth", "--seconds -1", "--out", f"{O}/sy", "--subjects", "1", "--seconds", "-1")
c("synth", "--width 0", "--out", f"{O}/sy", "--subjects", "1", "--width", "0")
c("synth", "--difficulty nosuch", "--out", f"{O}/sy", "--subjects", "1", "--difficulty", "nosuch")
c("synth", "--shortcut nosuch", "--out", f"{O}/sy", "--subjects", "1", "--shortcut", "nosuch")
c("synth", "--recordings-per-subject 0", "--out", f"{O}/sy", "--subjects", "1", "--recordings-per-subject", "0")
c("synth", "--visits 0", "--out", f"{O}/sy", "--subjects", "1", "--visits", "0")
c("synth", "--workers 0", "--out", f"{O}/sy", "--subjects", "1", "--workers", "0")
c("synth", "--portraits missing", "--out", f"{O}/sy", "--subjects", "1", "--portraits", f"{I}/nodir")
c("synth", "--portraits empty dir", "--out", f"{O}/sy", "--subjects", "1", "--portraits", f"{I}/emptydir", "--seconds", "2")
c("synth", "--out exists with user files", "--out", UO, "--subjects", "1", "--seconds", "2")
c("synth", "--out not writable", "--out", NW, "--subjects", "1", "--seconds", "2")
c("demo", "--subjects 0", "--out", f"{O}/demo", "--subjects", "0")
c("demo", "--seconds -1", "--out", f"{O}/demo", "--seconds", "-1")
c("demo", "--workers 0", "--out", f"{O}/demo", "--workers", "0", "--subjects", "0")
c("demo", "--out exists with user files", "--out", UO)
c("demo", "--out not writable", "--out", NW)
# landmarks
for cmd, extra in (("landmarks-eval", ["--out", f"{O}/le"]), ("landmarks-train", ["--out", f"{O}/lt"])):
    c(cmd, "missing folder", f"{I}/nodir", *extra)
    c(cmd, "a file not a folder", f"{I}/good.mp4", *extra)
    c(cmd, "empty folder", f"{I}/emptydir", *extra)
    c(cmd, "folder of no .pts", I, *extra)
c("landmarks-eval", "--landmarker nosuch", str(REPO.parent / "shared" / "data" / "real" / "landmarks"), "--out", f"{O}/le2", "--landmarker", "nosuch")
c("landmarks-eval", "--out exists with user files", str(REPO.parent / "shared" / "data" / "real" / "landmarks"), "--out", UO)
c("landmarks-train", "--folds 0", str(REPO.parent / "shared" / "data" / "real" / "landmarks"), "--out", f"{O}/lt2", "--folds", "0")
c("landmarks-train", "--trees -1", str(REPO.parent / "shared" / "data" / "real" / "landmarks"), "--out", f"{O}/lt3", "--trees", "-1")
c("landmarks-train", "--out exists with user files", str(REPO.parent / "shared" / "data" / "real" / "landmarks"), "--out", UO)
# parsing
c("parsing-train", "missing source", f"{I}/nodir", "--out", f"{O}/pt")
c("parsing-train", "empty dir source", f"{I}/emptydir", "--out", f"{O}/pt")
c("parsing-train", "wrong cols manifest", f"{I}/wrong_cols.csv", "--out", f"{O}/pt")
c("parsing-train", "--preset nosuch", f"{I}/good.csv", "--out", f"{O}/pt", "--preset", "nosuch")
c("parsing-train", "--ablation nosuch", f"{I}/good.csv", "--out", f"{O}/pt", "--ablation", "nosuch")
c("parsing-train", "--epochs 0", f"{I}/good.csv", "--out", f"{O}/pt", "--epochs", "0")
c("parsing-train", "--threads 0", f"{I}/good.csv", "--out", f"{O}/pt", "--threads", "0")
c("parsing-train", "--out exists with user files", f"{I}/good.csv", "--out", UO)
c("parsing-eval", "missing source", f"{I}/nodir", "--model", PM, "--out", f"{O}/pe")
c("parsing-eval", "--model not parsing", f"{I}/good.csv", "--model", M, "--out", f"{O}/pe")
c("parsing-eval", "--out exists with user files", f"{I}/good.csv", "--model", PM, "--out", UO)
# serve / purge / user / misc
c("serve", "--port 0", "--port", "0", "--data", f"{O}/sd")
c("serve", "--worker-mode nosuch", "--worker-mode", "nosuch", "--data", f"{O}/sd")
c("serve", "--data is a file", "--data", f"{I}/users_file.csv", "--port", "18999")
c("serve", "--data not writable", "--data", NW, "--port", "18998")
c("serve", "--model-dir missing", "--model-dir", f"{I}/nomodel", "--data", f"{O}/sd", "--port", "18997")
c("serve", "--analysis nosuch", "--analysis", "nosuch:fn", "--data", f"{O}/sd", "--port", "18996")
c("purge", "--retention-days -1", "--data", f"{O}/sd2", "--retention-days", "-1")
c("purge", "--data missing", "--data", f"{I}/nodir")
c("purge", "--data is a file", "--data", f"{I}/users_file.csv")
c("user", "list, --data missing", "list", "--data", f"{I}/nodir")
c("user", "list, --data is a file", "list", "--data", f"{I}/users_file.csv")
c("user", "remove unknown", "remove", "nosuchuser", "--data", f"{O}/sd3")
c("user", "token unknown", "token", "nosuchuser", "--data", f"{O}/sd3")
c("user", "add bad name", "add", "bad name!", "--data", f"{O}/sd3")
c("models", "extra argument", "foo")
c("doctor", "unknown option", "--nosuch")
c("nosuch-command", "unknown command")
c("serve", "--max-upload-mb 0", "--max-upload-mb", "0", "--data", f"{O}/sd")
c("parsing-eval", "--out exists with user files (no model)", f"{I}/good.csv", "--model", f"{I}/nomodel", "--out", UO)

def restore():
    shutil.rmtree(UO, ignore_errors=True); Path(UO).mkdir(); Path(UO, "thesis.docx").write_text("precious")
    for n in ("users_file.parquet", "users_file.csv"): Path(I, n).write_text("precious table")

def intact():
    bad = []
    if sorted(p.name for p in Path(UO).iterdir()) != ["thesis.docx"] or Path(UO, "thesis.docx").read_text() != "precious": bad.append("users_out")
    for n in ("users_file.parquet", "users_file.csv"):
        if not Path(I, n).is_file() or Path(I, n).read_text() != "precious table": bad.append(n)
    return bad

only = sys.argv[2:]
env = {**os.environ, "PYTHONPATH": str(REPO / "src"), "OMP_NUM_THREADS": "1", "COLUMNS": "200"}
out = open(f"{BASE}/results.jsonl" if not only else f"{BASE}/results_part.jsonl", "w")
for cmd, what, args in C:
    if only and cmd not in only: continue
    shutil.rmtree(O, ignore_errors=True); Path(O).mkdir(); restore()
    argv = [P, "-m", "strokescreen", cmd, *args]
    t = time.time()
    try:
        p = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=60, stdin=subprocess.DEVNULL)
        rc, so, se = p.returncode, p.stdout, p.stderr
    except subprocess.TimeoutExpired as e:
        rc, so, se = "TIMEOUT", (e.stdout or b"").decode(errors="replace") if isinstance(e.stdout, bytes) else (e.stdout or ""), (e.stderr or b"").decode(errors="replace") if isinstance(e.stderr, bytes) else (e.stderr or "")
    dt = time.time() - t
    lines = [l for l in se.splitlines() if l.strip()]
    tb = "Traceback" in se or "Traceback" in so
    errl = [l for l in lines if l.lower().startswith("error") or "Error" in l[:40] or "│" in l]
    first = next((l for l in lines if "error" in l.lower() or "invalid" in l.lower()), lines[0] if lines else (so.strip().splitlines() or [""])[-1])
    row = dict(cmd=cmd, what=what, rc=rc, tb=tb, nlines=len(lines), lost=",".join(intact()), s=round(dt, 1), msg=first.strip()[:300], args=" ".join(args))
    out.write(json.dumps(row) + "\n"); out.flush()
print("done")
