"""Errors in the one API shape (docs/API.md, Errors; drf-standardized-errors):
``{"type", "errors": [{"code", "detail", "attr"}]}``.

- ``service_errors()`` turns what the services raise into API errors: a model ``ValidationError``
  becomes a 400 naming the field in ``attr``, a database constraint violation a 409 with a
  message and never a 500 with the database's internals.
- ``not_found`` / ``server_error`` are the project's ``handler404`` / ``handler500``: JSON for
  paths under ``/api/``, Django's HTML pages elsewhere.
- ``error_body`` / ``error_response`` build that shape for every answer given outside DRF's
  exception handler (middleware, probes, /metrics, database outages), so it is written once.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views import defaults
from rest_framework import status
from rest_framework.exceptions import APIException, ErrorDetail, ValidationError
from rest_framework.settings import api_settings

logger = logging.getLogger(__name__)


class Conflict(APIException):
    status_code = status.HTTP_409_CONFLICT
    default_detail = "The change conflicts with data already stored."
    default_code = "conflict"


def validation_error_from_django(exc: DjangoValidationError) -> ValidationError:
    if not hasattr(exc, "error_dict"):
        return ValidationError(
            {
                api_settings.NON_FIELD_ERRORS_KEY: [
                    ErrorDetail(str(message), code=error.code or "invalid")
                    for error in exc.error_list
                    for message in error
                ]
            }
        )
    detail: dict[str, list[ErrorDetail]] = {}
    for field, errors in exc.error_dict.items():
        key = api_settings.NON_FIELD_ERRORS_KEY if field == NON_FIELD_ERRORS else field
        detail[key] = [
            ErrorDetail(str(message), code=error.code or "invalid")
            for error in errors
            for message in error
        ]
    return ValidationError(detail)


@contextmanager
def service_errors() -> Iterator[None]:
    try:
        yield
    except DjangoValidationError as exc:
        raise validation_error_from_django(exc) from exc
    except IntegrityError as exc:
        # The model's clean() mirrors the constraints, so this is a race or a rule clean() does
        # not see; the database message stays in the log, not in the response.
        logger.warning("integrity error turned into 409: %s", exc)
        raise Conflict() from exc


def is_api_path(path: str) -> bool:
    """Whether ``path`` is answered in the API's JSON error shape rather than an HTML page."""
    return path.startswith("/api/")


def error_body(error_type: str, code: str, detail: str, attr: str | None = None) -> dict[str, Any]:
    """One error in the drf-standardized-errors shape the whole API uses (docs/API.md)."""
    return {"type": error_type, "errors": [{"code": code, "detail": detail, "attr": attr}]}


def error_response(
    error_type: str,
    code: str,
    detail: str,
    *,
    status: int,
    headers: dict[str, str] | None = None,
) -> JsonResponse:
    """:func:`error_body` as a JSON response with ``status`` (and ``headers``)."""
    return JsonResponse(error_body(error_type, code, detail), status=status, headers=headers)


def not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    if is_api_path(request.path):
        return error_response("client_error", "not_found", "Not found.", status=404)
    return defaults.page_not_found(request, exception)


def server_error(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path):
        return error_response("server_error", "error", "A server error occurred.", status=500)
    return defaults.server_error(request)
