"""An optional planted shortcut in the synthetic cohort (``synth --shortcut lighting``).

Models trained on full-face images have been found to reach near-perfect accuracy by
learning lighting and background instead of stroke signs. To test that a shortcut check
catches such a model, the generator can plant one: a side lamp.

``lighting``: a case "recorded under the side lamp" gets a horizontal exposure gradient
over the whole frame, ``1 + strength`` times brighter at the image's left edge and
``1 - strength`` at its right edge (face and background alike). Whether a case is under
the lamp agrees with its label with probability ``agreement`` (stroke cases mostly under
the lamp, as if most strokes were filmed in one ward); the draw comes from its own random
stream of (seed, case index), so a cohort with and without the shortcut has the same
faces, voices and labels. Mirroring a frame moves the lamp to the other side, which a
model that reads the lamp (and not the face) cannot follow.
"""

from __future__ import annotations

import numpy as np

from strokescreen.errors import InputError

SHORTCUTS = ("none", "lighting")
SHORTCUT_STREAM = 0x5C07


def check_shortcut(name: str, agreement: float, strength: float) -> None:
    """InputError for an unknown shortcut or settings out of range."""
    if name not in SHORTCUTS:
        raise InputError(f"--shortcut {name!r} is not known; use one of {', '.join(SHORTCUTS)}")
    if not 0.5 <= agreement <= 1.0:
        raise InputError(f"shortcut agreement {agreement}: use 0.5 (no link) to 1 (label = lamp)")
    if not 0.0 < strength < 1.0:
        raise InputError(f"shortcut strength {strength}: use a value between 0 and 1")


def lamp_on(seed: int, case_index: int, label: int, *, agreement: float) -> bool:
    """Whether case ``case_index`` is under the side lamp (agrees with ``label`` with
    probability ``agreement``; its own random stream, independent of everything else)."""
    rng = np.random.default_rng(np.random.SeedSequence([seed, SHORTCUT_STREAM, case_index]))
    agree = bool(rng.random() < agreement)
    return bool(label) == agree


def lamp_gain(width: int, *, strength: float) -> np.ndarray:
    """Per-column exposure gain of the side lamp, shape (width,): 1 + strength at the
    left edge falling linearly to 1 - strength at the right edge."""
    x = (np.arange(width, dtype=np.float32) + 0.5) / width
    return (1.0 + strength * (1.0 - 2.0 * x)).astype(np.float32)


def apply_lamp(img: np.ndarray, gain: np.ndarray) -> np.ndarray:
    """``img`` (uint8, (H, W, 3)) lit by the per-column ``gain`` (W,); uint8 out."""
    out = img.astype(np.float32) * gain[None, :, None]
    return np.clip(out + 0.5, 0, 255).astype(np.uint8)


def card_lines(
    name: str,
    *,
    agreement: float,
    strength: float,
    n_lamp: int,
    n_cases: int,
    n_lamp_stroke: int,
    n_stroke: int,
) -> list[str]:
    """The cohort card's section on the planted shortcut (empty when there is none)."""
    if name == "none":
        return []
    return [
        "",
        "## Planted shortcut (lighting)",
        "",
        f"A side lamp: {n_lamp} of {n_cases} cases are lit {100 * strength:.0f} % brighter at "
        f"the image's left edge and {100 * strength:.0f} % darker at its right edge; {n_lamp_stroke} "
        f"of the {n_stroke} stroke cases are under the lamp (lamp agrees with the label with "
        f"probability {agreement:g}). The lamp says nothing about the face: a model that "
        "learns it cheats. `strokescreen shortcut-check` should expose such a model. Column "
        "`shortcut_lamp` of `truth/cases.csv` says which cases are lit.",
    ]
