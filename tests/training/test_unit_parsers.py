"""training.unit_parsers: every accepted form of a typed distance, duration, pace and step row,
and every refused one with a message that says what to type. Expected values are worked out by
hand from the definitions (1 mi = 1609.344 m)."""

from __future__ import annotations

import pytest

from training import formatting
from training.steps import steps_totals, validate_steps
from training.unit_parsers import (
    DurationParseError,
    UnitParseError,
    parse_distance_m,
    parse_duration_s,
    parse_pace_s_per_km,
    parse_steps_text,
)

# --- distances --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units", "metres"),
    [
        ("10", "km", 10_000.0),
        ("10", "mi", 16_093.44),
        ("10 km", "mi", 10_000.0),
        ("10km", "km", 10_000.0),
        ("10 K", "km", 10_000.0),
        ("6.2 mi", "km", 9_977.933),  # 6.2 x 1609.344 = 9977.9328
        ("6.2mi", "km", 9_977.933),
        ("1 mile", "km", 1_609.344),
        ("26.2 miles", "km", 42_164.813),  # 26.2 x 1609.344 = 42164.8128
        ("400 m", "mi", 400.0),
        ("400m", "km", 400.0),
        ("21.0975", "km", 21_097.5),
        (".5 km", "km", 500.0),
        ("  12.5 KM ", "km", 12_500.0),
    ],
)
def test_distance_accepted_forms(text, units, metres):
    assert parse_distance_m(text, units) == pytest.approx(metres, abs=1e-6)


@pytest.mark.parametrize("text", ["", "   ", None])
def test_blank_distance_is_none(text):
    assert parse_distance_m(text, "km") is None


@pytest.mark.parametrize(
    "text", ["ten", "10 furlongs", "10,5", "10,5 km", "-5 km", "0", "0 km", "km", "10 k m", "1e3"]
)
def test_distance_refused_forms_say_what_to_type(text):
    with pytest.raises(UnitParseError) as caught:
        parse_distance_m(text, "mi")
    assert "10 km, 6.2 mi or 400 m" in str(caught.value)
    assert "(in mi)" in str(caught.value)


# --- durations --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("45:00", 2700),
        ("1:42:40", 6160),
        ("0:45:00", 2700),
        ("75:00", 4500),
        ("5:07", 307),
        (" 2:00 ", 120),
        ("3:5", 185),
    ],
)
def test_duration_accepted_forms(text, seconds):
    assert parse_duration_s(text) == seconds


def test_blank_duration_is_none():
    assert parse_duration_s("  ") is None


@pytest.mark.parametrize(
    "text", ["45", "45 min", "1:60:00", "1:00:60", "0:00", "00:00:00", "abc", "1:2:3:4", "-5:00"]
)
def test_duration_refused_forms_say_what_to_type(text):
    with pytest.raises(DurationParseError) as caught:
        parse_duration_s(text)
    assert "mm:ss" in str(caught.value) or "45:00" in str(caught.value)


# --- paces ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units", "s_per_km"),
    [
        ("5:45", "km", 345.0),
        ("4:00", "km", 240.0),
        ("9:15", "mi", 344.861),  # 555 s per 1609.344 m = 344.861 s/km
        ("8:03", "mi", 300.122),  # 483 s per mile
        ("5:45 /km", "mi", 345.0),
        ("5:45/km", "mi", 345.0),
        ("5:45 min/km", "mi", 345.0),
        ("9:15 /mi", "km", 344.861),
        ("9:15/mile", "km", 344.861),
        ("12:00", "km", 720.0),
    ],
)
def test_pace_accepted_forms(text, units, s_per_km):
    assert parse_pace_s_per_km(text, units) == pytest.approx(s_per_km, abs=1e-3)


@pytest.mark.parametrize(
    "text", ["345", "5.45", "5:60", "0:00", "5:45 /lap", "5:4", "fast", "5:45:00", "-5:45"]
)
def test_pace_refused_forms_say_what_to_type(text):
    with pytest.raises(UnitParseError) as caught:
        parse_pace_s_per_km(text, "km")
    assert "per km, e.g. 5:45" in str(caught.value)


def test_blank_pace_is_none():
    assert parse_pace_s_per_km("", "mi") is None


# --- steps as rows ----------------------------------------------------------------------------


def test_step_rows_with_a_repeat_block():
    steps = parse_steps_text(
        "warmup 2 km\n\n5 x [work 1 km at 4:00; jog 2 min]\ncooldown 10:00", "km"
    )
    assert steps == [
        {"kind": "warmup", "repeat": 1, "distance_m": 2000.0},
        {
            "kind": "repeat",
            "repeat": 5,
            "steps": [
                {
                    "kind": "work",
                    "repeat": 1,
                    "distance_m": 1000.0,
                    "target_pace_min_s_per_km": 240.0,
                    "target_pace_max_s_per_km": 240.0,
                },
                {"kind": "recovery", "repeat": 1, "duration_s": 120},
            ],
        },
        {"kind": "cooldown", "repeat": 1, "duration_s": 600},
    ]
    assert validate_steps(steps) == steps
    # 2 + 5 x 1 km, and the timed steps' distance unknown: no distance total; time likewise.
    assert steps_totals(steps) == (None, None)


@pytest.mark.parametrize(
    ("row", "step"),
    [
        (
            "6 x work 400 m at 1:30-1:35",
            {
                "kind": "work",
                "repeat": 6,
                "distance_m": 400.0,
                "target_pace_min_s_per_km": 90.0,
                "target_pace_max_s_per_km": 95.0,
            },
        ),
        (
            "6 \u00d7 work 400 m @ 1:35-1:30",
            {
                "kind": "work",
                "repeat": 6,
                "distance_m": 400.0,
                "target_pace_min_s_per_km": 90.0,
                "target_pace_max_s_per_km": 95.0,
            },
        ),
        ("recovery 90 s", {"kind": "recovery", "repeat": 1, "duration_s": 90}),
        ("rest 1 min", {"kind": "recovery", "repeat": 1, "duration_s": 60}),
        ("Warm-up 1 mi", {"kind": "warmup", "repeat": 1, "distance_m": 1609.344}),
        (
            "work 1 at 6:26 /mi",
            {
                "kind": "work",
                "repeat": 1,
                "distance_m": 1000.0,
                "target_pace_min_s_per_km": 239.849,
                "target_pace_max_s_per_km": 239.849,
            },
        ),
    ],
)
def test_single_step_rows(row, step):
    [parsed] = parse_steps_text(row, "km")
    assert parsed.keys() == step.keys()
    for key, value in step.items():
        assert parsed[key] == (
            pytest.approx(value, abs=1e-3) if isinstance(value, float) else value
        )


def test_miles_runner_rows_are_in_miles():
    [step] = parse_steps_text("work 1 at 6:00", "mi")
    assert step["distance_m"] == 1609.344
    assert step["target_pace_min_s_per_km"] == pytest.approx(360 / 1.609344, abs=1e-3)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("work", "Row 1: write the kind then the amount"),
        ("sprint 400 m", "Row 1: start with warmup, work, recovery"),
        ("warmup 2 km\nwork fast", "Row 2: “fast” is neither a distance"),
        ("work 400 m at quick", "Row 1: Enter a pace"),
        ("work 400 m at 1:30-1:35-1:40", "Row 1: give the pace as 4:00 or a range"),
        ("51 x work 400 m", "Row 1: repeat a step 1 to 50 times"),
        ("0 x [work 400 m]", "Row 1: repeat a block 1 to 50 times"),
        ("5 x [ ; ]", "Row 1: put the steps inside the brackets"),
        ("work 0 km", "Row 1: “0 km” is neither"),
        ("recovery 0:00", "Row 1: “0:00” is neither"),
    ],
)
def test_refused_step_rows_name_the_row(text, message):
    with pytest.raises(UnitParseError) as caught:
        parse_steps_text(text, "km")
    assert message in str(caught.value)


# --- and back: what the admin's fields show ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "units"),
    [
        (
            "warmup 2 km\n5 x [work 1 km at 4:00; recovery 2:00]\n"
            "6 x work 400 m at 1:30-1:35\ncooldown 10:00",
            "km",
        ),
        ("warmup 1 mi\n4 x [work 1 mi at 6:00; recovery 400 m]\ncooldown 1.5 mi", "mi"),
    ],
)
def test_step_rows_read_back_as_typed(text, units):
    assert formatting.format_steps_text(parse_steps_text(text, units), units) == text


@pytest.mark.parametrize(
    ("metres", "units", "text"),
    [
        (10_000, "km", "10 km"),
        (16_093.44, "mi", "10 mi"),
        (10_000, "mi", "10 km"),
        (400, "km", "400 m"),
        (1_500, "mi", "1500 m"),
        (21_097.5, "km", "21.098 km"),
        (None, "km", ""),
    ],
)
def test_distance_input_text(metres, units, text):
    assert formatting.format_distance_input(metres, units) == text
