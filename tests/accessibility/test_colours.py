"""Colour contrast that axe-core cannot measure: SVG chart strokes and bars, legend swatches,
focus rings and band borders (WCAG 1.4.11, 3:1 for graphics), plus the text colours the pages
set, checked on both page backgrounds (WCAG 1.4.3, 4.5:1) — read from static/css/app.css, so a
new shade that fails is caught before a page shows it."""

from __future__ import annotations

import re

import pytest

from tests.helpers import REPO_ROOT

CSS = (REPO_ROOT / "static" / "css" / "app.css").read_text()
ROOT_BLOCK = CSS[CSS.index(":root") : CSS.index("}", CSS.index(":root"))]
COLOURS = dict(re.findall(r"--([\w-]+):\s*(#[0-9a-fA-F]{6})\s*;", ROOT_BLOCK))
BACKGROUNDS = ("surface", "bg")  # cards are white, the page behind them light grey
TEXT = ("text", "muted", "faint", "link", "brand-dark", "green", "red", "missed", "upcoming")
GRAPHICS = ("brand-light", "focus", "yellow", "ctl", "atl", "tsb")


def relative_luminance(hex_colour: str) -> float:
    """WCAG 2.1's relative luminance of an sRGB colour."""
    channels = [int(hex_colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast_ratio(a: str, b: str) -> float:
    lighter, darker = sorted((relative_luminance(a), relative_luminance(b)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def test_contrast_ratio_matches_the_wcag_examples():
    # Black on white is the maximum 21:1; WCAG's own example #767676 on white is 4.54:1.
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21.0)
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)


@pytest.mark.parametrize("name", TEXT)
@pytest.mark.parametrize("background", BACKGROUNDS)
def test_text_colours_reach_4_5_to_1(name, background):
    assert contrast_ratio(COLOURS[name], COLOURS[background]) >= 4.5


@pytest.mark.parametrize("name", GRAPHICS)
def test_chart_and_interface_colours_reach_3_to_1_on_cards(name):
    assert contrast_ratio(COLOURS[name], COLOURS["surface"]) >= 3.0


def test_white_text_on_the_primary_button_reaches_4_5_to_1():
    assert contrast_ratio("#ffffff", COLOURS["brand"]) >= 4.5
