"""REST API v1 viewsets (docs/API.md, Routes): plans, workouts, runs, their seed-compatible nested
routes, the plan copy tool and the sync deletions feed.

Views stay thin: ``get_queryset`` scopes with training/selectors.py (out of view → 404), writes go
through training/services.py inside ``service_errors()`` (model validation → 400 with ``attr``,
constraint violations → 409), creates honour ``Idempotency-Key``.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    extend_schema,
    extend_schema_view,
)
from rest_framework import generics, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from tracker import version_mirror
from tracker.concurrency import ETagMixin
from tracker.errors import service_errors
from tracker.statements import Shape
from training import aggregates, services
from training.api.filters import (
    DeletionFilter,
    DjangoFilterBackend,
    PlanFilter,
    RunFilter,
    ShoeFilter,
    StrictOrderingFilter,
    WorkoutFilter,
)
from training.api.idempotency import IDEMPOTENCY_HEADER, idempotent_create
from training.api.permissions import CanWriteRun, CanWriteShoe
from training.api.serializers import (
    CommentSerializer,
    DeletionSerializer,
    PlanCopySerializer,
    PlanRunSerializer,
    PlanSerializer,
    PlanShiftResultSerializer,
    PlanShiftSerializer,
    PlanTemplateApplySerializer,
    PlanTemplateSaveSerializer,
    PlanTemplateSerializer,
    PlanUpdateSerializer,
    PlanWorkoutSerializer,
    ProfileSerializer,
    RunDetailSerializer,
    RunSerializer,
    ShoeSerializer,
    WorkoutSerializer,
)
from training.models import Deletion, Plan, PlanTemplate, Run, Shoe, Workout
from training.selectors import (
    comments_on,
    deletions_visible_to,
    plan_workout_list_version,
    plans_visible_to,
    run_best_efforts,
    run_count_of_runners,
    run_for_detail,
    run_heart_rate_zones,
    run_list_version_of,
    run_list_versions_text,
    run_visible_to,
    runner_ids_visible_to,
    runs_of_runners,
    shoes_visible_to,
    shoes_with_distance,
    templates_visible_to,
    with_detail_flags,
    workouts_visible_to,
)

# Query parameters that choose a list's page and order but never which rows are in it.
_PAGE_PARAMETERS = frozenset({"limit", "offset", "ordering"})
UUID_REGEX = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}"

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    IDEMPOTENCY_HEADER,
    OpenApiTypes.STR,
    OpenApiParameter.HEADER,
    required=False,
    description="Any unique string (e.g. a UUID) per create. A retry with the same key within "
    "24 hours returns the first response (header `Idempotent-Replayed: true`) and creates "
    "nothing; the same key on a different route → 409.",
)
PLAN_ID_PARAMETER = OpenApiParameter(
    "id", OpenApiTypes.UUID, OpenApiParameter.PATH, description="Plan id."
)
PUT_NOTE = "PUT replaces: every required field must be sent. PATCH changes only the fields sent."
RUNNER_FIXED = (
    " The runner is fixed at creation: sending another `runner` is a 400 with code `immutable`."
)


def caller(request: Request) -> User:
    """The authenticated user (every view here requires authentication)."""
    return cast(User, request.user)


class IdempotentCreateMixin:
    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        parent_create = super().create  # type: ignore[misc]
        return idempotent_create(request, lambda: parent_create(request, *args, **kwargs))


class ShapedListMixin:
    """A list whose view offers a compiled shape (``BaseViewSet.list_shape``) reads its page
    through it, and never builds the queryset DRF's list would build and filter: that was a
    quarter of a plan's workout list (its visibility joins). The queryset is built only to
    count an empty page, or when the shape takes the ORM path (DRF's list, below)."""

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        view: Any = self
        columns = view.row_columns()
        shape = view.own_list_shape() if columns is not None else None
        if shape is not None and view.paginator is not None:
            page = view.paginator.paginate_shape(
                shape.then(("values_list", columns), lambda rows: rows.values_list(*columns)),
                request,
                view,
                # Only page parameters reach a shape: no filter can change the count.
                count_rows=lambda: view.get_queryset().count(),
            )
            if page is not None:
                return view.get_paginated_response(view.get_serializer(page, many=True).data)
        return super().list(request, *args, **kwargs)  # type: ignore[misc, no-any-return]


def _lock_runner_first(view: Any, runner_of: Any) -> None:
    """``aggregates.lock_runner_owning`` for the object the path names (nothing for an id that
    is not a UUID: get_object answers 404). ``runner_of``: a ``values`` queryset of the runner
    id of the object with that id."""
    try:
        object_id = uuid.UUID(str(view.kwargs[view.lookup_url_kwarg or view.lookup_field]))
    except (KeyError, ValueError):
        return
    aggregates.lock_runner_owning(runner_of(object_id))


class BaseViewSet(ETagMixin, IdempotentCreateMixin, ShapedListMixin, viewsets.ModelViewSet):
    filter_backends = [DjangoFilterBackend, StrictOrderingFilter]
    lookup_value_regex = UUID_REGEX

    def paginate_queryset(self, queryset: Any) -> Any:
        """A list page of a serializer that names its ``row_columns`` reads just those columns,
        as tuples the serializer turns into the same body: building model instances, and
        Django's Python datetime loader, were most of a 50-run page (docs/PERFORMANCE.md, 24)."""
        columns = self.row_columns()
        if columns is not None and self.action == "list" and isinstance(queryset, QuerySet):
            self.page_row_columns = columns  # the paginator reads these (values_list)
        return super().paginate_queryset(queryset)

    def row_columns(self) -> tuple[str, ...] | None:
        """The columns a list page reads as tuples, when the serializer names them
        (``row_columns``) on its class itself: a subclass with more fields does not inherit
        the path."""
        columns: tuple[str, ...] | None = vars(self.get_serializer_class()).get("row_columns")
        return columns

    def list_shape(self) -> Shape | None:
        """This list's ``filter_queryset(get_queryset())`` as a compiled shape, for the views
        whose unfiltered lists are hot (runs, a plan's workouts); ``None``: the ORM path.

        Offered only when the request names no parameter but ``limit``, ``offset`` and
        ``ordering`` (``_PAGE_PARAMETERS``), so ``get_queryset()`` counts the same rows: the
        list and the 304 check count an empty page that way without filtering."""
        return None

    def own_list_shape(self) -> Shape | None:
        """``list_shape`` when this very class declares it: a subclass scoping its rows
        differently (the nested /plans/{id}/runs) must not read pages through its parent's.
        The page (here) and the 304 check (tracker.concurrency) both ask this."""
        return self.list_shape() if "list_shape" in vars(type(self)) else None

    def _ordering_key(self) -> Any:
        # What the SQL of an unfiltered list depends on besides its values: the ordering asked.
        return (type(self).__name__, self.request.query_params.get("ordering"))


@extend_schema_view(
    list=extend_schema(
        summary="List plans",
        description="Plans the caller may see: their own, the ones they coach (all for a "
        "superuser). Default order: start date, then id.",
    ),
    create=extend_schema(
        summary="Create a plan",
        description="`runner` defaults to the caller; a coach may name a runner they coach "
        "(the coach then defaults to the caller).",
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
    retrieve=extend_schema(summary="Get a plan"),
    update=extend_schema(
        summary="Replace a plan",
        description=PUT_NOTE + RUNNER_FIXED,
        request=PlanUpdateSerializer,
        responses=PlanSerializer,
    ),
    partial_update=extend_schema(
        summary="Change some fields of a plan",
        description=PUT_NOTE + RUNNER_FIXED,
        request=PlanUpdateSerializer,
        responses=PlanSerializer,
    ),
    destroy=extend_schema(
        summary="Delete a plan",
        description="Deletes its workouts too; its runs stay, unlinked. Listed in /deletions.",
    ),
)
class PlanViewSet(BaseViewSet):
    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    ordering_fields = ["start_date", "end_date", "name", "status", "created_at", "updated_at"]
    ordering = ["start_date"]

    def get_queryset(self) -> QuerySet[Plan]:
        if getattr(self, "swagger_fake_view", False):
            return Plan.objects.none()
        return plans_visible_to(self.request.user)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        user = caller(self.request)
        fields = dict(serializer.validated_data)
        runner = fields.pop("runner", user)
        if "coach" not in fields and runner.pk != user.pk and not user.is_superuser:
            fields["coach"] = user
        with service_errors():
            serializer.instance = services.plan_create(runner=runner, **fields)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        fields = dict(serializer.validated_data)
        fields.pop("runner", None)  # unchanged (the serializer refuses a different one)
        with service_errors():
            serializer.instance = services.plan_update(
                plan=cast(Plan, serializer.instance), **fields
            )

    def lock_before_object(self) -> None:
        # Deleting a plan updates its runs (services.plan_delete): the runner's lock first.
        _lock_runner_first(self, lambda pk: Plan.objects.filter(pk=pk).values("runner_id"))

    def perform_destroy(self, instance: Plan) -> None:
        with service_errors():
            services.plan_delete(plan=instance)

    @extend_schema(
        summary="Copy a plan to a runner",
        description="Copies the plan and its workouts for `runner` (the caller or a runner the "
        "caller coaches), shifted so the copy starts on `start_date`. The copy is a draft; runs "
        "are not copied. When a coach copies for one of their runners, the copy names that "
        "coach.",
        request=PlanCopySerializer,
        responses={201: PlanSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="copy", filter_backends=[])
    def copy(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()

        def create() -> Response:
            serializer = PlanCopySerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            runner = serializer.validated_data["runner"]
            user = caller(request)
            coach = user if runner.pk != user.pk and not user.is_superuser else None
            with service_errors():
                copy = services.plan_copy_to_runner(
                    plan=plan,
                    runner=runner,
                    start_date=serializer.validated_data["start_date"],
                    coach=coach,
                )
            body = PlanSerializer(copy, context=self.get_serializer_context()).data
            return Response(body, status=status.HTTP_201_CREATED)

        # A copy is a create: it carries its ETag like the others (docs/API.md).
        return self._with_etag(idempotent_create(request, create))

    @extend_schema(
        summary="Save a plan as a template",
        description="Keeps the plan's workouts as day offsets from its first day "
        "(`anchor: start`) or from its last race workout (`anchor: race`; 400 with code "
        "`no_race_day` when it has none), in a template private to the caller.",
        request=PlanTemplateSaveSerializer,
        responses={201: PlanTemplateSerializer},
    )
    @action(detail=True, methods=["post"], url_path="save-as-template", filter_backends=[])
    def save_as_template(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        serializer = PlanTemplateSaveSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            template = services.plan_template_create(
                plan=plan, owner=caller(request), **serializer.validated_data
            )
        body = PlanTemplateSerializer(template, context=self.get_serializer_context()).data
        return Response(body, status=status.HTTP_201_CREATED)

    @extend_schema(
        summary="Shift a plan's workouts",
        description="Moves the plan's workouts scheduled from `first_day` (default: the "
        "runner's today) to `last_day` (default: the plan's end) by `days`, or so that the "
        "earliest lands on `start_on` (exactly one of the two). When a workout would leave the "
        "plan's dates the answer is 400 naming it and nothing moves.",
        request=PlanShiftSerializer,
        responses={200: PlanShiftResultSerializer},
    )
    @action(detail=True, methods=["post"], url_path="shift", filter_backends=[])
    def shift(self, request: Request, pk: str | None = None) -> Response:
        plan = self.get_object()
        serializer = PlanShiftSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            result = services.plan_shift_workouts(plan=plan, **serializer.validated_data)
        body = PlanShiftResultSerializer(result, context=self.get_serializer_context()).data
        return Response(body)


@extend_schema_view(
    list=extend_schema(
        summary="List plan templates",
        description="The caller's own templates (all for a superuser), by name.",
    ),
    retrieve=extend_schema(summary="Get a plan template with its workouts"),
    destroy=extend_schema(
        summary="Delete a plan template", description="Plans made from it stay as they are."
    ),
)
class PlanTemplateViewSet(
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.DestroyModelMixin,
    viewsets.GenericViewSet,
):
    serializer_class = PlanTemplateSerializer
    lookup_value_regex = UUID_REGEX

    def get_queryset(self) -> QuerySet[PlanTemplate]:
        if getattr(self, "swagger_fake_view", False):
            return PlanTemplate.objects.none()
        return (
            templates_visible_to(self.request.user)
            .prefetch_related("workouts")
            .order_by("name", "created_at")
        )

    def perform_destroy(self, instance: PlanTemplate) -> None:
        with service_errors():
            services.plan_template_delete(template=instance)

    @extend_schema(
        summary="Make a plan from a template",
        description="A new draft plan for `runner` (the caller or a runner they coach): give "
        "`start_date`, or `race_date` for a template anchored on race day. Every workout lands "
        "on the anchor's date plus its offset; nothing is shared with the template. When a "
        "coach applies it for one of their runners, the plan names that coach.",
        request=PlanTemplateApplySerializer,
        responses={201: PlanSerializer},
        parameters=[IDEMPOTENCY_PARAMETER],
    )
    @action(detail=True, methods=["post"], url_path="apply")
    def apply(self, request: Request, pk: str | None = None) -> Response:
        template = self.get_object()

        def create() -> Response:
            serializer = PlanTemplateApplySerializer(
                data=request.data, context=self.get_serializer_context()
            )
            serializer.is_valid(raise_exception=True)
            fields = dict(serializer.validated_data)
            runner = fields.pop("runner")
            user = caller(request)
            coach = user if runner.pk != user.pk and not user.is_superuser else None
            with service_errors():
                plan = services.plan_template_apply(
                    template=template, runner=runner, coach=coach, **fields
                )
            body = PlanSerializer(plan, context=self.get_serializer_context()).data
            return Response(body, status=status.HTTP_201_CREATED)

        return idempotent_create(request, create)


@extend_schema_view(
    list=extend_schema(
        summary="List workouts",
        description="Workouts of the plans the caller may see. Default order: scheduled date, "
        "then id.",
    ),
    create=extend_schema(summary="Create a workout", parameters=[IDEMPOTENCY_PARAMETER]),
    retrieve=extend_schema(summary="Get a workout"),
    update=extend_schema(summary="Replace a workout", description=PUT_NOTE),
    partial_update=extend_schema(summary="Change some fields of a workout", description=PUT_NOTE),
    destroy=extend_schema(
        summary="Delete a workout",
        description="Runs linked to it stay, unlinked. Listed in /deletions.",
    ),
)
class WorkoutViewSet(BaseViewSet):
    serializer_class = WorkoutSerializer
    filterset_class = WorkoutFilter
    ordering_fields = [
        "scheduled_date",
        "name",
        "workout_type",
        "planned_distance_m",
        "planned_duration_s",
        "created_at",
        "updated_at",
    ]
    ordering = ["scheduled_date"]

    def get_queryset(self) -> QuerySet[Workout]:
        if getattr(self, "swagger_fake_view", False):
            return Workout.objects.none()
        return workouts_visible_to(self.request.user)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        fields = dict(serializer.validated_data)
        plan = fields.pop("plan")
        with service_errors():
            serializer.instance = services.workout_create(plan=plan, **fields)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.workout_update(
                workout=cast(Workout, serializer.instance), **serializer.validated_data
            )

    def lock_before_object(self) -> None:
        # Deleting a workout updates its runs (services.workout_delete): the runner's lock first.
        _lock_runner_first(self, lambda pk: Workout.objects.filter(pk=pk).values("plan__runner_id"))

    def perform_destroy(self, instance: Workout) -> None:
        with service_errors():
            services.workout_delete(workout=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List runs",
        description="The caller's runs and, for a coach, the runs of the runners they coach. "
        "Default order: newest first, then id.",
    ),
    create=extend_schema(
        summary="Log a run",
        description="The runner is always the caller. Linking `workout` sets `plan`; both must "
        "be the caller's. `timezone` defaults to the profile's.",
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
    retrieve=extend_schema(
        summary="Get a run",
        description="With its best efforts (docs/API.md, Best efforts).",
        responses=RunDetailSerializer,
    ),
    update=extend_schema(
        summary="Replace a run",
        description=PUT_NOTE + " A coach reading a runner's run gets 403 on any write.",
    ),
    partial_update=extend_schema(summary="Change some fields of a run", description=PUT_NOTE),
    destroy=extend_schema(summary="Delete a run", description="Listed in /deletions."),
)
class RunViewSet(BaseViewSet):
    serializer_class = RunSerializer
    # The list's versions have copies in the cache, read with the token (``list_versions``).
    version_copies = version_mirror.RUN_LIST_VERSIONS
    filterset_class = RunFilter
    permission_classes = [IsAuthenticated, CanWriteRun]
    ordering_fields = [
        "started_at",
        "distance_m",
        "duration_s",
        "elevation_gain_m",
        "avg_heart_rate",
        "perceived_effort",
        "created_at",
        "updated_at",
    ]
    ordering = ["-started_at"]

    def get_queryset(self) -> QuerySet[Run]:
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        run_id = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if run_id is not None:  # one run by id: visibility checked on that row, in one query
            runs = run_visible_to(self.request.user, run_id)
            # Whether it has efforts and a track, in the same query: a run typed in costs no more.
            return with_detail_flags(runs) if self.action == "retrieve" else runs
        return runs_of_runners(self._runner_ids())

    def _runner_ids(self) -> list[int] | None:
        """The runners whose runs the caller reads (``runner_ids_visible_to``), looked up once
        per request; ``page_total`` reads them too."""
        if not hasattr(self, "_visible_runner_ids"):
            self._visible_runner_ids = runner_ids_visible_to(self.request.user)
        return self._visible_runner_ids

    def get_object(self) -> Run:
        """For ``GET /runs/{id}`` with no query parameters (which a detail's filters would read),
        the run through ``run_for_detail``'s prepared statement; otherwise DRF's way."""
        if self.action != "retrieve" or self.request.query_params:
            return cast(Run, super().get_object())
        try:
            run_id = uuid.UUID(self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        except ValueError:
            raise Http404 from None  # as DRF's get_object_or_404 answers a malformed id
        run = run_for_detail(self.request.user, run_id)
        if run is None:
            raise Http404(f"No {Run._meta.object_name} matches the given query.")
        self.check_object_permissions(self.request, run)
        return run

    def list_versions(self) -> str | None:
        """What a conditional GET of the list compares with the cache (tracker.page_etags):
        the versions of the caller's visible runners, for the flat list chosen by page
        parameters alone: a filter, or a plan in the path (``plans/{id}/runs``, which must answer
        404 once the plan is deleted or out of view), depends on more than the runs. Not for a
        superuser's list of every runner."""
        if self.kwargs or not self.request.query_params.keys() <= _PAGE_PARAMETERS:
            return None
        runner_ids = self._runner_ids()
        if not runner_ids:
            return None
        # The copies the token's round trip read, if each runner has one (tracker.version_mirror);
        # else the database, whose answer fills in the copies that were absent.
        request = self.request._request
        version_of = version_mirror.copies_read(request, runner_ids)
        if version_of is None:
            read_at = time.monotonic()
            version_of = run_list_version_of(runner_ids)
            version_mirror.fill_in(request, version_mirror.RUN_LIST_VERSIONS, version_of, read_at)
        return run_list_versions_text(runner_ids, version_of)

    def list_shape(self) -> Shape | None:
        if not self.request.query_params.keys() <= _PAGE_PARAMETERS:
            return None
        runner_ids = self._runner_ids()
        if not runner_ids:  # None (a superuser: every runner) or none at all
            return None
        return Shape(
            key=(self._ordering_key(), len(runner_ids)),
            kinds=(int,) * len(runner_ids),
            values=tuple(runner_ids),
            building=self._runs_of,
        )

    @contextmanager
    def _runs_of(self, *runner_ids: int) -> Iterator[QuerySet[Run]]:
        """The list's queryset for ``runner_ids``, which ``page_total`` also reads meanwhile."""
        visible = self._visible_runner_ids
        self._visible_runner_ids = list(runner_ids)
        try:
            yield self.filter_queryset(runs_of_runners(self._visible_runner_ids))
        finally:
            self._visible_runner_ids = visible

    def page_total(self, queryset: QuerySet[Run]) -> Any:
        """The unfiltered list's total from the runners' week rows rather than ``COUNT`` of
        their runs (``run_count_of_runners``); ``None`` (count the rows) once a filter applies,
        or for a superuser, who sees every runner."""
        runner_ids = getattr(self, "_visible_runner_ids", None)
        if not runner_ids:  # None (a superuser: every runner) or none at all
            return None
        if not self.request.query_params.keys() <= _PAGE_PARAMETERS:
            return None
        return run_count_of_runners(runner_ids)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.action == "retrieve":
            return RunDetailSerializer
        return super().get_serializer_class()

    def get_serializer(self, *args: Any, **kwargs: Any) -> BaseSerializer[Any]:
        if self.action == "retrieve" and args and isinstance(args[0], Run):
            # What the detail shows beside the run's own fields (RunDetailSerializer); loaded
            # here, after a 304 had its chance, so a conditional read never computes it.
            args[0].detail_best_efforts = run_best_efforts(args[0])  # type: ignore[attr-defined]
            args[0].detail_hr_zones = run_heart_rate_zones(args[0])  # type: ignore[attr-defined]
        return super().get_serializer(*args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.run_create(
                runner=caller(self.request), **serializer.validated_data
            )

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.run_update(
                run=cast(Run, serializer.instance), **serializer.validated_data
            )

    def perform_destroy(self, instance: Run) -> None:
        with service_errors():
            services.run_delete(run=instance)


@extend_schema_view(
    list=extend_schema(
        summary="List shoes",
        description="The caller's shoes and, for a coach, the shoes of the runners they coach, "
        "each with its distance. Default order: in use before retired, then name, then id.",
    ),
    create=extend_schema(
        summary="Add a shoe",
        description="The runner is always the caller. `is_default: true` moves the default "
        "for new runs to this shoe.",
        parameters=[IDEMPOTENCY_PARAMETER],
    ),
    retrieve=extend_schema(summary="Get a shoe"),
    update=extend_schema(
        summary="Replace a shoe",
        description=PUT_NOTE + " A coach reading a runner's shoe gets 403 on any write.",
    ),
    partial_update=extend_schema(
        summary="Change some fields of a shoe (retire it with `retired: true`)",
        description=PUT_NOTE,
    ),
    destroy=extend_schema(
        summary="Delete a shoe",
        description="Its runs stay, without a shoe (they count as updated). Listed in "
        "/deletions. Retire a worn-out shoe instead to keep its distance.",
    ),
)
class ShoeViewSet(BaseViewSet):
    serializer_class = ShoeSerializer
    filterset_class = ShoeFilter
    permission_classes = [IsAuthenticated, CanWriteShoe]
    ordering_fields = [
        "name",
        "retired",
        "distance_m",
        "starting_distance_m",
        "retirement_distance_m",
        "created_at",
        "updated_at",
    ]
    ordering = ["retired", "name"]

    def get_queryset(self) -> QuerySet[Shoe]:
        if getattr(self, "swagger_fake_view", False):
            return Shoe.objects.none()
        return shoes_visible_to(self.request.user)

    def _with_distance(self, shoe: Shoe) -> Shoe:
        # The answer shows the distance, which is computed with the shoe, never stored.
        return shoes_with_distance(Shoe.objects.filter(pk=shoe.pk)).get()

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            shoe = services.shoe_create(runner=caller(self.request), **serializer.validated_data)
        serializer.instance = self._with_distance(shoe)

    def perform_update(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            shoe = services.shoe_update(
                shoe=cast(Shoe, serializer.instance), **serializer.validated_data
            )
        serializer.instance = self._with_distance(shoe)

    def lock_before_object(self) -> None:
        # Deleting a shoe updates its runs (services.shoe_delete): the runner's lock first.
        _lock_runner_first(self, lambda pk: Shoe.objects.filter(pk=pk).values("runner_id"))

    def perform_destroy(self, instance: Shoe) -> None:
        with service_errors():
            services.shoe_delete(shoe=instance)


class PlanScopedMixin(viewsets.GenericViewSet):
    """Seed-compatible nested routes ``/plans/{id}/…``: the plan comes from the path and
    must be visible to the caller (else 404); list and create otherwise behave as the flat route.
    """

    _plan: Plan

    def get_plan(self) -> Plan:
        if not hasattr(self, "_plan"):
            self._plan = get_object_or_404(
                plans_visible_to(self.request.user), pk=self.kwargs["id"]
            )
        return self._plan

    def get_serializer(self, *args: Any, **kwargs: Any) -> Any:
        kwargs["plan_from_path"] = True
        return super().get_serializer(*args, **kwargs)

    def page_total(self, queryset: QuerySet[Any]) -> Any:
        return None  # a plan's page is filtered by the plan: its total is counted


@extend_schema_view(
    list=extend_schema(
        summary="List a plan's workouts",
        description="As `GET /workouts?plan={id}`; 404 when the plan is out of view.",
        parameters=[PLAN_ID_PARAMETER],
    ),
    create=extend_schema(
        summary="Add a workout to a plan",
        description="As `POST /workouts` with the plan taken from the path.",
        parameters=[PLAN_ID_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=PlanWorkoutSerializer,
        responses={201: WorkoutSerializer},
    ),
)
class PlanWorkoutViewSet(PlanScopedMixin, WorkoutViewSet):
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Workout]:
        if getattr(self, "swagger_fake_view", False):
            return Workout.objects.none()
        if self.action == "list":
            # A workout is visible exactly when its plan is (workouts_visible_to joins the plan),
            # so the page query alone decides the rows: the plan itself is read only when the
            # page comes back empty, to tell an empty page (200) from a plan out of view (404).
            return super().get_queryset().filter(plan_id=self.kwargs["id"])
        return super().get_queryset().filter(plan=self.get_plan())

    def list_shape(self) -> Shape | None:
        if not self.request.query_params.keys() <= _PAGE_PARAMETERS:
            return None
        user = self.request.user
        superuser = bool(user.is_superuser)
        plan_id = uuid.UUID(self.kwargs["id"])
        if superuser:
            return Shape(
                key=(self._ordering_key(), "superuser"),
                kinds=(uuid.UUID,),
                values=(plan_id,),
                building=self._workouts_of,
            )
        return Shape(
            key=(self._ordering_key(), "user"),
            kinds=(uuid.UUID, int),
            values=(plan_id, user.pk),
            building=self._workouts_of,
        )

    @contextmanager
    def _workouts_of(
        self, plan_id: uuid.UUID, user_id: int | None = None
    ) -> Iterator[QuerySet[Workout]]:
        # No user id: a superuser's list, which every plan is visible to.
        viewer = self.request.user if user_id is None else User(pk=user_id, is_superuser=False)
        yield self.filter_queryset(workouts_visible_to(viewer).filter(plan_id=plan_id))

    def list_versions(self) -> str | None:
        """What a GET of the plan's workout list compares with the cache (tracker.page_etags):
        the digest of the plan's workouts, read in one statement with the plan's visibility to
        the caller (``plan_workout_list_version``), for page parameters alone. ``None`` for a
        plan out of view (the list then answers 404 as before), a superuser, a filter, and off
        PostgreSQL."""
        if not self.request.query_params.keys() <= _PAGE_PARAMETERS:
            return None
        user = self.request.user
        if user.is_superuser or user.pk is None:
            return None
        try:
            plan_id = uuid.UUID(str(self.kwargs["id"]))
        except (KeyError, ValueError):
            return None
        version = plan_workout_list_version(user.pk, plan_id)
        # Read with the plan's visibility: a kept answer needs no look at the plan of its own.
        self._plan_in_view = version is not None
        return version

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        if getattr(self, "_plan_in_view", False):
            return response
        if response.status_code == status.HTTP_304_NOT_MODIFIED or not response.data["results"]:
            self.get_plan()  # 404 when the plan is out of view
        return response

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.workout_create(
                plan=self.get_plan(), **serializer.validated_data
            )


@extend_schema_view(
    list=extend_schema(
        summary="List a plan's runs",
        description="As `GET /runs?plan={id}`; 404 when the plan is out of view.",
        parameters=[PLAN_ID_PARAMETER],
    ),
    create=extend_schema(
        summary="Log a run on a plan",
        description="As `POST /runs` with the plan taken from the path. Only the plan's runner "
        "logs runs on it: a coach of the plan gets 403.",
        parameters=[PLAN_ID_PARAMETER, IDEMPOTENCY_PARAMETER],
        request=PlanRunSerializer,
        responses={201: RunSerializer},
    ),
)
class PlanRunViewSet(PlanScopedMixin, RunViewSet):
    http_method_names = ["get", "post", "head", "options"]

    def get_queryset(self) -> QuerySet[Run]:
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        return super().get_queryset().filter(plan=self.get_plan())

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        plan = self.get_plan()
        if plan.runner_id != request.user.pk:
            raise PermissionDenied("Only the plan's runner can log runs on it.")
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.run_create(
                runner=caller(self.request), plan=self.get_plan(), **serializer.validated_data
            )


@extend_schema_view(
    list=extend_schema(
        summary="Deletions feed (sync)",
        description="Plans, workouts, runs and shoes deleted since `since` that the caller "
        "could see, "
        "oldest first, so a syncing client can drop its copies. Deleting a plan lists its "
        "workouts too.",
    ),
)
class DeletionViewSet(mixins.ListModelMixin, viewsets.GenericViewSet):
    serializer_class = DeletionSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = DeletionFilter

    def get_queryset(self) -> QuerySet[Deletion]:
        if getattr(self, "swagger_fake_view", False):
            return Deletion.objects.none()
        return deletions_visible_to(self.request.user).order_by("deleted_at", "id")


class CommentsView(generics.ListCreateAPIView):
    """``/workouts/{id}/comments`` and ``/runs/{id}/comments``: the parent comes from the path
    and must be visible to the caller (else 404); whoever sees it reads and writes its comments.
    Reading the list marks the thread read for the caller."""

    serializer_class = CommentSerializer
    parent_field: str = ""

    def get_parent(self) -> Workout | Run:
        raise NotImplementedError

    def parent_kwargs(self) -> dict[str, Any]:
        if not hasattr(self, "_parent"):
            self._parent = self.get_parent()
        return {self.parent_field: self._parent}

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):
            return Workout.objects.none()
        return comments_on(reader=self.request.user, **self.parent_kwargs())

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        response = super().list(request, *args, **kwargs)
        services.comment_mark_seen(user=caller(request), **self.parent_kwargs())
        return response

    def perform_create(self, serializer: BaseSerializer[Any]) -> None:
        with service_errors():
            serializer.instance = services.comment_create(
                author=caller(self.request),
                body=serializer.validated_data["body"],
                **self.parent_kwargs(),
            )


COMMENTS_DOC = (
    "Oldest first; `new` marks the other side's comments written since the caller last read "
    "this list (reading it marks them read). Out of view → 404."
)
CREATE_DOC = (
    "The runner and whoever may see the {parent} (its coach) write comments; the other side "
    "gets an email."
)


@extend_schema_view(
    get=extend_schema(summary="List a workout's comments", description=COMMENTS_DOC),
    post=extend_schema(
        summary="Comment on a workout", description=CREATE_DOC.format(parent="workout")
    ),
)
class WorkoutCommentsView(CommentsView):
    parent_field = "workout"

    def get_parent(self) -> Workout:
        return get_object_or_404(
            workouts_visible_to(self.request.user).select_related("plan"), pk=self.kwargs["id"]
        )


@extend_schema_view(
    get=extend_schema(summary="List a run's comments", description=COMMENTS_DOC),
    post=extend_schema(
        summary="Comment on a run",
        description=CREATE_DOC.format(parent="run")
        + " A coach who reads a runner's run may comment on it.",
    ),
)
class RunCommentsView(CommentsView):
    parent_field = "run"

    def get_parent(self) -> Run:
        return get_object_or_404(
            run_visible_to(self.request.user, self.kwargs["id"]).select_related("plan")
        )


class ProfileView(APIView):
    """The caller's runner profile (docs/API.md, Resources and fields): read it, change some of
    its fields; every write goes through ``profile_update`` and its ``full_clean()``."""

    permission_classes = [IsAuthenticated]
    http_method_names = ["get", "patch", "head", "options"]

    @extend_schema(
        summary="Get your profile",
        description="Units, heart rates, sex for TRIMP and time zone, with the heart-rate zones "
        "they give (docs/API.md, Heart-rate zones).",
        responses=ProfileSerializer,
    )
    def get(self, request: Request) -> Response:
        profile = services.profile_get_or_create(user=caller(request))
        return Response(ProfileSerializer(profile).data)

    @extend_schema(
        summary="Change some fields of your profile",
        description="Units, heart rates (resting below max), sex for TRIMP, time zone.",
        request=ProfileSerializer,
        responses=ProfileSerializer,
    )
    def patch(self, request: Request) -> Response:
        profile = services.profile_get_or_create(user=caller(request))
        serializer = ProfileSerializer(profile, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        with service_errors():
            profile = services.profile_update(profile=profile, **serializer.validated_data)
        return Response(ProfileSerializer(profile).data)
