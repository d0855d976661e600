"""Neural networks: torchvision-compatible ResNets, the DeepStroke audio-visual net and
its subject discriminator.

Importing this package is light; the torch modules load on first attribute access
(``from strokescreen.models.nets import DeepStrokeNet`` imports torch).
"""

from __future__ import annotations

import importlib
from typing import Any

_LAZY = {
    "VARIANTS": "variants",
    "NetSpec": "variants",
    "DeepStrokeNet": "deepstroke",
    "SubjectDiscriminator": "discriminator",
    "discriminator_loss": "discriminator",
    "encoder_adversarial_loss": "discriminator",
    "sample_partners": "discriminator",
    "ResNet": "resnet",
    "load_weights_file": "resnet",
    "resnet18": "resnet",
    "resnet34": "resnet",
}

__all__ = sorted(_LAZY)


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
