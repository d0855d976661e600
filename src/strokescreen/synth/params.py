"""Draw the parameters of a synthetic cohort (no rendering): who, which condition, how much.

Every subject is drawn from its own generator seeded by (seed, subject index), so a
larger cohort with the same seed starts with the same subjects. Sides are the SUBJECT's
sides ("left" = the subject's left = image right in an unmirrored frontal frame).
Signed quantities use "positive = left": ``natural_dh_mm`` > 0 means the left mouth
corner sits lower; ``natural_exc_asym`` > 0 means the left side smiles less.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy.stats import norm

from strokescreen.synth.config import DifficultyPreset, SynthConfig
from strokescreen.synth.published import eye_voice
from strokescreen.synth.visits import (
    Course,
    draw_age,
    draw_course,
    draw_risk_factors,
    grade_index,
    recovered_droop,
    severity_grade,
)

SUBJECT_STREAM = 0x5B1EC7
POSE_STREAM = 0x9053  # resting head pose: its own stream, so other draws stay as they were
AMPLITUDE_STREAM = 0xA3F1  # expression amplitude: its own stream, likewise
SHAPE_STREAM = 0x5A9E  # face proportions and lips apart at rest (generator 3): likewise
PROTOCOL_STREAM = 0x9707  # which task protocol a recording follows (generator 3): likewise
#: face proportions of healthy adults in inter-pupil distances (IPU), mean and sd: the
#: rest expression of the MEEI standard set's 10 normal subjects, measured with the
#: project's face_measures (tools/normal_ranges.py); see docs/synthetic_cohort.md
CORNER_HEIGHT_IPU = (1.112, 0.062)  # mouth corner below the inter-pupil line
MOUTH_WIDTH_IPU = (0.819, 0.078)  # corner to corner
#: MediaPipe reads the rendered corners this much lower below the eyes than the designed
#: mesh puts them (mean over the 36 healthy of an 80-subject realistic cohort, sd 0.017),
#: so the design aims this much higher and the READ height has the published figures
CORNER_HEIGHT_READ_BIAS_IPU = 0.057
#: lips apart at rest: 2 of the 10 MEEI normals (gaps 1.0 and 6.2 mm); gap log-uniform
LIPS_APART_SHARE = 0.2
LIP_GAP_RANGE_MM = (1.0, 6.0)
TASKS = {"full": "hometown+bbp+pataka+smile+rest", "speech": "hometown+bbp+pataka+rest"}
CONDITIONS = ("healthy", "stroke", "bells_palsy")
RACES = ("White", "Black or African American", "Asian", "Other or multiple")
RACE_P = (0.58, 0.2, 0.12, 0.10)
SITES = ("site_A", "site_B", "site_C")
SITE_P = {"stroke": (0.5, 0.3, 0.2), "healthy": (0.3, 0.4, 0.3), "bells_palsy": (0.3, 0.5, 0.2)}
# skin tone (log-luminance shift) by race: mean, sd
TONE = {"White": (0.05, 0.12), "Black or African American": (-0.5, 0.12),
        "Asian": (-0.05, 0.1), "Other or multiple": (-0.2, 0.18)}
TASK = "hometown+bbp+pataka+smile+rest"  # the full protocol (TASKS["full"])


@dataclass(frozen=True)
class CaseParams:
    """Everything drawn for one recording (case). Units in the field names."""

    case_index: int
    case_id: str
    subject_index: int
    subject_id: str
    recording_index: int
    condition: str
    label: int
    severity: str
    side: str
    age: int
    sex: str
    ethnicity: str
    race: str
    site: str
    recorded_at: str
    # face (weak side = ``side``)
    droop_mm: float
    exc_loss: float
    eye_closure_loss: float
    brow_loss: float
    brow_rest_drop_mm: float
    natural_dh_mm: float
    natural_exc_asym: float
    one_sided_expression: str
    # speech
    speech_rate_syl_s: float
    pitch: float
    pitch_range: float
    voice_variant: str
    dysarthria: float
    # identity
    portrait_u: float
    mirror: bool
    morph: tuple[float, ...]
    tone: float
    warmth: float
    light_dir: float
    light_strength: float
    bg_seed: int
    face_width_frac: float
    offset_x: float
    offset_y: float
    # resting head pose of this recording (subject's posture + camera placement), degrees,
    # signs of strokescreen.face.pose; the script's drift and planted turns add to it
    rest_yaw_deg: float = 0.0
    rest_pitch_deg: float = 0.0
    rest_roll_deg: float = 0.0
    # the subject's expression amplitude: smile and speech corner movement relative to the
    # population mean (1.0 = a full smile moves the corner 12.3 mm; see face_model)
    smile_amplitude: float = 1.0
    # face proportions (IPU; 0 = keep the portrait's), the resting lip gap (mm; 0 = lips
    # closed) and the task protocol ("full" with three big smiles, "speech" without)
    corner_height_ipu: float = 0.0
    mouth_width_ipu: float = 0.0
    rest_lip_gap_mm: float = 0.0
    protocol: str = "full"
    # generator 4 (0 = keep the portrait's / none): inter-pupil distance over the iris
    # diameter, upper lid to pupil (MRD1, IPU), the voice's laryngeal jitter (%, as a
    # sustained vowel reads it) and the seed of this recording's blink closures and
    # voice perturbation (its own stream: the script's other draws stay as they were)
    ipd_over_iris: float = 0.0
    mrd1_ipu: float = 0.0
    vocal_jitter_pct: float = 0.0
    eye_voice_seed: int = 0
    # clinical metadata (0/1; drawn independently of the condition unless metadata_linked)
    hypertension: int = 0
    diabetes: int = 0
    atrial_fibrillation: int = 0
    # longitudinal cohorts (visits > 1): visit number (1-based), day since the index date
    # (onset), the subject's planted recovery rate, and the recovery targets of the subject
    visit: int = 1
    days_since_onset: float | None = None
    recovery_rate_per_day: float | None = None
    recovering: bool | None = None
    severity_first: int | None = None
    severity_last: int | None = None

    @property
    def side_sign(self) -> float:
        """+1 when the weak side is the left, -1 right, 0 none."""
        return {"left": 1.0, "right": -1.0}.get(self.side, 0.0)

    @property
    def dh_total_mm(self) -> float:
        """True left-minus-right commissure height difference at rest (mm, + = left lower)."""
        return self.natural_dh_mm + self.side_sign * self.droop_mm

    @property
    def smile_gains(self) -> tuple[float, float]:
        """(left, right) smile excursion gains: the subject's amplitude, natural asymmetry
        and weakness included."""
        g_left = self.smile_amplitude * (1.0 - max(self.natural_exc_asym, 0.0))
        g_right = self.smile_amplitude * (1.0 - max(-self.natural_exc_asym, 0.0))
        if self.side == "left":
            g_left *= 1.0 - self.exc_loss
        elif self.side == "right":
            g_right *= 1.0 - self.exc_loss
        return g_left, g_right

    @property
    def exc_asym_pct(self) -> float:
        """True smile excursion asymmetry, 100 * (1 - weaker / stronger) (%)."""
        g_left, g_right = self.smile_gains
        return 100.0 * (1.0 - min(g_left, g_right) / max(g_left, g_right, 1e-9))


_severity = severity_grade


def _subject(seed: int, s: int, preset: DifficultyPreset, *, metadata_linked: bool = False) -> dict:
    """Draw one subject's stable parameters (a dict of CaseParams fields + hidden keys).

    Age is drawn the same way for every condition unless ``metadata_linked``.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, SUBJECT_STREAM, s]))
    u = rng.random()
    if u < preset.stroke_share:
        condition = "stroke"
    elif u < preset.stroke_share + preset.bells_share:
        condition = "bells_palsy"
    else:
        condition = "healthy"
    age = draw_age(rng, condition, linked=metadata_linked)
    sex = "F" if rng.random() < 0.5 else "M"
    ethnicity = "Hispanic or Latino" if rng.random() < 0.18 else "Not Hispanic or Latino"
    race = RACES[rng.choice(len(RACES), p=RACE_P)]
    site = SITES[rng.choice(len(SITES), p=SITE_P[condition])]
    natural_dh = float(rng.normal(0.0, preset.natural_dh_sd_mm))
    natural_exc = float(np.clip(rng.standard_t(4) * preset.natural_exc_sd * 0.75, -0.5, 0.5))
    side = ""
    droop = exc_loss = eye_loss = brow_loss = brow_drop = 0.0
    dysarthria = 0.0
    one_sided = ""
    z_face = rng.normal()
    if condition in ("stroke", "bells_palsy"):
        side = "left" if rng.random() < 0.5 else "right"
    if condition == "stroke":
        if rng.random() < preset.stroke_facial_share:
            droop = float(min(preset.droop_median_mm * np.exp(preset.droop_sigma * z_face),
                              preset.droop_max_mm))
            exc_loss = float(np.clip(preset.exc_loss_per_mm * droop
                                     + rng.normal(0, preset.exc_loss_noise), 0.03, 0.95))
            eye_loss = float(np.clip(rng.normal(0.05, 0.04), 0.0, 0.15))  # forehead spared
        else:
            z_face = -1.5  # no facial weakness: dysarthria less likely
        r = preset.dysarthria_face_corr
        latent = r * z_face + np.sqrt(1 - r * r) * rng.normal()
        if latent > norm.ppf(1.0 - preset.dysarthria_share):
            dysarthria = float(np.clip(0.35 + 0.3 * rng.normal() + 0.15 * z_face, 0.15, 1.0))
    elif condition == "bells_palsy":
        droop = float(min(preset.bells_droop_median_mm * np.exp(0.5 * z_face), 7.0))
        exc_loss = float(np.clip(rng.normal(0.6, 0.15), 0.25, 0.95))
        eye_loss = float(np.clip(rng.normal(0.55, 0.2), 0.2, 0.9))
        brow_loss = float(np.clip(rng.normal(0.7, 0.2), 0.3, 1.0))
        brow_drop = float(np.clip(rng.normal(1.5, 0.6), 0.3, 3.0))
    else:
        if rng.random() < preset.one_sided_expression_share:
            one_sided = "wink" if rng.random() < 0.4 else "smirk"
    base_rate = 5.0 - 0.015 * (age - 50) + rng.normal(0, preset.healthy_rate_sd)
    rate_base = float(np.clip(base_rate, 2.8, 6.8))
    rate = float(rate_base * (1.0 - preset.dysarthria_rate_drop * dysarthria))
    pitch = float(np.clip(rng.normal(58 if sex == "F" else 36, 8) - 0.1 * (age - 50), 10, 90))
    prange_base = float(np.clip(rng.normal(55, 10) - 0.15 * (age - 50), 20, 90))
    prange = float(prange_base * (1 - 0.6 * dysarthria))
    variant = (f"f{rng.integers(1, 6)}" if sex == "F" else f"m{rng.integers(1, 8)}")
    tone_mu, tone_sd = TONE[race]
    morph = tuple(float(v) for v in np.clip(rng.normal(0, 1, 7), -2.2, 2.2))
    return dict(
        subject_index=s, subject_id=f"S{s + 1:04d}", condition=condition,
        label=int(condition == "stroke"), severity=_severity(droop), side=side, age=age, sex=sex,
        ethnicity=ethnicity, race=race, site=site, droop_mm=droop, exc_loss=exc_loss,
        eye_closure_loss=eye_loss, brow_loss=brow_loss, brow_rest_drop_mm=brow_drop,
        natural_dh_mm=natural_dh, natural_exc_asym=natural_exc, one_sided_expression=one_sided,
        speech_rate_syl_s=rate, pitch=pitch, pitch_range=prange, voice_variant=variant,
        dysarthria=dysarthria, portrait_u=float(rng.random()), mirror=bool(rng.random() < 0.5),
        morph=morph, tone=float(np.clip(rng.normal(tone_mu, tone_sd), -0.8, 0.35)),
        warmth=float(rng.normal(0, 0.05)), light_dir=float(rng.uniform(-1, 1)),
        light_strength=float(rng.uniform(0.0, 0.25)), bg_seed=int(rng.integers(0, 2**31 - 1)),
        face_width_frac=float(rng.uniform(0.30, 0.42)), offset_x=float(rng.normal(0, 0.02)),
        offset_y=float(rng.normal(-0.03, 0.015)),
        _enrol_day=float(rng.uniform(0, 1)), _gap_days=rng.uniform(7, 60, 64).tolist(),
        _hour=rng.uniform(8, 19, 64).tolist(), _rec_rng=int(rng.integers(0, 2**31 - 1)),
        _rate_base=rate_base, _prange_base=prange_base,
        **draw_risk_factors(seed, s, condition, linked=metadata_linked),
    )


def rest_poses(seed: int, s: int, n_recordings: int, preset: DifficultyPreset) -> np.ndarray:
    """Resting (yaw, pitch, roll) in degrees of subject ``s``'s recordings, (n_recordings, 3).

    The subject's own posture (drawn once) plus where the camera stood in each recording
    (yaw and pitch; the roll of a propped-up phone is the subject's); each axis clipped at
    2.5 times its total sd. Drawn from a stream of its own.
    """
    rng = np.random.default_rng(np.random.SeedSequence([seed, POSE_STREAM, s]))
    posture = rng.normal(0.0, 1.0, 3) * np.array(
        [preset.rest_yaw_sd_deg, preset.rest_pitch_sd_deg, preset.rest_roll_sd_deg])
    cam_sd = np.array([preset.camera_yaw_sd_deg, preset.camera_pitch_sd_deg, 0.0])
    camera = rng.normal(0.0, 1.0, (n_recordings, 3)) * cam_sd
    total_sd = np.sqrt(np.array([preset.rest_yaw_sd_deg, preset.rest_pitch_sd_deg,
                                 preset.rest_roll_sd_deg]) ** 2 + cam_sd**2)
    return np.clip(posture[None] + camera, -2.5 * total_sd, 2.5 * total_sd)


def smile_amplitude(seed: int, s: int, preset: DifficultyPreset) -> float:
    """Subject ``s``'s expression amplitude (1 = the population mean): normal with sd
    ``preset.smile_amplitude_sd``, clipped at 2.5 sd. Drawn from a stream of its own."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, AMPLITUDE_STREAM, s]))
    sd = preset.smile_amplitude_sd
    return float(1.0 + np.clip(rng.normal(0.0, 1.0), -2.5, 2.5) * sd)


def face_shape(seed: int, s: int) -> tuple[float, float, float]:
    """Subject ``s``'s (corner height IPU, mouth width IPU, resting lip gap mm): normal
    around the published means (clipped at 2.5 sd), lips apart for LIPS_APART_SHARE of the
    subjects. Drawn from a stream of its own."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, SHAPE_STREAM, s]))
    z = np.clip(rng.normal(0.0, 1.0, 2), -2.5, 2.5)
    height = CORNER_HEIGHT_IPU[0] + z[0] * CORNER_HEIGHT_IPU[1]
    width = MOUTH_WIDTH_IPU[0] + z[1] * MOUTH_WIDTH_IPU[1]
    lo, hi = np.log(LIP_GAP_RANGE_MM)
    gap = float(np.exp(rng.uniform(lo, hi)))
    apart = rng.random() < LIPS_APART_SHARE
    return float(height), float(width), gap if apart else 0.0


def protocols(seed: int, s: int, n_recordings: int, share: float) -> list[str]:
    """Task protocol of each of subject ``s``'s recordings: "speech" (no smile task, as
    in speech corpora) with probability ``share``, else "full". Own stream."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, PROTOCOL_STREAM, s]))
    return ["speech" if u < share else "full" for u in rng.random(n_recordings)]


def draw_cohort(config: SynthConfig) -> list[CaseParams]:
    """Draw every case's parameters for ``config`` (cheap; no rendering).

    Returns ``n_subjects * visits * recordings_per_subject`` :class:`CaseParams`, ordered
    by subject, then visit, then recording. Per-recording values vary a little around the
    subject's (droop and excursion loss by about 8 %, speech rate by about 4 %); identity
    stays fixed. With ``visits`` > 1 the signs follow the subject's planted recovery
    course (:mod:`strokescreen.synth.visits`).
    """
    preset = config.difficulty_preset()
    n_visits = config.visits
    k_rec = config.recordings_per_subject * n_visits
    start = dt.datetime.fromisoformat(config.start_date)
    span = max(config.span_days - 45 * (k_rec - 1), 1)
    cases: list[CaseParams] = []
    names = {f.name for f in dataclasses.fields(CaseParams)}
    for s in range(config.n_subjects):
        subj = _subject(config.seed, s, preset, metadata_linked=config.metadata_linked)
        rec_rng = np.random.default_rng(subj["_rec_rng"])
        rest = rest_poses(config.seed, s, k_rec, preset)
        amplitude = smile_amplitude(config.seed, s, preset)
        height_ipu, width_ipu, lip_gap = face_shape(config.seed, s)
        protocol = protocols(config.seed, s, k_rec, preset.speech_only_share)
        ev = eye_voice(config.seed, s, k_rec)
        day = subj["_enrol_day"] * span
        course = None
        if n_visits > 1:
            course = draw_course(config.seed, s, subj["condition"], n_visits,
                                 **preset.course_settings())
        subject_cases: list[dict] = []
        for r in range(k_rec):
            if r and course is None:
                day += subj["_gap_days"][r % 64]
            when = start + dt.timedelta(days=int(day), hours=subj["_hour"][r % 64])
            jitter = rec_rng.normal(0, 1, 4)
            droop = subj["droop_mm"] * float(np.exp(0.08 * jitter[0])) if subj["droop_mm"] else 0.0
            exc = float(np.clip(subj["exc_loss"] * np.exp(0.08 * jitter[1]), 0, 0.95))
            fields = {k: v for k, v in subj.items() if k in names}
            fields.update(
                case_index=len(cases) + len(subject_cases),
                case_id=f"{subj['subject_id']}_R{r + 1:02d}",
                recording_index=r, droop_mm=droop, exc_loss=exc, severity=_severity(droop),
                natural_dh_mm=subj["natural_dh_mm"] + 0.1 * float(jitter[2]),
                speech_rate_syl_s=subj["speech_rate_syl_s"] * float(np.exp(0.04 * jitter[3])),
                rest_yaw_deg=float(rest[r, 0]), rest_pitch_deg=float(rest[r, 1]),
                rest_roll_deg=float(rest[r, 2]),
                smile_amplitude=amplitude, corner_height_ipu=height_ipu,
                mouth_width_ipu=width_ipu, rest_lip_gap_mm=lip_gap, protocol=protocol[r],
                ipd_over_iris=ev["ipd_over_iris"], mrd1_ipu=ev["mrd1_ipu"],
                vocal_jitter_pct=ev["vocal_jitter_pct"], eye_voice_seed=ev["seeds"][r],
            )
            if course is not None:
                when = _visit_fields(fields, subj, course, r, config, preset, jitter,
                                     onset=start + dt.timedelta(days=int(day)))
            fields["recorded_at"] = when.replace(microsecond=0).isoformat()
            subject_cases.append(fields)
        if course is not None:
            first = grade_index(subject_cases[0]["severity"])
            last = grade_index(subject_cases[-1]["severity"])
            for f in subject_cases:
                f.update(severity_first=first, severity_last=last)
        cases.extend(CaseParams(**f) for f in subject_cases)
    return cases


def _visit_fields(fields: dict, subj: dict, course: Course, r: int, config: SynthConfig,
                  preset: DifficultyPreset, jitter: np.ndarray, *,
                  onset: dt.datetime) -> dt.datetime:
    """Scale recording ``r``'s signs by its visit's recovery factor; return its date."""
    per_visit = config.recordings_per_subject
    v, k = divmod(r, per_visit)
    f = course.factor(v)
    dys = subj["dysarthria"] * f
    droop = recovered_droop(fields["droop_mm"], f)
    rate = subj["_rate_base"] * (1.0 - preset.dysarthria_rate_drop * dys)
    fields.update(
        case_id=(f"{subj['subject_id']}_V{v + 1:02d}" if per_visit == 1
                 else f"{subj['subject_id']}_V{v + 1:02d}_R{k + 1:02d}"),
        visit=v + 1, days_since_onset=course.days_since_onset[v],
        recovery_rate_per_day=course.recovery_rate_per_day, recovering=course.recovering,
        droop_mm=droop, severity=_severity(droop),
        exc_loss=float(fields["exc_loss"] * f) if droop > 0 else 0.0,
        eye_closure_loss=float(subj["eye_closure_loss"] * f),
        brow_loss=float(subj["brow_loss"] * f),
        brow_rest_drop_mm=float(subj["brow_rest_drop_mm"] * f),
        dysarthria=float(dys), speech_rate_syl_s=float(rate * np.exp(0.04 * jitter[3])),
        pitch_range=float(subj["_prange_base"] * (1 - 0.6 * dys)),
    )
    return onset + dt.timedelta(days=course.days_since_onset[v],
                                hours=subj["_hour"][v % 64] + 0.4 * k)


def cases_frame(cases: list[CaseParams]) -> pd.DataFrame:
    """One row per case: every drawn field plus the derived true values used by the oracle."""
    rows = []
    for c in cases:
        row = dataclasses.asdict(c)
        row["morph"] = ";".join(f"{v:.4f}" for v in c.morph)
        g_left, g_right = c.smile_gains
        row.update(dh_total_mm=c.dh_total_mm, exc_asym_pct=c.exc_asym_pct,
                   smile_gain_left=g_left, smile_gain_right=g_right,
                   severity_grade=grade_index(c.severity))
        rows.append(row)
    return pd.DataFrame(rows)
