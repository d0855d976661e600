"""Normal ranges of speech measures for healthy adults, with their provenance.

The ranges live in ``strokescreen/data/speech_normals.json``; each entry says whether
it is ``literature`` (a published norm or threshold) or ``derived`` (measured by this
package on healthy recordings; provisional) and under which conditions it holds.

Literature entries and sources:

- ``speech_rate`` 3.0-6.5 syllables/s and ``speech_articulation_rate`` 4.0-7.0
  syllables/s, healthy adults reading or talking: Block S. & Killen D. (1996), Speech
  rates of Australian English-speaking children and adults, Aust. J. Hum. Commun.
  Disord. 24(1) (adults read at 230 and converse at 237 syllables/min); Amir O. (2016),
  Speaking rate among adult Hebrew speakers, Annals of Behavioural Science (speaking
  rate 5.60, articulation rate 6.26 syllables/s); Jacewicz E., Fox R.A. et al. (2010),
  J. Acoust. Soc. Am. 128(2):839-850 (articulation rate varies with dialect, age, sex).
  Automatic nuclei counts (de Jong & Wempe 2009) run somewhat below hand counts.
- ``speech_ddk_rate`` 5.0-7.0 syllables/s for /pa-ta-ka/: Duffy J.R. (2013), Motor
  Speech Disorders, 3rd ed. (normal adult AMR/SMR about 5-7 per second); Icht M. &
  Ben-David B.M. (2014), Oral-diadochokinesis rates across languages: English and
  Hebrew norms, J. Commun. Disord. Slower in adults over 65.
- ``speech_jitter_local`` < 1.04 % and ``speech_shimmer_local`` < 3.81 %: the MDVP
  thresholds for pathology quoted by the Praat manual (Boersma & Weenink, "Voice 2.
  Jitter", "Voice 3. Shimmer"); ``speech_hnr`` > 20 dB: the healthy threshold usually
  quoted with them (e.g. Teixeira J.P., Oliveira C. & Lopes C. (2013), Procedia
  Technology 9:1112-1122). All three are for *sustained vowels*; connected speech gives
  higher jitter/shimmer and lower HNR in healthy speakers (the LibriSpeech readings
  give 2.0-2.5 %, 7.9-9.6 % and 5.7-14.1 dB); their entries carry ``tasks`` (vowel
  tasks) and :func:`compare_to_normals` uses them only for those tasks.
- ``speech_f0_median``: typical speaking F0 of adult men 85-180 Hz and women
  165-255 Hz (Baken R.J. & Orlikoff R.F. (2000), Clinical Measurement of Speech and
  Voice, 2nd ed.; Titze I.R. (1994), Principles of Voice Production).

Derived entries (``kind: derived``) were measured with :func:`speech_measures` on the
three LibriSpeech readings in ``../shared/data/real/speech`` (1 woman, 2 men, read
English) and widened by :func:`derive_ranges` (observed min..max +- 25 % of the larger
magnitude). Three speakers are not a norm: treat these as placeholders to be replaced
by ranges from a cohort's own controls (:func:`derive_ranges` on their measures).
"""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any

from strokescreen.errors import InputError

SEXES = ("female", "male")


@lru_cache(maxsize=1)
def _table() -> dict[str, Any]:
    text = resources.files("strokescreen").joinpath("data/speech_normals.json").read_text("utf-8")
    return json.loads(text)


def normals_table() -> dict[str, dict[str, Any]]:
    """Every normal-range entry with its provenance (a copy of the packaged JSON).

    Each value has ``low``, ``high`` (``None`` = open), ``unit``, ``kind``
    (``literature`` / ``derived``), ``context``, ``sources`` and, for some measures,
    ``by_sex`` (``{"female": [low, high], "male": [low, high]}``).
    """
    return json.loads(json.dumps(_table()["measures"]))


def _bound(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def speech_normals(
    *, sex: str | None = None, kind: str | None = None
) -> dict[str, tuple[float, float]]:
    """Normal range ``(low, high)`` per speech measure name (open ends are -inf / inf).

    sex : ``"female"`` or ``"male"`` picks sex-specific ranges where the table has them.
    kind : ``"literature"`` or ``"derived"`` keeps only entries of that kind.
    """
    if sex is not None and sex not in SEXES:
        raise InputError(f"sex={sex!r}; use one of {SEXES} or None")
    if kind is not None and kind not in ("literature", "derived"):
        raise InputError(f"kind={kind!r}; use 'literature', 'derived' or None")
    out: dict[str, tuple[float, float]] = {}
    for name, entry in _table()["measures"].items():
        if kind is not None and entry["kind"] != kind:
            continue
        low, high = entry["low"], entry["high"]
        if sex is not None and sex in entry.get("by_sex", {}):
            low, high = entry["by_sex"][sex]
        out[name] = (_bound(low, -math.inf), _bound(high, math.inf))
    return out


def _task_key(task: str | None) -> str:
    return "".join(ch for ch in str(task or "").lower() if ch.isalpha())


def _task_matches(key: str, tasks: list[str]) -> bool:
    """Exact match, or a task name starting with a listed name of 4+ letters."""
    return key in tasks or any(len(t) >= 4 and key.startswith(t) for t in tasks)


def compare_to_normals(
    values: dict[str, float], *, sex: str | None = None, task: str | None = None
) -> dict[str, str]:
    """``"low"``, ``"normal"``, ``"high"`` or ``"unknown"`` (NaN) per measure with a range.

    values : measure name -> value (e.g. from :func:`speech_feature_vector`).
    sex : picks sex-specific ranges where present.
    task : the recording's task; entries limited to some tasks (``tasks`` in the table,
        e.g. the sustained-vowel voice-quality thresholds) are used only when it matches
        one of them, so connected speech is never judged by vowel norms.
    """
    ranges = speech_normals(sex=sex)
    table = _table()["measures"]
    key = _task_key(task)
    out: dict[str, str] = {}
    for name, (low, high) in ranges.items():
        if name not in values:
            continue
        tasks = table[name].get("tasks")
        if tasks is not None and not _task_matches(key, tasks):
            continue
        v = float(values[name])
        out[name] = (
            "unknown"
            if not math.isfinite(v)
            else "low"
            if v < low
            else "high"
            if v > high
            else "normal"
        )
    return out


def derive_ranges(
    values: dict[str, list[float]], *, margin_frac: float = 0.25
) -> dict[str, tuple[float, float]]:
    """Provisional normal ranges from healthy speakers' measures.

    values : measure name -> one value per healthy speaker (NaN ignored).
    Returns name -> (min - m, max + m) with ``m = margin_frac * max(|min|, |max|)``,
    rounded to 3 significant digits; names with fewer than 2 finite values are left out.
    """
    out: dict[str, tuple[float, float]] = {}
    for name, vals in values.items():
        finite = [float(v) for v in vals if math.isfinite(float(v))]
        if len(finite) < 2:
            continue
        lo, hi = min(finite), max(finite)
        m = margin_frac * max(abs(lo), abs(hi))
        out[name] = (float(f"{lo - m:.3g}"), float(f"{hi + m:.3g}"))
    return out
