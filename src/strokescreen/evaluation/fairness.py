"""Per-subgroup metrics (sex, age band, ethnicity, race, site).

Every attribute present in the cases table (a column with at least one value) gets one row
per group; missing values form the group ``unknown``, so for each attribute the group sizes
add up to the number of evaluated cases. The same thresholds as the whole cohort are used
(0.5 and the cohort's reference-specificity operating point): a fair model should not need
a different threshold per group.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from strokescreen.evaluation.calibration import point_calibration
from strokescreen.evaluation.metrics import operating_point, roc_auc

FAIRNESS_ATTRIBUTES: tuple[str, ...] = ("sex", "age_band", "ethnicity", "race", "site")
#: (low inclusive, high exclusive, label) in years.
AGE_BANDS: tuple[tuple[float, float, str], ...] = (
    (-np.inf, 50, "<50"),
    (50, 65, "50-64"),
    (65, 80, "65-79"),
    (80, np.inf, "80+"),
)
UNKNOWN = "unknown"


def age_band(age: pd.Series) -> pd.Series:
    """Age in years -> band label ('<50', '50-64', '65-79', '80+'; 'unknown' if missing)."""
    years = pd.to_numeric(age, errors="coerce").to_numpy(dtype=float)
    out = np.full(years.shape, UNKNOWN, dtype=object)
    for lo, hi, label in AGE_BANDS:
        out[(years >= lo) & (years < hi)] = label
    return pd.Series(out, index=age.index, name="age_band")


def _group_labels(values: pd.Series) -> pd.Series:
    def norm(v: object) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or pd.isna(v):
            return UNKNOWN
        s = str(v).strip()
        return s if s else UNKNOWN

    return values.map(norm).astype(object)


def attribute_columns(cases: pd.DataFrame) -> dict[str, pd.Series]:
    """The fairness attributes present in ``cases`` as group-label Series (row-aligned)."""
    out: dict[str, pd.Series] = {}
    for attr in FAIRNESS_ATTRIBUTES:
        if attr == "age_band":
            if "age_band" in cases.columns and cases["age_band"].notna().any():
                out[attr] = _group_labels(cases["age_band"])
            elif "age" in cases.columns and cases["age"].notna().any():
                out[attr] = age_band(cases["age"])
        elif attr in cases.columns and cases[attr].notna().any():
            out[attr] = _group_labels(cases[attr])
    return out


def _metrics_row(
    y: np.ndarray, p: np.ndarray, subjects: np.ndarray, threshold: float | None
) -> dict:
    n_pos, n_neg = int((y == 1).sum()), int((y == 0).sum())
    auc = roc_auc(y, p) if y.size else float("nan")
    row = {
        "n": int(y.size),
        "n_subjects": int(len(np.unique(subjects))),
        "n_pos": n_pos,
        "n_neg": n_neg,
        "auc": auc if np.isfinite(auc) else np.nan,
        "note": "" if np.isfinite(auc) else "single class: AUC undefined",
    }
    cal = point_calibration(y, p)
    row.update({f"calibration_{k}" if k in ("intercept", "slope") else k:
                (np.nan if cal[k] is None else cal[k])
                for k in ("brier", "intercept", "slope", "observed_expected")})
    at05 = operating_point(y, p, 0.5)
    row.update({f"{k}_at_0.5": at05[k] for k in ("accuracy", "sensitivity", "specificity")})
    if threshold is not None:
        op = operating_point(y, p, threshold)
        row.update({f"{k}_at_op": op[k] for k in ("accuracy", "sensitivity", "specificity")})
    return row


def subgroup_table(
    predictions: pd.DataFrame,
    cases: pd.DataFrame,
    *,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Metrics per subgroup.

    predictions : columns case_id, subject_id, label, probability (one row per case).
    cases : the cases table with case_id and any of sex, age (or age_band), ethnicity,
        race, site.
    threshold : the cohort operating-point threshold (columns ``*_at_op``); None to skip.

    Returns one row per (attribute, group) with columns attribute, group, n, n_subjects,
    n_pos, n_neg, auc (NaN for a single-class group, explained in ``note``), calibration
    (brier, calibration_intercept, calibration_slope: NaN for a single class;
    observed_expected: observed strokes / summed probabilities), and accuracy,
    sensitivity, specificity at 0.5 and at the operating point. Groups are sorted by name
    (age bands youngest first) with ``unknown`` last. Empty (with those columns) when no
    attribute is present.
    """
    meta = cases.assign(_key=cases["case_id"].astype(str)).drop_duplicates("_key")
    meta = meta.set_index("_key").reindex(predictions["case_id"].astype(str).to_numpy())
    meta = meta.reset_index(drop=True)
    y = predictions["label"].to_numpy(dtype=int)
    p = predictions["probability"].to_numpy(dtype=float)
    subj = predictions["subject_id"].astype(str).to_numpy()
    rows = []
    for attr, groups in attribute_columns(meta).items():
        labels = groups.to_numpy()
        band_rank = {label: i for i, (_, _, label) in enumerate(AGE_BANDS)}
        names = sorted(set(labels), key=lambda g: (g == UNKNOWN, band_rank.get(g, 0), g))
        for g in names:
            m = labels == g
            rows.append(
                {"attribute": attr, "group": g, **_metrics_row(y[m], p[m], subj[m], threshold)}
            )
    cols = ["attribute", "group", "n", "n_subjects", "n_pos", "n_neg", "auc", "note", "brier",
            "calibration_intercept", "calibration_slope", "observed_expected"]
    cols += [f"{k}_at_0.5" for k in ("accuracy", "sensitivity", "specificity")]
    if threshold is not None:
        cols += [f"{k}_at_op" for k in ("accuracy", "sensitivity", "specificity")]
    return pd.DataFrame(rows, columns=cols)
