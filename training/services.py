"""Writes of the training domain. Every service is keyword-only, atomic, and validates with
``full_clean()`` before saving, so the API, the admin and the dashboard share one set of rules.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import zoneinfo
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import CharField, Model, OuterRef, Q, QuerySet, Subquery, UUIDField, Value
from django.urls import reverse
from django.utils import timezone

from analytics.science import BEST_EFFORT_DISTANCES_M, best_effort_windows
from tracker.statements import compiled_rows_of
from training import aggregates
from training.importers import (
    ActivityData,
    ActivityFileError,
    parse_activity,
    read_capped,
    unpack,
)
from training.models import (
    MAX_PLAN_LENGTH_DAYS,
    Comment,
    CommentVisit,
    Deletion,
    Plan,
    PlanTemplate,
    Run,
    RunBestEffort,
    RunnerProfile,
    RunTrack,
    Shoe,
    TemplateWorkout,
    Workout,
    available_timezones,
    new_calendar_token,
)
from training.tombstones import tombstones_recorded

M = TypeVar("M", bound=Model)

# A multisport file rarely has more than three running legs; the cap bounds the re-import lookup.
MAX_RUNS_PER_FILE = 20

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


def _model_update(instance: M, fields: dict[str, Any]) -> M:
    """Set ``fields`` on ``instance``, validate it with ``full_clean()`` and save it (the body of
    every ``<entity>_update``; call it inside the service's transaction)."""
    for name, value in fields.items():
        setattr(instance, name, value)
    instance.full_clean()
    instance.save()
    return instance


@transaction.atomic
def plan_create(*, runner: User, **fields: Any) -> Plan:
    plan = Plan(runner=runner, **fields)
    plan.full_clean()
    plan.save()
    return plan


def plan_validate_dates(*, plan: Plan, start_date: date | None, end_date: date | None) -> None:
    """Refuse dates that would leave some of the saved ``plan``'s workouts outside the plan
    (a workout's date lies within its plan's, docs/API.md). Raises ``ValidationError`` on the
    date field that cuts the workout off; a plan not saved yet has no workouts to strand.

    Public so that a face validating a form before it saves (the admin's plan form) reports
    the same error as ``plan_update`` would raise.
    """
    if plan._state.adding or not start_date or not end_date:
        return
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


@transaction.atomic
def plan_update(*, plan: Plan, **fields: Any) -> Plan:
    """Change ``plan``; new dates must keep every workout of the plan inside them."""
    plan_validate_dates(
        plan=plan,
        start_date=fields.get("start_date", plan.start_date),
        end_date=fields.get("end_date", plan.end_date),
    )
    return _model_update(plan, fields)


def _plan_with_workouts(
    *,
    runner: User,
    coach: User | None,
    start_date: date,
    end_date: date,
    fields: dict[str, Any],
    workouts: Iterable[tuple[date, dict[str, Any]]],
) -> Plan:
    """Save a draft plan for ``runner`` with ``workouts`` (each a date and the copied fields):
    the one copy routine behind copying a plan and applying a template. Dates outside what a
    plan may carry raise ``ValidationError``; the caller's transaction then leaves nothing."""
    plan = Plan(
        runner=runner,
        coach=coach,
        start_date=start_date,
        end_date=end_date,
        status=Plan.Status.DRAFT,
        **fields,
    )
    plan.full_clean()
    plan.save()
    rows = [Workout(plan=plan, scheduled_date=day, **values) for day, values in workouts]
    for row in rows:
        # bulk_create skips save(): derive totals from steps as save() would.
        row.fill_totals_from_steps()
    # The rows came from workouts valid in their own plan and keep their place in it, so a
    # uniform shift keeps them valid; only the dates are checked (a cheap, query-free rule).
    for row in rows:
        if not start_date <= row.scheduled_date <= end_date:
            raise ValidationError(
                {"scheduled_date": f"Workout “{row.name}” would fall outside the plan."}
            )
    Workout.objects.bulk_create(rows)
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
    return _plan_with_workouts(
        runner=runner,
        coach=coach if coach is not None else plan.coach,
        start_date=start_date,
        end_date=plan.end_date + shift,
        fields={name: getattr(plan, name) for name in PLAN_COPY_FIELDS},
        workouts=(
            (
                workout.scheduled_date + shift,
                {name: getattr(workout, name) for name in WORKOUT_COPY_FIELDS},
            )
            for workout in plan.workouts.all()
        ),
    )


# --- Plan templates (docs/API.md, Plan templates) ---------------------------------------------


def _race_day(plan: Plan) -> date:
    """The day of ``plan``'s last race workout; ``ValidationError`` when it has none."""
    race_days = plan.workouts.filter(workout_type=Workout.WorkoutType.RACE).order_by(
        "-scheduled_date"
    )
    day = race_days.values_list("scheduled_date", flat=True).first()
    if day is None:
        raise ValidationError(
            {
                "anchor": ValidationError(
                    "The plan has no race workout to count from; anchor it on the start.",
                    code="no_race_day",
                )
            }
        )
    return day


@transaction.atomic
def plan_template_create(
    *, plan: Plan, owner: User, name: str = "", anchor: str = PlanTemplate.Anchor.START
) -> PlanTemplate:
    """Save ``plan`` as a template of ``owner``'s: its workouts kept as day offsets from the
    plan's first day (``anchor="start"``) or from the day of its last race workout
    (``anchor="race"``). ``name`` defaults to the plan's."""
    if anchor not in PlanTemplate.Anchor.values:
        raise ValidationError({"anchor": f"Anchor must be one of {PlanTemplate.Anchor.values}."})
    anchor_day = _race_day(plan) if anchor == PlanTemplate.Anchor.RACE else plan.start_date
    template = PlanTemplate(
        owner=owner,
        name=name or plan.name,
        description=plan.description,
        goal=plan.goal,
        anchor=anchor,
        length_days=plan.length_days,
        start_offset_days=(plan.start_date - anchor_day).days,
    )
    template.full_clean()
    template.save()
    TemplateWorkout.objects.bulk_create(
        TemplateWorkout(
            template=template,
            offset_days=(workout.scheduled_date - anchor_day).days,
            **{name: copy.deepcopy(getattr(workout, name)) for name in WORKOUT_COPY_FIELDS},
        )
        for workout in plan.workouts.all()
    )
    return template


@transaction.atomic
def plan_template_apply(
    *,
    template: PlanTemplate,
    runner: User,
    start_date: date | None = None,
    race_date: date | None = None,
    coach: User | None = None,
) -> Plan:
    """A new draft plan for ``runner`` from ``template``: give exactly one of ``start_date``
    (the plan's first day) and ``race_date`` (the race day of a template anchored on it). Every
    workout lands on the anchor's date plus its offset. Raises ``ValidationError`` naming the
    field, and saves nothing, when the dates are missing, both given or out of range."""
    if (start_date is None) == (race_date is None):
        raise ValidationError(
            {"start_date": "Give either a start date or a race date (exactly one)."}
        )
    if race_date is not None:
        if not template.has_race_day:
            raise ValidationError(
                {
                    "race_date": ValidationError(
                        "This template counts from the plan's start; give a start date.",
                        code="no_race_day",
                    )
                }
            )
        anchor_day = race_date
    else:
        assert start_date is not None
        anchor_day = start_date - timedelta(days=template.start_offset_days)
    try:
        first_day = anchor_day + timedelta(days=template.start_offset_days)
        last_day = first_day + timedelta(days=template.length_days - 1)
        workouts = [
            (
                anchor_day + timedelta(days=row.offset_days),
                {name: copy.deepcopy(getattr(row, name)) for name in WORKOUT_COPY_FIELDS},
            )
            for row in template.workouts.all()
        ]
    except OverflowError as exc:
        field = "race_date" if race_date is not None else "start_date"
        raise ValidationError({field: "The plan's dates would leave the calendar."}) from exc
    return _plan_with_workouts(
        runner=runner,
        coach=coach,
        start_date=first_day,
        end_date=last_day,
        fields={"name": template.name, "description": template.description, "goal": template.goal},
        workouts=workouts,
    )


@transaction.atomic
def plan_template_update(*, template: PlanTemplate, **fields: Any) -> PlanTemplate:
    """Rename or re-describe ``template``; its workouts and dates change only by saving a plan
    again."""
    return _model_update(template, fields)


@transaction.atomic
def plan_template_delete(*, template: PlanTemplate) -> None:
    template.delete()


# --- Bulk shift (docs/API.md, Shifting workouts) -------------------------------------------------


@dataclass(frozen=True)
class PlanShift:
    """What ``plan_shift_workouts`` did: the moved workouts (new dates) and by how many days."""

    workouts: list[Workout]
    days: int


def runner_local_today(runner: User) -> date:
    """Today on ``runner``'s own calendar (their profile's time zone)."""
    return timezone.localdate(timezone=zoneinfo.ZoneInfo(default_run_timezone(runner)))


@transaction.atomic
def plan_shift_workouts(
    *,
    plan: Plan,
    days: int | None = None,
    start_on: date | None = None,
    first_day: date | None = None,
    last_day: date | None = None,
) -> PlanShift:
    """Move ``plan``'s workouts scheduled from ``first_day`` to ``last_day`` (inclusive; by
    default from the runner's today to the plan's end, i.e. the future ones) by ``days`` days,
    or so that the earliest of them lands on ``start_on`` (exactly one of the two).

    Refused with a ``ValidationError`` naming the first workout that would leave the plan's
    dates; nothing moves then. Moved workouts count as updated for syncing clients."""
    if (days is None) == (start_on is None):
        raise ValidationError({"days": "Give either a number of days or a start date (one)."})
    first = first_day if first_day is not None else runner_local_today(plan.runner)
    last = last_day if last_day is not None else plan.end_date
    if last < first:
        raise ValidationError({"last_day": "The last day must not be before the first day."})
    # Locked, so that two shifts of the same plan cannot interleave and move a workout twice.
    selected = list(
        plan.workouts.select_for_update()
        .filter(scheduled_date__range=(first, last))
        .order_by("scheduled_date", "created_at")
    )
    if not selected:
        raise ValidationError(
            {"first_day": f"The plan has no workouts from {first} to {last} to move."}
        )
    shift_days = days if days is not None else (start_on - selected[0].scheduled_date).days  # type: ignore[operator]
    if abs(shift_days) > MAX_PLAN_LENGTH_DAYS:
        raise ValidationError({"days": f"Shift by at most {MAX_PLAN_LENGTH_DAYS} days."})
    shift = timedelta(days=shift_days)
    for workout in selected:
        new_day = workout.scheduled_date + shift
        if not plan.start_date <= new_day <= plan.end_date:
            raise ValidationError(
                {
                    "days" if days is not None else "start_on": ValidationError(
                        f"“{workout.name}” on {workout.scheduled_date} would move to {new_day}, "
                        f"outside the plan ({plan.start_date} to {plan.end_date}); "
                        "nothing was moved.",
                        code="workouts_outside_plan",
                    )
                }
            )
    now = timezone.now()
    for workout in selected:
        workout.scheduled_date += shift
        workout.updated_at = now
    Workout.objects.bulk_update(selected, ["scheduled_date", "updated_at"])
    return PlanShift(workouts=selected, days=shift_days)


@transaction.atomic
def workout_create(*, plan: Plan, **fields: Any) -> Workout:
    workout = Workout(plan=plan, **fields)
    workout.full_clean()
    workout.save()
    return workout


@transaction.atomic
def workout_update(*, workout: Workout, **fields: Any) -> Workout:
    return _model_update(workout, fields)


def default_run_timezone(runner: User) -> str:
    """The time zone of ``runner``'s profile ("UTC" without one). Read by the runner's id: the
    API's authenticated user is loaded lazily (tracker/authentication.py), and going through
    ``runner.profile`` would load the user's row first."""
    zone = RunnerProfile.objects.filter(user_id=runner.pk).values_list("timezone", flat=True)
    return zone.first() or "UTC"


def _run_defaults(runner_id: int, *, zone: bool, shoe: bool) -> tuple[str | None, Any] | None:
    """What ``run_create`` needs besides the body, in one query: the profile's time zone (if
    ``zone``; ``None`` without a profile) and the default shoe's id (if ``shoe``), or ``None``
    when the runner does not exist. Compiled once per process (tracker/statements.py): building
    and compiling these subqueries cost more than PostgreSQL's answer."""
    rows = compiled_rows_of(
        ("run_defaults", zone, shoe),
        functools.partial(_run_defaults_query, zone=zone, shoe=shoe),
        (runner_id,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def _run_defaults_query(runner_id: int, *, zone: bool, shoe: bool) -> QuerySet[Any]:
    zones = RunnerProfile.objects.filter(user_id=OuterRef("pk")).values("timezone")[:1]
    shoes = Shoe.objects.filter(runner_id=OuterRef("pk"), is_default=True).values("pk")[:1]
    return (
        User.objects.filter(pk=runner_id)
        .annotate(
            default_zone=Subquery(zones) if zone else Value(None, CharField()),
            default_shoe=Subquery(shoes) if shoe else Value(None, UUIDField()),
        )
        .values_list("default_zone", "default_shoe")
    )


def default_shoe(runner: User) -> Shoe | None:
    """``runner``'s default shoe for new runs, if they chose one (never a retired shoe: the
    ``shoe_retired_not_default`` constraint)."""
    return Shoe.objects.filter(runner=runner, is_default=True).first()


def _touch_shoes(*shoe_ids: Any) -> None:
    """Mark the shoes whose distance a run write changed as updated, so their ``updated_at``,
    ``ETag`` and the ``updated_after`` sync filter see the new distance (it is computed from the
    runs, never stored)."""
    ids = {shoe_id for shoe_id in shoe_ids if shoe_id is not None}
    if ids:
        Shoe.objects.filter(pk__in=ids).update(updated_at=timezone.now())


@transaction.atomic
def run_create(*, runner: User, **fields: Any) -> Run:
    """Log a run for ``runner``. The time zone defaults to the runner's profile; linking a
    workout links its plan too; without a ``shoe`` (not even ``None``) it gets the runner's
    default shoe, if any."""
    fields.setdefault("timezone", None)
    wants_zone, wants_shoe = not fields["timezone"], "shoe" not in fields
    # A new run's id is a fresh uuid4: asking the database whether it is taken is a wasted round
    # trip (the primary key still refuses a duplicate).
    known_valid = ["id"]
    defaults = _run_defaults(runner.pk, zone=wants_zone, shoe=wants_shoe)
    if defaults is not None:
        # The runner's row was just read, and a default shoe is theirs by definition: no
        # foreign-key probes for either (a runner that is gone is refused by full_clean).
        zone, shoe_id = defaults
        known_valid.append("runner")
        if wants_zone:
            fields["timezone"] = zone or "UTC"
        if wants_shoe:
            fields["shoe_id"] = shoe_id
            known_valid.append("shoe")
    # By id, so that a lazily loaded user (the API's) is not read just to be linked.
    run = Run(runner_id=runner.pk, **fields)
    run.full_clean(exclude=known_valid)
    run.save()
    _touch_shoes(run.shoe_id)
    return run


@transaction.atomic
def run_update(*, run: Run, **fields: Any) -> Run:
    before = (run.shoe_id, run.distance_m)
    for name, value in fields.items():
        setattr(run, name, value)
    if not run.timezone:
        run.timezone = default_run_timezone(run.runner)
    run.full_clean()
    run.save()
    if (run.shoe_id, run.distance_m) != before:
        _touch_shoes(before[0], run.shoe_id)
    return run


# --- Tracks and their best efforts (docs/API.md, Best efforts) ----------------------------------


def best_efforts_of(run: Run, samples: dict[str, Any]) -> list[RunBestEffort]:
    """The best efforts of ``samples`` as unsaved rows of ``run`` (``run_track_set`` stores
    them; a bulk loader may store many at once)."""
    windows = best_effort_windows(
        samples.get("t_s") or [], samples.get("dist_m") or [], BEST_EFFORT_DISTANCES_M.values()
    )
    return [
        RunBestEffort(
            run=run,
            distance=key,
            elapsed_s=window.elapsed_s,
            start_offset_s=window.start_offset_s,
            start_offset_m=window.start_offset_m,
        )
        for key, distance_m in BEST_EFFORT_DISTANCES_M.items()
        # A zero-time window is a track whose clock stood still: no effort to report.
        if (window := windows[distance_m]) is not None and window.elapsed_s > 0
    ]


@transaction.atomic
def run_track_set(*, run: Run, samples: dict[str, Any]) -> RunTrack:
    """Store ``samples`` as ``run``'s track (replacing any) and its best efforts with it, so the
    two never disagree. Eight queries (and a savepoint) whatever the track's length."""
    track = RunTrack(run=run, samples=samples)
    if not RunTrack.objects.filter(run=run).update(samples=samples):
        track.save(force_insert=True)
    RunBestEffort.objects.filter(run=run).delete()
    # Computed from the track, not typed: each row satisfies the model's checks by construction
    # (positive times, a known distance), so no full_clean() per row.
    best_efforts = RunBestEffort.objects.bulk_create(best_efforts_of(run, samples))
    # The summary's personal bests read the efforts through RunnerEffort: the stored ones now
    # replace the whole run's stand-in at their distances.
    aggregates.store_run_efforts(
        run, {effort.distance: effort.elapsed_s for effort in best_efforts}
    )
    # The summary's answer is kept at its runner's run-list version (tracker.kept_answers): new
    # personal bests must move it. Inside an import's transaction the run's insert already
    # holds the runner's lock.
    aggregates.runs_written([run.runner_id])
    return track


# --- Shoes (docs/API.md, Shoes) ------------------------------------------------------------------


def _take_default(shoe: Shoe) -> None:
    """Make ``shoe`` its runner's only default: the previous default stops being it (and counts
    as updated, for syncing clients)."""
    Shoe.objects.filter(runner_id=shoe.runner_id, is_default=True).exclude(pk=shoe.pk).update(
        is_default=False, updated_at=timezone.now()
    )


@transaction.atomic
def shoe_create(*, runner: User, **fields: Any) -> Shoe:
    """Add a shoe for ``runner``; ``is_default=True`` moves the default to it."""
    shoe = Shoe(runner=runner, **fields)
    if shoe.is_default:
        _take_default(shoe)
    shoe.full_clean()
    shoe.save()
    return shoe


@transaction.atomic
def shoe_update(*, shoe: Shoe, **fields: Any) -> Shoe:
    """Change ``shoe``. Retiring the default shoe also makes it not the default (a retired shoe
    is never preselected), unless ``is_default`` is sent too, which is refused."""
    if fields.get("retired") and "is_default" not in fields:
        fields["is_default"] = False
    for name, value in fields.items():
        setattr(shoe, name, value)
    if shoe.is_default:
        _take_default(shoe)
    shoe.full_clean()
    shoe.save()
    return shoe


@transaction.atomic
def shoe_delete(*, shoe: Shoe) -> None:
    """Delete ``shoe``; its runs stay, without a shoe, and count as updated so that syncing
    clients fetch them again."""
    now = timezone.now()
    Deletion.objects.create(
        object_type=Deletion.ObjectType.SHOE,
        object_id=shoe.pk,
        runner_user_id=shoe.runner_id,
        deleted_at=now,
    )
    Run.objects.filter(shoe=shoe).update(shoe=None, updated_at=now)
    with tombstones_recorded():
        shoe.delete()


# --- Runner profiles ------------------------------------------------------------------------


@transaction.atomic
def profile_get_or_create(*, user: User) -> RunnerProfile:
    """``user``'s profile, created with the defaults for a user who has none yet (the
    ``post_save`` signal gives every new user one; users from before it may lack it)."""
    profile, _ = RunnerProfile.objects.get_or_create(user=user)
    return profile


@transaction.atomic
def profile_update(*, profile: RunnerProfile, **fields: Any) -> RunnerProfile:
    return _model_update(profile, fields)


@transaction.atomic
def profile_regenerate_calendar_token(*, profile: RunnerProfile) -> RunnerProfile:
    """Give ``profile`` a new calendar-feed token; the old feed address stops working."""
    profile.calendar_token = new_calendar_token()
    profile.full_clean()
    profile.save(update_fields=["calendar_token", "updated_at"])
    return profile


# --- Comments on workouts and runs (docs/API.md, Comments) ----------------------------------------


def _comment_parent_people(*, workout: Workout | None, run: Run | None) -> tuple[int, list[int]]:
    """The runner of the comment's parent and the ids of their coaches for it: the plan's coach
    for a workout; for a run, its plan's coach, or every coach of the runner when the run is on
    no coached plan (each of them may read it)."""
    if workout is not None:
        plan = workout.plan
        return plan.runner_id, [plan.coach_id] if plan.coach_id else []
    assert run is not None
    if run.plan_id is not None and run.plan is not None and run.plan.coach_id:
        return run.runner_id, [run.plan.coach_id]
    coach_ids = (
        Plan.objects.filter(runner_id=run.runner_id, coach__isnull=False)
        .order_by()
        .values_list("coach_id", flat=True)
        .distinct()
    )
    return run.runner_id, [coach_id for coach_id in coach_ids if coach_id is not None]


def _comment_email(comment: Comment, recipient: User) -> None:
    """Tell ``recipient`` about ``comment`` through Django's email backend (the console unless
    mail is configured); a link to where they read it: the dashboard for the runner, the admin
    for a coach."""
    if comment.workout is not None:
        about = f"the workout “{comment.workout.name}” on {comment.workout.scheduled_date}"
        if recipient.pk == comment.workout.plan.runner_id:
            link = reverse("dashboard:workout-detail", kwargs={"pk": comment.workout.pk})
        else:
            link = reverse("admin:training_workout_comments", args=[comment.workout.pk])
    else:
        assert comment.run is not None
        about = f"your run on {comment.run.local_date}"
        if recipient.pk == comment.run.runner_id:
            link = reverse("dashboard:run-detail", kwargs={"pk": comment.run.pk})
        else:
            about = f"{comment.run.runner}'s run on {comment.run.local_date}"
            link = reverse("admin:training_run_comments", args=[comment.run.pk])
    send_mail(
        subject=f"New comment from {comment.author} on {about}",
        message=f"{comment.author} wrote:\n\n{comment.body}\n\nRead and answer: {link}\n",
        from_email=None,
        recipient_list=[recipient.email],
        fail_silently=True,
    )


@transaction.atomic
def comment_create(
    *, author: User, body: str, workout: Workout | None = None, run: Run | None = None
) -> Comment:
    """``author``'s comment on ``workout`` or ``run`` (exactly one; the caller checked that the
    author may see it). The author has read the thread up to it; the other side (the runner, or
    the runner's coach for it) gets an email once the comment is committed."""
    comment = Comment(author=author, body=body, workout=workout, run=run)
    comment.full_clean()
    comment.save()
    comment_mark_seen(user=author, workout=workout, run=run, seen_at=comment.created_at)
    runner_id, coach_ids = _comment_parent_people(workout=workout, run=run)
    others = {runner_id, *coach_ids} - {author.pk}
    recipients = list(User.objects.filter(pk__in=others, is_active=True).exclude(email=""))

    def notify() -> None:
        for recipient in recipients:
            _comment_email(comment, recipient)

    transaction.on_commit(notify)
    return comment


def comment_mark_seen(
    *,
    user: User,
    workout: Workout | None = None,
    run: Run | None = None,
    seen_at: datetime | None = None,
) -> None:
    """Record that ``user`` has read the comments of ``workout`` or ``run`` up to ``seen_at``
    (now by default): what is new to them is counted from there.

    One ``UPDATE`` on every visit but the first, which inserts (a concurrent first visit's row
    wins, ignored rather than an error); no transaction needed for single statements, so a page
    view costs no savepoints.
    """
    parent: dict[str, Any] = {"workout": workout} if workout is not None else {"run": run}
    seen_at = seen_at or timezone.now()
    if CommentVisit.objects.filter(user=user, **parent).update(seen_at=seen_at):
        return
    CommentVisit.objects.bulk_create(
        [CommentVisit(user=user, seen_at=seen_at, **parent)], ignore_conflicts=True
    )


def _comment_tombstones(
    comments: Q, *, runner_id: int, coach_id: int | None, deleted_at: datetime
) -> list[Deletion]:
    return [
        Deletion(
            object_type=Deletion.ObjectType.COMMENT,
            object_id=comment_id,
            runner_user_id=runner_id,
            coach_user_id=coach_id,
            deleted_at=deleted_at,
        )
        for comment_id in Comment.objects.filter(comments).values_list("id", flat=True)
    ]


# --- Deletes with sync tombstones (docs/API.md, Syncing) ------------------------------------------
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
    tombstones += _comment_tombstones(
        Q(workout__plan=plan),
        runner_id=plan.runner_id,
        coach_id=plan.coach_id,
        deleted_at=deleted_at,
    )
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
    Deletion.objects.bulk_create(
        _comment_tombstones(
            Q(workout=workout), runner_id=plan.runner_id, coach_id=plan.coach_id, deleted_at=now
        )
    )
    Run.objects.filter(workout=workout).update(workout=None, updated_at=now)
    with tombstones_recorded():
        workout.delete()


@transaction.atomic
def run_delete(*, run: Run) -> None:
    now = timezone.now()
    Deletion.objects.create(
        object_type=Deletion.ObjectType.RUN,
        object_id=run.pk,
        runner_user_id=run.runner_id,
        deleted_at=now,
    )
    coach_id = run.plan.coach_id if run.plan_id is not None and run.plan is not None else None
    Deletion.objects.bulk_create(
        _comment_tombstones(Q(run=run), runner_id=run.runner_id, coach_id=coach_id, deleted_at=now)
    )
    _touch_shoes(run.shoe_id)
    with tombstones_recorded():
        run.delete()


# --- Activity-file import (docs/API.md, "Importing activity files") -------------------------------


def _workout_for_day(*, runner: User, day: date) -> Workout | None:
    """The runner's one planned (non-rest) workout on ``day``; ``None`` when none or several
    match, because guessing between two sessions would misreport adherence."""
    candidates = list(
        Workout.objects.filter(plan__runner=runner, scheduled_date=day)
        .exclude(workout_type=Workout.WorkoutType.REST)
        .select_related("plan")[:2]
    )
    return candidates[0] if len(candidates) == 1 else None


@dataclass(frozen=True)
class RunImport:
    """What ``run_import_file`` did: ``runs`` in start order (one per running leg of the file;
    ``run`` is the first), whether they are new, and what the import skipped."""

    runs: list[Run]
    created: bool
    warnings: list[str]

    @property
    def run(self) -> Run:
        return self.runs[0]


def _leg_hash(file_hash: str, index: int) -> str:
    """The ``source_hash`` of a file's run ``index``: the file's own hash for the first, so a
    re-upload finds it as before, and a hash derived from it for the others (a runner may hold
    each source hash once)."""
    if index == 0:
        return file_hash
    return hashlib.sha256(f"{file_hash}/{index}".encode()).hexdigest()


def _existing_import(*, runner: User, file_hash: str) -> list[Run]:
    """The runs an earlier upload of the file made, first run first; one query."""
    index_of = {_leg_hash(file_hash, i): i for i in range(MAX_RUNS_PER_FILE)}
    runs = sorted(
        Run.objects.filter(runner=runner, source_hash__in=list(index_of)),
        key=lambda run: index_of[run.source_hash or ""],
    )
    return runs if runs and runs[0].source_hash == file_hash else []


def _run_from_activity(
    *,
    runner: User,
    activity: ActivityData,
    source_hash: str,
    profile_zone: str,
    shoe: Shoe | None,
) -> Run:
    zone = activity.timezone
    if not zone or zone not in available_timezones():
        zone = profile_zone
    run = Run(
        runner=runner,
        started_at=activity.started_at,
        timezone=zone,
        distance_m=activity.distance_m,
        duration_s=activity.duration_s,
        elapsed_s=activity.elapsed_s,
        elevation_gain_m=activity.elevation_gain_m,
        avg_heart_rate=activity.avg_heart_rate,
        max_heart_rate=activity.max_heart_rate,
        avg_cadence=activity.avg_cadence,
        source=activity.source,
        source_hash=source_hash,
        shoe=shoe,
    )
    local_day = timezone.localtime(activity.started_at, zoneinfo.ZoneInfo(zone)).date()
    workout = _workout_for_day(runner=runner, day=local_day)
    if workout is not None:
        run.plan, run.workout = workout.plan, workout
    try:
        run.full_clean(exclude=["source_hash"])
    except ValidationError as exc:
        problems = "; ".join(
            f"{name}: {' '.join(messages)}" for name, messages in exc.message_dict.items()
        )
        raise ActivityFileError(f"The file's run is not valid: {problems}") from exc
    return run


class _DefaultShoe:
    """``run_import_file``'s ``shoe`` when the caller named none: the runner's default."""


DEFAULT_SHOE = _DefaultShoe()


@transaction.atomic
def run_import_file(
    *, runner: User, uploaded_file: Any, shoe: Shoe | _DefaultShoe | None = DEFAULT_SHOE
) -> RunImport:
    """Import a GPX/TCX/FIT file (gzip-compressed allowed) as runs of ``runner``: one run, or
    one per running leg of a multisport or multisession file (docs/API.md, "Importing activity
    files").

    The same file (same SHA-256 of its unpacked content) imported again by the same runner
    returns the existing runs with ``created=False``, also when two uploads race (the
    database's unique constraint decides; the loser fetches the winner's runs). Each run is
    linked to the runner's planned workout of its local start day when exactly one non-rest
    workout is scheduled that day, and each new run gets ``shoe`` (by default the runner's
    default shoe; ``None`` for none; a re-import keeps the runs as they are). Raises
    ``ActivityFileError`` (``FileTooLarge`` over the size
    limit) naming the problem; nothing is saved then, not even the runs of the file's other legs.
    """
    max_bytes = settings.MAX_UPLOAD_SIZE
    content = unpack(read_capped(uploaded_file, max_bytes=max_bytes), max_bytes=max_bytes)
    file_hash = hashlib.sha256(content).hexdigest()
    existing = _existing_import(runner=runner, file_hash=file_hash)
    if existing:
        return RunImport(runs=existing, created=False, warnings=[])

    imported = parse_activity(content)
    if len(imported.runs) > MAX_RUNS_PER_FILE:
        raise ActivityFileError(
            f"The file records {len(imported.runs)} runs; at most {MAX_RUNS_PER_FILE} can be "
            "imported from one file."
        )
    profile_zone = default_run_timezone(runner)
    chosen = default_shoe(runner) if isinstance(shoe, _DefaultShoe) else shoe
    runs = [
        _run_from_activity(
            runner=runner,
            activity=activity,
            source_hash=_leg_hash(file_hash, index),
            profile_zone=profile_zone,
            shoe=chosen,
        )
        for index, activity in enumerate(imported.runs)
    ]
    try:
        # A savepoint, so that losing the race leaves the outer transaction usable.
        with transaction.atomic():
            for run, activity in zip(runs, imported.runs, strict=True):
                run.save()
                run_track_set(run=run, samples=activity.samples)
            _touch_shoes(chosen.pk if chosen is not None else None)
    except IntegrityError:
        existing = _existing_import(runner=runner, file_hash=file_hash)
        if not existing:
            raise
        return RunImport(runs=existing, created=False, warnings=[])
    return RunImport(runs=runs, created=True, warnings=imported.warnings)
