"""The workout form in the coach's admin: distances, durations, paces and steps typed and shown
in the runner's units, SI in the database, field errors that say what to type."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import PlanFactory, WorkoutFactory
from training.models import RunnerProfile

pytestmark = pytest.mark.django_db

ADD = reverse("admin:training_workout_add")


def change(workout) -> str:
    return reverse("admin:training_workout_change", args=[workout.pk])


@pytest.fixture
def plan(coach, runner):
    return PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29)
    )


@pytest.fixture
def miles(runner):
    RunnerProfile.objects.filter(user=runner).update(units="mi")


@pytest.fixture
def coach_admin(client, coach):
    client.force_login(coach)
    return client


def data(plan, **fields) -> dict:
    return {
        "plan": str(plan.pk),
        "scheduled_date": "2026-03-03",
        "name": "Session",
        "workout_type": "tempo",
        "planned_distance_m": "",
        "planned_duration_s": "",
        "target_pace_min_s_per_km": "",
        "target_pace_max_s_per_km": "",
        "steps": "",
        "notes": "",
        **fields,
    }


def test_a_miles_runners_workout_is_shown_in_miles(coach_admin, plan, miles):
    workout = WorkoutFactory(
        plan=plan,
        planned_distance_m=8046.72,  # 5 mi
        planned_duration_s=2400,
        target_pace_min_s_per_km=298.258,  # 8:00 /mi = 480 s / 1.609344 km
        target_pace_max_s_per_km=310.686,  # 8:20 /mi = 500 s / 1.609344 km
        steps=[
            {"kind": "repeat", "repeat": 5, "steps": [{"kind": "work", "distance_m": 1609.344}]}
        ],
    )
    form = coach_admin.get(change(workout)).context["adminform"].form
    assert form.initial["planned_distance_m"] == "5 mi"
    assert form.initial["planned_duration_s"] == "40:00"
    assert form.initial["target_pace_min_s_per_km"] == "8:00"
    assert form.initial["target_pace_max_s_per_km"] == "8:20"
    assert form.initial["steps"] == "5 x [work 1 mi]"
    assert "In mi unless you type a unit" in form.fields["planned_distance_m"].help_text


def test_typed_human_units_are_saved_in_si(coach_admin, plan, miles):
    response = coach_admin.post(
        ADD,
        data(
            plan,
            planned_distance_m="10",
            planned_duration_s="1:20:00",
            target_pace_min_s_per_km="7:50",
            target_pace_max_s_per_km="8:10",
        ),
    )
    assert response.status_code == 302
    workout = plan.workouts.get()
    assert workout.planned_distance_m == pytest.approx(16093.44)
    assert workout.planned_duration_s == 4800
    assert workout.target_pace_min_s_per_km == pytest.approx(470 / 1.609344, abs=1e-3)
    assert workout.target_pace_max_s_per_km == pytest.approx(490 / 1.609344, abs=1e-3)


def test_an_explicit_unit_wins_over_the_runners(coach_admin, plan, miles):
    coach_admin.post(
        ADD,
        data(
            plan,
            planned_distance_m="10 km",
            target_pace_min_s_per_km="4:00 /km",
            target_pace_max_s_per_km="4:10/km",
        ),
    )
    workout = plan.workouts.get()
    assert workout.planned_distance_m == 10000.0
    assert (workout.target_pace_min_s_per_km, workout.target_pace_max_s_per_km) == (240.0, 250.0)


def test_fields_left_as_shown_keep_their_exact_value(coach_admin, plan, miles):
    workout = WorkoutFactory(
        plan=plan,
        scheduled_date=date(2026, 3, 3),
        planned_distance_m=10500.5,
        target_pace_min_s_per_km=301.0,
        target_pace_max_s_per_km=305.0,
    )
    form = coach_admin.get(change(workout)).context["adminform"].form
    posted = data(
        plan,
        name="Renamed",
        planned_distance_m=form.initial["planned_distance_m"],  # "6.525 mi", rounded
        planned_duration_s=form.initial["planned_duration_s"],
        target_pace_min_s_per_km=form.initial["target_pace_min_s_per_km"],
        target_pace_max_s_per_km=form.initial["target_pace_max_s_per_km"],
        workout_type=workout.workout_type,
    )
    assert coach_admin.post(change(workout), posted).status_code == 302
    workout.refresh_from_db()
    assert workout.name == "Renamed"
    assert workout.planned_distance_m == 10500.5
    assert (workout.target_pace_min_s_per_km, workout.target_pace_max_s_per_km) == (301.0, 305.0)


@pytest.mark.parametrize(
    ("field", "typed", "message"),
    [
        (
            "planned_distance_m",
            "10 furlongs",
            "Enter a distance such as 10 (in km), 10 km, 6.2 mi or 400 m.",
        ),
        ("planned_duration_s", "45", "Enter the time as h:mm:ss or mm:ss"),
        ("target_pace_min_s_per_km", "345", "Enter a pace as minutes:seconds per km, e.g. 5:45"),
        ("steps", "5 x [sprint 100 m]", "Row 1: start with warmup, work, recovery"),
        ("steps", "51 x work 400 m", "Row 1: repeat a step 1 to 50 times"),
    ],
)
def test_bad_entries_get_a_field_error_that_says_what_to_type(
    coach_admin, plan, field, typed, message
):
    response = coach_admin.post(ADD, data(plan, **{field: typed}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert message in errors[field][0]
    assert message.split("(")[0] in response.content.decode()
    assert not plan.workouts.exists()


def test_steps_typed_as_rows_with_a_repeat_block_fill_the_totals(coach_admin, plan):
    steps = "\n".join(
        [
            "warmup 2 km at 6:00-6:20",
            "5 x [work 1 km at 4:00; jog 400 m at 6:00]",
            "cooldown 2 km at 6:00",
        ]
    )
    assert coach_admin.post(ADD, data(plan, steps=steps)).status_code == 302
    workout = plan.workouts.get()
    assert workout.steps[1] == {
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
            {
                "kind": "recovery",
                "repeat": 1,
                "distance_m": 400.0,
                "target_pace_min_s_per_km": 360.0,
                "target_pace_max_s_per_km": 360.0,
            },
        ],
    }
    # 2 km + 5 x 1.4 km + 2 km = 11 km. Time: warm-up 2 km at 370 s/km (the range's middle)
    # = 740 s, block 5 x (240 + 0.4 x 360 = 384) = 1920 s, cool-down 2 x 360 = 720 s: 3380 s.
    assert workout.planned_distance_m == 11000.0
    assert workout.planned_duration_s == 3380


def test_add_page_takes_plan_and_day_from_the_calendar_link(coach_admin, plan, miles):
    response = coach_admin.get(ADD, {"plan": str(plan.pk), "scheduled_date": "2026-03-05"})
    form = response.context["adminform"].form
    assert str(form.initial["plan"]) == str(plan.pk)
    assert str(form.initial["scheduled_date"]) == "2026-03-05"
    assert form.units == "mi"


def test_another_coachs_plan_in_the_query_string_gives_nothing_away(
    client, other_coach, plan, miles
):
    client.force_login(other_coach)
    response = client.get(ADD, {"plan": str(plan.pk)})
    form = response.context["adminform"].form
    assert form.units == "km"  # the foreign plan's runner is not looked up
    assert plan not in form.fields["plan"].queryset
    response = client.post(ADD, data(plan, planned_distance_m="5"))
    assert "plan" in response.context["adminform"].form.errors
    assert not plan.workouts.exists()


def test_garbage_plan_id_in_the_query_string_is_ignored(coach_admin):
    assert coach_admin.get(ADD, {"plan": "not-a-uuid"}).status_code == 200
