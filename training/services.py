"""Writes of the training domain. Every service is keyword-only, atomic, and validates with
``full_clean()`` before saving, so the API, the admin and the dashboard share one set of rules.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from training.models import Deletion, Plan, Run, Workout
from training.tombstones import tombstones_recorded

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


# --- Deletes with sync tombstones (SPEC §7 deletions feed) ----------------------------------------
# The services write the tombstones in bulk; the signal receivers in training/signals.py catch
# deletes made any other way (admin bulk actions, a user's cascade) one row at a time.


def _tombstones_for_plan(plan: Plan, *, deleted_at: datetime) -> list[Deletion]:
    tombstones = [
        Deletion(
            object_type=Deletion.ObjectType.PLAN,
            object_id=plan.pk,
            runner_user_id=plan.runner_id,
            coach_user_id=plan.coach_id,
            deleted_at=deleted_at,
        )
    ]
    tombstones += [
        Deletion(
            object_type=Deletion.ObjectType.WORKOUT,
            object_id=workout_id,
            runner_user_id=plan.runner_id,
            coach_user_id=plan.coach_id,
            deleted_at=deleted_at,
        )
        for workout_id in plan.workouts.values_list("id", flat=True)
    ]
    return tombstones


@transaction.atomic
def plan_delete(*, plan: Plan) -> None:
    """Delete ``plan`` and its workouts; its runs stay, unlinked, and count as updated so that
    syncing clients fetch them again."""
    now = timezone.now()
    Deletion.objects.bulk_create(_tombstones_for_plan(plan, deleted_at=now))
    Run.objects.filter(plan=plan).update(plan=None, workout=None, updated_at=now)
    with tombstones_recorded():
        plan.delete()


@transaction.atomic
def workout_delete(*, workout: Workout) -> None:
    now = timezone.now()
    plan = workout.plan
    Deletion.objects.create(
        object_type=Deletion.ObjectType.WORKOUT,
        object_id=workout.pk,
        runner_user_id=plan.runner_id,
        coach_user_id=plan.coach_id,
        deleted_at=now,
    )
    Run.objects.filter(workout=workout).update(workout=None, updated_at=now)
    with tombstones_recorded():
        workout.delete()


@transaction.atomic
def run_delete(*, run: Run) -> None:
    Deletion.objects.create(
        object_type=Deletion.ObjectType.RUN, object_id=run.pk, runner_user_id=run.runner_id
    )
    with tombstones_recorded():
        run.delete()


@transaction.atomic
def plan_update_keeping_workouts_inside(*, plan: Plan, **fields: Any) -> Plan:
    """``plan_update``, refusing new dates that would leave some of the plan's workouts outside
    the plan (SPEC §6: a workout's date lies within its plan's)."""
    start_date = fields.get("start_date", plan.start_date)
    end_date = fields.get("end_date", plan.end_date)
    if plan.pk is not None and start_date and end_date:
        outside = plan.workouts.exclude(scheduled_date__range=(start_date, end_date))
        first_outside = outside.order_by("scheduled_date").values_list("scheduled_date", flat=True)
        stranded = list(first_outside[:1])
        if stranded:
            field = "start_date" if stranded[0] < start_date else "end_date"
            message = (
                f"The plan has a workout on {stranded[0]}, outside the new dates; "
                "move or delete it first."
            )
            raise ValidationError({field: ValidationError(message, code="workouts_outside_plan")})
    return plan_update(plan=plan, **fields)
