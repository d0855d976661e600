"""Generate a synthetic cohort: parameters, videos, truth, manifest and cohort card.

Portraits are measured and calibrated once in the calling process; the cases are then
rendered by a task runner (:mod:`strokescreen.tasks`): in order in this process, in a
local process pool, or on a Dask cluster. Every case draws its randomness
from (seed, case index) only, so the output does not depend on the number of workers.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from strokescreen.io.cohort_checks import OPTIONAL_MANIFEST_COLUMNS, REQUIRED_MANIFEST_COLUMNS
from strokescreen.progress import Progress
from strokescreen.synth.case import CaseResult, render_case
from strokescreen.synth.config import SynthConfig
from strokescreen.synth.params import TASKS, CaseParams, cases_frame, draw_cohort
from strokescreen.synth.portraits import Portrait, load_portraits
from strokescreen.synth.shortcut import lamp_on
from strokescreen.synth.visits import RISK_FACTORS, grade_index
from strokescreen.tasks import TaskRunner, local_runner

# the manifest schema's columns, in the order synthetic manifests have always had
MANIFEST_COLUMNS = (*REQUIRED_MANIFEST_COLUMNS, "condition", "severity", "side", "task",
                    *OPTIONAL_MANIFEST_COLUMNS[4:], *RISK_FACTORS)
#: the generator's version, stamped into every cohort (``generator.json``); raised whenever
#: the same config and seed would render different faces or voices (2: real-sized smiles and
#: natural asymmetry from the MEEI normals, 2026-11-30; 3: face proportions from the MEEI
#: normals, lips apart at rest for some, speech-only recordings without the smile task)
GENERATOR_VERSION = 4
GENERATOR_STAMP = "generator.json"


def generator_version(cohort_dir: str | Path) -> int | None:
    """The generator version stamped into a cohort folder; None when there is no (readable)
    stamp, as in cohorts made before the stamp existed."""
    import json

    try:
        value = json.loads((Path(cohort_dir) / GENERATOR_STAMP).read_text()).get("version")
    except (OSError, ValueError, AttributeError):
        return None
    return value if isinstance(value, int) else None


# added in longitudinal cohorts (visits > 1): the visit, its day, the planted grade (0-3)
# and the subject's recovery targets (grade at the last visit, last minus first)
VISIT_COLUMNS = ("visit", "days_since_onset", "severity_grade", "severity_last",
                 "severity_change")


@dataclass(frozen=True)
class CohortResult:
    """Where a generated cohort lies and how it was made."""

    out_dir: Path
    manifest: Path
    card: Path
    cases: list[CaseResult]
    oracle_auc: float
    reference_oracle_auc: float
    seconds: float
    graded: dict[str, dict[str, float]] | None = None


@dataclass(frozen=True)
class _Job:
    case: CaseParams
    portrait_key: tuple[int, int]
    fix_deg: tuple[float, float]
    lamp: bool = False


_CALIBRATED: dict[tuple, tuple[float, float]] = {}


def _render(shared: tuple[dict[tuple[int, int], Portrait], dict], job: _Job) -> CaseResult:
    """One case's task: render its video and truth into the cohort folder."""
    portraits, settings = shared
    settings = dict(settings)
    strength = settings.pop("lamp_strength", None)
    return render_case(job.case, portraits[job.portrait_key], fix_deg=job.fix_deg,
                       lamp_strength=strength if job.lamp else None, **settings)


def prepare_portraits(config: SynthConfig) -> tuple[dict[tuple[int, int], Portrait],
                                                   dict[tuple[int, int], tuple[float, float]]]:
    """Measure every portrait (both orientations) and calibrate its frontal turn."""
    from strokescreen.synth.rig import calibrate_pose

    pairs = load_portraits(config.portraits_dir)
    portraits = {(i, m): pair[m] for i, pair in enumerate(pairs) for m in (0, 1)}
    fixes = {}
    for key, p in portraits.items():
        memo = (p.name, p.mirrored, p.image.shape, config.width_px, config.height_px)
        if memo not in _CALIBRATED:
            _CALIBRATED[memo] = calibrate_pose(p, width=config.width_px, height=config.height_px)
        fixes[key] = _CALIBRATED[memo]
    return portraits, fixes


def generate_cohort(config: SynthConfig, out_dir: str | Path, *, workers: int = 1,
                    runner: TaskRunner | None = None,
                    progress: Progress | None = None) -> CohortResult:
    """Write a synthetic cohort for ``config`` into ``out_dir`` (see docs/synthetic_cohort.md).

    runner : where the cases are rendered, one task per case (default: this process for
        ``workers=1``, a local process pool otherwise); every worker writes into ``out_dir``.
    progress : optional callback ``cb(done, total=None, note=None)``.
    """
    from strokescreen.synth.card import write_card
    from strokescreen.synth.oracle import oracle_auc, reference_oracle_auc

    config.validate()
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cb = progress or (lambda *a, **k: None)
    cb(0, None, note="measuring portraits")
    portraits, fixes = prepare_portraits(config)
    n_portraits = len(portraits) // 2
    cases = draw_cohort(config)
    jobs = []
    for c in cases:
        key = (min(int(c.portrait_u * n_portraits), n_portraits - 1), int(c.mirror))
        lamp = config.shortcut == "lighting" and lamp_on(
            config.seed, c.case_index, c.label, agreement=config.shortcut_agreement)
        jobs.append(_Job(c, key, fixes[key], lamp))
    settings = dict(out_dir=out.absolute(), seed=config.seed, seconds=config.seconds, fps=config.fps,
                    width=config.width_px, height=config.height_px, crf=config.crf,
                    preset=config.difficulty_preset())
    if config.shortcut == "lighting":
        settings["lamp_strength"] = config.shortcut_strength
    cb(0, len(jobs), note="rendering")
    finished = [0]

    def on_done(_i: int, res: CaseResult) -> None:
        finished[0] += 1
        cb(finished[0], len(jobs), note=res.case_id)

    run = runner or local_runner(workers if len(jobs) > 1 else 1)
    results: list[CaseResult] = run.run(_render, jobs, shared=(portraits, settings),
                                        on_done=on_done, labels=[j.case.case_id for j in jobs],
                                        task_name="synth")
    results.sort(key=lambda r: r.case_index)
    manifest = write_manifest(out, cases, results, longitudinal=config.visits > 1)
    (out / GENERATOR_STAMP).write_text(f'{{"version": {GENERATOR_VERSION}}}\n')
    table = cases_frame(cases)
    table["speech_rate_measured_syl_s"] = [r.speech_rate_syl_s for r in results]
    table["head_turn_frames"] = [r.head_turn_frames for r in results]
    table["occluded_frames"] = [r.occluded_frames for r in results]
    table["portrait"] = [portraits[j.portrait_key].name for j in jobs]
    table["synthetic"] = True
    if config.shortcut != "none":
        table["shortcut_lamp"] = [j.lamp for j in jobs]
    table.to_csv(out / "truth" / "cases.csv", index=False)
    graded = None
    if config.visits > 1:
        from strokescreen.synth.oracle_graded import graded_oracle
        from strokescreen.synth.visits import subjects_table

        subjects_table(table).to_csv(out / "truth" / "subjects.csv", index=False)
        graded = graded_oracle(cases, seed=config.seed)
    auc = oracle_auc(cases, seed=config.seed)
    ref = reference_oracle_auc(config)
    seconds = time.perf_counter() - started
    card = write_card(out, config, table, oracle=auc, reference_oracle=ref,
                      portraits=sorted({p.name for p in portraits.values()}), fixes=fixes,
                      render_seconds=[r.render_s for r in results], wall_seconds=seconds,
                      workers=run.workers, graded=graded)
    return CohortResult(out, manifest, card, results, auc, ref, seconds, graded)


def write_manifest(out: Path, cases: list[CaseParams], results: list[CaseResult], *,
                   longitudinal: bool = False) -> Path:
    """manifest.csv: one row per case; ``video`` relative to the manifest's folder.

    ``longitudinal`` adds :data:`VISIT_COLUMNS`."""
    by_id = {r.case_id: r for r in results}
    rows = []
    for c in cases:
        rows.append(dict(case_id=c.case_id, subject_id=c.subject_id, video=by_id[c.case_id].video,
                         label=c.label, condition=c.condition, severity=c.severity, side=c.side,
                         task=TASKS[c.protocol], age=c.age, sex=c.sex, ethnicity=c.ethnicity, race=c.race,
                         site=c.site, recorded_at=c.recorded_at, synthetic=True,
                         hypertension=c.hypertension, diabetes=c.diabetes,
                         atrial_fibrillation=c.atrial_fibrillation))
        if longitudinal:
            first, last = int(c.severity_first or 0), int(c.severity_last or 0)
            rows[-1].update(visit=c.visit, days_since_onset=c.days_since_onset,
                            severity_grade=grade_index(c.severity), severity_last=last,
                            severity_change=last - first)
    path = out / "manifest.csv"
    columns = [*MANIFEST_COLUMNS, *(VISIT_COLUMNS if longitudinal else ())]
    pd.DataFrame(rows, columns=columns).to_csv(path, index=False)
    return path
