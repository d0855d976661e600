"""Per real file: the smallest FPP margin over the parsed crops (the offset at which the
first FPP pixel would be drawn) and the FPP pixels a crop at offsets 1.64 / 2.17 / 4 / 6.

    PYTHONPATH=src OMP_NUM_THREADS=1 nice python benchmarks/parsing_real_margins.py \
        [MODEL] [OUT_JSON]

Real healthy faces; a screening aid, not a diagnosis.
"""

import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import parsing as base  # noqa: E402
from strokescreen.parsing.calibrate import fpp_margins  # noqa: E402
from strokescreen.parsing.model import load_parsing_model  # noqa: E402
from strokescreen.workflows.parse import _frames, parse_frames  # noqa: E402

MODEL = sys.argv[1] if len(sys.argv) > 1 else "/tmp/fpp4/midline_sym_full_s0"
OUT = Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/fpp4/margins/results_real_margins.json")
REAL = base.REAL
files = [REAL / "landmarks" / "takeo.png", REAL / "video" / "single_face.mp4",
         REAL / "video" / "grid" / "pwij3p.mpg", REAL / "video" / "grid" / "id2_vcd_swwp2s.mpg",
         *[REAL / f for f in base.REAL_TRAIN]]
m = load_parsing_model(MODEL)
fpp = m.classes.index("fpp")
res = {}
for f in files:
    if not f.exists():
        continue
    parsed = parse_frames(m, _frames(f, 4))
    x = np.stack([p["crop"] for p in parsed])
    mg = fpp_margins(m.predict_proba(x), fpp)
    res[f.name] = {"crops": len(x), "min_margin": round(float(mg.min()), 3),
                   **{f"fpp_px_per_crop_at_{o}": round(float((mg < o).sum() / len(x)), 1)
                      for o in (1.64, 2.17, 4.0, 6.0)}}
    print(f.name, res[f.name], flush=True)
OUT.write_text(json.dumps(res, indent=2) + "\n")
