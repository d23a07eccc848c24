"""Training domain (docs/ARCHITECTURE.md, Data model): runner profiles, plans, workouts and runs,
stored in SI units.

Rules that must always hold are database constraints as well as ``clean()`` checks, so that no
code path (admin, API, a shell, a bulk import) can store a plan that ends before it starts or a
run with an impossible heart rate. ``clean()`` repeats them to give a friendly message per field.
"""

from __future__ import annotations

import secrets
import uuid
import zoneinfo
from collections.abc import Collection, Iterable, Sequence
from datetime import date, timedelta
from functools import cache
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.models import F, Q
from django.db.models.constraints import BaseConstraint
from django.db.models.functions import Cast
from django.urls import reverse
from django.utils import timezone

from analytics.science import BEST_EFFORT_DISTANCES_M
from training.steps import StepsError, steps_totals, validate_steps

MAX_PLAN_LENGTH_DAYS = 365
# Dates a plan or run may carry (issue 9). Far outside them, date arithmetic (a plan's end + 365
# days, a week's Monday, a local time's UTC offset) leaves Python's and SQLite's date range and
# would fail as a 500 rather than a 400 naming the field.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2999, 12, 31)
# Ten times Everest from sea level, in one run of at most 500 km: anything above is a unit error.
MAX_ELEVATION_GAIN_M = 88_480
MAX_RUN_DISTANCE_M = 500_000
MAX_RUN_DURATION_S = 7 * 24 * 3600
MIN_HEART_RATE_BPM = 25
MAX_HEART_RATE_BPM = 250
# A shoe's distances: 10,000 km is many times what any running shoe lasts, so more is a unit
# error.
MAX_SHOE_DISTANCE_M = 10_000_000
DEFAULT_SHOE_RETIREMENT_M = 800_000  # the top of the usual 500-800 km advice


@cache
def available_timezones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def validate_timezone_name(value: str) -> None:
    if value not in available_timezones():
        raise ValidationError(
            "%(value)s is not a known IANA time zone (e.g. Europe/London).",
            code="invalid_timezone",
            params={"value": value},
        )


def new_calendar_token() -> str:
    return secrets.token_urlsafe(32)


class CheckedInPython(models.Model):
    """A model whose check constraints all have Python twins (see ``get_constraints``)."""

    class Meta:
        abstract = True

    def get_constraints(self) -> list[tuple[type[models.Model], Sequence[BaseConstraint]]]:
        """The constraints ``full_clean()`` validates: unique ones only.

        Django validates each CheckConstraint with its own ``SELECT`` in a savepoint: 30 of the
        37 queries of creating a run (docs/PERFORMANCE.md). Every check constraint here has a
        Python twin, a field validator or a ``clean()`` rule with a message naming the field,
        so ``full_clean()`` already refuses what they refuse without asking the database
        (tests/training/test_constraint_twins.py proves it for each constraint). The constraints
        stay in
        the database, where they guard every write that skips ``full_clean()``.
        """
        return [
            (model, [c for c in constraints if not isinstance(c, models.CheckConstraint)])
            for model, constraints in super().get_constraints()
        ]


class TimeStampedModel(CheckedInPython):
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        abstract = True


class RunnerProfile(TimeStampedModel):
    class Units(models.TextChoices):
        KILOMETRES = "km", "Kilometres"
        MILES = "mi", "Miles"

    class Sex(models.TextChoices):
        MALE = "m", "Male"
        FEMALE = "f", "Female"
        UNSPECIFIED = "unspecified", "Unspecified"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="profile"
    )
    units = models.CharField(max_length=2, choices=Units.choices, default=Units.KILOMETRES)
    max_hr = models.PositiveSmallIntegerField(
        "max heart rate (bpm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_HEART_RATE_BPM), MaxValueValidator(MAX_HEART_RATE_BPM)],
    )
    resting_hr = models.PositiveSmallIntegerField(
        "resting heart rate (bpm)",
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_HEART_RATE_BPM), MaxValueValidator(MAX_HEART_RATE_BPM)],
    )
    sex = models.CharField(
        max_length=11,
        choices=Sex.choices,
        default=Sex.UNSPECIFIED,
        help_text="Used only for the TRIMP training-load formula.",
    )
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name])
    calendar_token = models.CharField(
        max_length=64, unique=True, default=new_calendar_token, editable=False
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(max_hr__isnull=True) | Q(max_hr__gte=25, max_hr__lte=250),
                name="profile_max_hr_range",
            ),
            models.CheckConstraint(
                condition=Q(resting_hr__isnull=True) | Q(resting_hr__gte=25, resting_hr__lte=250),
                name="profile_resting_hr_range",
            ),
            models.CheckConstraint(
                condition=Q(max_hr__isnull=True)
                | Q(resting_hr__isnull=True)
                | Q(resting_hr__lt=F("max_hr")),
                name="profile_resting_below_max_hr",
            ),
        ]

    def __str__(self) -> str:
        return f"Profile of {self.user}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from training import aggregates

        before = getattr(self, "_load_signature", aggregates.NO_PROFILE_SIGNATURE)
        with transaction.atomic(
            using=kwargs.get("using") or router.db_for_write(RunnerProfile), savepoint=False
        ):
            super().save(*args, **kwargs)
            if self.load_signature() != before:
                # Every stored day's load was computed with the old heart rates (readers would
                # otherwise fall back to the runs until this is done).
                aggregates.rebuild_loads(self.user_id)
        self._load_signature = self.load_signature()

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> RunnerProfile:
        profile = super().from_db(*args, **kwargs)
        profile._load_signature = profile.load_signature()
        return profile

    def load_signature(self) -> tuple[int | None, int | None, str]:
        """What the training load of a run depends on in the profile (``RunnerDay.load``)."""
        return (self.max_hr, self.resting_hr, self.sex)

    def clean(self) -> None:
        if self.max_hr and self.resting_hr and self.resting_hr >= self.max_hr:
            raise ValidationError(
                {"resting_hr": "Resting heart rate must be below max heart rate."}
            )

    @property
    def tzinfo(self) -> zoneinfo.ZoneInfo:
        return zoneinfo.ZoneInfo(self.timezone)


def plan_week_count(start_date: date, end_date: date) -> int:
    """Weeks a plan from ``start_date`` to ``end_date`` (inclusive) spans, the last maybe short:
    for the selectors that read the two dates without loading the plan."""
    return ((end_date - start_date).days + 1 + 6) // 7


class PlanQuerySet(models.QuerySet["Plan"]):
    """Plan writes that bypass ``save()`` and ``delete()`` tombstone the token entries of the
    coaches they touch, as training/signals.py does for the others: those entries carry whom
    each coach may read (``training.selectors.register_token_facts``)."""

    _COACHING_FIELDS = frozenset({"coach", "coach_id", "runner", "runner_id"})

    def update(self, **kwargs: Any) -> int:
        if not self._COACHING_FIELDS & kwargs.keys():
            return super().update(**kwargs)
        # Imported here: the token cache is the HTTP plumbing's, needed only by this rare path.
        from tracker.authentication import forget_user_tokens_of

        new_coach = kwargs.get("coach_id", kwargs.get("coach"))
        with transaction.atomic(using=self.db):
            coaches = set(self.values_list("coach_id", flat=True))
            coaches.add(getattr(new_coach, "pk", new_coach))
            forget_user_tokens_of(coaches)
            return super().update(**kwargs)

    def bulk_create(
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:
        from tracker.authentication import forget_user_tokens_of

        plans = list(objs)
        forget_user_tokens_of(plan.coach_id for plan in plans)
        created: list[Any] = super().bulk_create(
            plans,
            batch_size=batch_size,
            ignore_conflicts=ignore_conflicts,
            update_conflicts=update_conflicts,
            update_fields=update_fields,
            unique_fields=unique_fields,
        )
        return created


class Plan(TimeStampedModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        ACTIVE = "active", "Active"
        COMPLETED = "completed", "Completed"
        ABANDONED = "abandoned", "Abandoned"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plans"
    )
    coach = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="coached_plans",
    )
    start_date = models.DateField()
    end_date = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    goal = models.TextField(blank=True)

    objects = PlanQuerySet.as_manager()

    class Meta:
        ordering = ["start_date", "created_at"]
        indexes = [
            models.Index(fields=["runner", "start_date"], name="plan_runner_start_idx"),
            models.Index(fields=["coach", "start_date"], name="plan_coach_start_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=F("start_date")), name="plan_end_not_before_start"
            ),
            models.CheckConstraint(
                condition=Q(end_date__lte=F("start_date") + timedelta(days=MAX_PLAN_LENGTH_DAYS)),
                name="plan_at_most_365_days",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="plan_name_not_empty"),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = (self.name or "").strip()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("dashboard:plan-detail", kwargs={"pk": self.pk})

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        errors: dict[str, str] = {}
        if not self.name:
            errors["name"] = "Name must not be blank."
        for field in ("start_date", "end_date"):
            value = getattr(self, field)
            if value and not EARLIEST_DATE <= value <= LATEST_DATE:
                errors[field] = f"Dates must lie between {EARLIEST_DATE} and {LATEST_DATE}."
        if errors:
            raise ValidationError(errors)
        if self.start_date and self.end_date:
            if self.end_date < self.start_date:
                errors["end_date"] = "End date must not be before the start date."
            elif (self.end_date - self.start_date).days > MAX_PLAN_LENGTH_DAYS:
                errors["end_date"] = f"A plan lasts at most {MAX_PLAN_LENGTH_DAYS} days."
        if errors:
            raise ValidationError(errors)

    @property
    def length_days(self) -> int:
        return (self.end_date - self.start_date).days + 1

    @property
    def week_count(self) -> int:
        return plan_week_count(self.start_date, self.end_date)


class Workout(TimeStampedModel):
    class WorkoutType(models.TextChoices):
        EASY = "easy", "Easy"
        TEMPO = "tempo", "Tempo"
        LONG = "long", "Long run"
        SPEED = "speed", "Speed"
        RECOVERY = "recovery", "Recovery"
        RACE = "race", "Race"
        CROSS_TRAINING = "cross_training", "Cross-training"
        REST = "rest", "Rest"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    plan = models.ForeignKey(Plan, on_delete=models.CASCADE, related_name="workouts")
    name = models.CharField(max_length=255)
    workout_type = models.CharField(
        max_length=20, choices=WorkoutType.choices, default=WorkoutType.EASY
    )
    scheduled_date = models.DateField()
    planned_distance_m = models.FloatField(
        null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(500_000)]
    )
    planned_duration_s = models.PositiveIntegerField(
        null=True, blank=True, validators=[MaxValueValidator(MAX_RUN_DURATION_S)]
    )
    target_pace_min_s_per_km = models.FloatField(
        "fastest target pace (s/km)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    target_pace_max_s_per_km = models.FloatField(
        "slowest target pace (s/km)", null=True, blank=True, validators=[MinValueValidator(1)]
    )
    steps = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["scheduled_date", "created_at"]
        indexes = [
            models.Index(fields=["plan", "scheduled_date"], name="workout_plan_date_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    target_pace_min_s_per_km__isnull=True, target_pace_max_s_per_km__isnull=True
                )
                | Q(
                    target_pace_min_s_per_km__isnull=False,
                    target_pace_max_s_per_km__isnull=False,
                    target_pace_min_s_per_km__gt=0,
                    target_pace_min_s_per_km__lte=F("target_pace_max_s_per_km"),
                ),
                name="workout_pace_range_ordered",
            ),
            models.CheckConstraint(
                condition=Q(planned_distance_m__isnull=True)
                | Q(planned_distance_m__gte=0, planned_distance_m__lte=500_000),
                name="workout_planned_distance_range",
            ),
            models.CheckConstraint(
                condition=Q(planned_duration_s__isnull=True)
                | Q(planned_duration_s__gte=0, planned_duration_s__lte=MAX_RUN_DURATION_S),
                name="workout_planned_duration_range",
            ),
            models.CheckConstraint(condition=~Q(name=""), name="workout_name_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.scheduled_date} {self.name}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = (self.name or "").strip()
        self.fill_totals_from_steps()
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("dashboard:workout-detail", kwargs={"pk": self.pk})

    def fill_totals_from_steps(self) -> None:
        """Derive planned distance/duration from ``steps`` where they were not given."""
        if not self.steps:
            return
        try:
            distance_m, duration_s = steps_totals(validate_steps(self.steps))
        except StepsError:
            return  # clean() reports it; save() never invents totals from invalid steps
        # A derived total beyond what a workout may plan is left out rather than refused: the
        # client never sent it.
        if self.planned_distance_m is None and (distance_m or 0) <= MAX_RUN_DISTANCE_M:
            self.planned_distance_m = distance_m
        if self.planned_duration_s is None and (duration_s or 0) <= MAX_RUN_DURATION_S:
            self.planned_duration_s = duration_s

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        errors: dict[str, str] = {}
        if not self.name:
            errors["name"] = "Name must not be blank."
        pace_min, pace_max = self.target_pace_min_s_per_km, self.target_pace_max_s_per_km
        if (pace_min is None) != (pace_max is None):
            errors["target_pace_max_s_per_km"] = "Give both target pace bounds or neither."
        elif pace_min is not None and pace_max is not None and pace_min > pace_max:
            errors["target_pace_min_s_per_km"] = (
                "The fastest target pace must not be slower than the slowest."
            )
        try:
            self.steps = validate_steps(self.steps)
        except StepsError as exc:
            errors["steps"] = str(exc)
        if self.plan_id and self.scheduled_date:
            plan = self.plan
            # An unsaved plan whose own dates failed validation (admin add form with inlines)
            # has no dates to compare against; its own errors are reported instead.
            if (
                plan.start_date
                and plan.end_date
                and not plan.start_date <= self.scheduled_date <= plan.end_date
            ):
                errors["scheduled_date"] = (
                    f"Scheduled date must lie within the plan ({plan.start_date} to "
                    f"{plan.end_date})."
                )
        if errors:
            raise ValidationError(errors)

    @property
    def is_rest(self) -> bool:
        return self.workout_type == self.WorkoutType.REST


class Shoe(TimeStampedModel):
    """A pair of running shoes of one runner (docs/API.md, Shoes). Its distance is never stored:
    ``starting_distance_m`` (what it had run before it was added) plus the sum of its runs,
    computed by ``training.selectors.shoes_with_distance`` in the same query as the shoes."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="shoes"
    )
    name = models.CharField(max_length=100)
    starting_distance_m = models.FloatField(
        default=0, validators=[MinValueValidator(0), MaxValueValidator(MAX_SHOE_DISTANCE_M)]
    )
    retirement_distance_m = models.FloatField(
        default=DEFAULT_SHOE_RETIREMENT_M,
        validators=[MinValueValidator(1000), MaxValueValidator(MAX_SHOE_DISTANCE_M)],
    )
    is_default = models.BooleanField(
        default=False, help_text="Preselected for new runs; at most one per runner."
    )
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ["retired", "name", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="shoe_name_not_empty"),
            models.CheckConstraint(
                condition=Q(
                    starting_distance_m__gte=0, starting_distance_m__lte=MAX_SHOE_DISTANCE_M
                ),
                name="shoe_starting_distance_range",
            ),
            models.CheckConstraint(
                condition=Q(
                    retirement_distance_m__gte=1000,
                    retirement_distance_m__lte=MAX_SHOE_DISTANCE_M,
                ),
                name="shoe_retirement_distance_range",
            ),
            models.CheckConstraint(
                condition=Q(is_default=False) | Q(retired=False),
                name="shoe_retired_not_default",
            ),
            models.UniqueConstraint(
                fields=["runner"],
                condition=Q(is_default=True),
                name="shoe_one_default_per_runner",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = (self.name or "").strip()
        super().save(*args, **kwargs)

    def get_constraints(self) -> list[tuple[type[models.Model], Sequence[BaseConstraint]]]:
        """As ``TimeStampedModel``'s, without the one-default rule for a shoe that is not the
        default: it cannot break that rule, and Django would still ask the database."""
        found = super().get_constraints()
        if self.is_default:
            return found
        return [
            (model, [c for c in constraints if c.name != "shoe_one_default_per_runner"])
            for model, constraints in found
        ]

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        errors: dict[str, str] = {}
        if not self.name:
            errors["name"] = "Name must not be blank."
        if self.is_default and self.retired:
            errors["is_default"] = "A retired shoe cannot be the default for new runs."
        if errors:
            raise ValidationError(errors)


class PlanTemplate(TimeStampedModel):
    """A plan kept for reuse (issue 17): its workouts as day offsets from an anchor, the plan's
    first day or its race day, so that applying it to a runner with a start date or a race date
    puts every workout on the right day. The template owns copies of the workouts' fields;
    nothing is shared with the plan it was saved from or the plans made from it.

    ``start_offset_days`` is the first day's offset from the anchor (0 for a start anchor, the
    race day's distance before the start negated for a race anchor), so that every date of an
    applied template is ``anchor date + offset``.
    """

    class Anchor(models.TextChoices):
        START = "start", "Plan start"
        RACE = "race", "Race day"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="plan_templates"
    )
    name = models.CharField(max_length=255)
    description = models.TextField(blank=True)
    goal = models.TextField(blank=True)
    anchor = models.CharField(max_length=5, choices=Anchor.choices, default=Anchor.START)
    length_days = models.PositiveIntegerField(
        validators=[MinValueValidator(1), MaxValueValidator(MAX_PLAN_LENGTH_DAYS + 1)]
    )
    start_offset_days = models.IntegerField(default=0)

    class Meta:
        ordering = ["name", "created_at"]
        constraints = [
            models.CheckConstraint(condition=~Q(name=""), name="template_name_not_empty"),
            models.CheckConstraint(
                condition=Q(length_days__gte=1, length_days__lte=MAX_PLAN_LENGTH_DAYS + 1),
                name="template_length_range",
            ),
            models.CheckConstraint(
                condition=Q(anchor="start", start_offset_days=0)
                | Q(
                    anchor="race",
                    start_offset_days__lte=0,
                    start_offset_days__gt=-F("length_days"),
                ),
                name="template_anchor_inside_plan",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.name = (self.name or "").strip()
        super().save(*args, **kwargs)

    def clean(self) -> None:
        self.name = (self.name or "").strip()
        if not self.name:
            raise ValidationError({"name": "Name must not be blank."})
        if self.length_days is None:
            return
        if self.anchor == self.Anchor.START and self.start_offset_days != 0:
            raise ValidationError(
                {"start_offset_days": "A template anchored on the start has offset 0."}
            )
        if self.anchor == self.Anchor.RACE and not (
            -self.length_days < self.start_offset_days <= 0
        ):
            raise ValidationError({"start_offset_days": "The race day must lie inside the plan."})

    @property
    def has_race_day(self) -> bool:
        return self.anchor == self.Anchor.RACE


class TemplateWorkout(models.Model):
    """One workout of a ``PlanTemplate``, ``offset_days`` from the template's anchor."""

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="workouts")
    offset_days = models.IntegerField()
    name = models.CharField(max_length=255)
    workout_type = models.CharField(max_length=20, choices=Workout.WorkoutType.choices)
    planned_distance_m = models.FloatField(null=True, blank=True)
    planned_duration_s = models.PositiveIntegerField(null=True, blank=True)
    target_pace_min_s_per_km = models.FloatField(null=True, blank=True)
    target_pace_max_s_per_km = models.FloatField(null=True, blank=True)
    steps = models.JSONField(default=list, blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["offset_days", "id"]

    def __str__(self) -> str:
        return f"{self.offset_days:+d} {self.name}"


def pace_s_per_m() -> models.ExpressionWrapper:
    """A run's average pace in seconds per metre, as the database computes it.

    A float cast, not ``* 1.0`` (which PostgreSQL computes in slow ``numeric``), so an integer
    divided by a float never truncates on any backend. ``run_runner_fastest_idx`` indexes this
    very expression, so "fastest run" queries that order by it read one index entry.
    """
    return models.ExpressionWrapper(
        Cast("duration_s", models.FloatField()) / F("distance_m"),
        output_field=models.FloatField(),
    )


def run_pace_s_per_km(distance_m: float | None, duration_s: int) -> float | None:
    """A run's moving pace in seconds per kilometre, or ``None`` without a distance: one formula
    for ``Run.pace_s_per_km`` and the API's lean reads of run rows."""
    if not distance_m:
        return None
    return duration_s / (distance_m / 1000)


class RunQuerySet(models.QuerySet["Run"]):
    """Bulk writes of runs that keep the summary aggregates and the runners' list versions
    (``training.aggregates``) in step, in the same transaction: Django's bulk paths skip
    ``Run.save`` and ``Run.delete``."""

    def update(self, **kwargs: Any) -> int:
        from training import aggregates

        if not aggregates.AGGREGATED_RUN_FIELDS & kwargs.keys():
            # The aggregates stay valid; the runners' list versions still move.
            with transaction.atomic(using=self.db, savepoint=False):
                runner_ids = set(self.order_by().values_list("runner_id", flat=True).distinct())
                count = super().update(**kwargs)
                aggregates.runs_written(runner_ids)
            return count
        with transaction.atomic(using=self.db, savepoint=False):
            touched = list(self.values_list("pk", "runner_id", "local_date"))
            count = super().update(**kwargs)
            ids = [pk for pk, _, _ in touched]
            after = Run.objects.filter(pk__in=ids).values_list("runner_id", "local_date")
            aggregates.refresh_days({(r, d) for _, r, d in touched} | set(after))
            aggregates.refresh_efforts(ids)
        return count

    def delete(self) -> tuple[int, dict[str, int]]:
        from training import aggregates

        with transaction.atomic(using=self.db, savepoint=False):
            days = set(self.values_list("runner_id", "local_date"))
            deleted = super().delete()
            aggregates.refresh_days(days)
        return deleted

    def bulk_create(
        self,
        objs: Iterable[Any],
        batch_size: int | None = None,
        ignore_conflicts: bool = False,
        update_conflicts: bool = False,
        update_fields: Collection[str] | None = None,
        unique_fields: Collection[str] | None = None,
    ) -> list[Any]:
        from training import aggregates

        with transaction.atomic(using=self.db, savepoint=False):
            created: list[Any] = super().bulk_create(
                objs,
                batch_size=batch_size,
                ignore_conflicts=ignore_conflicts,
                update_conflicts=update_conflicts,
                update_fields=update_fields,
                unique_fields=unique_fields,
            )
            aggregates.refresh_days({(run.runner_id, run.local_date) for run in created})
            aggregates.refresh_efforts(run.pk for run in created)
        return created


class Run(TimeStampedModel):
    class Source(models.TextChoices):
        MANUAL = "manual", "Manual"
        GPX = "gpx", "GPX file"
        TCX = "tcx", "TCX file"
        FIT = "fit", "FIT file"

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    # No single-column indexes on the foreign keys: the composite indexes in Meta start with
    # each of them (runner, plan, workout), so lookups and the cascades on delete use those,
    # and every insert updates three indexes fewer.
    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="runs", db_index=False
    )
    plan = models.ForeignKey(
        Plan,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        db_index=False,
    )
    workout = models.ForeignKey(
        Workout,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        db_index=False,
    )
    # Indexed by the partial covering index in Meta (only runs that have a shoe).
    shoe = models.ForeignKey(
        Shoe,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="runs",
        db_index=False,
    )
    started_at = models.DateTimeField()
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone_name])
    # The calendar day of the local start, kept in step with started_at/timezone by save(), so
    # weekly and daily analytics group in the database without per-row time-zone arithmetic.
    local_date = models.DateField(editable=False)
    distance_m = models.FloatField(
        validators=[MinValueValidator(0.001), MaxValueValidator(MAX_RUN_DISTANCE_M)]
    )
    duration_s = models.PositiveIntegerField(
        "moving time (s)", validators=[MinValueValidator(1), MaxValueValidator(MAX_RUN_DURATION_S)]
    )
    elapsed_s = models.PositiveIntegerField("elapsed time (s)", null=True, blank=True)
    elevation_gain_m = models.FloatField(null=True, blank=True, validators=[MinValueValidator(0)])
    avg_heart_rate = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_HEART_RATE_BPM), MaxValueValidator(MAX_HEART_RATE_BPM)],
    )
    max_heart_rate = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(MIN_HEART_RATE_BPM), MaxValueValidator(MAX_HEART_RATE_BPM)],
    )
    avg_cadence = models.PositiveSmallIntegerField(
        "average cadence (steps/min)",
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(300)],
    )
    perceived_effort = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )
    notes = models.TextField(blank=True)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.MANUAL)
    # NULL for hand-logged runs, so the per-runner uniqueness only binds imported files.
    source_hash = models.CharField(  # noqa: DJ001
        max_length=64, null=True, blank=True, editable=False
    )
    # The whole-history import that created the run, so the import can be undone in one go.
    import_job = models.ForeignKey(
        "training.ImportJob",
        null=True,
        blank=True,
        editable=False,
        on_delete=models.SET_NULL,
        related_name="runs",
    )

    objects = RunQuerySet.as_manager()
    # (runner id, local day) the summary aggregates hold the run under, while it is loaded.
    _aggregated_day: tuple[int | None, date | None]
    # Set by save() around Django's save of a new run on PostgreSQL: _do_insert then leaves the
    # INSERT (``_pending_insert``) to aggregates.add_run.
    _insert_with_aggregates = False

    class Meta:
        ordering = ["-started_at", "-created_at"]
        indexes = [
            models.Index(fields=["runner", "-started_at"], name="run_runner_started_idx"),
            # Covering: the analytics summary's aggregates over one runner's runs are then
            # index-only scans, whatever the size of the table (docs/PERFORMANCE.md).
            models.Index(
                fields=["runner", "local_date"],
                include=[
                    "distance_m",
                    "duration_s",
                    "elevation_gain_m",
                    "started_at",
                    "created_at",
                    "id",
                    "perceived_effort",
                    "avg_heart_rate",
                ],
                name="run_runner_local_date_idx",
            ),
            models.Index(fields=["plan", "local_date"], name="run_plan_local_date_idx"),
            models.Index(fields=["workout"], name="run_workout_idx"),
            # The analytics summary's longest and fastest run: one index entry each instead of
            # sorting all of the runner's runs (docs/PERFORMANCE.md).
            models.Index(
                fields=["runner", "-distance_m", "-started_at"], name="run_runner_longest_idx"
            ),
            models.Index(
                F("runner"), pace_s_per_m(), F("started_at").desc(), name="run_runner_fastest_idx"
            ),
            # A shoe's distance sums its runs' distances from this index alone, and runs without
            # a shoe (most of them) cost no index entry.
            models.Index(
                fields=["shoe"],
                include=["distance_m"],
                condition=Q(shoe__isnull=False),
                name="run_shoe_distance_idx",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(distance_m__gt=0, distance_m__lte=MAX_RUN_DISTANCE_M),
                name="run_distance_range",
            ),
            models.CheckConstraint(
                condition=Q(duration_s__gte=1, duration_s__lte=MAX_RUN_DURATION_S),
                name="run_duration_range",
            ),
            models.CheckConstraint(
                condition=Q(elapsed_s__isnull=True) | Q(elapsed_s__gte=F("duration_s")),
                name="run_elapsed_not_below_moving",
            ),
            models.CheckConstraint(
                condition=Q(elevation_gain_m__isnull=True) | Q(elevation_gain_m__gte=0),
                name="run_elevation_gain_not_negative",
            ),
            models.CheckConstraint(
                condition=Q(avg_heart_rate__isnull=True)
                | Q(avg_heart_rate__gte=MIN_HEART_RATE_BPM, avg_heart_rate__lte=MAX_HEART_RATE_BPM),
                name="run_avg_hr_range",
            ),
            models.CheckConstraint(
                condition=Q(max_heart_rate__isnull=True)
                | Q(max_heart_rate__gte=MIN_HEART_RATE_BPM, max_heart_rate__lte=MAX_HEART_RATE_BPM),
                name="run_max_hr_range",
            ),
            models.CheckConstraint(
                condition=Q(avg_heart_rate__isnull=True)
                | Q(max_heart_rate__isnull=True)
                | Q(avg_heart_rate__lte=F("max_heart_rate")),
                name="run_avg_hr_not_above_max",
            ),
            models.CheckConstraint(
                condition=Q(perceived_effort__isnull=True)
                | Q(perceived_effort__gte=1, perceived_effort__lte=10),
                name="run_perceived_effort_range",
            ),
            models.CheckConstraint(
                condition=Q(avg_cadence__isnull=True) | Q(avg_cadence__gte=1, avg_cadence__lte=300),
                name="run_avg_cadence_range",
            ),
            models.CheckConstraint(
                condition=Q(workout__isnull=True) | Q(plan__isnull=False),
                name="run_workout_requires_plan",
            ),
            models.UniqueConstraint(
                fields=["runner", "source_hash"],
                condition=Q(source_hash__isnull=False),
                name="run_unique_source_hash_per_runner",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distance_m / 1000:.2f} km on {self.local_date}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        from training import aggregates

        self.local_date = self.compute_local_date()
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and (
            "started_at" in update_fields or "timezone" in update_fields
        ):
            kwargs["update_fields"] = {*update_fields, "local_date"}
        adding = self._state.adding
        using = kwargs.get("using") or router.db_for_write(Run)
        with transaction.atomic(using=using, savepoint=False):
            # A new run's INSERT waits for add_run's statement on PostgreSQL (_do_insert), on the
            # default database, the one add_run's statements use.
            self._insert_with_aggregates = (
                adding and using == DEFAULT_DB_ALIAS and connections[using].vendor == "postgresql"
            )
            try:
                super().save(*args, **kwargs)
            finally:
                # The INSERT left to add_run lives only as long as this save: a save that fails
                # after _do_insert must not leave one on the instance.
                self._insert_with_aggregates = False
                run_insert = self.__dict__.pop("_pending_insert", None)
            if update_fields is not None and not (
                aggregates.AGGREGATED_RUN_FIELDS & set(kwargs["update_fields"])
            ):
                aggregates.runs_written([self.runner_id])  # the aggregates stay valid
                return
            if adding:
                aggregates.add_run(self, run_insert)
                # A new run has no stored best efforts: its efforts come from its own columns.
                aggregates.store_run_efforts(self, {}, replace=False)
            else:
                days: set[tuple[int | None, date | None]] = {(self.runner_id, self.local_date)}
                previous = getattr(self, "_aggregated_day", (None, None))
                if None not in previous:
                    days.add(previous)
                aggregates.refresh_days(days)
                aggregates.refresh_run_efforts(self)
        self._aggregated_day = (self.runner_id, self.local_date)

    def get_absolute_url(self) -> str:
        return reverse("dashboard:run-detail", kwargs={"pk": self.pk})

    def _do_insert(
        self,
        manager: Any,
        using: str,
        fields: Sequence[Any],
        returning_fields: Sequence[Any],
        raw: bool,
    ) -> list[Any]:
        """Django's INSERT of a new run, which ``save`` leaves on PostgreSQL to
        ``aggregates.add_run``: sent in the same statement as the day's, the week's and the
        run list version's upserts, it saves a round trip and the insert compiler's work
        (8.39 → 7.92 M instructions a create, docs/PERFORMANCE.md, section 38). Nothing is
        returned from the INSERT (the id is made here), so Django has nothing to read back."""
        from training import aggregates

        if self._insert_with_aggregates and not raw and not returning_fields:
            statement = aggregates.insert_statement(self, fields)
            if statement is not None:
                self._pending_insert = statement
                return []
        return super()._do_insert(  # type: ignore[misc, no-any-return]
            manager, using, fields, returning_fields, raw
        )

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        from training import aggregates

        # The day as loaded too, in case the instance was changed and not saved.
        days = {(self.runner_id, self.local_date), getattr(self, "_aggregated_day", (None, None))}
        with transaction.atomic(
            using=kwargs.get("using") or router.db_for_write(Run), savepoint=False
        ):
            deleted = super().delete(*args, **kwargs)
            aggregates.refresh_days(day for day in days if None not in day)
        return deleted

    @classmethod
    def from_db(cls, *args: Any, **kwargs: Any) -> Run:
        run = super().from_db(*args, **kwargs)
        # The day the aggregates hold this run under, to refresh it if the run moves away.
        run._aggregated_day = (run.__dict__.get("runner_id"), run.__dict__.get("local_date"))
        return run

    def compute_local_date(self) -> date:
        """The calendar day on which the run started, in the run's own time zone."""
        try:
            tz = zoneinfo.ZoneInfo(self.timezone or "UTC")
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            tz = zoneinfo.ZoneInfo("UTC")
        return timezone.localtime(self.started_at, tz).date()

    def clean(self) -> None:
        errors: dict[str, str] = {}
        if self.started_at:
            if timezone.is_naive(self.started_at):
                errors["started_at"] = "Start time must include a time zone offset."
            elif self.started_at.date() < EARLIEST_DATE + timedelta(days=1):
                errors["started_at"] = f"Start time must not be before {EARLIEST_DATE}."
            elif self.started_at > timezone.now() + timedelta(minutes=5):
                # A few minutes of slack for clocks that disagree between watch and server.
                errors["started_at"] = "Start time must not be in the future."
        if self.elevation_gain_m is not None and self.elevation_gain_m > MAX_ELEVATION_GAIN_M:
            errors["elevation_gain_m"] = f"Elevation gain is at most {MAX_ELEVATION_GAIN_M} m."
        if self.elapsed_s is not None and self.duration_s and self.elapsed_s < self.duration_s:
            errors["elapsed_s"] = "Elapsed time must be at least the moving time."
        if (
            self.avg_heart_rate is not None
            and self.max_heart_rate is not None
            and self.avg_heart_rate > self.max_heart_rate
        ):
            errors["avg_heart_rate"] = "Average heart rate must not exceed max heart rate."
        workout = self.workout if self.workout_id else None
        if workout is not None:
            if self.plan_id is None:
                self.plan_id = workout.plan_id
            if workout.plan_id != self.plan_id:
                errors["workout"] = "The workout must belong to the run's plan."
        plan = self.plan if self.plan_id else None
        if plan is not None and self.runner_id and plan.runner_id != self.runner_id:
            errors["plan"] = "The plan must belong to the same runner as the run."
        shoe = self.shoe if self.shoe_id else None
        if shoe is not None and self.runner_id and shoe.runner_id != self.runner_id:
            errors["shoe"] = "The shoe must belong to the same runner as the run."
        if errors:
            raise ValidationError(errors)

    @property
    def pace_s_per_km(self) -> float | None:
        """Moving pace in seconds per kilometre, or ``None`` without a distance."""
        return run_pace_s_per_km(self.distance_m, self.duration_s)


class RunTrack(models.Model):
    """The recorded samples of a run from an activity file, kept apart so that run lists and
    analytics never load them.

    ``samples`` is columnar: ``{"t_s": [...], "lat": [...], "lon": [...], "ele_m": [...],
    "hr_bpm": [...], "dist_m": [...]}``, every list the same length, ``t_s`` seconds from the
    start and ``dist_m`` cumulative metres. Missing values are ``null``.
    """

    run = models.OneToOneField(
        Run, on_delete=models.CASCADE, primary_key=True, related_name="track"
    )
    samples = models.JSONField()

    def __str__(self) -> str:
        return f"Track of {self.run_id}"

    @property
    def point_count(self) -> int:
        return len(self.samples.get("t_s", []))


class RunBestEffort(CheckedInPython):
    """The fastest stretch of one standard distance inside a run's track (docs/API.md, Best
    efforts), worked out once when the track is stored (``training.services.run_track_set``) so
    that personal bests read a few rows instead of every track.

    ``distance`` is a key of ``analytics.science.BEST_EFFORT_DISTANCES_M``; the stretch took
    ``elapsed_s`` seconds and began ``start_offset_s`` seconds and ``start_offset_m`` metres into
    the track.
    """

    # No index of its own: the unique (run, distance) index starts with it.
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, related_name="best_efforts", db_index=False
    )
    distance = models.CharField(
        max_length=10, choices=[(key, key) for key in BEST_EFFORT_DISTANCES_M]
    )
    elapsed_s = models.FloatField(validators=[MinValueValidator(0.001)])
    start_offset_s = models.FloatField(validators=[MinValueValidator(0)])
    start_offset_m = models.FloatField(validators=[MinValueValidator(0)])

    class Meta:
        # Within a run a longer distance never takes less time, so this is shortest first.
        ordering = ["run", "elapsed_s"]
        constraints = [
            models.UniqueConstraint(fields=["run", "distance"], name="best_effort_unique_distance"),
            models.CheckConstraint(
                condition=Q(elapsed_s__gt=0, start_offset_s__gte=0, start_offset_m__gte=0),
                name="best_effort_positive_times",
            ),
            models.CheckConstraint(
                condition=Q(distance__in=list(BEST_EFFORT_DISTANCES_M)),
                name="best_effort_known_distance",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.distance} in {self.elapsed_s:.1f} s ({self.run_id})"

    @property
    def distance_m(self) -> float:
        return BEST_EFFORT_DISTANCES_M[self.distance]


MAX_COMMENT_LENGTH = 5000


class Comment(TimeStampedModel):
    """A message about one workout or one run between the runner and their coach (issue 17).

    Seen by whoever may see the workout or run it is about; its parent is exactly one of them.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comments"
    )
    workout = models.ForeignKey(
        Workout, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    run = models.ForeignKey(
        Run, on_delete=models.CASCADE, null=True, blank=True, related_name="comments"
    )
    body = models.TextField(
        max_length=MAX_COMMENT_LENGTH, validators=[MaxLengthValidator(MAX_COMMENT_LENGTH)]
    )

    class Meta:
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["workout", "created_at"], name="comment_workout_idx"),
            models.Index(fields=["run", "created_at"], name="comment_run_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(workout__isnull=True, run__isnull=False)
                | Q(workout__isnull=False, run__isnull=True),
                name="comment_one_parent",
            ),
            models.CheckConstraint(condition=~Q(body=""), name="comment_body_not_empty"),
        ]

    def __str__(self) -> str:
        return f"{self.author}: {self.body[:40]}"

    def clean(self) -> None:
        self.body = (self.body or "").strip()
        if not self.body:
            raise ValidationError({"body": "A comment must not be blank."})
        if (self.workout_id is None) == (self.run_id is None):
            raise ValidationError("A comment is about exactly one workout or one run.")


class CommentVisit(models.Model):
    """When ``user`` last read the comments of a workout or a run: the comments of the other side
    created since then are new to them (the unread marker)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="comment_visits"
    )
    workout = models.ForeignKey(
        Workout, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    run = models.ForeignKey(Run, on_delete=models.CASCADE, null=True, blank=True, related_name="+")
    seen_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["user", "workout"],
                condition=Q(workout__isnull=False),
                name="comment_visit_unique_workout",
            ),
            models.UniqueConstraint(
                fields=["user", "run"],
                condition=Q(run__isnull=False),
                name="comment_visit_unique_run",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} saw comments at {self.seen_at}"


class Deletion(models.Model):
    """A tombstone for a deleted plan, workout, run or shoe, so that syncing clients can drop their
    copy (``GET /api/v1/deletions?since=…``, docs/API.md).

    The user ids are plain integers, not foreign keys: a tombstone is written while the row (and
    sometimes its user) is being deleted, and it must neither block nor follow that delete.
    ``coach_user_id`` is the coach of the plan (of the workout's plan) at deletion time.
    """

    class ObjectType(models.TextChoices):
        PLAN = "plan", "Plan"
        WORKOUT = "workout", "Workout"
        RUN = "run", "Run"
        SHOE = "shoe", "Shoe"
        COMMENT = "comment", "Comment"

    object_type = models.CharField(max_length=10, choices=ObjectType.choices)
    object_id = models.UUIDField()
    runner_user_id = models.BigIntegerField(db_index=True)
    coach_user_id = models.BigIntegerField(null=True, blank=True, db_index=True)
    deleted_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["deleted_at", "id"]

    def __str__(self) -> str:
        return f"{self.object_type} {self.object_id} deleted at {self.deleted_at}"


class IdempotencyRecord(models.Model):
    """The first successful response to a create sent with an ``Idempotency-Key`` header, replayed
    when the same user retries with the same key within 24 hours (docs/API.md)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="idempotency_records"
    )
    key = models.CharField(max_length=255)
    request_signature = models.CharField(
        max_length=300, help_text="HTTP method and path the key was first used with."
    )
    response_status = models.PositiveSmallIntegerField()
    response_body = models.JSONField()
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "key"], name="idempotency_unique_user_key"),
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.request_signature})"


class RunnerDay(models.Model):
    """One runner's runs of one local calendar day, summed (docs/ARCHITECTURE.md, Data
    model): the analytics summary reads the training-load window's days (216) and the days of
    the weeks its period cuts from here instead of the runs, so its cost does not follow the
    number of runs.

    Kept by ``training.aggregates`` in the same transaction as every run write; a day without
    runs has no row. Distances and elevation are stored as the correctly rounded sum plus the
    rounded remainder of the exact sum (``*_residual``), so a week or a period added up from its
    days with ``math.fsum`` is the correctly rounded sum of its runs, as if summed run by run.

    ``load`` is the day's training load (``analytics.science.session_load`` of each run, added
    with ``math.fsum``; ``load_residual`` its remainder), which depends on the profile's heart
    rates and sex; ``load_profile`` records the profile it was computed with
    (``training.aggregates.load_profile_key``), and a reader whose profile differs recomputes
    from the runs instead of trusting it.
    """

    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    local_date = models.DateField()
    runs = models.PositiveIntegerField()
    distance_m = models.FloatField()
    distance_m_residual = models.FloatField()
    duration_s = models.BigIntegerField()
    elevation_gain_m = models.FloatField()
    elevation_gain_m_residual = models.FloatField()
    load = models.FloatField()
    # The rounded remainder of the exact sum, as for distances, so that a new run's load is
    # added to the day without re-reading its runs (training.aggregates.add_run). NULL on the
    # rows written before the column: such a day is recomputed from its runs once.
    load_residual = models.FloatField(null=True, blank=True)
    load_profile = models.CharField(max_length=40)

    class Meta:
        constraints = [
            # Also the index the summary reads a runner's days through, in date order.
            models.UniqueConstraint(fields=["runner", "local_date"], name="runner_day_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.runs} runs of {self.runner_id} on {self.local_date}"


class RunnerWeek(models.Model):
    """One runner's runs of one ISO week (Monday ``week_start``), summed like ``RunnerDay``:
    the summary's weekly series, streak and totals read about 160 of these for three years of
    history instead of 1,100 days. ``first_day``: the week's first local day with a run.
    Kept by ``training.aggregates`` with the days; a week without runs has no row."""

    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    week_start = models.DateField()
    runs = models.PositiveIntegerField()
    distance_m = models.FloatField()
    distance_m_residual = models.FloatField()
    duration_s = models.BigIntegerField()
    elevation_gain_m = models.FloatField()
    elevation_gain_m_residual = models.FloatField()
    first_day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["runner", "week_start"], name="runner_week_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.runs} runs of {self.runner_id} in the week of {self.week_start}"


class RunListVersion(models.Model):
    """The version of one runner's runs: a new random number whenever their runs are written.

    A conditional GET of the run list compares the versions of the runners it shows with the
    ones stored beside the list's ETag in the cache (``tracker.page_etags``) and answers 304
    without reading the page while they hold (docs/PERFORMANCE.md, section 33). Kept with the
    aggregates (``training.aggregates.bump_versions``): every run write, in its transaction,
    under the runner's lock, so the row is never contended on its own and a committed write
    has always moved it. Random, not counted: a value never comes back, not after the row is
    deleted with its runner, nor in another database sharing the cache. Writes that bypass
    the ORM call ``aggregates.rebuild``, which bumps too.
    """

    runner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    version = models.BigIntegerField()

    def __str__(self) -> str:
        return f"runs of {self.runner_id} at version {self.version}"


class RunnerEffort(models.Model):
    """One effort of a run at a standard distance, as ``training.selectors.effort_rows_sql``
    defines them (a stored best effort, or the whole run standing in for the distance), with
    the runner and the day copied in: personal bests read the first entry of
    ``runner_effort_best_idx`` per distance instead of ranking every run's effort.

    Kept by ``training.aggregates`` whenever a run or its best efforts are written; deleted
    with its run.
    """

    runner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False
    )
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="+", db_index=False)
    distance = models.CharField(
        max_length=10, choices=[(key, key) for key in BEST_EFFORT_DISTANCES_M]
    )
    elapsed_s = models.FloatField()
    started_at = models.DateTimeField()
    local_date = models.DateField()

    class Meta:
        indexes = [
            models.Index(
                fields=["runner", "distance", "elapsed_s", "started_at", "run"],
                include=["local_date"],
                name="runner_effort_best_idx",
            ),
        ]
        constraints = [
            models.UniqueConstraint(fields=["run", "distance"], name="runner_effort_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.distance} in {self.elapsed_s:.1f} s ({self.run_id})"


# For drf-spectacular's ENUM_NAME_OVERRIDES (loaded by module path): a plan's status keeps the
# schema name StatusEnum beside ImportJobStatusEnum.
PLAN_STATUSES = Plan.Status.choices

# Registered with this app from their own module (training/history/models.py).
from training.history.models import ImportJob as ImportJob  # noqa: E402
from training.history.models import ImportJobFile as ImportJobFile  # noqa: E402
