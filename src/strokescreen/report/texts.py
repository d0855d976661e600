"""Fixed sentences that every per-case report and result carries."""

from __future__ import annotations

DISCLAIMER = (
    "strokescreen is a screening aid, not a diagnosis. A negative result does not rule out "
    "a stroke: follow your stroke protocol and clinical judgement."
)
SYNTHETIC_TEXT = (
    "The risk model behind this result was trained on synthetic (computer-generated) faces "
    "and speech only; its probability and operating point have not been validated on patients."
)
RERECORD = (
    "keep the face centred and frontal, lit from the front, in a quiet room, with the phone "
    "held steady at eye level, and speak the task sentences"
)
NO_MODEL_NOTE = (
    "No trained model was given, so the decision comes from the norm-based screen, not a "
    "trained risk model: each sign (facial asymmetry by region, speech rate) against its "
    "healthy normal range; no probability. Give a trained model folder (--model) for a "
    "risk estimate."
)
