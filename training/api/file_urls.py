"""Activity-file routes under /api/v1/ (docs/API.md, Activity files). Each answers with and without
a trailing slash; the schema documents the slash-less path only (tracker.routing). Included
before the router so ``runs/import`` is never taken for a run id."""

from tracker.routing import optional_slash
from training.api.files import PlanCalendarView, RunExportView, RunImportView

urlpatterns = [
    *optional_slash("runs/import", RunImportView.as_view(), "run-import"),
    *optional_slash("runs/export.csv", RunExportView.as_view(), "run-export-csv"),
    *optional_slash(
        "plans/<uuid:pk>/calendar.ics", PlanCalendarView.as_view(), "plan-calendar-ics"
    ),
]
