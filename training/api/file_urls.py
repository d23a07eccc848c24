"""Activity-file routes under /api/v1/ (docs/API.md, Activity files). Each answers with and without
a trailing slash; the schema documents the slash-less path only. Included before the router so
``runs/import`` is never taken for a run id."""

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework.views import APIView

from training.api.files import PlanCalendarView, RunExportView, RunImportView


def _slash_alias(view: type[APIView]) -> type[APIView]:
    """The same view, hidden from the schema, for the trailing-slash spelling of its path."""
    hidden = extend_schema(exclude=True)
    methods = {name: hidden for name in ("get", "post") if hasattr(view, name)}
    return extend_schema_view(**methods)(type(f"{view.__name__}SlashAlias", (view,), {}))


urlpatterns = [
    path("runs/import", RunImportView.as_view(), name="run-import"),
    path("runs/import/", _slash_alias(RunImportView).as_view()),
    path("runs/export.csv", RunExportView.as_view(), name="run-export-csv"),
    path("runs/export.csv/", _slash_alias(RunExportView).as_view()),
    path("plans/<uuid:pk>/calendar.ics", PlanCalendarView.as_view(), name="plan-calendar-ics"),
    path("plans/<uuid:pk>/calendar.ics/", _slash_alias(PlanCalendarView).as_view()),
]
