"""Activity-file uploads kept in memory and capped at ``MAX_UPLOAD_SIZE``.

One mechanism for both places a runner sends a file — the API import (``training.api.files``)
and the dashboard's upload page (``dashboard.views.run_upload_view``):

1. ``cap_upload(request)`` refuses a request whose declared ``Content-Length`` is already over the
   limit (plus room for the multipart envelope) before a byte of the body is read, and
2. installs ``CappedMemoryUploadHandler``, which keeps the ``file`` part in memory and stops the
   upload as soon as it passes the limit (a client may send no or a false ``Content-Length``).

Both refuse by raising ``FileTooLarge`` (an ``ActivityFileError``) with ``too_large_message()``;
each view turns that into its own 413. ``cap_upload`` must run before anything reads the body:
Django's CSRF middleware reads ``request.POST``, so a plain Django view has to be ``csrf_exempt``
and run its CSRF check itself afterwards (``csrf_protect``), as Django's upload-handler docs say.
"""

from __future__ import annotations

from io import BytesIO
from typing import Any

from django.conf import settings
from django.core.files.uploadedfile import InMemoryUploadedFile
from django.core.files.uploadhandler import FileUploadHandler, TemporaryFileUploadHandler
from django.http import HttpRequest

from training.importers import FileTooLarge

UPLOAD_FIELD = "file"
# Room for the multipart envelope (boundaries, part headers, the CSRF field) around a file of
# the maximum size.
MULTIPART_OVERHEAD_BYTES = 64 * 1024


def too_large_message() -> str:
    limit = settings.MAX_UPLOAD_SIZE
    return (
        f"The upload is larger than the activity-file limit of {limit} bytes "
        f"({limit / 1024 / 1024:.0f} MB)."
    )


def cap_upload(request: HttpRequest) -> None:
    """Refuse an oversized ``request`` (``FileTooLarge``) by its ``Content-Length``, then make
    its body parse through ``CappedMemoryUploadHandler``. Call before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.MAX_UPLOAD_SIZE + MULTIPART_OVERHEAD_BYTES:
        raise FileTooLarge(too_large_message())
    request.upload_handlers = [CappedMemoryUploadHandler(request)]


class CappedMemoryUploadHandler(FileUploadHandler):
    """Keeps the ``file`` part in memory and stops the upload as soon as it passes
    ``MAX_UPLOAD_SIZE``: nothing is written to disk, and memory stays bounded by the limit.
    Other file parts are dropped unread."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.max_bytes: int = settings.MAX_UPLOAD_SIZE
        self.buffer: BytesIO | None = None
        self.received_bytes = 0

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, *args, **kwargs)
        # Only the first ``file`` part is kept; a repeated one must not double the memory.
        keep = field_name == UPLOAD_FIELD and self.buffer is None
        self.buffer = BytesIO() if keep else self.buffer
        self.keeping = keep

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received_bytes += len(raw_data)
        if self.received_bytes > self.max_bytes:
            raise FileTooLarge(too_large_message())
        if self.keeping and self.buffer is not None:
            self.buffer.write(raw_data)

    def file_complete(self, file_size: int) -> InMemoryUploadedFile | None:
        if not self.keeping or self.buffer is None:
            return None
        self.buffer.seek(0)
        return InMemoryUploadedFile(
            file=self.buffer,
            field_name=self.field_name,
            name=self.file_name,
            content_type=self.content_type,
            size=file_size,
            charset=self.charset,
            content_type_extra=self.content_type_extra,
        )


# --- Whole export archives (docs/API.md, Importing a whole history) ---------------------------


class ArchiveTooLarge(Exception):
    """The uploaded archive passes ``MAX_ARCHIVE_UPLOAD_SIZE``; the message says the limit."""


ARCHIVE_FIELD = "archive"


def archive_too_large_message() -> str:
    limit = settings.MAX_ARCHIVE_UPLOAD_SIZE
    return (
        f"The upload is larger than the archive limit of {limit} bytes "
        f"({limit / 1024 / 1024:.0f} MB)."
    )


def cap_archive_upload(request: HttpRequest) -> None:
    """Refuse an oversized archive upload (``ArchiveTooLarge``) by its ``Content-Length``, then
    make its body parse through ``CappedArchiveUploadHandler``. Call before the body is read."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > settings.MAX_ARCHIVE_UPLOAD_SIZE + MULTIPART_OVERHEAD_BYTES:
        raise ArchiveTooLarge(archive_too_large_message())
    request.upload_handlers = [CappedArchiveUploadHandler(request)]


class CappedArchiveUploadHandler(TemporaryFileUploadHandler):
    """Streams the ``archive`` part to a temporary file on disk (never memory) and stops the
    upload as soon as it passes ``MAX_ARCHIVE_UPLOAD_SIZE``; other file parts are dropped."""

    def __init__(self, request: Any = None) -> None:
        super().__init__(request)
        self.max_bytes: int = settings.MAX_ARCHIVE_UPLOAD_SIZE
        self.received_bytes = 0
        self.keeping = False
        self.kept = False

    def new_file(self, field_name: str, *args: Any, **kwargs: Any) -> None:
        self.keeping = field_name == ARCHIVE_FIELD and not self.kept
        if self.keeping:
            self.kept = True
            super().new_file(field_name, *args, **kwargs)

    def receive_data_chunk(self, raw_data: bytes, start: int) -> None:
        self.received_bytes += len(raw_data)
        if self.received_bytes > self.max_bytes:
            raise ArchiveTooLarge(archive_too_large_message())
        if self.keeping:
            super().receive_data_chunk(raw_data, start)

    def file_complete(self, file_size: int) -> Any:
        if not self.keeping:
            return None
        self.keeping = False
        return super().file_complete(file_size)
