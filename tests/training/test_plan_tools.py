"""Plan templates and the bulk shift (issue 17, items 4 and 5): the services in
training/services.py — dates worked out by hand, edges, and atomicity (a refused or failed
write leaves the database as it was)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError

from tests.factories import PlanFactory, WorkoutFactory
from training import services
from training.models import Plan, PlanTemplate, TemplateWorkout, Workout

pytestmark = pytest.mark.django_db

RACE = Workout.WorkoutType.RACE


def four_week_plan(runner, coach=None):
    """Mon 2 Mar 2026 to Sun 29 Mar 2026 (28 days): workouts on days 0, 9 and the race on the
    last Sunday, 29 Mar (day 27)."""
    plan = PlanFactory(
        runner=runner,
        coach=coach,
        name="10K block",
        goal="Sub-45",
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 29),
    )
    steps = [{"kind": "work", "repeat": 5, "distance_m": 1000}]
    WorkoutFactory(plan=plan, name="Easy", scheduled_date=date(2026, 3, 2))
    WorkoutFactory(
        plan=plan,
        name="Intervals",
        workout_type=Workout.WorkoutType.SPEED,
        scheduled_date=date(2026, 3, 11),
        planned_distance_m=None,
        planned_duration_s=None,
        steps=steps,
    )
    WorkoutFactory(plan=plan, name="Race", workout_type=RACE, scheduled_date=date(2026, 3, 29))
    return plan


# --- saving a template ---------------------------------------------------------------------


def test_template_from_the_start_keeps_offsets_from_the_first_day(runner, coach):
    plan = four_week_plan(runner, coach)
    template = services.plan_template_create(plan=plan, owner=coach)
    assert (template.name, template.goal, template.anchor) == ("10K block", "Sub-45", "start")
    assert (template.length_days, template.start_offset_days) == (28, 0)
    # 2 Mar → 0, 11 Mar → 9, 29 Mar → 27
    assert list(template.workouts.values_list("name", "offset_days")) == [
        ("Easy", 0),
        ("Intervals", 9),
        ("Race", 27),
    ]


def test_template_from_race_day_counts_back_from_the_last_race(runner, coach):
    plan = four_week_plan(runner, coach)
    template = services.plan_template_create(
        plan=plan, owner=coach, name="10K in 4 weeks", anchor="race"
    )
    assert template.name == "10K in 4 weeks"
    # Race on 29 Mar: the first day is 27 days before, 11 Mar is 18 days before.
    assert template.start_offset_days == -27
    assert list(template.workouts.values_list("offset_days", flat=True)) == [-27, -18, 0]


def test_template_from_race_day_needs_a_race_workout(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    WorkoutFactory(plan=plan)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_template_create(plan=plan, owner=coach, anchor="race")
    assert excinfo.value.error_dict["anchor"][0].code == "no_race_day"
    assert not PlanTemplate.objects.exists()


def test_template_of_an_empty_plan_has_no_workouts(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach, start_date=date(2026, 3, 2))
    template = services.plan_template_create(plan=plan, owner=coach)
    assert template.length_days == 16 * 7
    assert not template.workouts.exists()


def test_template_shares_nothing_with_its_plan(runner, coach):
    plan = four_week_plan(runner, coach)
    template = services.plan_template_create(plan=plan, owner=coach)
    source = plan.workouts.get(name="Intervals")
    source.steps[0]["repeat"] = 8
    source.save()
    plan.workouts.filter(name="Easy").update(name="Changed")
    assert template.workouts.get(name="Intervals").steps[0]["repeat"] == 5
    assert template.workouts.filter(name="Easy").exists()


# --- applying a template -------------------------------------------------------------------


def test_apply_with_a_start_date_moves_every_workout_with_it(runner, other_runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    plan = services.plan_template_apply(
        template=template, runner=other_runner, start_date=date(2026, 6, 1), coach=coach
    )
    # 1 Jun + 27 days = 28 Jun; workouts on day 0, 9 (10 Jun) and 27.
    assert (plan.start_date, plan.end_date) == (date(2026, 6, 1), date(2026, 6, 28))
    assert (plan.runner, plan.coach, plan.status) == (other_runner, coach, Plan.Status.DRAFT)
    assert list(plan.workouts.values_list("name", "scheduled_date")) == [
        ("Easy", date(2026, 6, 1)),
        ("Intervals", date(2026, 6, 10)),
        ("Race", date(2026, 6, 28)),
    ]
    # Totals derived from the steps came along: 5 x 1000 m.
    assert plan.workouts.get(name="Intervals").planned_distance_m == 5000


def test_apply_with_a_race_date_puts_the_race_on_it(runner, other_runner, coach):
    template = services.plan_template_create(
        plan=four_week_plan(runner, coach), owner=coach, anchor="race"
    )
    # Race on Sat 10 Oct 2026: first day 27 days earlier, 13 Sep; intervals 18 days before, 22 Sep.
    plan = services.plan_template_apply(
        template=template, runner=other_runner, race_date=date(2026, 10, 10)
    )
    assert (plan.start_date, plan.end_date) == (date(2026, 9, 13), date(2026, 10, 10))
    assert list(plan.workouts.values_list("scheduled_date", flat=True)) == [
        date(2026, 9, 13),
        date(2026, 9, 22),
        date(2026, 10, 10),
    ]


def test_race_anchored_template_also_applies_with_a_start_date(runner, other_runner, coach):
    template = services.plan_template_create(
        plan=four_week_plan(runner, coach), owner=coach, anchor="race"
    )
    plan = services.plan_template_apply(
        template=template, runner=other_runner, start_date=date(2026, 6, 1)
    )
    assert plan.workouts.get(name="Race").scheduled_date == date(2026, 6, 28)


def test_race_date_on_a_start_anchored_template_is_refused(runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_template_apply(template=template, runner=runner, race_date=date(2026, 6, 1))
    assert excinfo.value.error_dict["race_date"][0].code == "no_race_day"


@pytest.mark.parametrize(
    "dates", [{}, {"start_date": date(2026, 6, 1), "race_date": date(2026, 6, 28)}]
)
def test_apply_needs_exactly_one_date(runner, coach, dates):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    plans_before = Plan.objects.count()
    with pytest.raises(ValidationError) as excinfo:
        services.plan_template_apply(template=template, runner=runner, **dates)
    assert "start_date" in excinfo.value.message_dict
    assert Plan.objects.count() == plans_before


def test_apply_past_the_last_allowed_date_is_refused_and_saves_nothing(runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    plans_before = Plan.objects.count()
    # The plan would end on 2999-12-31 + 27 days, past the last date a plan may carry.
    with pytest.raises(ValidationError) as excinfo:
        services.plan_template_apply(
            template=template, runner=runner, start_date=date(2999, 12, 31)
        )
    assert "end_date" in excinfo.value.message_dict
    assert Plan.objects.count() == plans_before


def test_apply_at_the_end_of_the_calendar_is_a_validation_error_not_a_crash(runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    with pytest.raises(ValidationError):
        services.plan_template_apply(template=template, runner=runner, start_date=date.max)


def test_a_failed_workout_insert_leaves_no_plan_behind(runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    plans_before = Plan.objects.count()
    workouts_before = Workout.objects.count()
    with (
        mock.patch.object(Workout.objects, "bulk_create", side_effect=DatabaseError("disk full")),
        pytest.raises(DatabaseError),
    ):
        services.plan_template_apply(template=template, runner=runner, start_date=date(2026, 6, 1))
    assert (Plan.objects.count(), Workout.objects.count()) == (plans_before, workouts_before)


def test_applied_plans_share_nothing_with_the_template_or_each_other(runner, coach):
    template = services.plan_template_create(plan=four_week_plan(runner, coach), owner=coach)
    first = services.plan_template_apply(
        template=template, runner=runner, start_date=date(2026, 6, 1)
    )
    second = services.plan_template_apply(
        template=template, runner=runner, start_date=date(2026, 7, 6)
    )
    intervals = first.workouts.get(name="Intervals")
    intervals.steps[0]["repeat"] = 10
    intervals.save()
    assert second.workouts.get(name="Intervals").steps[0]["repeat"] == 5
    assert TemplateWorkout.objects.get(template=template, name="Intervals").steps[0]["repeat"] == 5


def test_plan_copy_uses_the_same_routine_and_still_shifts_uniformly(runner, other_runner, coach):
    plan = four_week_plan(runner, coach)
    copy = services.plan_copy_to_runner(plan=plan, runner=other_runner, start_date=date(2026, 3, 9))
    assert list(copy.workouts.values_list("scheduled_date", flat=True)) == [
        date(2026, 3, 9),
        date(2026, 3, 18),
        date(2026, 4, 5),
    ]


# --- shifting workouts ---------------------------------------------------------------------


def shift_plan(runner):
    """2 Mar to 12 Apr 2026 (six weeks), workouts on 2, 9, 16 and 23 Mar."""
    plan = PlanFactory(runner=runner, start_date=date(2026, 3, 2), end_date=date(2026, 4, 12))
    for day in (2, 9, 16, 23):
        WorkoutFactory(plan=plan, name=f"W{day}", scheduled_date=date(2026, 3, day))
    return plan


def days_of(plan):
    return [
        d.day
        for d in plan.workouts.order_by("scheduled_date").values_list("scheduled_date", flat=True)
    ]


def test_shift_a_date_range_by_days(runner):
    plan = shift_plan(runner)
    result = services.plan_shift_workouts(
        plan=plan, days=2, first_day=date(2026, 3, 9), last_day=date(2026, 3, 15)
    )
    assert result.days == 2
    assert [w.name for w in result.workouts] == ["W9"]
    assert days_of(plan) == [2, 11, 16, 23]


def test_shift_to_start_on_a_date_moves_the_rest_with_the_first(runner):
    plan = shift_plan(runner)
    result = services.plan_shift_workouts(
        plan=plan, start_on=date(2026, 3, 20), first_day=date(2026, 3, 16)
    )
    # 16 Mar → 20 Mar is +4 days; 23 Mar → 27 Mar.
    assert result.days == 4
    assert days_of(plan) == [2, 9, 20, 27]


def test_shift_backwards(runner):
    plan = shift_plan(runner)
    services.plan_shift_workouts(plan=plan, days=-2, first_day=date(2026, 3, 9))
    assert days_of(plan) == [2, 7, 14, 21]


def test_shift_defaults_to_the_runners_future_workouts(runner):
    plan = shift_plan(runner)
    with mock.patch.object(services, "runner_local_today", return_value=date(2026, 3, 10)):
        services.plan_shift_workouts(plan=plan, days=1)
    assert days_of(plan) == [2, 9, 17, 24]


def test_runner_local_today_is_in_the_runners_time_zone(runner):
    runner.profile.timezone = "Pacific/Kiritimati"  # UTC+14
    runner.profile.save()
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 3, 1, 12, tzinfo=UTC)):
        # 12:00 UTC on 1 Mar is 02:00 on 2 Mar in Kiritimati.
        assert services.runner_local_today(runner) == date(2026, 3, 2)


def test_shift_onto_the_last_day_is_accepted_one_more_is_refused(runner):
    plan = shift_plan(runner)
    # The last workout, 23 Mar, may move 20 days to 12 Apr (the plan's end), not 21.
    services.plan_shift_workouts(plan=plan, days=20, first_day=date(2026, 3, 23))
    assert days_of(plan) == [2, 9, 16, 12]  # the last is 12 Apr
    services.plan_shift_workouts(plan=plan, days=-20, first_day=date(2026, 4, 12))
    with pytest.raises(ValidationError) as excinfo:
        services.plan_shift_workouts(plan=plan, days=21, first_day=date(2026, 3, 2))
    error = excinfo.value.error_dict["days"][0]
    assert error.code == "workouts_outside_plan"
    assert "2026-03-23" in error.message and "2026-04-13" in error.message
    assert "nothing was moved" in error.message
    assert days_of(plan) == [2, 9, 16, 23]


def test_shift_before_the_start_is_refused_and_nothing_moves(runner):
    plan = shift_plan(runner)
    before = list(plan.workouts.values_list("id", "scheduled_date", "updated_at"))
    with pytest.raises(ValidationError) as excinfo:
        services.plan_shift_workouts(
            plan=plan, start_on=date(2026, 3, 1), first_day=plan.start_date
        )
    assert "start_on" in excinfo.value.message_dict
    assert list(plan.workouts.values_list("id", "scheduled_date", "updated_at")) == before


def test_shift_with_nothing_to_move_says_so(runner):
    plan = shift_plan(runner)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_shift_workouts(
            plan=plan, days=1, first_day=date(2026, 3, 24), last_day=date(2026, 3, 31)
        )
    assert "no workouts" in excinfo.value.message_dict["first_day"][0]


@pytest.mark.parametrize(
    ("fields", "attr"),
    [
        ({}, "days"),
        ({"days": 1, "start_on": date(2026, 3, 3)}, "days"),
        ({"days": 1, "first_day": date(2026, 3, 9), "last_day": date(2026, 3, 8)}, "last_day"),
        ({"days": 400, "first_day": date(2026, 3, 2)}, "days"),
    ],
)
def test_shift_refuses_bad_input_naming_the_field(runner, fields, attr):
    plan = shift_plan(runner)
    with pytest.raises(ValidationError) as excinfo:
        services.plan_shift_workouts(plan=plan, **fields)
    assert attr in excinfo.value.message_dict
    assert days_of(plan) == [2, 9, 16, 23]


def test_shifted_workouts_count_as_updated_for_sync(runner):
    plan = shift_plan(runner)
    workout = plan.workouts.get(name="W23")
    Workout.objects.filter(pk=workout.pk).update(updated_at=workout.updated_at - timedelta(days=1))
    old = Workout.objects.get(pk=workout.pk).updated_at
    services.plan_shift_workouts(plan=plan, days=1, first_day=date(2026, 3, 23))
    assert Workout.objects.get(pk=workout.pk).updated_at > old
