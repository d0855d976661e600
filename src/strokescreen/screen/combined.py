"""Rest droop and smile movement read together: one signed test instead of two.

A weak side shows twice: its commissure sits lower at rest, and it moves less in a smile.
Healthy faces have both asymmetries too, but the two are not tied: a healthy face whose
corner moves less on one side is as likely to sit higher as lower on that side (measured
correlation of the oriented z-scores -0.14, 13 healthy faces with a rest and a smile).
Adding the two z-scores *with the orientation a weakness gives them* therefore grows a
weakness's signal (3 mm: d' about 1.9 at rest and 2.4 in the smile give 3.0 together)
while a healthy face whose two asymmetries point to different sides cancels out. The
sum is scaled to unit variance under healthy faces with the correlation taken as 0 (the
measured one is negative, so this is the conservative choice: it overstates the healthy
spread).

Orientation: a weaker *right* side lowers the rest commissure-height difference
``mouth_corner_height_lr_ipu`` (left minus right height) and raises the movement ratio
``smile_corner_movement_lr_nd`` ((left - right) / (left + right) of the corners' travel).
So ``c = (z_move - z_rest) / sqrt(2)``: positive for a weaker right side, negative for a
weaker left. Derivation and held-out checks: ``docs/norm_screen.md``. Pure functions.
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from strokescreen.features.movement import movement_scale
from strokescreen.features.normals import normal_scale
from strokescreen.jsonable import finite_or_none

REST_MEASURE = "mouth_corner_height_lr_ipu"
MOVE_MEASURE = "smile_corner_movement_lr_nd"
#: healthy correlation of the oriented rest and movement z-scores used for the scaling
#: (measured -0.14 on 13 faces; 0 overstates the healthy spread of the sum)
HEALTHY_CORRELATION = 0.0


def combined_rest_movement(face: Mapping[str, float], *, averaged: bool = True
                           ) -> dict[str, float] | None:
    """The signed combination of a face's rest droop and smile movement asymmetry.

    ``face``: measure values (no ``face_`` prefix): the rest median of
    :data:`REST_MEASURE` (IPU) and :data:`MOVE_MEASURE` (-1..1). ``averaged``: the rest
    value is a video's median (averaged landmarker noise).

    Returns ``{"z": |c|, "signed": c, "rest_z", "movement_z"}`` (``rest_z`` and
    ``movement_z`` oriented so that a weaker right side is positive in both), or None when
    either value or its healthy scale is missing.
    """
    rest = finite_or_none(face.get(REST_MEASURE))
    move = finite_or_none(face.get(MOVE_MEASURE))
    rest_scale = normal_scale(REST_MEASURE, state="rest", averaged=averaged)
    move_scale = movement_scale(MOVE_MEASURE)
    if rest is None or move is None or rest_scale is None or move_scale is None:
        return None
    z_rest = -(rest - rest_scale[0]) / rest_scale[1]
    z_move = (move - move_scale[0]) / move_scale[1]
    signed = (z_rest + z_move) / math.sqrt(2.0 + 2.0 * HEALTHY_CORRELATION)
    return {"z": abs(signed), "signed": signed, "rest_z": z_rest, "movement_z": z_move}
