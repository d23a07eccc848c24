"""Analytics API (docs/API.md, Analytics): thin views over ``analytics.selectors``; the response
shapes are the serializers of ``analytics.api.serializers``."""

from __future__ import annotations

from functools import cached_property
from typing import Any

from django.db.models import QuerySet
from django.http import Http404
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from analytics import science, selectors
from analytics.api.serializers import (
    PlanAnalyticsSerializer,
    PlanProgressSerializer,
    PlanWeekSummarySerializer,
    SummaryQuerySerializer,
    SummarySerializer,
    WeekNumberQuerySerializer,
    plan_analytics_data,
    plan_progress_data,
    summary_data,
)
from analytics.types import WeekOutOfRange
from tracker.kept_answers import KeptAnswerMixin
from training.models import Plan
from training.selectors import plans_visible_to


# The answer is kept in the cache while the runner's runs, profile facts and today hold
# (``selectors.runner_summary_version``, tracker.kept_answers); that statement also gives the
# profile a computed answer needs, so a miss costs no query more than before.
class SummaryView(KeptAnswerMixin, APIView):
    @extend_schema(
        operation_id="analytics_summary",
        parameters=[SummaryQuerySerializer],
        responses=SummarySerializer,
        summary="Training summary for the authenticated runner",
    )
    def get(self, request: Request) -> Response:
        params = SummaryQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        return self.kept_answer(request, lambda: self._computed(request, params.validated_data))

    @cached_property
    def _profile_and_version(self) -> tuple[Any, str]:
        # Read by id, once: the summary needs the profile, never the user's own row.
        return selectors.runner_summary_version(self.request.user)

    def answer_versions(self) -> str | None:
        return self._profile_and_version[1]

    def _computed(self, request: Request, query: dict[str, Any]) -> Response:
        profile = self._profile_and_version[0]
        today = selectors.local_today(profile.tz)
        date_from = query.get("from")
        date_to = query.get("to")
        if "from" not in query and "to" not in query:
            date_from = science.period_start(query.get("period", "all"), today)
            date_to = today
        summary = selectors.runner_summary(
            runner=request.user, date_from=date_from, date_to=date_to, today=today, profile=profile
        )
        return Response(summary_data(summary))


class _PlanView(GenericAPIView[Plan]):
    """Plans the user may see (docs/API.md, Who sees what); anything else is a 404."""

    lookup_field = "pk"

    def get_queryset(self) -> QuerySet[Plan]:
        if getattr(self, "swagger_fake_view", False):
            return Plan.objects.none()
        return plans_visible_to(self.request.user).select_related("runner__profile")


def _visible_plan_state(request: Request, pk: Any) -> selectors.PlanState:
    """The plan's state in one query (``selectors.visible_plan_state``), or the 404 that
    ``get_object`` gives for a plan the user may not see, with the same message."""
    state = selectors.visible_plan_state(request.user, pk)
    if state is None:
        raise Http404(f"No {Plan._meta.object_name} matches the given query.")
    return state


# A plan's answer kept in the cache while the plan, its workouts, its runner's runs and the
# runner's today hold (``selectors.visible_plan_answer_version``, tracker.kept_answers): a read
# of an unchanged plan costs that one version statement.
class _KeptPlanAnswerView(KeptAnswerMixin, _PlanView):
    def answer_versions(self) -> str | None:
        return selectors.visible_plan_answer_version(self.request.user, self.kwargs["pk"])


# One query and a body built directly (docs/PERFORMANCE.md, section 23); the serializer class
# documents the schema. (Comments, not docstrings: a view's docstring becomes its OpenAPI text.)
class PlanAnalyticsView(_KeptPlanAnswerView):
    serializer_class = PlanAnalyticsSerializer

    @extend_schema(operation_id="analytics_plan", summary="Planned vs actual for one plan")
    def get(self, request: Request, pk: Any) -> Response:
        def compute() -> Response:
            analytics = selectors.plan_analytics_of(_visible_plan_state(request, pk))
            return Response(plan_analytics_data(analytics))

        return self.kept_answer(request, compute)


# As PlanAnalyticsView, with only the seed's progress numbers computed.
class PlanProgressView(_KeptPlanAnswerView):
    serializer_class = PlanProgressSerializer

    @extend_schema(operation_id="plans_progress", summary="Seed-compatible plan progress")
    def get(self, request: Request, pk: Any) -> Response:
        def compute() -> Response:
            progress = selectors.plan_progress_of(_visible_plan_state(request, pk))
            return Response(plan_progress_data(progress))

        return self.kept_answer(request, compute)


class PlanWeeklySummaryView(_PlanView):
    serializer_class = PlanWeekSummarySerializer

    @extend_schema(
        operation_id="plans_weekly_summary",
        parameters=[WeekNumberQuerySerializer],
        summary="One week of a plan: planned vs run, and its runs",
    )
    def get(self, request: Request, pk: Any) -> Response:
        plan = self.get_object()
        params = WeekNumberQuerySerializer(data=request.query_params)
        params.is_valid(raise_exception=True)
        try:
            week = selectors.plan_week_summary(
                plan=plan, week_number=params.validated_data["week_number"]
            )
        except WeekOutOfRange as exc:
            raise serializers.ValidationError({"week_number": [str(exc)]}) from exc
        return Response(PlanWeekSummarySerializer(week).data)
