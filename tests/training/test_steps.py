"""Structured workout steps: validation messages name the step and field; totals worked out by
hand."""

from __future__ import annotations

import pytest

from training.steps import (
    MAX_STEPS,
    PACE_ZONE_NAMES,
    StepsError,
    resolve_pace_zones,
    steps_totals,
    validate_steps,
)

EASY = {"target_pace_min_s_per_km": 360, "target_pace_max_s_per_km": 400}  # middle: 380 s/km


def test_none_and_empty_mean_no_steps():
    assert validate_steps(None) == []
    assert validate_steps([]) == []
    assert steps_totals([]) == (None, None)


def test_repeat_defaults_to_one():
    assert validate_steps([{"kind": "warmup", "duration_s": 600}]) == [
        {"kind": "warmup", "repeat": 1, "duration_s": 600}
    ]


@pytest.mark.parametrize(("repeat", "ok"), [(1, True), (50, True), (0, False), (51, False)])
def test_repeat_is_1_to_50(repeat, ok):
    steps = [{"kind": "work", "repeat": repeat, "distance_m": 400}]
    if ok:
        assert validate_steps(steps)[0]["repeat"] == repeat
    else:
        with pytest.raises(StepsError, match=r"Step 1: repeat"):
            validate_steps(steps)


@pytest.mark.parametrize("repeat", [True, 2.0, "3"])
def test_repeat_must_be_a_whole_number(repeat):
    with pytest.raises(StepsError, match="repeat"):
        validate_steps([{"kind": "work", "repeat": repeat, "distance_m": 400}])


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ({"kind": "sprint", "distance_m": 100}, "kind must be one of"),
        ({"kind": "work"}, "exactly one of distance_m or duration_s"),
        ({"kind": "work", "distance_m": 400, "duration_s": 90}, "exactly one of"),
        ({"kind": "work", "distance_m": 0}, "distance_m must be a number above 0"),
        ({"kind": "work", "distance_m": 500_000.1}, "at most 500000"),
        ({"kind": "work", "distance_m": float("nan")}, "distance_m must be a number"),
        ({"kind": "work", "distance_m": "400"}, "distance_m must be a number"),
        ({"kind": "work", "duration_s": 0}, "duration_s must be a number above 0"),
        ({"kind": "work", "duration_s": 86_401}, "at most 86400"),
        ({"kind": "work", "distance_m": 400, "target_pace_min_s_per_km": 270}, "both target"),
        (
            {
                "kind": "work",
                "distance_m": 400,
                "target_pace_min_s_per_km": 281,
                "target_pace_max_s_per_km": 280,
            },
            "must not exceed",
        ),
        (
            {
                "kind": "work",
                "distance_m": 400,
                "target_pace_min_s_per_km": 0,
                "target_pace_max_s_per_km": 280,
            },
            "positive",
        ),
        ({"kind": "work", "distance_m": 400, "speed": 3}, "unknown field"),
    ],
)
def test_invalid_step_names_the_step_and_the_problem(step, message):
    valid = {"kind": "warmup", "distance_m": 1000}
    with pytest.raises(StepsError) as excinfo:
        validate_steps([valid, step])
    assert str(excinfo.value).startswith("Step 2")
    assert message in str(excinfo.value)


@pytest.mark.parametrize(
    ("distance_m", "duration_s"), [(500_000, None), (None, 86_400), (0.1, None), (None, 1)]
)
def test_edges_that_are_accepted(distance_m, duration_s):
    step = {"kind": "work"}
    if distance_m is not None:
        step["distance_m"] = distance_m
    if duration_s is not None:
        step["duration_s"] = duration_s
    assert validate_steps([step])


def test_pace_bounds_may_be_equal():
    step = {"kind": "work", "distance_m": 400, **dict.fromkeys(EASY, 300)}
    assert validate_steps([step])[0]["target_pace_min_s_per_km"] == 300


def test_steps_must_be_a_list_of_objects_and_at_most_100():
    with pytest.raises(StepsError, match="list"):
        validate_steps({"kind": "work"})
    with pytest.raises(StepsError, match="Step 1 must be an object"):
        validate_steps(["work"])
    step = {"kind": "work", "distance_m": 100}
    assert len(validate_steps([step] * MAX_STEPS)) == MAX_STEPS
    with pytest.raises(StepsError, match="at most 100"):
        validate_steps([step] * (MAX_STEPS + 1))


def test_totals_of_an_interval_session_worked_out_by_hand():
    steps = validate_steps(
        [
            {"kind": "warmup", "distance_m": 2000, **EASY},
            {
                "kind": "work",
                "repeat": 6,
                "distance_m": 400,
                "target_pace_min_s_per_km": 270,
                "target_pace_max_s_per_km": 282,
            },
            {
                "kind": "recovery",
                "repeat": 6,
                "duration_s": 90,
                "target_pace_min_s_per_km": 420,
                "target_pace_max_s_per_km": 460,
            },
            {"kind": "cooldown", "distance_m": 1500, **EASY},
        ]
    )
    # Distance: 2000 + 6 x 400 + 6 x (90 s / 440 s/km = 204.545 m) + 1500 = 7127.27 m.
    # Time: 2 km x 380 = 760 s; 6 x 0.4 km x 276 = 662.4 s; 6 x 90 = 540 s; 1.5 x 380 = 570 s.
    assert steps_totals(steps) == (7127.3, 2532)


def test_a_timed_step_without_pace_leaves_the_distance_unknown():
    steps = validate_steps(
        [
            {"kind": "warmup", "duration_s": 600},
            {"kind": "work", "repeat": 3, "distance_m": 1000},
        ]
    )
    # No distance for the warm-up and no time for the repeats: neither total is complete.
    assert steps_totals(steps) == (None, None)
    timed_only = validate_steps([{"kind": "work", "repeat": 8, "duration_s": 60}])
    assert steps_totals(timed_only) == (None, 480)


def test_a_total_that_overflows_is_left_out():
    """Huge but valid target paces made the derived duration infinite, and rounding it was a 500
    on workout create/update (found by the schema fuzz, issue 15)."""
    steps = validate_steps(
        [
            {
                "kind": "warmup",
                "distance_m": 100_000,
                "target_pace_min_s_per_km": 1e308,
                "target_pace_max_s_per_km": 1.5e308,
            }
        ]
    )
    assert steps_totals(steps) == (100_000.0, None)


# --- repeat blocks ----------------------------------------------------------------------------

INTERVAL_BLOCK = {
    "kind": "repeat",
    "repeat": 5,
    "steps": [
        {
            "kind": "work",
            "distance_m": 1000,
            "target_pace_min_s_per_km": 240,
            "target_pace_max_s_per_km": 240,
        },
        {"kind": "recovery", "duration_s": 120, **EASY},
    ],
}


def test_a_repeat_block_is_normalised_and_totalled():
    steps = validate_steps([{"kind": "warmup", "distance_m": 2000, **EASY}, INTERVAL_BLOCK])
    assert steps[1] == {
        "kind": "repeat",
        "repeat": 5,
        "steps": [
            {
                "kind": "work",
                "repeat": 1,
                "distance_m": 1000,
                "target_pace_min_s_per_km": 240,
                "target_pace_max_s_per_km": 240,
            },
            {"kind": "recovery", "repeat": 1, "duration_s": 120, **EASY},
        ],
    }
    # Warm-up 2 km at 380 s/km = 760 s. Block, five times: 1 km in 240 s, then 120 s at
    # 380 s/km = 315.789... m. Distance 2000 + 5 x 1315.789 = 8578.9 m; time 760 + 5 x 360 = 2560 s.
    assert steps_totals(steps) == (8578.9, 2560)


def test_flat_steps_and_blocks_mix_and_old_flat_steps_stay_valid():
    flat = [{"kind": "work", "repeat": 6, "distance_m": 800}]
    assert validate_steps(flat) == [{"kind": "work", "repeat": 6, "distance_m": 800}]
    assert steps_totals(validate_steps(flat)) == (4800.0, None)
    inner_repeat = {
        "kind": "repeat",
        "repeat": 3,
        "steps": [{"kind": "work", "repeat": 2, "distance_m": 400}],
    }
    assert steps_totals(validate_steps([inner_repeat])) == (2400.0, None)  # 3 x 2 x 400


@pytest.mark.parametrize(
    ("block", "message"),
    [
        (
            {"kind": "repeat", "repeat": 0, "steps": [{"kind": "work", "distance_m": 1}]},
            r"Step 1: repeat must",
        ),
        (
            {"kind": "repeat", "repeat": 51, "steps": [{"kind": "work", "distance_m": 1}]},
            r"Step 1: repeat must",
        ),
        ({"kind": "repeat", "repeat": 2, "steps": []}, r"Step 1: a repeat block needs"),
        ({"kind": "repeat", "repeat": 2}, r"Step 1: a repeat block needs"),
        ({"kind": "repeat", "repeat": 2, "steps": "x"}, r"Step 1: a repeat block needs"),
        (
            {"kind": "repeat", "repeat": 2, "steps": [{"kind": "work"}]},
            r"Step 1\.1: give exactly one",
        ),
        (
            {
                "kind": "repeat",
                "repeat": 2,
                "distance_m": 5,
                "steps": [{"kind": "work", "distance_m": 1}],
            },
            r"unknown field\(s\): distance_m",
        ),
        (
            {"kind": "repeat", "repeat": 2, "steps": [INTERVAL_BLOCK]},
            r"Step 1\.1: repeat blocks cannot be nested",
        ),
    ],
)
def test_bad_blocks_name_the_problem(block, message):
    with pytest.raises(StepsError, match=message):
        validate_steps([block])


def test_steps_inside_blocks_count_towards_the_limit():
    block = {
        "kind": "repeat",
        "repeat": 2,
        "steps": [{"kind": "work", "distance_m": 100}] * MAX_STEPS,
    }
    with pytest.raises(StepsError, match=f"at most {MAX_STEPS} steps"):
        validate_steps([{"kind": "warmup", "distance_m": 100}, block])


# --- Pace zones instead of typed paces (issue 19) -------------------------------------------------
def test_a_step_may_name_a_pace_zone():
    steps = [{"kind": "work", "repeat": 3, "distance_m": 1_600, "pace_zone": "threshold"}]
    assert validate_steps(steps) == [
        {"kind": "work", "repeat": 3, "distance_m": 1_600, "pace_zone": "threshold"}
    ]


def test_an_unknown_pace_zone_is_refused_naming_the_step():
    with pytest.raises(StepsError, match=r"Step 2: pace_zone must be one of easy, marathon"):
        validate_steps(
            [
                {"kind": "warmup", "duration_s": 600},
                {"kind": "work", "distance_m": 400, "pace_zone": "tempo"},
            ]
        )


def test_a_zone_and_typed_paces_together_are_refused():
    with pytest.raises(StepsError, match="Step 1: give a pace_zone or target paces, not both"):
        validate_steps([{"kind": "work", "distance_m": 400, "pace_zone": "interval", **EASY}])


def test_a_zone_step_leaves_the_totals_open_until_resolved():
    # Its duration depends on whose paces it is: no duration total, the distance is known.
    steps = validate_steps([{"kind": "work", "distance_m": 1_000, "pace_zone": "easy"}])
    assert steps_totals(steps) == (1_000, None)


def test_zones_resolve_to_the_runners_own_paces():
    steps = validate_steps(
        [
            {"kind": "warmup", "duration_s": 600, **EASY},
            {"kind": "work", "repeat": 5, "distance_m": 1_000, "pace_zone": "interval"},
            {"kind": "cooldown", "duration_s": 600, "pace_zone": "easy"},
        ]
    )
    ranges = {"interval": (235.0, 235.0), "easy": (296.0, 334.0)}
    resolved = resolve_pace_zones(steps, ranges)
    assert resolved[0] == steps[0]  # typed paces stay as typed
    assert resolved[1]["target_pace_min_s_per_km"] == resolved[1]["target_pace_max_s_per_km"] == 235
    assert resolved[2]["target_pace_min_s_per_km"] == 296
    assert resolved[2]["target_pace_max_s_per_km"] == 334
    assert "target_pace_min_s_per_km" not in steps[1]  # the stored steps are not changed
    # Resolved, the session has a duration: 600 + 5 x 235 + 600 s.
    assert steps_totals(resolved)[1] == 600 + 5 * 235 + 600


def test_a_zone_the_runner_has_no_paces_for_stays_bare():
    steps = validate_steps([{"kind": "work", "distance_m": 400, "pace_zone": "repetition"}])
    assert resolve_pace_zones(steps, {}) == steps


def test_the_zone_names_are_the_sciences():
    from analytics import science

    assert PACE_ZONE_NAMES == science.PACE_ZONES
