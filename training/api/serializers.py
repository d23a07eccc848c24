"""Input and output shapes of the REST API v1 (docs/API.md, Resources and fields).

Serializers check the shape of a request and which related objects the caller may name; every
domain rule lives in the model's ``clean()`` and runs through the services (training/services.py).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import tzinfo
from typing import Any, cast

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ErrorDetail
from rest_framework.fields import empty

from analytics.science import BEST_EFFORT_DISTANCES_M, heart_rate_zones
from tracker.rows import iso_datetime
from training import shoes as shoe_rules
from training.models import (
    MAX_COMMENT_LENGTH,
    MAX_ELEVATION_GAIN_M,
    MAX_PLAN_LENGTH_DAYS,
    Comment,
    Deletion,
    Plan,
    PlanTemplate,
    Run,
    RunnerProfile,
    Shoe,
    TemplateWorkout,
    Workout,
    run_pace_s_per_km,
    validate_timezone_name,
)
from training.selectors import (
    coach_candidates,
    coached_runner_ids,
    plans_visible_to,
    shoes_editable_by,
)
from training.steps import PACE_ZONE_NAMES, StepsError, validate_steps

User = get_user_model()


def _request_user(serializer: serializers.BaseSerializer[Any]) -> Any:
    request = serializer.context.get("request")
    return getattr(request, "user", None)


class FieldsBuiltOnceMixin:
    # (Comments, not a docstring: drf-spectacular publishes a serializer's inherited docstring
    # as its schema component's description.)
    #
    # For a ModelSerializer whose fields come from its class alone (``Meta``, the declared
    # fields): build them from the model's metadata once per class and give each instance its own
    # copies. Building them was a quarter of a ``POST /runs``'s Python (docs/PERFORMANCE.md,
    # section 30).
    #
    # The copies are shallow, unlike DRF's deep copies of declared fields, which rebuild every
    # field from its arguments and were most of what was left (section 36). A field's per-instance
    # state (its name, parent, source, ``read_only`` set by a subclass) lives in its own
    # ``__dict__``, which a shallow copy copies; what stays shared is what DRF never changes after
    # construction (validators, error messages, choices). So a subclass may set attributes on its
    # copies, after ``super()``, but must not mutate a shared object in place, and caller-scoped
    # choices belong in ``CallerScopedPrimaryKeyRelatedField``, read per value, not per body.

    def get_fields(self) -> dict[str, Any]:
        cls = type(self)
        template = cls.__dict__.get("_built_fields")
        if template is None:
            template = super().get_fields()  # type: ignore[misc]
            cls._built_fields = template  # type: ignore[attr-defined]
        return {name: _shallow_copy(field) for name, field in template.items()}

    def get_validators(self) -> list[Any]:
        # DRF derives a ModelSerializer's own validators (unique-together, unique-for-date) from
        # the model's constraints and the fields that can carry a value, reading the model's
        # metadata again for every body: 4 % of a create's Python (section 36). Kept per class
        # and per set of such fields; the validators hold no per-request state (DRF shares
        # Meta.validators' instances the same way).
        cache = type(self).__dict__.get("_built_validators")
        if cache is None:
            cache = {}
            type(self)._built_validators = cache  # type: ignore[attr-defined]
        fields: dict[str, Any] = self.fields  # type: ignore[attr-defined]
        key = tuple(
            (name, field.source)
            for name, field in fields.items()
            if not field.read_only or field.default is not empty
        )
        if key not in cache:
            cache[key] = super().get_validators()  # type: ignore[misc]
        return list(cache[key])


def _shallow_copy(field: Any) -> Any:
    # What copy.copy does for a DRF field (a new instance with a copy of its __dict__), without
    # copy's protocol lookups (__reduce_ex__, copyreg), which cost three times as much.
    duplicate = object.__new__(type(field))
    duplicate.__dict__.update(field.__dict__)
    return duplicate


class CallerScopedPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A link by id to an object the request's caller may name: ``scope(user)`` gives those
    objects. Built when a value is looked up (``get_queryset``), so a body that leaves the link
    out never builds the query; and the declared ``queryset`` (one of none) stays what the schema
    reads the model from and what a caller-less serializer accepts."""

    def __init__(self, *, scope: Callable[[Any], QuerySet[Any]], **kwargs: Any) -> None:
        self.scope = scope
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        user = _request_user(self.root)
        if user is None or not user.is_authenticated:
            return cast(QuerySet[Any], super().get_queryset())
        return self.scope(user)


class PlanFromPathMixin:
    # A serializer of an object under a plan's route (``/plans/{id}/workouts``, ``.../runs``):
    # with ``plan_from_path``, the plan comes from the URL and is not part of the body.

    def __init__(self, *args: Any, plan_from_path: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._plan_from_path = plan_from_path

    def get_fields(self) -> dict[str, Any]:
        fields: dict[str, Any] = super().get_fields()  # type: ignore[misc]
        if self._plan_from_path:
            fields["plan"].read_only = True
        return fields


def _plans_of_caller(user: Any) -> QuerySet[Plan]:
    # A superuser editing another runner's run is checked by the model (plan and run must
    # share the runner).
    return Plan.objects.all() if user.is_superuser else Plan.objects.filter(runner=user)


def _workouts_of_caller(user: Any) -> QuerySet[Workout]:
    return Workout.objects.all() if user.is_superuser else Workout.objects.filter(plan__runner=user)


def _float_or_none(value: Any) -> float | None:
    return None if value is None else float(value)


def _int_or_none(value: Any) -> int | None:
    return None if value is None else int(value)


class _RowsListSerializer(serializers.ListSerializer):
    """A page of rows (tuples of the child's ``row_columns``, as a list reads them) turned into
    bodies with the current time zone looked up once for the page: per row, the context-local
    lookup was a tenth of the body's cost."""

    def to_representation(self, data: Any) -> Any:
        child_class = type(self.child)
        # Rows only of a class that declares row_columns itself (a subclass may show more).
        if (
            type(data) is list
            and data
            and type(data[0]) is tuple
            and "row_columns" in vars(child_class)
        ):
            body_of = child_class.row_body  # type: ignore[union-attr]
            tz = timezone.get_current_timezone()
            return [body_of(row, tz) for row in data]
        return super().to_representation(data)


def _workout_row_body(row: tuple[Any, ...], tz: tzinfo) -> dict[str, Any]:
    """A workout's API body from a row of ``WorkoutSerializer.row_columns``."""
    (
        workout_id,
        plan_id,
        name,
        workout_type,
        scheduled_date,
        planned_distance_m,
        planned_duration_s,
        target_pace_min_s_per_km,
        target_pace_max_s_per_km,
        steps,
        notes,
        created_at,
        updated_at,
    ) = row
    return {
        "id": str(workout_id),
        "plan": plan_id,
        "name": name,
        "workout_type": workout_type,
        "scheduled_date": scheduled_date.isoformat(),
        "planned_distance_m": _float_or_none(planned_distance_m),
        "planned_duration_s": _int_or_none(planned_duration_s),
        "target_pace_min_s_per_km": _float_or_none(target_pace_min_s_per_km),
        "target_pace_max_s_per_km": _float_or_none(target_pace_max_s_per_km),
        "steps": steps,
        "notes": notes,
        "created_at": iso_datetime(created_at, tz),
        "updated_at": iso_datetime(updated_at, tz),
    }


def _run_row_body(row: tuple[Any, ...], tz: tzinfo) -> dict[str, Any]:
    """A run's API body from a row of ``RunSerializer.row_columns`` (aware datetimes)."""
    (
        run_id,
        runner_id,
        plan_id,
        workout_id,
        shoe_id,
        started_at,
        timezone_name,
        local_date,
        distance_m,
        duration_s,
        elapsed_s,
        elevation_gain_m,
        avg_heart_rate,
        max_heart_rate,
        avg_cadence,
        perceived_effort,
        notes,
        source,
        created_at,
        updated_at,
    ) = row
    return {
        "id": str(run_id),
        "runner": runner_id,
        "plan": plan_id,
        "workout": workout_id,
        "shoe": shoe_id,
        "started_at": iso_datetime(started_at, tz),
        "timezone": str(timezone_name),
        "local_date": local_date.isoformat(),
        "distance_m": float(distance_m),
        "duration_s": int(duration_s),
        "elapsed_s": _int_or_none(elapsed_s),
        "pace_s_per_km": _float_or_none(run_pace_s_per_km(distance_m, duration_s)),
        "elevation_gain_m": _float_or_none(elevation_gain_m),
        "avg_heart_rate": _int_or_none(avg_heart_rate),
        "max_heart_rate": _int_or_none(max_heart_rate),
        "avg_cadence": _int_or_none(avg_cadence),
        "perceived_effort": _int_or_none(perceived_effort),
        "notes": notes,
        "source": source,
        "created_at": iso_datetime(created_at, tz),
        "updated_at": iso_datetime(updated_at, tz),
    }


def runners_plannable_by(user: Any) -> QuerySet:
    """Users ``user`` may create or copy plans for: themself, the runners they coach, or anyone
    for a superuser. Everyone else is answered as "does not exist", so ids are not probed."""
    if user is None or not user.is_authenticated:
        return User.objects.none()
    if user.is_superuser:
        return User.objects.filter(is_active=True)
    return User.objects.filter(Q(pk=user.pk) | Q(pk__in=coached_runner_ids(user)), is_active=True)


class StepSerializer(serializers.Serializer):
    """One step of a structured workout (documentation of ``steps``; validated by
    training/steps.py). Repeat blocks (``kind: repeat`` with ``steps``) are added to the schema
    by ``tracker.schema`` as a third shape (docs/API.md, Structured workout steps)."""

    kind = serializers.ChoiceField(choices=["warmup", "work", "recovery", "cooldown"])
    repeat = serializers.IntegerField(min_value=1, max_value=50, default=1)
    distance_m = serializers.FloatField(required=False, help_text="Metres; or duration_s.")
    duration_s = serializers.FloatField(required=False, help_text="Seconds; or distance_m.")
    target_pace_min_s_per_km = serializers.FloatField(required=False)
    target_pace_max_s_per_km = serializers.FloatField(required=False)
    pace_zone = serializers.ChoiceField(
        choices=list(PACE_ZONE_NAMES),
        required=False,
        help_text="One of Daniels' zones instead of typed paces (not together with "
        "target_pace_min/max_s_per_km); resolved to each runner's own paces (docs/API.md, "
        "Training paces).",
    )


@extend_schema_field(StepSerializer(many=True))
class StepsField(serializers.JSONField):
    """Structured steps, validated by ``training.steps.validate_steps`` (one definition for the
    model, the admin and the API) and returned as given."""

    def to_internal_value(self, data: Any) -> list[dict[str, Any]]:
        value = super().to_internal_value(data)
        try:
            return validate_steps(value)
        except StepsError as exc:
            raise serializers.ValidationError(str(exc), code="invalid_steps") from exc


class PlanSerializer(serializers.ModelSerializer):
    runner = CallerScopedPrimaryKeyRelatedField(
        queryset=User.objects.none(),
        scope=runners_plannable_by,
        required=False,
        help_text="User id of the runner the plan is for; defaults to the caller. A coach may "
        "name a runner they coach. Cannot change after creation.",
    )
    coach = serializers.PrimaryKeyRelatedField(
        queryset=coach_candidates(),
        required=False,
        allow_null=True,
        help_text="User id of the coach (an active staff user in the coach group, or a "
        "superuser), or null. When a coach creates a plan for one of their runners it defaults "
        "to that coach.",
    )

    class Meta:
        model = Plan
        fields = [
            "id",
            "name",
            "description",
            "runner",
            "coach",
            "start_date",
            "end_date",
            "status",
            "goal",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        extra_kwargs = {"name": {"trim_whitespace": True}}

    def to_internal_value(self, data: Any) -> Any:
        # Checked before the field: another runner's id would otherwise be answered as
        # "Invalid pk" when the real reason is that the runner is fixed at creation. Sending
        # the same runner again (a PUT of what was read) is accepted.
        sent = data.get("runner") if isinstance(data, dict) else None
        if (
            self.instance is not None
            and sent is not None
            and str(sent) != str(self.instance.runner_id)
        ):
            detail = "A plan's runner cannot change; copy the plan to the other runner instead."
            raise serializers.ValidationError({"runner": [ErrorDetail(detail, code="immutable")]})
        return super().to_internal_value(data)


class PlanUpdateSerializer(PlanSerializer):
    """A plan's body for PUT and PATCH: its ``runner`` is fixed when the plan is created."""

    # What the schema documents for PUT/PATCH /plans/{id}; the view still validates with
    # PlanSerializer, which refuses a different runner.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["runner"].read_only = True


class PlanCopySerializer(serializers.Serializer):
    runner = CallerScopedPrimaryKeyRelatedField(
        queryset=User.objects.none(),
        scope=runners_plannable_by,
        help_text="User id of the runner who gets the copy: the caller or a runner they coach.",
    )
    start_date = serializers.DateField(help_text="First day of the copy; workouts shift with it.")


class TemplateWorkoutSerializer(serializers.ModelSerializer):
    steps = StepsField(read_only=True)

    class Meta:
        model = TemplateWorkout
        fields = [
            "offset_days",
            "name",
            "workout_type",
            "planned_distance_m",
            "planned_duration_s",
            "target_pace_min_s_per_km",
            "target_pace_max_s_per_km",
            "steps",
            "notes",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "offset_days": {
                "help_text": "Days from the template's anchor (its first day, or race day; "
                "negative before race day)."
            }
        }


class PlanTemplateSerializer(serializers.ModelSerializer):
    workouts = TemplateWorkoutSerializer(many=True, read_only=True)

    class Meta:
        model = PlanTemplate
        fields = [
            "id",
            "name",
            "description",
            "goal",
            "anchor",
            "length_days",
            "start_offset_days",
            "owner",
            "workouts",
            "created_at",
            "updated_at",
        ]
        read_only_fields = fields
        extra_kwargs = {
            "start_offset_days": {
                "help_text": "The plan's first day counted from the anchor: 0 for `start`, "
                "minus the days from the first day to race day for `race`."
            },
            "length_days": {"help_text": "Days from the first to the last day, both counted."},
        }


class PlanTemplateSaveSerializer(serializers.Serializer):
    name = serializers.CharField(
        max_length=255, required=False, allow_blank=True, help_text="Defaults to the plan's name."
    )
    anchor = serializers.ChoiceField(
        choices=PlanTemplate.Anchor.choices,
        default=PlanTemplate.Anchor.START,
        help_text="Keep the workouts as offsets from the plan's first day (`start`) or from its "
        "last race workout's day (`race`).",
    )


class PlanTemplateApplySerializer(serializers.Serializer):
    runner = CallerScopedPrimaryKeyRelatedField(
        queryset=User.objects.none(),
        scope=runners_plannable_by,
        help_text="User id of the runner who gets the plan: the caller or a runner they coach.",
    )
    start_date = serializers.DateField(
        required=False, help_text="The plan's first day; or give race_date."
    )
    race_date = serializers.DateField(
        required=False,
        help_text="Race day, for a template anchored on it; the plan is placed so that its "
        "race falls on this day.",
    )


class PlanShiftSerializer(serializers.Serializer):
    days = serializers.IntegerField(
        required=False,
        min_value=-MAX_PLAN_LENGTH_DAYS,
        max_value=MAX_PLAN_LENGTH_DAYS,
        help_text="Move the workouts by this many days (negative: earlier); or give start_on.",
    )
    start_on = serializers.DateField(
        required=False, help_text="Move the workouts so that the earliest lands on this day."
    )
    first_day = serializers.DateField(
        required=False,
        help_text="First scheduled day of the workouts to move; default the runner's today.",
    )
    last_day = serializers.DateField(
        required=False, help_text="Last scheduled day of the workouts to move; default plan end."
    )


class WorkoutSerializer(PlanFromPathMixin, FieldsBuiltOnceMixin, serializers.ModelSerializer):
    plan = CallerScopedPrimaryKeyRelatedField(
        queryset=Plan.objects.none(),
        scope=plans_visible_to,
        help_text="Id of a plan the caller may see.",
    )
    steps = StepsField(
        required=False,
        help_text="Optional structured workout: ordered steps. Planned distance and duration "
        "are derived from them when not given.",
    )

    class Meta:
        model = Workout
        fields = [
            "id",
            "plan",
            "name",
            "workout_type",
            "scheduled_date",
            "planned_distance_m",
            "planned_duration_s",
            "target_pace_min_s_per_km",
            "target_pace_max_s_per_km",
            "steps",
            "notes",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "created_at", "updated_at"]
        list_serializer_class = _RowsListSerializer

    # The columns a workout's body is made of, in the order ``_workout_row_body`` takes them;
    # a list reads just these, as tuples (``BaseViewSet.paginate_queryset``).
    row_columns = (
        "id",
        "plan_id",
        "name",
        "workout_type",
        "scheduled_date",
        "planned_distance_m",
        "planned_duration_s",
        "target_pace_min_s_per_km",
        "target_pace_max_s_per_km",
        "steps",
        "notes",
        "created_at",
        "updated_at",
    )
    row_body = staticmethod(_workout_row_body)

    def to_representation(self, instance: Any) -> Any:
        """The same dict as DRF's field-by-field path (tests/perf/test_lean_paths.py proves
        it), built directly: DRF's per-field machinery was most of a list's time
        (docs/PERFORMANCE.md). A list's rows go to ``row_body`` (``_RowsListSerializer``)."""
        if type(self) is not WorkoutSerializer or type(instance) is not Workout:
            return super().to_representation(instance)
        w = instance
        if w.created_at.tzinfo is None or w.updated_at.tzinfo is None:
            return super().to_representation(instance)
        row = tuple(getattr(w, column) for column in self.row_columns)
        return _workout_row_body(row, timezone.get_current_timezone())

    def validate_plan(self, plan: Plan) -> Plan:
        # Runs linked to the workout belong to its plan; moving it would split them apart.
        if self.instance is not None and plan.pk != self.instance.plan_id:
            raise serializers.ValidationError(
                "A workout cannot move to another plan; create it there instead.",
                code="immutable",
            )
        return plan


class PlanWorkoutSerializer(WorkoutSerializer):
    """A workout's body for POST /plans/{id}/workouts: the plan comes from the path."""

    # What the schema documents: ``plan`` read-only. Its own component name keeps POST
    # /workouts' ``plan`` writable and required in the schema.

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("plan_from_path", True)
        super().__init__(*args, **kwargs)


class AwareDateTimeField(serializers.DateTimeField):
    """An ISO 8601 datetime that must carry its offset: a run's start without one is ambiguous
    by up to a day, so it is refused instead of being read as server time."""

    def enforce_timezone(self, value: Any) -> Any:
        if timezone.is_naive(value):
            raise serializers.ValidationError(
                "Include a time zone offset (e.g. 2026-01-06T07:00:00+01:00 or ...Z).",
                code="naive_datetime",
            )
        return super().enforce_timezone(value)


class RunSerializer(PlanFromPathMixin, FieldsBuiltOnceMixin, serializers.ModelSerializer):
    started_at = AwareDateTimeField(help_text="ISO 8601 with offset; not in the future.")
    plan = CallerScopedPrimaryKeyRelatedField(
        queryset=Plan.objects.none(),
        scope=_plans_of_caller,
        required=False,
        allow_null=True,
        help_text="Id of one of the runner's plans; set from the workout when only that is given.",
    )
    workout = CallerScopedPrimaryKeyRelatedField(
        queryset=Workout.objects.none(),
        scope=_workouts_of_caller,
        required=False,
        allow_null=True,
        help_text="Id of a workout of the run's plan (of the same runner).",
    )
    shoe = CallerScopedPrimaryKeyRelatedField(
        queryset=Shoe.objects.none(),
        scope=shoes_editable_by,
        required=False,
        allow_null=True,
        help_text="Id of one of the runner's shoes (retired ones too), or null. On create, "
        "leaving it out gives the run the runner's default shoe, if any.",
    )
    timezone = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=64,
        help_text="IANA time zone where the run started; defaults to the runner's profile.",
    )
    pace_s_per_km = serializers.FloatField(
        read_only=True, allow_null=True, help_text="Moving pace, seconds per kilometre (derived)."
    )

    class Meta:
        model = Run
        fields = [
            "id",
            "runner",
            "plan",
            "workout",
            "shoe",
            "started_at",
            "timezone",
            "local_date",
            "distance_m",
            "duration_s",
            "elapsed_s",
            "pace_s_per_km",
            "elevation_gain_m",
            "avg_heart_rate",
            "max_heart_rate",
            "avg_cadence",
            "perceived_effort",
            "notes",
            "source",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "runner", "local_date", "source", "created_at", "updated_at"]
        list_serializer_class = _RowsListSerializer
        # The model's own bound (Run.clean), stated on the field so the schema publishes it.
        extra_kwargs = {
            "elevation_gain_m": {
                "max_value": MAX_ELEVATION_GAIN_M,
                "error_messages": {
                    "max_value": f"Elevation gain is at most {MAX_ELEVATION_GAIN_M} m."
                },
            }
        }

    # The columns a run's body is made of, in the order ``_run_row_body`` takes them. A list
    # reads just these, as tuples (``BaseViewSet.paginate_queryset``): no model instances.
    row_columns = (
        "id",
        "runner_id",
        "plan_id",
        "workout_id",
        "shoe_id",
        "started_at",
        "timezone",
        "local_date",
        "distance_m",
        "duration_s",
        "elapsed_s",
        "elevation_gain_m",
        "avg_heart_rate",
        "max_heart_rate",
        "avg_cadence",
        "perceived_effort",
        "notes",
        "source",
        "created_at",
        "updated_at",
    )
    row_body = staticmethod(_run_row_body)

    def to_representation(self, instance: Any) -> Any:
        """The same dict as DRF's field-by-field path (tests/perf/test_lean_paths.py proves
        it), built directly: DRF's per-field machinery was most of a run list's time
        (docs/PERFORMANCE.md). A list's rows go to ``row_body`` (``_RowsListSerializer``)."""
        if type(self) is not RunSerializer or type(instance) is not Run:
            return super().to_representation(instance)
        r = instance
        if r.started_at.tzinfo is None or r.created_at.tzinfo is None or r.local_date is None:
            return super().to_representation(instance)  # unusual values: DRF's own checks
        return _run_row_body(self.row_of(r), timezone.get_current_timezone())

    @classmethod
    def row_of(cls, run: Run) -> tuple[Any, ...]:
        """``run`` as a list reads it: its values of ``row_columns``."""
        return tuple(getattr(run, column) for column in cls.row_columns)

    def validate_timezone(self, value: str) -> str:
        if value:
            try:
                validate_timezone_name(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(
                    f"{value} is not a known IANA time zone (e.g. Europe/London).",
                    code="invalid_timezone",
                ) from exc
        return value

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        # Linking a workout links its plan; unlinking the plan unlinks the workout.
        workout = attrs.get("workout")
        if workout is not None and "plan" not in attrs and not self.fields["plan"].read_only:
            attrs["plan"] = workout.plan
        if "plan" in attrs and attrs["plan"] is None and "workout" not in attrs:
            attrs["workout"] = None
        return attrs


class RunEffortSerializer(serializers.Serializer):
    """One best effort of a run (docs/API.md, Best efforts)."""

    distance = serializers.ChoiceField(
        choices=list(BEST_EFFORT_DISTANCES_M),
        help_text="Standard distance: 400m, 1k, 1mi, 5k, 10k, half, marathon.",
    )
    distance_m = serializers.FloatField(help_text="The standard distance in metres.")
    elapsed_s = serializers.FloatField(help_text="Fastest time over it inside the run, seconds.")
    start_offset_s = serializers.FloatField(help_text="Seconds into the track where it began.")
    start_offset_m = serializers.FloatField(help_text="Metres into the track where it began.")
    pace_s_per_km = serializers.FloatField(help_text="Its pace, seconds per kilometre.")
    new_personal_best = serializers.BooleanField(
        help_text="Faster than every effort at that distance of the runner's earlier runs."
    )


class ZoneTimeSerializer(serializers.Serializer):
    """Time of a run in one heart-rate zone (docs/API.md, Heart-rate zones)."""

    zone = serializers.IntegerField(help_text="1 (easiest) to 5.")
    min_bpm = serializers.IntegerField(help_text="Lower bound, beats per minute.")
    max_bpm = serializers.IntegerField(help_text="Upper bound (the next zone's lower), bpm.")
    duration_s = serializers.FloatField(help_text="Seconds of the run in this zone.")


class RunDetailSerializer(RunSerializer):
    """``GET /runs/{id}``: the run with what its track tells (the view attaches it)."""

    best_efforts = RunEffortSerializer(
        many=True,
        read_only=True,
        source="detail_best_efforts",
        help_text="Fastest stretches at the standard distances, shortest first; [] without a "
        "track.",
    )

    heart_rate_zones = ZoneTimeSerializer(
        many=True,
        read_only=True,
        allow_null=True,
        source="detail_hr_zones",
        help_text="Seconds in each of the runner's five heart-rate zones; null without a max "
        "and resting heart rate in the profile or heart rates in the track.",
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "best_efforts", "heart_rate_zones"]

    def to_representation(self, instance: Any) -> Any:
        """The run's lean body and its efforts and zones, built directly: DRF's generic path
        built every field (and the scoped querysets of three related fields) on each request,
        over half of a retrieve's time (docs/PERFORMANCE.md, 24). tests/perf/test_lean_paths.py
        compares both."""
        r = instance
        if (
            type(self) is not RunDetailSerializer
            or type(r) is not Run
            or r.started_at.tzinfo is None
            or r.created_at.tzinfo is None
            or r.local_date is None
            or not hasattr(r, "detail_best_efforts")
        ):
            return super().to_representation(instance)
        body = _run_row_body(self.row_of(r), timezone.get_current_timezone())
        body["best_efforts"] = [
            {
                "distance": str(effort.distance),
                "distance_m": float(effort.distance_m),
                "elapsed_s": float(effort.elapsed_s),
                "start_offset_s": float(effort.start_offset_s),
                "start_offset_m": float(effort.start_offset_m),
                "pace_s_per_km": float(effort.pace_s_per_km),
                "new_personal_best": bool(effort.new_personal_best),
            }
            for effort in r.detail_best_efforts  # type: ignore[attr-defined]
        ]
        zones = r.detail_hr_zones  # type: ignore[attr-defined]
        body["heart_rate_zones"] = (
            None
            if zones is None
            else [
                {
                    "zone": int(zone.zone),
                    "min_bpm": int(zone.min_bpm),
                    "max_bpm": int(zone.max_bpm),
                    "duration_s": float(zone.duration_s),
                }
                for zone in zones
            ]
        )
        return body


class PlanRunSerializer(RunSerializer):
    """The body of POST /plans/{id}/runs as the schema documents it (plan from the path)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("plan_from_path", True)
        super().__init__(*args, **kwargs)


class ShoeSerializer(serializers.ModelSerializer):
    """A shoe with the distance run in it."""

    # The instance must come from training.selectors.shoes_with_distance (the views re-read it
    # after a write), which annotates distance_m and run_count (docs/API.md, Shoes).

    distance_m = serializers.FloatField(
        read_only=True,
        help_text="Metres run in it: the starting distance plus the distance of its runs.",
    )
    run_count = serializers.IntegerField(read_only=True, help_text="Runs logged with it.")
    remaining_m = serializers.SerializerMethodField(
        help_text="Metres left before the retirement distance (0 once reached)."
    )
    wear = serializers.SerializerMethodField(
        help_text="`ok`; `near_retirement` from 90 % of the retirement distance or within 50 km "
        "of it; `past_retirement` at or beyond it."
    )

    class Meta:
        model = Shoe
        fields = [
            "id",
            "runner",
            "name",
            "starting_distance_m",
            "retirement_distance_m",
            "is_default",
            "retired",
            "distance_m",
            "run_count",
            "remaining_m",
            "wear",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["id", "runner", "created_at", "updated_at"]
        extra_kwargs = {
            "name": {"trim_whitespace": True},
            "starting_distance_m": {
                "help_text": "Metres it had run before it was added (default 0)."
            },
            "retirement_distance_m": {
                "help_text": "Metres after which it should be retired (default 800,000)."
            },
            "is_default": {
                "help_text": "Preselected for new runs and imports. Setting it moves the "
                "default from the runner's other shoe; a retired shoe cannot be the default."
            },
            "retired": {
                "help_text": "No longer offered for new runs. Retiring the default shoe also "
                "makes it not the default."
            },
        }

    def get_remaining_m(self, shoe: Shoe) -> float:
        return shoe_rules.remaining_m(float(shoe.distance_m), shoe.retirement_distance_m)  # type: ignore[attr-defined]

    @extend_schema_field(serializers.ChoiceField(choices=list(shoe_rules.WEAR_CHOICES)))
    def get_wear(self, shoe: Shoe) -> str:
        return shoe_rules.wear(float(shoe.distance_m), shoe.retirement_distance_m)  # type: ignore[attr-defined]


class DeletionSerializer(serializers.ModelSerializer):
    type = serializers.ChoiceField(
        source="object_type",
        choices=Deletion.ObjectType.choices,
        help_text="What was deleted: plan, workout, run, shoe or comment.",
    )
    id = serializers.UUIDField(source="object_id")

    class Meta:
        model = Deletion
        fields = ["type", "id", "deleted_at"]


class PlanShiftResultSerializer(serializers.Serializer):
    days = serializers.IntegerField(help_text="How many days the workouts moved.")
    workouts = WorkoutSerializer(
        many=True, read_only=True, help_text="The moved workouts, with their new dates."
    )


class CommentSerializer(serializers.ModelSerializer):
    author = serializers.IntegerField(source="author_id", read_only=True, help_text="User id.")
    author_name = serializers.CharField(source="author.username", read_only=True)
    body = serializers.CharField(
        max_length=MAX_COMMENT_LENGTH, help_text="The text, 1 to 5000 characters."
    )
    new = serializers.SerializerMethodField(
        help_text="Written by someone else after the caller last read this thread."
    )

    class Meta:
        model = Comment
        fields = ["id", "workout", "run", "author", "author_name", "body", "new", "created_at"]
        read_only_fields = ["id", "workout", "run", "created_at"]

    def get_new(self, comment: Comment) -> bool:
        # Annotated by training.selectors.comments_on(reader=...); a new comment is the caller's.
        return bool(getattr(comment, "is_new", False))


class HeartRateZoneSerializer(serializers.Serializer):
    """One of the runner's five heart-rate zones (docs/API.md, Heart-rate zones)."""

    zone = serializers.IntegerField(help_text="1 (easiest) to 5.")
    min_bpm = serializers.IntegerField(help_text="Lower bound, beats per minute.")
    max_bpm = serializers.IntegerField(help_text="Upper bound (the next zone's lower), bpm.")


class ProfileSerializer(serializers.ModelSerializer):
    """``GET``/``PATCH /profile``: the caller's own settings; the calendar token stays private."""

    heart_rate_zones = serializers.SerializerMethodField(
        help_text="The five zones of max_hr and resting_hr; null while either is missing."
    )

    class Meta:
        model = RunnerProfile
        fields = ["units", "max_hr", "resting_hr", "sex", "timezone", "heart_rate_zones"]
        # Rules the schema states only in words, as for runs (docs/API.md, Validation rules).
        extra_kwargs = {
            "resting_hr": {"help_text": "Beats per minute, below max_hr."},
            "timezone": {"help_text": "A known IANA time zone name, e.g. Europe/London."},
        }

    @extend_schema_field(HeartRateZoneSerializer(many=True, allow_null=True))
    def get_heart_rate_zones(self, profile: RunnerProfile) -> list[dict[str, int]] | None:
        if profile.max_hr is None or profile.resting_hr is None:
            return None
        if profile.max_hr <= profile.resting_hr:
            return None
        zones = heart_rate_zones(max_hr_bpm=profile.max_hr, resting_hr_bpm=profile.resting_hr)
        return [
            {"zone": z.number, "min_bpm": round(z.min_bpm), "max_bpm": round(z.max_bpm)}
            for z in zones
        ]
