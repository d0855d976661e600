"""Band pictures of the screen's signs: the marker lands in the zone of the sign's status."""

from __future__ import annotations

import re

import pytest

from strokescreen.report.bands import AMBER, GREEN, GREY, RED, band_svg
from strokescreen.screen import norm_screen
from tests.screen.test_normative import GOOD, SPEECH_OK, drooped, features


def zone_at_marker(svg: str) -> str:
    """Colour of the bar under the value marker."""
    marker = float(re.search(r'<line x1="([\d.]+)" x2="[\d.]+" y1="6" y2="18"', svg).group(1))
    for x, w, colour in re.findall(r'<rect x="([\d.]+)" y="6" width="([\d.]+)" height="10" '
                                   r'fill="(#\w+)"/>', svg):
        if float(x) <= marker <= float(x) + float(w):
            return colour
    raise AssertionError("marker outside the bar")


@pytest.mark.parametrize(("mm", "colour", "status"), [
    (0.0, GREEN, "within"), (3.0, AMBER, "borderline"), (8.0, RED, "sign")])
def test_face_band_marker_sits_in_the_zone_of_its_status(mm, colour, status):
    res = norm_screen(features(drooped(mm)), quality=GOOD)
    index = res["signs"][0]
    assert index["status"] == status
    svg = band_svg(index)
    assert svg.startswith("<svg") and svg.endswith("</svg>")
    assert zone_at_marker(svg) == colour
    assert 'stroke-dasharray="2,1"' in svg  # the healthy 95 % tick


def test_speech_band_marks_a_slow_rate_red_and_a_normal_one_green():
    slow = dict(SPEECH_OK, speech_utterance_duration=26.0, speech_rate=40 / 26.0)
    res = norm_screen(features(drooped(0.0), slow), quality=GOOD)
    rate = next(s for s in res["signs"] if s["name"] == "speech_rate")
    artic = next(s for s in res["signs"] if s["name"] == "speech_articulation_rate")
    assert zone_at_marker(band_svg(rate)) == RED
    assert zone_at_marker(band_svg(artic)) == GREEN


def test_missing_value_is_a_grey_not_assessed_band():
    svg = band_svg({"label": "speech rate <pauses>", "kind": "speech", "value": None,
                    "normal_low": 3.0, "normal_high": 6.5})
    assert GREY in svg and "not assessed" in svg and "&lt;pauses&gt;" in svg
