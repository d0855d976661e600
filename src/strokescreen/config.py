"""Frozen settings for every stage; defaults from the DeepStroke paper where they carry
over (docs/deepstroke_fidelity.md lists where and why they do not).

Settings are data: they load from YAML, are validated on load, and are written into
every artifact (``meta.json``) together with a hash that keys the artifact cache.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from strokescreen.errors import ConfigError

#: Specificity of the triage team in the DeepStroke paper (45.71 %): the default operating
#: point to match in evaluation, training and the ablation.
TRIAGE_SPECIFICITY = 0.4571

T = TypeVar("T")


@dataclass(frozen=True)
class DecodeConfig:
    """Video decoding.

    max_landmark_side_px : frames whose longer side exceeds this are downscaled for
        landmarking only; coordinates are mapped back to original pixels.
    min_duration_s : clips shorter than this are refused as input errors.
    """

    max_landmark_side_px: int = 1280
    min_duration_s: float = 1.0
    audio_rate_hz: int = 16000

    def validate(self) -> None:
        if self.max_landmark_side_px < 64:
            raise ConfigError(f"decode.max_landmark_side_px={self.max_landmark_side_px}; use >= 64")
        if self.min_duration_s < 0:
            raise ConfigError(f"decode.min_duration_s={self.min_duration_s}; use >= 0")
        if self.audio_rate_hz != 16000:
            raise ConfigError(
                f"decode.audio_rate_hz={self.audio_rate_hz}; strokescreen uses 16000 Hz everywhere"
            )


@dataclass(frozen=True)
class LandmarkConfig:
    """Face landmarking and patient tracking.

    follow : once the patient is found, follow them with a one-face landmarker inside a
        window around them (much faster; see ``face.tracking.PatientFollower``); ``False``
        looks for ``max_faces`` faces in the whole frame throughout.
    """

    landmarker: str = "mediapipe"
    max_faces: int = 3
    follow: bool = True
    min_detection_confidence: float = 0.5
    min_tracking_confidence: float = 0.5

    def validate(self) -> None:
        if not 1 <= self.max_faces <= 10:
            raise ConfigError(f"landmarks.max_faces={self.max_faces}; use 1..10")
        for name in ("min_detection_confidence", "min_tracking_confidence"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ConfigError(f"landmarks.{name}={v}; use a value in [0, 1]")


PROPOSAL_REFERENCES = ("recording", "absolute")


@dataclass(frozen=True)
class ProposalConfig:
    """Frame proposal (DeepStroke paper's rules; frontality judged against the recording).

    Not every default is the paper's: beta1, beta2 and the 5-frame window are; the flow
    thresholds are this project's, on its own flow measure (rigid motion removed, face
    box at 112 px, see preprocess.flow), where the paper's beta_h = 150 applies to its
    flow definition; see docs/deepstroke_fidelity.md.

    reference : ``"recording"`` (default): a frame is near-frontal when its yaw, pitch and
        roll each lie within ``beta1_deg`` of the recording's reference pose (the median
        pose of its face frames, held within a sanity limit, see
        ``preprocess.proposal.reference_limit_deg``); ``"absolute"``: the paper's test,
        |yaw|, |pitch| and |roll| all below ``beta1_deg``.
    rest_yaw_sd_deg, rest_pitch_sd_deg, rest_roll_sd_deg : population sd of a recording's
        resting head pose (posture plus camera placement) that sets the sanity limit.
    beta1_deg : near-frontal half-width (degrees, each axis).
    beta2_deg : a window of ``window_frames`` whose summed pose change exceeds this is dropped.
    flow_low_px / flow_high_px : mean face-region optical flow (pixels per frame, measured
        on the face normalised to ``flow_face_px`` inter-ocular... see preprocess.flow)
        below ``flow_low_px`` is "no motion", above ``flow_high_px`` is non-facial motion.
    smooth_frames : sliding window for stabilising the similarity transforms of the crops.
    """

    reference: str = "recording"
    beta1_deg: float = 5.0
    rest_yaw_sd_deg: float = 3.0
    rest_pitch_sd_deg: float = 4.0
    rest_roll_sd_deg: float = 1.5
    beta2_deg: float = 20.0
    window_frames: int = 5
    flow_low_px: float = 0.01
    flow_high_px: float = 6.0
    smooth_frames: int = 5
    crop_size_px: int = 224
    min_usable_share: float = 0.30
    min_usable_frames: int = 10
    review_usable_share: float = 0.50

    def validate(self) -> None:
        if self.reference not in PROPOSAL_REFERENCES:
            raise ConfigError(
                f"proposal.reference={self.reference!r}; use one of "
                f"{', '.join(PROPOSAL_REFERENCES)}"
            )
        for name in ("rest_yaw_sd_deg", "rest_pitch_sd_deg", "rest_roll_sd_deg"):
            v = getattr(self, name)
            if not 0.0 <= v <= 15.0:
                raise ConfigError(f"proposal.{name}={v}; use 0 to 15 degrees")
        if self.beta1_deg <= 0 or self.beta2_deg <= 0:
            raise ConfigError(
                f"proposal.beta1_deg={self.beta1_deg}, beta2_deg={self.beta2_deg}; both must be > 0"
            )
        if self.window_frames < 2:
            raise ConfigError(f"proposal.window_frames={self.window_frames}; use >= 2")
        if not 0 <= self.flow_low_px < self.flow_high_px:
            raise ConfigError(
                f"proposal.flow_low_px={self.flow_low_px}, flow_high_px={self.flow_high_px}; "
                "need 0 <= low < high"
            )
        if self.smooth_frames < 1 or self.crop_size_px < 32:
            raise ConfigError("proposal.smooth_frames must be >= 1 and crop_size_px >= 32")
        if not 0 <= self.min_usable_share <= self.review_usable_share <= 1:
            raise ConfigError("proposal: need 0 <= min_usable_share <= review_usable_share <= 1")


@dataclass(frozen=True)
class PreprocessConfig:
    """All settings of the preprocessing stage."""

    decode: DecodeConfig = field(default_factory=DecodeConfig)
    landmarks: LandmarkConfig = field(default_factory=LandmarkConfig)
    proposal: ProposalConfig = field(default_factory=ProposalConfig)

    def validate(self) -> PreprocessConfig:
        self.decode.validate()
        self.landmarks.validate()
        self.proposal.validate()
        return self


def to_dict(cfg: Any) -> dict[str, Any]:
    """Plain-dict form of a (nested) config dataclass."""
    return dataclasses.asdict(cfg)


def config_hash(cfg: Any) -> str:
    """Stable short hash of a config's content (keys sorted)."""
    blob = json.dumps(to_dict(cfg), sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()[:16]


def from_dict(cls: type[T], data: dict[str, Any] | None, *, where: str = "config") -> T:
    """Build a (nested) frozen dataclass from a dict, refusing unknown keys."""
    data = dict(data or {})
    if not dataclasses.is_dataclass(cls):
        raise TypeError(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ConfigError(
            f"unknown setting(s) {unknown} in {where}; valid: {sorted(fields)}"
        )
    kwargs: dict[str, Any] = {}
    for name, value in data.items():
        f = fields[name]
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default  # type: ignore[misc]
        if dataclasses.is_dataclass(default):
            if not isinstance(value, dict):
                raise ConfigError(f"{where}.{name} must be a mapping, got {value!r}")
            kwargs[name] = from_dict(type(default), value, where=f"{where}.{name}")
        else:
            if default is not None and not isinstance(default, bool) and isinstance(default, (int, float)):
                if isinstance(value, bool) or not isinstance(value, (int, float)):
                    raise ConfigError(f"{where}.{name}={value!r}; expected a number")
                value = type(default)(value) if isinstance(default, float) else value
            kwargs[name] = value
    return cls(**kwargs)  # type: ignore[return-value]


def load_config(cls: type[T], path: str | Path | None) -> T:
    """Load settings of type ``cls`` from a YAML file (or defaults when ``path`` is None)."""
    if path is None:
        cfg = cls()
    else:
        import yaml

        p = Path(path)
        if not p.is_file():
            raise ConfigError(f"config file {p} does not exist; pass a YAML file or omit --config")
        try:
            data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
        except (yaml.YAMLError, UnicodeDecodeError) as exc:
            raise ConfigError(f"config file {p} is not valid YAML ({exc.__class__.__name__}); "
                              "give a UTF-8 YAML file of settings or omit --config") from exc
        if not isinstance(data, dict):
            raise ConfigError(f"config file {p} must hold a mapping of settings")
        cfg = from_dict(cls, data, where=p.name)
    validate = getattr(cfg, "validate", None)
    if validate is not None:
        validate()
    return cfg


# Settings of the other stages live next to their code (so importing this module stays
# light); they are re-exported here lazily so every stage's settings can be found in one
# place: ``from strokescreen.config import SpeechConfig``.
_STAGE_CONFIGS = {
    "SpeechConfig": "strokescreen.audio.config",
    "DynamicsConfig": "strokescreen.features.dynamics",
    "EvaluationConfig": "strokescreen.evaluation.config",
    "SynthConfig": "strokescreen.synth.config",
}


def __getattr__(name: str) -> Any:
    if name in _STAGE_CONFIGS:
        import importlib

        return getattr(importlib.import_module(_STAGE_CONFIGS[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def choose_preset(name: str | T, presets: dict[str, T], kind: type[T], **overrides: object) -> T:
    """A preset by name from ``presets`` (or a ``kind`` instance as is), with the
    ``overrides`` that are not None replaced, validated; ConfigError for an unknown name."""
    if isinstance(name, kind):
        preset = name
    else:
        if name not in presets:
            raise ConfigError(f"unknown preset {name!r}; choose one of {sorted(presets)}")
        preset = presets[str(name)]
    changes = {k: v for k, v in overrides.items() if v is not None}
    return dataclasses.replace(preset, **changes).validate()  # type: ignore[type-var, attr-defined, no-any-return]
