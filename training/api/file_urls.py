"""Activity-file and whole-history import routes under /api/v1/ (docs/API.md, Activity files;
Importing a whole history). Each answers with and without a trailing slash; the schema
documents the slash-less path only (tracker.routing). Included before the router so
``runs/import`` is never taken for a run id."""

from tracker.routing import optional_slash
from training.api.files import PlanCalendarView, RunExportView, RunImportView
from training.api.imports import (
    ImportJobCancelView,
    ImportJobDetailView,
    ImportJobListView,
    ImportJobUndoView,
)

urlpatterns = [
    *optional_slash("runs/import", RunImportView.as_view(), "run-import"),
    *optional_slash("runs/export.csv", RunExportView.as_view(), "run-export-csv"),
    *optional_slash(
        "plans/<uuid:pk>/calendar.ics", PlanCalendarView.as_view(), "plan-calendar-ics"
    ),
    # Whole-history imports (docs/API.md, Importing a whole history).
    *optional_slash("imports", ImportJobListView.as_view(), "import-list"),
    *optional_slash("imports/<uuid:pk>", ImportJobDetailView.as_view(), "import-detail"),
    *optional_slash("imports/<uuid:pk>/cancel", ImportJobCancelView.as_view(), "import-cancel"),
    *optional_slash("imports/<uuid:pk>/undo", ImportJobUndoView.as_view(), "import-undo"),
]
