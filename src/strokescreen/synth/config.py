"""Settings of the synthetic cohort generator (frozen dataclasses, validated).

``SynthConfig`` holds what a user chooses (size, length, seed, difficulty, frame size);
``DifficultyPreset`` holds the distributions a difficulty level draws from. Effect sizes
are in physical units: millimetres for facial displacements (the scale is set by the
iris, mean horizontal iris diameter 11.7 mm), percent for smile excursion loss,
syllables per second for speech rate.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from strokescreen.errors import ConfigError, InputError

IRIS_DIAMETER_MM = 11.7
DIFFICULTIES = ("easy", "realistic", "hard")


@dataclass(frozen=True)
class DifficultyPreset:
    """Distributions one difficulty level draws subjects from.

    Shares are of subjects. Droop is a log-normal (median, sigma of log) in mm, clipped to
    ``droop_max_mm``; excursion loss (fraction of the smile excursion lost on the weak
    side) is ``exc_loss_per_mm`` times the droop plus normal noise, clipped to [0, 0.95].
    Dysarthria: a stroke subject has it when a latent normal exceeds a threshold set so
    that its share is ``dysarthria_share``; the latent correlates with facial weakness by
    ``dysarthria_face_corr``. Natural asymmetry of every face: normal commissure height
    difference (sd, mm) and excursion asymmetry (sd, fraction; t-distributed tails);
    each subject's expression amplitude (sd as a fraction of the population mean smile).
    The realistic sizes come from published healthy faces (docs/synthetic_cohort.md):
    resting commissure-height difference RMS 1.6 mm, large-smile excursion 12.3 mm with
    an sd of 1.9 mm (15 %) between people and a median excursion asymmetry of about 13 %.
    Resting head pose: each subject's own posture (yaw, pitch, roll sd in degrees) plus,
    per recording, where the camera stood (yaw and pitch sd); both normal, the total
    clipped at 2.5 sd. The defaults give a recording's median pitch an sd of about 4° and
    its yaw about 3°, the spread of real people facing a phone or webcam.
    """

    name: str = "realistic"
    stroke_share: float = 0.45
    bells_share: float = 0.06
    stroke_facial_share: float = 0.85
    droop_median_mm: float = 2.4
    droop_sigma: float = 0.45
    droop_max_mm: float = 6.0
    exc_loss_per_mm: float = 0.13
    exc_loss_noise: float = 0.08
    dysarthria_share: float = 0.70
    dysarthria_face_corr: float = 0.3
    dysarthria_rate_drop: float = 0.38
    natural_dh_sd_mm: float = 1.6
    natural_exc_sd: float = 0.17
    smile_amplitude_sd: float = 0.15
    healthy_rate_sd: float = 0.40
    one_sided_expression_share: float = 0.25
    bells_droop_median_mm: float = 2.5
    head_turns_per_10s: float = 0.8
    occlusion_share: float = 0.5
    # share of recordings that follow the speech-only protocol (no smile task), as speech
    # corpora and many phone clips do (generator 3)
    speech_only_share: float = 0.35
    noise_sigma: float = 2.0
    light_drift: float = 0.08
    rest_yaw_sd_deg: float = 2.5
    rest_pitch_sd_deg: float = 3.0
    rest_roll_sd_deg: float = 1.5
    camera_yaw_sd_deg: float = 1.5
    camera_pitch_sd_deg: float = 2.5
    # recovery over visits (longitudinal cohorts): first visit 1-10 days after onset, then
    # every 2-6 weeks; a share does not recover, the others at a log-normal rate per day
    first_visit_days: tuple[float, float] = (1.0, 10.0)
    visit_gap_days: tuple[float, float] = (14.0, 42.0)
    recovery_rate_median_per_day: float = 0.03
    recovery_rate_sigma: float = 0.5
    nonrecovery_share: float = 0.3

    def course_settings(self) -> dict:
        """Keyword arguments of :func:`strokescreen.synth.visits.draw_course`."""
        return dict(first_visit_days=self.first_visit_days, gap_days=self.visit_gap_days,
                    rate_median_per_day=self.recovery_rate_median_per_day,
                    rate_sigma=self.recovery_rate_sigma,
                    nonrecovery_share=self.nonrecovery_share)

    def validate(self) -> None:
        shares = ("stroke_share", "bells_share", "stroke_facial_share", "dysarthria_share",
                  "one_sided_expression_share", "occlusion_share", "nonrecovery_share",
                  "speech_only_share")
        for name in shares:
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"difficulty {self.name}: {name}={v}; use a value in [0, 1]")
        if self.stroke_share + self.bells_share > 1.0:
            raise ConfigError(
                f"difficulty {self.name}: stroke_share + bells_share = "
                f"{self.stroke_share + self.bells_share:.2f} > 1"
            )
        if self.droop_median_mm <= 0 or self.droop_max_mm <= 0:
            raise ConfigError(f"difficulty {self.name}: droop sizes must be > 0 mm")
        if not 0.0 <= self.smile_amplitude_sd <= 0.4:
            raise ConfigError(f"difficulty {self.name}: smile_amplitude_sd="
                              f"{self.smile_amplitude_sd}; use 0 to 0.4")
        for name in ("rest_yaw_sd_deg", "rest_pitch_sd_deg", "rest_roll_sd_deg",
                     "camera_yaw_sd_deg", "camera_pitch_sd_deg"):
            v = getattr(self, name)
            if not 0.0 <= v <= 15.0:
                raise ConfigError(f"difficulty {self.name}: {name}={v}; use 0 to 15 degrees")
        for name in ("first_visit_days", "visit_gap_days"):
            lo, hi = getattr(self, name)
            if not 0.0 <= lo <= hi:
                raise ConfigError(f"difficulty {self.name}: {name}=({lo}, {hi}); "
                                  "use 0 <= low <= high days")
        if self.recovery_rate_median_per_day < 0 or self.recovery_rate_sigma < 0:
            raise ConfigError(f"difficulty {self.name}: recovery rate median and sigma must "
                              "be >= 0")


PRESETS: dict[str, DifficultyPreset] = {
    "easy": DifficultyPreset(
        name="easy", stroke_share=0.5, bells_share=0.0, stroke_facial_share=1.0,
        droop_median_mm=4.0, droop_sigma=0.25, droop_max_mm=7.0, exc_loss_per_mm=0.12,
        exc_loss_noise=0.05, dysarthria_share=0.9, dysarthria_face_corr=0.3,
        dysarthria_rate_drop=0.40, natural_dh_sd_mm=0.8, natural_exc_sd=0.085,
        healthy_rate_sd=0.30, one_sided_expression_share=0.0, head_turns_per_10s=0.3,
        occlusion_share=0.2, noise_sigma=1.5, light_drift=0.04, speech_only_share=0.0,
    ),
    "realistic": DifficultyPreset(),
    "hard": DifficultyPreset(
        name="hard", stroke_share=0.40, bells_share=0.18, stroke_facial_share=0.65,
        droop_median_mm=1.1, droop_sigma=0.55, droop_max_mm=4.0, exc_loss_per_mm=0.09,
        exc_loss_noise=0.08, dysarthria_share=0.45, dysarthria_face_corr=0.5,
        dysarthria_rate_drop=0.22, natural_dh_sd_mm=2.0, natural_exc_sd=0.21,
        healthy_rate_sd=0.45, one_sided_expression_share=0.35, head_turns_per_10s=1.2,
        occlusion_share=0.7, noise_sigma=2.5, light_drift=0.12, speech_only_share=0.5,
    ),
}


@dataclass(frozen=True)
class SynthConfig:
    """What to generate.

    n_subjects : number of distinct subjects (>= 1).
    recordings_per_subject : recordings (cases) per subject (>= 1).
    seconds : length of each recording in seconds (1.5 .. 120).
    seed : master seed; per-case seeds derive from (seed, case index).
    difficulty : "easy", "realistic" or "hard" (see :data:`PRESETS`).
    width_px, height_px, fps : video geometry (H.264 needs even sizes).
    crf : x264 constant rate factor (lower = better quality, larger files).
    portraits_dir : folder of extra portraits (jpg/png), or None for the bundled one only.
    start_date, span_days : recording dates are spread over this period.
    shortcut, shortcut_agreement, shortcut_strength : an optional planted shortcut
        ("none" or "lighting"; see :mod:`strokescreen.synth.shortcut`).
    visits : visits per subject (1 = cross-sectional); with more, signs follow planted
        recovery courses and the manifest gets ``visit`` and ``days_since_onset``.
    metadata_linked : draw age and vascular risk factors depending on the condition (as
        in real cohorts); by default they are independent of it.
    """

    n_subjects: int = 16
    recordings_per_subject: int = 1
    seconds: float = 10.0
    seed: int = 0
    difficulty: str = "realistic"
    width_px: int = 640
    height_px: int = 480
    fps: int = 30
    crf: int = 23
    portraits_dir: str | None = None
    start_date: str = "2023-01-02"
    span_days: int = 540
    visits: int = 1
    metadata_linked: bool = False
    preset: DifficultyPreset | None = field(default=None, compare=True)
    shortcut: str = "none"
    shortcut_agreement: float = 0.9
    shortcut_strength: float = 0.35

    def difficulty_preset(self) -> DifficultyPreset:
        """The preset in force: ``preset`` when given, else the named difficulty's."""
        return self.preset if self.preset is not None else PRESETS[self.difficulty]

    def validate(self) -> SynthConfig:
        if self.n_subjects < 1:
            raise InputError(f"--subjects {self.n_subjects}: need at least 1 subject")
        if self.recordings_per_subject < 1:
            raise InputError(
                f"--recordings-per-subject {self.recordings_per_subject}: need at least 1"
            )
        if not 1 <= self.visits <= 12:  # visits.MAX_VISITS
            raise InputError(f"--visits {self.visits}: use 1 to 12 visits per subject")
        if not 1.5 <= self.seconds <= 120:
            raise InputError(f"--seconds {self.seconds}: use a length from 1.5 to 120 s")
        if self.difficulty not in PRESETS:
            raise InputError(
                f"--difficulty {self.difficulty!r} is not known; use one of "
                f"{', '.join(DIFFICULTIES)}"
            )
        if self.width_px % 2 or self.height_px % 2 or min(self.width_px, self.height_px) < 160:
            raise InputError(
                f"frame size {self.width_px}x{self.height_px}: use even sizes of at least 160 px"
            )
        if not 10 <= self.fps <= 60:
            raise InputError(f"fps={self.fps}: use 10 to 60")
        if not 0 <= self.crf <= 51:
            raise InputError(f"crf={self.crf}: use 0 to 51")
        if self.seed < 0:
            raise InputError(f"--seed {self.seed}: use a non-negative integer")
        from strokescreen.synth.shortcut import check_shortcut

        check_shortcut(self.shortcut, self.shortcut_agreement, self.shortcut_strength)
        self.difficulty_preset().validate()
        return self
