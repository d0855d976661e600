"""DeepStroke-style audio-visual network and its ablation variants.

Video branch: a ResNet (34 in the paper) over the difference of two truly adjacent kept
face crops, or (backbone ``dlib-resnet29``) dlib's face-recognition ResNet, whose pooled
feature is its 128-d face embedding (:mod:`strokescreen.models.nets.dlib_resnet`).
Audio branch: a ResNet (18) over the whole-clip log-Mel spectrogram, the same
for every frame pair of a case. Lateral connections after every stage: a 1x1 convolution
maps the audio feature map into the video feature space, it is resized to the video map's
spatial size and summed into the video stream. A fused head on the pooled features of
both branches gives one logit per frame pair; a case's probability is the mean of its
frame-pair probabilities.

Variants (:data:`strokescreen.models.nets.variants.VARIANTS`) switch the lateral
connections, the adversarial discriminator, transfer learning, the place of the frame
difference and the branches.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch
import torch.nn.functional as F
from torch import nn

from strokescreen.models.nets.resnet import ResNet, init_resnet
from strokescreen.models.nets.variants import VARIANTS, NetSpec

if TYPE_CHECKING:
    from strokescreen.models.nets.dlib_resnet import DlibResNet29

__all__ = ["VARIANTS", "VIDEO_BACKBONES", "DeepStrokeNet", "NetSpec"]

VIDEO_BACKBONES = ("resnet", "dlib-resnet29")


class DeepStrokeNet(nn.Module):
    """Audio-visual frame-pair classifier.

    Parameters
    ----------
    spec : NetSpec
    video_depth, audio_depth : 18 or 34
    width : float
        Channel multiplier of both backbones (1.0 = torchvision's ResNets).
    adv_stage : 1..4
        Stage whose (post-lateral) feature map is the embedding the discriminator sees.
    audio_channels : 1 or 3
        Channels of the spectrogram image (3: the paper's picture-like image).
    meta_dim : int
        Width of the clinical-metadata vector (``spec.metadata`` only): a two-layer MLP
        (``meta_dim -> meta_hidden -> meta_hidden``, ReLU) encodes it and its output is
        concatenated with the pooled audio-visual features before the head.
    video_backbone : ``"resnet"`` (ResNet-``video_depth`` at ``width``) or
        ``"dlib-resnet29"`` (dlib's face-recognition ResNet at its own widths; stages of
        32/64/128/256 channels, 128-d pooled embedding).
    """

    def __init__(
        self,
        spec: NetSpec,
        *,
        video_depth: int = 34,
        audio_depth: int = 18,
        width: float = 1.0,
        adv_stage: int = 4,
        audio_channels: int = 1,
        meta_dim: int = 0,
        meta_hidden: int = 16,
        video_backbone: str = "resnet",
    ) -> None:
        super().__init__()
        if not (spec.video or spec.audio):
            raise ValueError("a variant needs at least one branch")
        if adv_stage not in (1, 2, 3, 4):
            raise ValueError(f"adv_stage must be 1..4, got {adv_stage}")
        self.spec = spec
        self.adv_stage = adv_stage
        if video_backbone not in VIDEO_BACKBONES:
            raise ValueError(f"video_backbone must be one of {VIDEO_BACKBONES}, got "
                             f"{video_backbone!r}")
        self.video_backbone = video_backbone
        self.video: ResNet | DlibResNet29 | None = None
        if spec.video and video_backbone == "dlib-resnet29":
            from strokescreen.models.nets.dlib_resnet import DlibResNet29

            self.video = DlibResNet29()
        elif spec.video:
            self.video = ResNet(video_depth, width=width, in_channels=3, num_classes=None)
        self.audio = (ResNet(audio_depth, width=width, in_channels=audio_channels,
                             num_classes=None)
                      if spec.audio else None)
        self.lateral: nn.ModuleList | None = None
        if spec.lateral and self.video is not None and self.audio is not None:
            self.lateral = nn.ModuleList(
                nn.Conv2d(ca, cv, kernel_size=1)
                for ca, cv in zip(self.audio.stage_channels, self.video.stage_channels,
                                  strict=True)
            )
        feat = (self.video.out_channels if self.video else 0) + (
            self.audio.out_channels if self.audio else 0)
        self.meta: nn.Sequential | None = None
        if getattr(spec, "metadata", False):
            if meta_dim < 1:
                raise ValueError("a metadata variant needs meta_dim >= 1")
            self.meta = nn.Sequential(nn.Linear(meta_dim, meta_hidden), nn.ReLU(),
                                      nn.Linear(meta_hidden, meta_hidden), nn.ReLU())
            feat += meta_hidden
        self.head = nn.Linear(feat, 1)
        self.frozen: set[str] = set()

    # -- set-up ---------------------------------------------------------------------
    def init_weights(self, generator: torch.Generator) -> None:
        """Deterministic initialisation of every parameter from ``generator`` (a dlib
        backbone gets its own from-scratch start, see ``DlibResNet29.init_from_scratch``)."""
        init_resnet(self, generator)
        if self.video is not None and self.video_backbone == "dlib-resnet29":
            from strokescreen.models.nets.dlib_resnet import DlibResNet29

            assert isinstance(self.video, DlibResNet29)
            self.video.init_from_scratch(generator)

    def freeze(self, branch: str) -> None:
        """Freeze a backbone (``"video"``/``"audio"``): no gradients, batch norms in eval."""
        module = getattr(self, branch)
        if module is None:
            return
        for p in module.parameters():
            p.requires_grad_(False)
        self.frozen.add(branch)
        module.eval()

    def train(self, mode: bool = True) -> DeepStrokeNet:
        super().train(mode)
        for branch in self.frozen:
            getattr(self, branch).eval()
        return self

    @property
    def embedding_channels(self) -> int:
        """Channels of the embedding at ``adv_stage`` (video stream, else audio)."""
        net = self.video if self.video is not None else self.audio
        assert net is not None
        return net.stage_channels[self.adv_stage - 1]

    # -- forward --------------------------------------------------------------------
    def _video_stem(self, frames_a: torch.Tensor, frames_b: torch.Tensor) -> torch.Tensor:
        assert self.video is not None
        if self.spec.featdiff:
            x = self.video.stem(frames_b) - self.video.stem(frames_a)
        elif self.video_backbone == "dlib-resnet29":
            from strokescreen.models.nets.dlib_resnet import stretch_difference

            x = self.video.stem(stretch_difference(frames_b - frames_a))
        else:
            x = self.video.stem(frames_b - frames_a)
        return self.video.maxpool(x)

    def forward(
        self,
        frames_a: torch.Tensor | None,
        frames_b: torch.Tensor | None,
        audio: torch.Tensor | None,
        audio_index: torch.Tensor | None,
        *,
        video_mask: torch.Tensor | None = None,
        audio_mask: torch.Tensor | None = None,
        meta: torch.Tensor | None = None,
    ) -> dict[str, torch.Tensor]:
        """One logit per frame pair.

        Parameters
        ----------
        frames_a, frames_b : (B, 3, H, W) float, normalised crops of the earlier / later
            frame of each pair (None for ``audio-only``).
        audio : (U, 1, n_mels, n_frames) float, one normalised log-Mel image per case in
            the batch (None for ``video-only``).
        audio_index : (B,) long, row of ``audio`` for each frame pair.
        video_mask, audio_mask : (B,) float in {0, 1}; 0 drops that branch for that pair
            (missing input or branch dropout): its pooled features and lateral input are
            zeroed, so the head decides from the other branch.
        meta : (U, meta_dim) float, one standardised metadata vector per case in the batch
            (row ``audio_index`` of each pair); metadata variants only.

        Returns
        -------
        dict with ``logit`` (B,), ``embedding`` (B, C, h, w) at ``adv_stage`` and
        ``pooled`` (B, D) head input.
        """
        a_stages: list[torch.Tensor] = []
        pooled: list[torch.Tensor] = []
        embedding: torch.Tensor | None = None
        if self.audio is not None:
            assert audio is not None and audio_index is not None
            a = self.audio.maxpool(self.audio.stem(audio))
            for stage in self.audio.stages():
                a = stage(a)
                a_stages.append(a)
        if self.video is not None:
            assert frames_a is not None and frames_b is not None
            v = self._video_stem(frames_a, frames_b)
            for s, stage in enumerate(self.video.stages()):
                v = stage(v)
                if self.lateral is not None:
                    lat = self.lateral[s](a_stages[s])
                    if lat.shape[-2:] != v.shape[-2:]:
                        lat = F.interpolate(lat, size=v.shape[-2:], mode="bilinear",
                                            align_corners=False)
                    lat = lat[audio_index]
                    if audio_mask is not None:
                        lat = lat * audio_mask.view(-1, 1, 1, 1)
                    v = v + lat
                if s + 1 == self.adv_stage:
                    embedding = v
            pv = self.video.pool(v)
            if video_mask is not None:
                pv = pv * video_mask.view(-1, 1)
            pooled.append(pv)
        if self.audio is not None:
            pa = self.audio.pool(a_stages[-1])[audio_index]
            if audio_mask is not None:
                pa = pa * audio_mask.view(-1, 1)
            pooled.append(pa)
            if embedding is None:
                embedding = a_stages[self.adv_stage - 1][audio_index]
        if self.meta is not None:
            if meta is None or audio_index is None:
                raise ValueError("a metadata variant needs meta and audio_index")
            pooled.append(self.meta(meta)[audio_index])
        feats = torch.cat(pooled, dim=1)
        assert embedding is not None
        return {"logit": self.head(feats).squeeze(1), "embedding": embedding, "pooled": feats}
