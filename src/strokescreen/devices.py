"""Where torch work runs: the ``device`` setting shared by every trainable network.

A device is named ``cpu``, ``cuda`` (the first GPU), ``cuda:N`` or ``auto`` (``cuda`` when
torch sees a GPU, else ``cpu``). :func:`check_device` refuses a name torch cannot use here
with one line; :func:`resolve_device` turns a name into a ``torch.device``. torch is
imported inside the functions: this module sits below every stage and costs nothing to
import.
"""

from __future__ import annotations

from typing import Any

from strokescreen.errors import ConfigError

CHOICES = "cpu, cuda, cuda:N or auto"


def visible_gpus() -> int:
    """Number of CUDA GPUs torch sees (0 without CUDA)."""
    import torch

    return torch.cuda.device_count() if torch.cuda.is_available() else 0


def check_device(device: str, *, option: str = "device") -> None:
    """ConfigError unless ``device`` is cpu, auto, or a CUDA device torch can see.

    option : how the setting is named in the message (``--device`` on the command line).
    """
    if device in ("cpu", "auto"):
        return
    if not isinstance(device, str) or (
            device != "cuda" and not (device.startswith("cuda:") and device[5:].isdigit())):
        raise ConfigError(f"{option} {device!r}: use {CHOICES}")
    n = visible_gpus()
    index = int(device[5:]) if ":" in device else 0
    if index >= n:
        raise ConfigError(f"{option} {device}: torch sees {n} CUDA GPU(s) here; use "
                          f"{option} cpu (or auto)")


def resolve_device(device: str) -> Any:
    """``"auto"`` -> cuda when available, else cpu; other names as given (a
    ``torch.device``)."""
    import torch

    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    return torch.device(device)


def describe_device(device: Any) -> dict[str, Any]:
    """What a run records about where it ran: the device and, on CUDA, the GPU's name."""
    import torch

    dev = torch.device(device)
    info: dict[str, Any] = {"device": str(dev)}
    if dev.type == "cuda":
        info["gpu"] = torch.cuda.get_device_name(dev)
    return info
