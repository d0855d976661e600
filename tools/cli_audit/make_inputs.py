# ruff: noqa: E402, E501, E701, E702, E741  (a one-off audit table of tries, written densely)
"""Bad inputs for tools/cli_audit/run.py: broken videos, manifests, a user's folders."""
import shutil
import sys
from pathlib import Path

import av
import numpy as np

d = Path(sys.argv[1] if len(sys.argv) > 1 else "/tmp/strokescreen_cli_audit") / "in"
d.mkdir(parents=True, exist_ok=True)
R = Path(__file__).resolve().parents[3] / "shared" / "data" / "real"
rng = np.random.default_rng(0)
(d / "adir.mp4").mkdir(exist_ok=True)
(d / "emptydir").mkdir(exist_ok=True)
(d / "empty.mp4").write_bytes(b"")
(d / "corrupt.mp4").write_bytes(rng.integers(0, 256, 50000, dtype=np.uint8).tobytes())
(d / "text.mp4").write_text("hello, this is a text file\n" * 50)
(d / "empty.png").write_bytes(b"")
(d / "corrupt.png").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
import cv2

img = np.full((360, 480, 3), 120, np.uint8); cv2.rectangle(img, (50, 50), (200, 200), (30, 200, 30), -1)
cv2.imwrite(str(d / "noface.png"), img)
(d / "empty.wav").write_bytes(b"")
(d / "corrupt.wav").write_bytes(rng.integers(0, 256, 5000, dtype=np.uint8).tobytes())
# audio only mp4 (aac) from librispeech ogg
import soundfile as sf

y, sr = sf.read(str(R / "speech/librispeech_198-209-0000.ogg"), dtype="float32")
y = y[: sr * 4]
with av.open(str(d / "audio_only.mp4"), "w") as out:
    st = out.add_stream("aac", rate=sr); st.layout = "mono"
    for i in range(0, len(y), 1024):
        fr = av.AudioFrame.from_ndarray(y[None, i:i+1024].astype(np.float32), format="fltp", layout="mono"); fr.sample_rate = sr
        for p in st.encode(fr): out.mux(p)
    for p in st.encode(None): out.mux(p)
# video with no audio: re-encode single_face.mp4 video only
with av.open(str(R / "video/single_face.mp4")) as inp, av.open(str(d / "noaudio.mp4"), "w") as out:
    vs = inp.streams.video[0]
    st = out.add_stream("libx264", rate=30); st.width = vs.width; st.height = vs.height; st.pix_fmt = "yuv420p"
    for f in inp.decode(vs):
        for p in st.encode(av.VideoFrame.from_ndarray(f.to_ndarray(format="rgb24"), format="rgb24")): out.mux(p)
    for p in st.encode(None): out.mux(p)
shutil.copy(R / "video/no_face.mp4", d / "no_face.mp4")
shutil.copy(R / "video/single_face.mp4", d / "good.mp4")
# manifests
(d / "wrong_cols.csv").write_text("id,person,file,y\na,b,good.mp4,1\n")
(d / "empty.csv").write_text("")
(d / "missing_video.csv").write_text("case_id,subject_id,video,label\nc1,s1,nothere.mp4,1\nc2,s2,good.mp4,0\n")
(d / "bad_label.csv").write_text("case_id,subject_id,video,label\nc1,s1,good.mp4,maybe\nc2,s2,good.mp4,0\n")
(d / "corrupt_video.csv").write_text("case_id,subject_id,video,label\nc1,s1,corrupt.mp4,1\nc2,s2,good.mp4,0\n")
(d / "good.csv").write_text("case_id,subject_id,video,label\nc1,s1,good.mp4,1\nc2,s2,noaudio.mp4,0\n")
(d / "binary.csv").write_bytes(rng.integers(0, 256, 3000, dtype=np.uint8).tobytes())
# user's existing out folder
u = d / "users_out"; u.mkdir(exist_ok=True); (u / "thesis.docx").write_text("precious")
(d / "users_file.parquet").write_text("precious table")
(d / "users_file.csv").write_text("precious table")
# not-writable: parent is a file


print("inputs in", d)
