"""List filters (docs/API.md, Lists, filters, ordering): one FilterSet per model, plus an ordering
filter that rejects unknown fields and always ends with ``id`` so that pages never shuffle rows with
equal sort keys."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import django_filters
from django import forms
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.filters import OrderingFilter

from training.models import EARLIEST_DATE, LATEST_DATE, Deletion, Plan, Run, Shoe, Workout


class BoundedIsoDateTimeField(django_filters.fields.IsoDateTimeField):
    """An ISO datetime within the dates the API stores: far outside them, converting the offset
    to UTC overflows (a 500) instead of matching nothing."""

    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        if cleaned is None:
            return cleaned
        try:
            in_utc = cleaned.astimezone(UTC)
        except OverflowError:
            in_utc = None
        if in_utc is None or not EARLIEST_DATE <= in_utc.date() <= LATEST_DATE:
            raise forms.ValidationError(
                f"Enter a date/time between {EARLIEST_DATE} and {LATEST_DATE}.", code="invalid"
            )
        # The same instant in UTC: Python accepts offsets up to ±23:59, PostgreSQL only ±15:59,
        # so passing "+16:41" through would be a database error (a 500) instead of a match.
        return in_utc


class BoundedDateField(forms.DateField):
    def clean(self, value: Any) -> Any:
        cleaned = super().clean(value)
        if cleaned is not None and not EARLIEST_DATE <= cleaned <= LATEST_DATE:
            raise forms.ValidationError(
                f"Enter a date between {EARLIEST_DATE} and {LATEST_DATE}.", code="invalid"
            )
        return cleaned


class IsoDateTimeFilter(django_filters.IsoDateTimeFilter):
    field_class = BoundedIsoDateTimeField


class DateFilter(django_filters.DateFilter):
    field_class = BoundedDateField


MAX_USER_ID = 2_147_483_647  # the users table's integer key


@extend_schema_field({"type": "integer", "minimum": 1, "maximum": MAX_USER_ID})
class UserIdFilter(django_filters.NumberFilter):
    """A user id: a whole number (``runner=1.5`` is a 400, not truncated to 1)."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", MAX_USER_ID)
        super().__init__(*args, **kwargs)


UPDATED_AFTER_HELP = (
    "ISO 8601 datetime: only objects changed at or after it (for sync; pass the time of the "
    "previous sync)."
)


class PlanFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=Plan.Status.choices)
    q = django_filters.CharFilter(
        field_name="name", lookup_expr="icontains", help_text="Text contained in the plan name."
    )
    runner = UserIdFilter(field_name="runner_id", help_text="Runner's user id.")
    updated_after = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_AFTER_HELP
    )

    class Meta:
        model = Plan
        fields = ["status", "q", "runner", "updated_after"]


class WorkoutFilter(django_filters.FilterSet):
    plan = django_filters.UUIDFilter(field_name="plan_id", help_text="Plan id.")
    workout_type = django_filters.ChoiceFilter(choices=Workout.WorkoutType.choices)
    scheduled_after = DateFilter(
        field_name="scheduled_date", lookup_expr="gte", help_text="Scheduled on or after (date)."
    )
    scheduled_before = DateFilter(
        field_name="scheduled_date", lookup_expr="lte", help_text="Scheduled on or before (date)."
    )
    updated_after = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_AFTER_HELP
    )

    class Meta:
        model = Workout
        fields = ["plan", "workout_type", "scheduled_after", "scheduled_before", "updated_after"]


class RunFilter(django_filters.FilterSet):
    """The run filters of ``GET /runs`` and ``GET /runs/export.csv`` alike (docs/API.md, "Run
    filters"): datetimes bounded to 1900-2999, ``started_after`` inclusive, ``started_before``
    exclusive."""

    plan = django_filters.UUIDFilter(field_name="plan_id", help_text="Plan id.")
    workout = django_filters.UUIDFilter(field_name="workout_id", help_text="Workout id.")
    source = django_filters.ChoiceFilter(choices=Run.Source.choices)
    runner = UserIdFilter(field_name="runner_id", help_text="Runner's user id (for coaches).")
    started_after = IsoDateTimeFilter(
        field_name="started_at",
        lookup_expr="gte",
        help_text="Started at or after (ISO 8601; inclusive).",
    )
    started_before = IsoDateTimeFilter(
        field_name="started_at", lookup_expr="lt", help_text="Started before (ISO 8601; exclusive)."
    )
    updated_after = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_AFTER_HELP
    )

    class Meta:
        model = Run
        fields = [
            "plan",
            "workout",
            "source",
            "runner",
            "started_after",
            "started_before",
            "updated_after",
        ]


class ShoeFilter(django_filters.FilterSet):
    # A choice, not django-filter's BooleanFilter, which reads any other value as "not given"
    # and lists every shoe instead of answering 400.
    retired = django_filters.TypedChoiceFilter(
        choices=[("true", "true"), ("false", "false")],
        coerce=lambda value: value == "true",
        help_text="true: only retired shoes; false: those in use.",
    )
    runner = UserIdFilter(field_name="runner_id", help_text="Runner's user id (for coaches).")
    updated_after = IsoDateTimeFilter(
        field_name="updated_at", lookup_expr="gte", help_text=UPDATED_AFTER_HELP
    )

    class Meta:
        model = Shoe
        fields = ["retired", "runner", "updated_after"]


class DeletionFilter(django_filters.FilterSet):
    since = IsoDateTimeFilter(
        field_name="deleted_at",
        lookup_expr="gte",
        help_text="ISO 8601 datetime: only deletions at or after it.",
    )

    class Meta:
        model = Deletion
        fields = ["since"]


class DjangoFilterBackend(django_filters.rest_framework.DjangoFilterBackend):
    """django-filter's backend, skipped when the request names none of the filters.

    Building the FilterSet and validating its form costs a request about as much as the page
    query itself (docs/PERFORMANCE.md), and with no filter parameter every filter returns the
    queryset unchanged, so that work is skipped. Parameters are matched by prefix, so a filter
    whose widget reads suffixed names (``…_min``/``…_max``) still runs."""

    def filter_queryset(self, request: Any, queryset: Any, view: Any) -> Any:
        filterset_class = self.get_filterset_class(view, queryset)
        if filterset_class is not None and not any(
            key.startswith(name)
            for key in request.query_params
            for name in filterset_class.base_filters
        ):
            return queryset
        return super().filter_queryset(request, queryset, view)


class StrictOrderingFilter(OrderingFilter):
    """``ordering`` as DRF has it, except that an unknown field is a 400 naming the parameter
    (DRF ignores it silently) and ``id`` is appended as the final tie-break."""

    def get_ordering(self, request: Any, queryset: Any, view: Any) -> list[str]:
        params = request.query_params.get(self.ordering_param)
        if params:
            fields = [param.strip() for param in params.split(",") if param.strip()]
            valid = {
                name for name, _label in self.get_valid_fields(queryset, view, {"request": request})
            }
            unknown = [field for field in fields if field.lstrip("-") not in valid]
            if unknown or not fields:
                raise serializers.ValidationError(
                    {
                        self.ordering_param: [
                            f"Unknown ordering field(s): {', '.join(unknown) or params}. "
                            f"Allowed: {', '.join(sorted(valid))} (prefix - for descending)."
                        ]
                    },
                    code="invalid_ordering",
                )
            ordering = fields
        else:
            ordering = list(self.get_default_ordering(view) or [])
        if not any(field.lstrip("-") in {"id", "pk"} for field in ordering):
            descending = bool(ordering) and ordering[0].startswith("-")
            ordering.append("-id" if descending else "id")
        return ordering

    def get_schema_operation_parameters(self, view: Any) -> list[dict[str, Any]]:
        """``ordering`` as an enum of the view's fields, each ascending or descending (prefix
        ``-``), so generated clients offer the fixed set the server accepts."""
        fields = list(getattr(view, "ordering_fields", None) or [])
        if not fields:
            return []
        return [
            {
                "name": self.ordering_param,
                "required": False,
                "in": "query",
                "description": "Sort by this field (prefix - for descending); ties are broken "
                "by id. Several may be given comma-separated, the first sorting first.",
                "schema": {
                    "type": "string",
                    "enum": [name for field in fields for name in (field, f"-{field}")],
                },
            }
        ]
