"""The one formatting module: units worked out by hand.

1 mi = 1609.344 m exactly, so 10 000 m = 6.2137 mi → "6.21 mi"; 300 s/km * 1.609344 =
482.8 s/mi → 8:03 /mi.
"""

import ast
from pathlib import Path

import pytest

from training import formatting

PROJECT_ROOT = Path(formatting.__file__).resolve().parent.parent
APPS = ("tracker", "accounts", "training", "analytics", "coaching", "dashboard")


def test_ten_thousand_metres_is_six_point_two_one_miles():
    assert formatting.format_distance(10_000, "mi") == "6.21 mi"
    assert formatting.format_distance(10_000, "km") == "10.00 km"


def test_a_marathon_in_both_units():
    # 42 195 / 1609.344 = 26.2188
    assert formatting.format_distance(42_195, "mi") == "26.22 mi"
    assert formatting.format_distance(42_195, "km") == "42.20 km"


def test_pace_of_five_minutes_per_km_is_eight_oh_three_per_mile():
    assert formatting.format_pace(300, "km") == "5:00 /km"
    assert formatting.format_pace(300, "mi") == "8:03 /mi"


def test_pace_rounds_to_the_nearest_second():
    assert formatting.format_pace(299.6, "km") == "5:00 /km"
    assert formatting.format_pace(359.4, "km") == "5:59 /km"


def test_pace_variants_differ_only_in_the_gap_before_the_unit():
    """Each face keeps the text its readers know: the dashboard "4:30 /km", calendar files
    "4:30/km", the admin's table cells a no-break space; the CSV column the bare number."""
    assert formatting.format_pace(270, "km", gap="") == "4:30/km"
    assert formatting.format_pace(270, "mi", gap="") == "7:15/mi"
    assert formatting.format_pace(300, "km", gap=formatting.NO_BREAK_SPACE) == "5:00\u00a0/km"
    assert formatting.format_pace_number(295, "km", empty="") == "4:55"
    assert formatting.format_pace_number(None, "km", empty="") == ""
    assert (
        formatting.format_pace_range(255, 265, "km", gap=formatting.NO_BREAK_SPACE)
        == "4:15\N{EN DASH}4:25\u00a0/km"
    )


def test_a_pace_of_an_hour_or_more_per_unit_reads_as_hours():
    assert formatting.format_pace_number(3723, "km") == "1:02:03"


def test_there_is_one_pace_formatter():
    """``format_pace`` is defined once, here; the admin and the exports call it."""
    homes = [
        str(path.relative_to(PROJECT_ROOT))
        for app in APPS
        for path in sorted((PROJECT_ROOT / app).rglob("*.py"))
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef) and node.name == "format_pace"
    ]
    assert homes == ["training/formatting.py"]


def test_durations_read_as_hours_minutes_seconds():
    assert formatting.format_duration(3723) == "1:02:03"
    assert formatting.format_duration(2700) == "0:45:00"
    assert formatting.format_duration(59.6) == "0:01:00"


def test_missing_values_show_a_dash():
    assert formatting.format_distance(None, "km") == "—"
    assert formatting.format_pace(None, "mi") == "—"
    assert formatting.format_duration(None) == "—"


def test_typed_distance_converts_to_metres():
    assert formatting.distance_to_m(6.21, "mi") == pytest.approx(
        9994.03, abs=0.01
    )  # 6 * 1609.344 + 0.21 * 1609.344
    assert formatting.distance_to_m(10.5, "km") == pytest.approx(10_500)


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("1:02:03", 3723),
        ("0:45:00", 2700),
        ("45:00", 2700),
        ("7:05", 425),
        ("75:30", 4530),  # without hours, minutes may pass 60
        (" 3:00:00 ", 10800),
        ("12:5", 725),
    ],
)
def test_durations_parse_from_h_mm_ss_and_mm_ss(text, seconds):
    assert formatting.parse_duration(text) == seconds


@pytest.mark.parametrize(
    "text", ["", "45", "1:60:00", "10:75", "abc", "1:2:3:4", "-5:00", "5.5:00"]
)
def test_bad_durations_are_refused(text):
    with pytest.raises(formatting.DurationParseError):
        formatting.parse_duration(text)


def test_pace_ranges_share_one_unit_label():
    assert formatting.format_pace_range(255, 265, "km") == "4:15\N{EN DASH}4:25 /km"
    # 255 * 1.609344 = 410.4 s/mi (6:50); 265 * 1.609344 = 426.5 s/mi (7:06)
    assert formatting.format_pace_range(255, 265, "mi") == "6:50\N{EN DASH}7:06 /mi"
    assert formatting.format_pace_range(None, 265, "km") == "—"


def test_elevation_changes_carry_their_sign():
    assert formatting.format_metres_change(12.6) == "+13 m"
    assert formatting.format_metres_change(-0.6) == "-1 m"
    assert formatting.format_metres_change(0.4) == "0 m"
    assert formatting.format_metres_change(-0.4) == "0 m"


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [(510, "8:30"), (3599.6, "1:00:00"), (3723, "1:02:03"), (59, "0:59")],
)
def test_short_clock_drops_the_hour_only_under_an_hour(seconds, expected):
    assert formatting.format_clock_short(seconds) == expected


def test_short_clock_shows_the_given_placeholder_for_no_value():
    assert formatting.format_clock_short(None) == "—"
    assert formatting.format_clock_short(None, empty="") == ""
