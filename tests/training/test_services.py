"""Services validate with full_clean() before saving and leave the database unchanged on
failure; plan_copy_to_runner shifts every workout by the same number of days."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from django.core.exceptions import ValidationError

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training import services
from training.models import Plan, Run, Workout

pytestmark = pytest.mark.django_db


def test_plan_create_trims_and_saves(runner, coach):
    plan = services.plan_create(
        runner=runner,
        coach=coach,
        name="  10K build ",
        start_date=date(2026, 3, 2),
        end_date=date(2026, 4, 26),
    )
    assert Plan.objects.get(pk=plan.pk).name == "10K build"
    assert plan.status == Plan.Status.DRAFT


def test_plan_create_with_bad_dates_saves_nothing(runner):
    with pytest.raises(ValidationError) as excinfo:
        services.plan_create(
            runner=runner, name="Bad", start_date=date(2026, 3, 2), end_date=date(2026, 3, 1)
        )
    assert "end_date" in excinfo.value.message_dict
    assert not Plan.objects.exists()


def test_plan_update_that_fails_validation_leaves_the_row_unchanged(runner):
    plan = PlanFactory(runner=runner, name="Kept", start_date=date(2026, 3, 2))
    with pytest.raises(ValidationError):
        services.plan_update(plan=plan, name="Renamed", end_date=date(2027, 3, 3))
    plan.refresh_from_db()
    assert plan.name == "Kept"


def test_plan_update_refuses_dates_that_strand_a_workout(runner):
    """The rule lives in plan_update itself, so every face (API, admin) that updates a plan
    keeps its workouts inside its dates."""
    plan = PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29))
    WorkoutFactory(plan=plan, scheduled_date=date(2026, 3, 2))
    with pytest.raises(ValidationError) as excinfo:
        services.plan_update(plan=plan, start_date=date(2026, 3, 3))
    assert excinfo.value.error_dict["start_date"][0].code == "workouts_outside_plan"
    plan.refresh_from_db()
    assert plan.start_date == date(2026, 3, 2)


def test_plan_copy_shifts_every_workout_and_keeps_the_length(runner, other_runner, coach):
    plan = PlanFactory(
        runner=runner,
        coach=coach,
        name="Half block",
        goal="Sub-2",
        start_date=date(2026, 1, 5),
        end_date=date(2026, 2, 1),
    )
    steps = [{"kind": "work", "repeat": 4, "distance_m": 1000}]
    WorkoutFactory(plan=plan, name="First", scheduled_date=date(2026, 1, 5))
    WorkoutFactory(plan=plan, name="Intervals", scheduled_date=date(2026, 1, 13), steps=steps)
    WorkoutFactory(plan=plan, name="Last", scheduled_date=date(2026, 2, 1), workout_type="long")
    RunFactory(runner=runner, plan=plan)

    copy = services.plan_copy_to_runner(
        plan=plan, runner=other_runner, start_date=date(2026, 2, 23)
    )

    # 5 Jan → 23 Feb: 26 days left in January + 23 = 49 days (seven weeks).
    assert (copy.start_date, copy.end_date) == (date(2026, 2, 23), date(2026, 3, 22))
    assert copy.runner == other_runner
    assert copy.coach == coach  # defaults to the original's coach
    assert copy.status == Plan.Status.DRAFT
    assert (copy.name, copy.goal) == ("Half block", "Sub-2")
    assert list(copy.workouts.values_list("name", "scheduled_date")) == [
        ("First", date(2026, 2, 23)),
        ("Intervals", date(2026, 3, 3)),
        ("Last", date(2026, 3, 22)),
    ]
    assert copy.workouts.get(name="Intervals").steps == steps
    assert not Run.objects.filter(plan=copy).exists()
    assert plan.workouts.count() == 3


def test_plan_copy_can_move_back_in_time_and_set_a_coach(runner, other_runner, coach):
    plan = PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 3, 8))
    WorkoutFactory(plan=plan, scheduled_date=date(2026, 3, 8))
    copy = services.plan_copy_to_runner(
        plan=plan, runner=other_runner, start_date=date(2026, 2, 27), coach=coach
    )
    # 2 March → 27 February 2026 (not a leap year): 3 days back.
    assert copy.end_date == date(2026, 3, 5)
    assert copy.workouts.get().scheduled_date == date(2026, 3, 5)
    assert copy.coach == coach


def test_workout_create_outside_the_plan_saves_nothing(runner):
    plan = PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 3, 8))
    with pytest.raises(ValidationError) as excinfo:
        services.workout_create(plan=plan, name="Late", scheduled_date=date(2026, 3, 9))
    assert "scheduled_date" in excinfo.value.message_dict
    assert not Workout.objects.exists()


def test_workout_update_validates_steps(runner):
    workout = WorkoutFactory(plan=PlanFactory(runner=runner))
    with pytest.raises(ValidationError) as excinfo:
        services.workout_update(workout=workout, steps=[{"kind": "work", "repeat": 51}])
    assert "steps" in excinfo.value.message_dict
    workout.refresh_from_db()
    assert workout.steps == []


def test_run_create_defaults_the_time_zone_to_the_profile(runner):
    runner.profile.timezone = "Europe/Berlin"
    runner.profile.save()
    run = services.run_create(
        runner=runner,
        started_at=datetime(2026, 1, 10, 23, 30, tzinfo=UTC),
        distance_m=5000,
        duration_s=1500,
    )
    assert run.timezone == "Europe/Berlin"
    assert run.local_date == date(2026, 1, 11)


def test_run_create_linking_a_workout_links_its_plan(runner):
    workout = WorkoutFactory(plan=PlanFactory(runner=runner))
    run = services.run_create(
        runner=runner,
        workout=workout,
        started_at=datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
        distance_m=5000,
        duration_s=1500,
        timezone="UTC",
    )
    assert run.plan_id == workout.plan_id


def test_run_create_on_another_runners_plan_saves_nothing(runner, other_runner):
    foreign = PlanFactory(runner=other_runner)
    with pytest.raises(ValidationError) as excinfo:
        services.run_create(
            runner=runner,
            plan=foreign,
            started_at=datetime(2026, 1, 10, 8, 0, tzinfo=UTC),
            distance_m=5000,
            duration_s=1500,
        )
    assert "plan" in excinfo.value.message_dict
    assert not Run.objects.exists()


def test_run_update_moves_the_local_date_and_fills_a_blank_time_zone(runner):
    runner.profile.timezone = "America/New_York"
    runner.profile.save()
    run = RunFactory(runner=runner, started_at=datetime(2026, 1, 10, 12, 0, tzinfo=UTC))
    services.run_update(run=run, started_at=datetime(2026, 1, 11, 3, 0, tzinfo=UTC), timezone="")
    run.refresh_from_db()
    assert run.timezone == "America/New_York"
    assert run.local_date == date(2026, 1, 10)  # 22:00 the evening before in New York


def test_run_update_with_elapsed_below_moving_leaves_the_run_unchanged(runner):
    run = RunFactory(runner=runner, duration_s=3000, elapsed_s=3100)
    with pytest.raises(ValidationError):
        services.run_update(run=run, elapsed_s=2999)
    run.refresh_from_db()
    assert run.elapsed_s == 3100


def test_plan_copy_of_a_plan_with_many_workouts_uses_a_bounded_number_of_queries(
    runner, other_runner, django_assert_max_num_queries
):
    plan = PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 6, 21))
    Workout.objects.bulk_create(
        Workout(plan=plan, name=f"W{day}", scheduled_date=plan.start_date + timedelta(days=day))
        for day in range(112)
    )
    # Validation and the plan insert are a fixed dozen or so; the workouts go in one bulk insert
    # (split into a few batches by SQLite's parameter limit), never one query per workout.
    with django_assert_max_num_queries(20):
        services.plan_copy_to_runner(plan=plan, runner=other_runner, start_date=date(2026, 9, 7))
    assert Workout.objects.count() == 224
