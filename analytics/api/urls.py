"""Analytics routes under /api/v1/ (docs/API.md, Routes), each with and without a trailing slash."""

from __future__ import annotations

from typing import cast

from django.urls import URLPattern, path
from rest_framework.views import APIView

from analytics.api import views as api


def _route(route: str, view: type[APIView], name: str) -> list[URLPattern]:
    """The path as docs/API.md writes it, plus the same path with a trailing slash served by the
    same view (no redirect that would drop a body). The slash twin is left out of the OpenAPI
    schema so each operation is documented once."""
    slash_twin = cast(
        type[APIView], type(f"{view.__name__}TrailingSlash", (view,), {"schema": None})
    )
    return [
        path(route, view.as_view(), name=name),
        path(f"{route}/", slash_twin.as_view(), name=f"{name}-slash"),
    ]


app_name = "analytics"
urlpatterns = [
    *_route("analytics/summary", api.SummaryView, "summary"),
    *_route("analytics/plan/<uuid:pk>", api.PlanAnalyticsView, "plan"),
    *_route("plans/<uuid:pk>/progress", api.PlanProgressView, "plan-progress"),
    *_route("plans/<uuid:pk>/weekly-summary", api.PlanWeeklySummaryView, "plan-weekly-summary"),
]
