"""Activity files over the API (docs/API.md, Activity files): import, CSV export and a plan's
calendar.

Views stay thin: error shapes here, the size limits in ``training.uploads`` (shared with the
dashboard's upload page), the work in ``training.services`` (``run_import_file``) and
``training.exports``.
"""

from __future__ import annotations

import uuid
from typing import Any, cast

from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from tracker.concurrency import ETAG_HEADER, etag_for
from tracker.middleware import accepts_uploads
from tracker.schema import FilteredDownloadSchema
from training.api.filters import DjangoFilterBackend, RunFilter
from training.api.serializers import RunSerializer
from training.exports import runs_csv, units_of, workouts_calendar
from training.importers import ActivityFileError, FileTooLarge
from training.models import Run
from training.selectors import plans_visible_to, runs_editable_by, shoes_editable_by
from training.services import DEFAULT_SHOE, run_import_file
from training.uploads import UPLOAD_FIELD, cap_upload, too_large_message

EXPORT_CHUNK_ROWS = 500


class UploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"
    default_detail = "The upload is larger than the activity-file limit."


def _too_large() -> UploadTooLarge:
    return UploadTooLarge(too_large_message())


class RunImportSerializer(serializers.Serializer[Any]):
    file = serializers.FileField(
        help_text="A GPX, TCX or FIT activity file (optionally gzip-compressed), recognised by "
        "its content, not its name."
    )
    shoe = serializers.UUIDField(
        required=False,
        help_text="Id of one of the caller's shoes for the new runs. Left out: the default "
        "shoe, if any; an empty value: no shoe.",
    )


def _shoe_choice(request: Request) -> Any:
    """The ``shoe`` form field as ``run_import_file`` takes it: left out → the default shoe;
    empty → none; else one of the caller's own shoes (400 naming ``shoe`` otherwise)."""
    data: Any = request.data
    if "shoe" not in data:
        return DEFAULT_SHOE
    raw = data.get("shoe")
    if raw in ("", None):
        return None
    try:
        shoe_id = uuid.UUID(str(raw))
    except ValueError as exc:
        raise ValidationError({"shoe": ["Must be a valid UUID."]}, code="invalid") from exc
    user = cast(User, request.user)
    shoe = shoes_editable_by(user).filter(runner=user, pk=shoe_id).first()
    if shoe is None:
        raise ValidationError(
            {"shoe": [f'Invalid pk "{shoe_id}" - object does not exist.']}, code="does_not_exist"
        )
    return shoe


ErrorResponse413Serializer = inline_serializer(
    name="ErrorResponse413",
    fields={
        "type": serializers.CharField(help_text="client_error"),
        "errors": inline_serializer(
            name="Error413",
            fields={
                "code": serializers.CharField(help_text="file_too_large"),
                "detail": serializers.CharField(),
                "attr": serializers.CharField(allow_null=True),
            },
            many=True,
        ),
    },
)


class RunImportResultSerializer(RunSerializer):
    """The import's answer: the (first) run as ``GET /api/v1/runs/{id}`` shows it, plus what a
    multi-run file added and what the import skipped (docs/API.md)."""

    warnings = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text="Parts of the file that were not imported, and why (empty when nothing was "
        "skipped, and on a repeated upload).",
    )
    additional_runs = RunSerializer(
        many=True,
        read_only=True,
        help_text="The file's other runs (further running legs of a multisport or multisession "
        "file, or further activities), in start order; empty for a one-run file.",
    )

    class Meta(RunSerializer.Meta):
        fields = [*RunSerializer.Meta.fields, "warnings", "additional_runs"]
        read_only_fields = fields


@accepts_uploads  # bodies up to MAX_UPLOAD_SIZE pass the request-body limit
class RunImportView(APIView):
    parser_classes = [MultiPartParser]

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: session auth's CSRF check may already read the body.
        if request.method == "POST":
            cap_upload(request._request)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        # The capped upload handler refuses while the body is parsed, wherever that happens
        # (session auth's CSRF check, or request.FILES below): the API's answer is a 413.
        if isinstance(exc, FileTooLarge):
            exc = _too_large()
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="runs_import",
        tags=["runs"],
        summary="Import a run from a GPX, TCX or FIT file",
        description=(
            "Multipart upload, field `file`. The format is recognised by content. Returns 201 with "
            "the new run, or 200 with the run already imported from the same file (same content, "
            "same runner). A file with several running legs (multisport, multisession) makes one "
            "run per leg: the body is the first, `additional_runs` holds the others. `warnings` "
            "names what was skipped (other sports, timestamps that went backwards...). Each run "
            "is linked to the runner's planned workout of that day when exactly one non-rest "
            "workout matches, and gets the shoe named in `shoe` (the default shoe when it is "
            'left out). 413 over MAX_UPLOAD_SIZE; 400 with `attr: "file"` naming the '
            "problem for anything unreadable, damaged, not a run, or impossible on foot."
        ),
        request={"multipart/form-data": RunImportSerializer},
        responses={
            201: RunImportResultSerializer,
            200: OpenApiResponse(RunImportResultSerializer, description="Already imported."),
            413: ErrorResponse413Serializer,
        },
    )
    def post(self, request: Request) -> Response:
        uploaded = request.FILES.get(UPLOAD_FIELD)
        if uploaded is None:
            raise ValidationError(
                {UPLOAD_FIELD: ["No file was submitted (multipart field `file`)."]},
                code="required",
            )
        shoe = _shoe_choice(request)
        try:
            result = run_import_file(
                runner=cast(User, request.user), uploaded_file=uploaded, shoe=shoe
            )
        except FileTooLarge as exc:
            raise _too_large() from exc
        except ActivityFileError as exc:
            raise ValidationError({UPLOAD_FIELD: [exc.message]}, code="invalid_file") from exc
        finally:
            uploaded.close()
        context = {"request": request}
        body = dict(RunSerializer(result.run, context=context).data)
        body["warnings"] = result.warnings
        body["additional_runs"] = RunSerializer(result.runs[1:], many=True, context=context).data
        return Response(
            body,
            status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK,
            # The run's version, as every other create and read of a run answers it.
            headers={ETAG_HEADER: etag_for(result.run)},
        )


class RunExportView(GenericAPIView[Run]):
    # A download, not a list, but it takes the list's filters (the same class: one set of names,
    # bounds and inclusivity, docs/API.md, "Run filters"): document them.
    schema = FilteredDownloadSchema()
    filter_backends = [DjangoFilterBackend]
    filterset_class = RunFilter
    pagination_class = None

    def get_queryset(self) -> QuerySet[Run]:
        if getattr(self, "swagger_fake_view", False):
            return Run.objects.none()
        return (
            runs_editable_by(self.request.user)
            .select_related("plan", "workout")
            .order_by("-started_at", "-created_at")
        )

    @extend_schema(
        operation_id="runs_export_csv",
        tags=["runs"],
        summary="Export the caller's runs as CSV",
        description=(
            "Every run of the caller, newest first, streamed; the run list's filters "
            "(`GET /runs`) select which. Columns in the runner's units "
            "(`distance_km` or `distance_mi`, `h:mm:ss` durations, pace per km or mile, elevation "
            "in feet for mile users) followed by the SI columns (`distance_m`, `duration_s`, "
            "`elapsed_s`, `pace_s_per_km`, `elevation_gain_m`). Text cells that a spreadsheet "
            "would run as a formula are prefixed with `'`."
        ),
        responses={(200, "text/csv"): OpenApiTypes.STR},
        filters=True,
    )
    def get(self, request: Request) -> StreamingHttpResponse:
        runs = self.filter_queryset(self.get_queryset())
        units = units_of(request.user)
        response = StreamingHttpResponse(
            runs_csv(runs.iterator(chunk_size=EXPORT_CHUNK_ROWS), units),
            content_type="text/csv; charset=utf-8",
        )
        response["Content-Disposition"] = 'attachment; filename="runs.csv"'
        return response


def calendar_response(content: bytes, *, filename: str) -> HttpResponse:
    response = HttpResponse(content, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'inline; filename="{filename}"'
    response["Cache-Control"] = "private, max-age=300"
    return response


class PlanCalendarView(APIView):
    @extend_schema(
        operation_id="plans_calendar_ics",
        tags=["plans"],
        summary="A plan's workouts as an iCalendar file",
        description=(
            "One all-day event per planned workout (title, type, planned distance and pace in the "
            "plan runner's units, notes). UIDs are derived from workout ids, so re-importing "
            "updates events instead of duplicating them. 404 for plans outside the caller's view."
        ),
        responses={(200, "text/calendar"): OpenApiTypes.STR},
    )
    def get(self, request: Request, pk: Any) -> HttpResponse:
        plan = get_object_or_404(plans_visible_to(request.user).select_related("runner"), pk=pk)
        units = units_of(plan.runner)
        content = workouts_calendar(
            plan.workouts.order_by("scheduled_date"), name=plan.name, units=units
        )
        return calendar_response(content, filename=f"plan-{plan.pk}.ics")
