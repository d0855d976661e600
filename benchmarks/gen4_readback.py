"""Not a speed test: generator-4 read-back — eye, blink and voice measures of synthetic
healthy subjects against the published figures and the real healthy recordings.

For each synthetic cohort (``--cohort NAME=DIR``, a ``strokescreen synth`` folder whose
feature table is ``DIR/../features.parquet`` or ``--table``), the healthy subjects'
measured values (median and 5th-95th percentile) next to the drawn value where the
generator draws one, the published healthy figure, and the value of each real healthy
recording (read from a ``synthetic_realism.py`` output folder, ``--real-bench``). The
real recordings are only the check: nothing here feeds the generator. Prints markdown::

    python benchmarks/gen4_readback.py --cohort v4=/tmp/gen4/shape/cohort \\
        --cohort v3=/tmp/shape/cohort --real-bench /tmp/shape/bench_v3/v3
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd

IRIS_MM = 11.7
#: (label, feature column(s), drawn column or None, published healthy figure)
MEASURES = (
    ("inter-pupil distance / iris diameter", ("face_ipd_mm",), "ipd_over_iris",
     "5.41 (63.36 / 11.71 mm; sd about 0.38): Dodgson 2004, Rüfer et al. 2005"),
    ("upper lid above the pupil, MRD1 (mm)", ("face_upper_lid_pupil_l_mm",
                                             "face_upper_lid_pupil_r_mm"), "mrd1_mm",
     "3.4 (lid 2-3 mm below the upper limbus, iris 11.7 mm): Dutton"),
    ("palpebral fissure height (mm)", ("face_eye_opening_l_mm", "face_eye_opening_r_mm"),
     None, "8-10 (Dutton); 9.7, sd 1.2, young adults (Read et al. 2006)"),
    ("blink amplitude (mm)", ("face_blink_amplitude_l_mm", "face_blink_amplitude_r_mm"),
     None, "a complete blink closes the fissure; 47.6 % of spontaneous blinks complete "
     "(Ousler et al. 2014)"),
    ("brow height above the pupil (IPD)", ("face_brow_height_l_ipu",
                                          "face_brow_height_r_ipu"), None, "none wired in"),
    ("jitter, local (%)", ("speech_jitter_local",), "vocal_jitter_pct",
     "sustained vowel 0.49-0.62 (Felippe et al. 2006), upper normal 1.04 (MDVP)"),
    ("shimmer, local (%)", ("speech_shimmer_local",), None,
     "sustained vowel upper normal 3.81 (MDVP); unchanged by generator 4"),
    ("articulation rate (syllables/s)", ("speech_articulation_rate",), None,
     "4.0-7.0 (the project's speech_normals.json); unchanged by generator 4"),
)


def _values(df: pd.DataFrame, cols: tuple[str, ...]) -> np.ndarray:
    v = df[list(cols)].to_numpy(float)
    if cols == ("face_ipd_mm",):
        v = v / IRIS_MM
    return v.ravel()


def _summary(v: np.ndarray) -> str:
    v = v[np.isfinite(v)]
    if len(v) == 0:
        return "n/a"
    lo, med, hi = np.percentile(v, [5, 50, 95])
    return f"{med:.3g} [{lo:.3g}, {hi:.3g}]"


def healthy_table(cohort: Path, table: Path | None) -> pd.DataFrame:
    """Healthy rows of the feature table joined with the drawn parameters."""
    feats = pd.read_parquet(table or cohort.parent / "features.parquet")
    cases = pd.read_csv(cohort / "truth" / "cases.csv")
    if "ipd_over_iris" in cases and "mrd1_ipu" in cases:
        cases["mrd1_mm"] = cases.mrd1_ipu * cases.ipd_over_iris * IRIS_MM
    keep = [c for c in cases.columns if c not in feats.columns or c == "case_id"]
    both = feats.merge(cases[keep], on="case_id")
    return both[both.condition == "healthy"] if "condition" in both else both


def real_table(bench: Path) -> pd.DataFrame:
    sys.path.insert(0, str(Path(__file__).parent))
    from realism_diagnosis import real_features

    return real_features(bench)


def report(cohorts: dict[str, pd.DataFrame], real: pd.DataFrame | None) -> str:
    names = list(cohorts)
    head = ["measure", "published healthy"]
    for n in names:
        head += [f"{n} drawn", f"{n} read (median [5-95 %])"]
    if real is not None:
        head.append("real healthy (" + ", ".join(real.index) + ")")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for label, cols, drawn, published in MEASURES:
        row = [label, published]
        for n in names:
            h = cohorts[n]
            row.append(_summary(h[drawn].to_numpy(float)) if drawn and drawn in h else "-")
            row.append(_summary(_values(h, cols)) if set(cols) <= set(h.columns) else "n/a")
        if real is not None:
            vals = []
            for _, r in real.iterrows():
                v = [r.get(c, np.nan) for c in cols]
                v = [x / IRIS_MM if cols == ("face_ipd_mm",) else x for x in v]
                vals.append("/".join("n/a" if not np.isfinite(x) else f"{x:.3g}" for x in v))
            row.append(", ".join(vals))
        lines.append("| " + " | ".join(row) + " |")
    n_h = ", ".join(f"{n}: {len(h)}" for n, h in cohorts.items())
    lines += ["", f"Synthetic healthy recordings: {n_h}. SYNTHETIC cohorts; strokescreen is a "
              "screening aid, not a diagnosis."]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cohort", action="append", required=True, help="NAME=cohort folder")
    ap.add_argument("--table", action="append", default=[],
                    help="NAME=feature table (default: the cohort folder's ../features.parquet)")
    ap.add_argument("--real-bench", type=Path, help="a synthetic_realism.py table folder")
    a = ap.parse_args(argv)
    tables = dict(t.split("=", 1) for t in a.table)
    cohorts = {}
    for spec in a.cohort:
        name, folder = spec.split("=", 1)
        table = Path(tables[name]) if name in tables else None
        cohorts[name] = healthy_table(Path(folder), table)
    real = real_table(a.real_bench) if a.real_bench else None
    print(report(cohorts, real))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
