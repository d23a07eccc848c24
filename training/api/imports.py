"""Whole-history imports over the API (docs/API.md, Importing a whole history): upload an
export archive, follow its job, cancel it, undo it.

Thin views: the upload cap and streaming in ``training.uploads``, the reads in
``training.history.selectors``, every write in ``training.history.services``.
"""

from __future__ import annotations

from typing import Any, cast

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import QuerySet
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.generics import GenericAPIView, ListAPIView
from rest_framework.parsers import MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from tracker.errors import Conflict, validation_error_from_django
from tracker.middleware import accepts_archive_uploads
from training.api.files import ErrorResponse413Serializer
from training.history.models import ImportJob, ImportJobFile
from training.history.selectors import import_job_reported_files, import_jobs_of
from training.history.services import (
    JobStateError,
    import_job_cancel,
    import_job_create,
    import_job_undo,
)
from training.uploads import ARCHIVE_FIELD, ArchiveTooLarge, cap_archive_upload


class ArchiveUploadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "file_too_large"
    default_detail = "The upload is larger than the archive limit."


class ImportJobFileSerializer(serializers.ModelSerializer[ImportJobFile]):
    class Meta:
        model = ImportJobFile
        fields = ["name", "outcome", "reason"]
        read_only_fields = fields


class ImportJobSerializer(serializers.ModelSerializer[ImportJob]):
    progress = serializers.FloatField(
        read_only=True, help_text="Share of the archive done, 0.0 to 1.0."
    )

    class Meta:
        model = ImportJob
        fields = [
            "id",
            "status",
            "original_name",
            "archive_size_bytes",
            "found",
            "processed",
            "imported",
            "duplicates",
            "skipped",
            "failed",
            "progress",
            "error",
            "created_at",
            "finished_at",
        ]
        read_only_fields = fields


class ImportJobDetailSerializer(ImportJobSerializer):
    files = serializers.SerializerMethodField(
        help_text="The entries that were skipped or failed, and notices, with the reason "
        "(archive order, at most 200)."
    )

    class Meta(ImportJobSerializer.Meta):
        fields = [*ImportJobSerializer.Meta.fields, "files"]
        read_only_fields = fields

    @extend_schema_field(ImportJobFileSerializer(many=True))
    def get_files(self, job: ImportJob) -> list[dict[str, Any]]:
        return list(ImportJobFileSerializer(import_job_reported_files(job), many=True).data)


class ArchiveUploadSerializer(serializers.Serializer[Any]):
    archive = serializers.FileField(
        help_text="A Strava or Garmin export archive (ZIP), up to MAX_ARCHIVE_UPLOAD_SIZE."
    )


class _OwnJobView(GenericAPIView[ImportJob]):
    """The caller's own jobs only: anyone else's is a 404, as an id that does not exist."""

    def get_queryset(self) -> QuerySet[ImportJob]:
        if getattr(self, "swagger_fake_view", False):
            return ImportJob.objects.none()
        return import_jobs_of(self.request.user)

    def get_job(self) -> ImportJob:
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])


@accepts_archive_uploads  # bodies up to MAX_ARCHIVE_UPLOAD_SIZE pass the request-body limit
class ImportJobListView(ListAPIView[ImportJob], _OwnJobView):
    serializer_class = ImportJobSerializer
    parser_classes = [MultiPartParser]
    filter_backends: list[Any] = []

    def initial(self, request: Request, *args: Any, **kwargs: Any) -> None:
        # Before authentication: session auth's CSRF check may already read the body.
        if request.method == "POST":
            cap_archive_upload(request._request)
        super().initial(request, *args, **kwargs)

    def handle_exception(self, exc: Exception) -> Response:
        if isinstance(exc, ArchiveTooLarge):
            exc = ArchiveUploadTooLarge(str(exc))
        return super().handle_exception(exc)

    @extend_schema(
        operation_id="imports_list",
        tags=["imports"],
        summary="Your whole-history imports, newest first",
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        operation_id="imports_create",
        tags=["imports"],
        summary="Upload a Strava or Garmin export archive",
        description=(
            "Multipart upload, field `archive`: a ZIP export (Strava's `activities.csv` with "
            "`activities/`, or Garmin's `DI_CONNECT` with nested part ZIPs), streamed to disk. "
            "Answers 202 at once with the queued job and its `Location`; a worker imports it in "
            "the background (follow `GET /imports/{id}`). 413 over MAX_ARCHIVE_UPLOAD_SIZE; 400 "
            'with `attr: "archive"` for a missing or empty upload.'
        ),
        request={"multipart/form-data": ArchiveUploadSerializer},
        responses={202: ImportJobSerializer, 413: ErrorResponse413Serializer},
    )
    def post(self, request: Request) -> Response:
        uploaded = request.FILES.get(ARCHIVE_FIELD)
        if uploaded is None:
            raise ValidationError(
                {ARCHIVE_FIELD: ["No archive was submitted (multipart field `archive`)."]},
                code="required",
            )
        try:
            job = import_job_create(runner=cast(User, request.user), uploaded_file=uploaded)
        except DjangoValidationError as exc:
            raise validation_error_from_django(exc) from exc
        finally:
            uploaded.close()
        location = request.build_absolute_uri(f"/api/v1/imports/{job.pk}")
        return Response(
            ImportJobSerializer(job).data,
            status=status.HTTP_202_ACCEPTED,
            headers={"Location": location},
        )


class ImportJobDetailView(_OwnJobView):
    serializer_class = ImportJobDetailSerializer

    @extend_schema(
        operation_id="imports_retrieve",
        tags=["imports"],
        summary="An import's status, counts, progress and reported files",
    )
    def get(self, request: Request, pk: str) -> Response:
        return Response(ImportJobDetailSerializer(self.get_job()).data)


class ImportJobCancelView(_OwnJobView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        operation_id="imports_cancel",
        tags=["imports"],
        summary="Stop a queued or running import (what it imported stays)",
        request=None,
        # 409 (no longer running) is documented for every write by tracker.schema.
        responses={200: ImportJobSerializer},
    )
    def post(self, request: Request, pk: str) -> Response:
        try:
            job = import_job_cancel(job=self.get_job())
        except JobStateError as exc:
            raise Conflict(str(exc)) from exc
        return Response(ImportJobSerializer(job).data)


class ImportJobUndoView(_OwnJobView):
    serializer_class = ImportJobSerializer

    @extend_schema(
        operation_id="imports_undo",
        tags=["imports"],
        summary="Delete every run the import created (tombstoned for sync)",
        request=None,
        responses={200: ImportJobSerializer},
    )
    def post(self, request: Request, pk: str) -> Response:
        try:
            job = import_job_undo(job=self.get_job())
        except JobStateError as exc:
            raise Conflict(str(exc)) from exc
        return Response(ImportJobSerializer(job).data)
