"""Writes of the training domain. Every service is keyword-only, atomic, and validates with
``full_clean()`` before saving, so the API, the admin and the dashboard share one set of rules.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction

from training.models import Plan, Run, Workout

PLAN_COPY_FIELDS = ("name", "description", "goal")
WORKOUT_COPY_FIELDS = (
    "name",
    "workout_type",
    "planned_distance_m",
    "planned_duration_s",
    "target_pace_min_s_per_km",
    "target_pace_max_s_per_km",
    "steps",
    "notes",
)


@transaction.atomic
def plan_create(*, runner: User, **fields: Any) -> Plan:
    plan = Plan(runner=runner, **fields)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_update(*, plan: Plan, **fields: Any) -> Plan:
    for name, value in fields.items():
        setattr(plan, name, value)
    plan.full_clean()
    plan.save()
    return plan


@transaction.atomic
def plan_copy_to_runner(
    *,
    plan: Plan,
    runner: User,
    start_date: date,
    coach: User | None = None,
) -> Plan:
    """Copy ``plan`` and its workouts for ``runner``, shifted so the copy starts on
    ``start_date``. The copy is a draft with the same length; runs are never copied.

    ``coach`` defaults to the original plan's coach.
    """
    shift = start_date - plan.start_date
    copy = Plan(
        runner=runner,
        coach=coach if coach is not None else plan.coach,
        start_date=start_date,
        end_date=plan.end_date + shift,
        status=Plan.Status.DRAFT,
        **{name: getattr(plan, name) for name in PLAN_COPY_FIELDS},
    )
    copy.full_clean()
    copy.save()
    workouts = [
        Workout(
            plan=copy,
            scheduled_date=workout.scheduled_date + shift,
            **{name: getattr(workout, name) for name in WORKOUT_COPY_FIELDS},
        )
        for workout in plan.workouts.all()
    ]
    # Source workouts were valid within the source plan; a uniform shift keeps them valid.
    Workout.objects.bulk_create(workouts)
    return copy


@transaction.atomic
def workout_create(*, plan: Plan, **fields: Any) -> Workout:
    workout = Workout(plan=plan, **fields)
    workout.full_clean()
    workout.save()
    return workout


@transaction.atomic
def workout_update(*, workout: Workout, **fields: Any) -> Workout:
    for name, value in fields.items():
        setattr(workout, name, value)
    workout.full_clean()
    workout.save()
    return workout


def default_run_timezone(runner: User) -> str:
    profile = getattr(runner, "profile", None)
    return profile.timezone if profile is not None else "UTC"


@transaction.atomic
def run_create(*, runner: User, **fields: Any) -> Run:
    """Log a run for ``runner``. The time zone defaults to the runner's profile; linking a
    workout links its plan too."""
    fields.setdefault("timezone", None)
    if not fields["timezone"]:
        fields["timezone"] = default_run_timezone(runner)
    run = Run(runner=runner, **fields)
    run.full_clean()
    run.save()
    return run


@transaction.atomic
def run_update(*, run: Run, **fields: Any) -> Run:
    for name, value in fields.items():
        setattr(run, name, value)
    if not run.timezone:
        run.timezone = default_run_timezone(run.runner)
    run.full_clean()
    run.save()
    return run
