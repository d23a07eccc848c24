"""Analytics routes under /api/v1/ (docs/API.md, Routes), each with and without a trailing slash
(tracker.routing)."""

from __future__ import annotations

from analytics.api import views as api
from tracker.routing import optional_slash

app_name = "analytics"
urlpatterns = [
    *optional_slash("analytics/summary", api.SummaryView.as_view(), "summary"),
    *optional_slash("analytics/plan/<uuid:pk>", api.PlanAnalyticsView.as_view(), "plan"),
    *optional_slash("plans/<uuid:pk>/progress", api.PlanProgressView.as_view(), "plan-progress"),
    *optional_slash(
        "plans/<uuid:pk>/weekly-summary",
        api.PlanWeeklySummaryView.as_view(),
        "plan-weekly-summary",
    ),
]
