"""The state of a face in each frame: rest, smile, eye closure, speech (mouth moving) or other.

Healthy asymmetry depends on what the face is doing: the MEEI normals' commissure-height
difference has an RMS of 0.026 IPU at rest and 0.040 in a small smile. Normal ranges are
therefore kept per state (``face_normals.json``) and a measure is compared with the range of
the state it was taken in.

A frame's state comes from four landmark summaries compared with a *reference* face:

- ``eye``: mean palpebral fissure height of both eyes; ``width``: commissure distance;
  ``corner``: mean commissure height below the inter-pupil line; ``opening``: inner-lip
  distance (all IPU);
- reference: a video's own rest (median over its kept frames of least mouth opening), or,
  for a photo, the MEEI normals' rest medians (:data:`POPULATION_REST`).

Rules, in this order (thresholds from the MEEI normals' changes from each subject's rest:
eye closures keep 0-22 % of the rest opening and every other expression 38 % or more;
smiles lift the corners to 81-94 % of their rest height and widen the mouth by 2-50 %;
mouth-open expressions open it by 0.10-0.20 IPU; a pucker narrows the mouth to 60-80 %):

1. ``eye_closure``: eye below :data:`EYE_CLOSED_RATIO` of the reference;
2. ``smile``: corners above :data:`SMILE_CORNER_RATIO` of the reference height and the
   mouth wider than :data:`SMILE_WIDTH_RATIO` of it;
3. ``speech``: mouth open by more than :data:`MOUTH_OPEN_IPU` beyond the reference (in a
   recording of speech, the mouth-moving frames);
4. ``rest``: mouth width within :data:`REST_WIDTH_RATIO` of the reference;
5. ``other`` (a pucker, a grimace): compared with no range.

Pure functions; no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

STATES: tuple[str, ...] = ("rest", "smile", "eye_closure", "speech")
OTHER = "other"
EYE_CLOSED_RATIO = 0.30
SMILE_CORNER_RATIO = 0.95
SMILE_WIDTH_RATIO = 1.02
MOUTH_OPEN_IPU = 0.05
REST_WIDTH_RATIO = (0.85, 1.15)
#: MEEI normals' rest medians (10 subjects, iBUG annotations), IPU: a photo's reference
POPULATION_REST: dict[str, float] = {"eye": 0.130, "width": 0.827, "corner": 1.109,
                                     "opening": 0.005}
REST_PERCENTILE = 30.0


def state_summaries(measures: Mapping[str, np.ndarray]) -> dict[str, np.ndarray]:
    """The four summaries (IPU, per frame) from :func:`face_measures` output."""
    def arr(name: str) -> np.ndarray:
        return np.atleast_1d(np.asarray(measures[name], dtype=float))

    return {
        "eye": (arr("eye_opening_r_ipu") + arr("eye_opening_l_ipu")) / 2,
        "width": arr("mouth_width_ipu"),
        "corner": (arr("mouth_corner_height_r_ipu") + arr("mouth_corner_height_l_ipu")) / 2,
        "opening": arr("mouth_opening_ipu"),
    }


def own_reference(summaries: Mapping[str, np.ndarray], use: np.ndarray | None = None
                  ) -> dict[str, float]:
    """A recording's rest reference: medians over its ``use`` frames whose mouth opening is
    at or below its 30th percentile; the population rest where nothing is usable."""
    opening = np.asarray(summaries["opening"], dtype=float)
    ok = np.isfinite(opening) if use is None else np.asarray(use, bool) & np.isfinite(opening)
    if not ok.any():
        return dict(POPULATION_REST)
    low = ok & (opening <= np.percentile(opening[ok], REST_PERCENTILE))
    out = {}
    for k, v in summaries.items():
        x = np.asarray(v, dtype=float)[low]
        x = x[np.isfinite(x)]
        out[k] = float(np.median(x)) if x.size else POPULATION_REST[k]
    return out


def classify_states(summaries: Mapping[str, np.ndarray], reference: Mapping[str, float]
                    ) -> np.ndarray:
    """State label per frame (``rest``/``smile``/``eye_closure``/``speech``/``other``).

    Frames with a NaN summary are ``other``.
    """
    eye = np.asarray(summaries["eye"], dtype=float)
    width = np.asarray(summaries["width"], dtype=float)
    corner = np.asarray(summaries["corner"], dtype=float)
    opening = np.asarray(summaries["opening"], dtype=float)
    out = np.full(eye.shape, OTHER, dtype=object)
    finite = np.isfinite(eye) & np.isfinite(width) & np.isfinite(corner) & np.isfinite(opening)
    with np.errstate(invalid="ignore", divide="ignore"):
        wr = width / reference["width"]
        closed = finite & (eye < EYE_CLOSED_RATIO * reference["eye"])
        smile = (finite & ~closed & (corner < SMILE_CORNER_RATIO * reference["corner"])
                 & (wr > SMILE_WIDTH_RATIO))
        speech = finite & ~closed & ~smile & (opening > reference["opening"] + MOUTH_OPEN_IPU)
        rest = (finite & ~closed & ~smile & ~speech & (wr >= REST_WIDTH_RATIO[0])
                & (wr <= REST_WIDTH_RATIO[1]))
    out[rest] = "rest"
    out[speech] = "speech"
    out[smile] = "smile"
    out[closed] = "eye_closure"
    return out.astype(str)


#: a photo's mouth width is judged against the population's, whose spread between people
#: (SD 9 % of the mean in the MEEI normals) is wider than one person's: below this share
#: of the population width the face is puckering, otherwise a not-open, not-smiling face
#: counts as at rest.
PHOTO_PUCKER_RATIO = 0.75
#: a photo has no speech, and lips at rest are apart in some healthy faces (the MEEI rest
#: photos open them up to 0.10 IPU): a photo's mouth counts as open beyond this
PHOTO_OPEN_IPU = 0.12


def photo_state(measures: Mapping[str, np.ndarray]) -> str:
    """The estimated state of one face (a photo), against the population rest: rest,
    smile, eye_closure or other (a photo has no speech; a clearly open mouth or a pucker
    is ``other``)."""
    summaries = state_summaries(measures)
    state = str(classify_states(summaries, POPULATION_REST)[0])
    width = float(summaries["width"][0])
    if state == "speech":
        return "rest" if float(summaries["opening"][0]) <= PHOTO_OPEN_IPU else OTHER
    if state == OTHER and width >= PHOTO_PUCKER_RATIO * POPULATION_REST["width"]:
        return "rest"
    return state
