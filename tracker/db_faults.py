"""Database outages answer 503 (docs/PRODUCTION.md, Database outages): JSON in the API's error shape
under /api, a short page elsewhere — never a 500 with a traceback, and never a request left hanging
(the pool's ``timeout`` and ``connect_timeout`` in settings bound the wait).

Three places see the fault, depending on where it is raised:
- DRF views → :class:`DatabaseAwareExceptionHandler` (drf-standardized-errors would say 500);
- other views → :class:`tracker.middleware.DatabaseUnavailableMiddleware`;
- other middleware (a session save, say) → :func:`server_error`, the project's ``handler500``.
"""

from __future__ import annotations

import logging
import sys
from typing import Any

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse
from drf_standardized_errors.handler import ExceptionHandler
from rest_framework.exceptions import APIException

from tracker.errors import error_response, is_api_path
from tracker.errors import server_error as api_server_error

logger = logging.getLogger(__name__)

RETRY_AFTER_S = 5
DETAIL = "The database is temporarily unavailable. Please retry shortly."


def is_database_unavailable(exc: BaseException | None) -> bool:
    """True for connection-level database failures (refused, timed out, pool exhausted).

    Django wraps psycopg's errors (``PoolTimeout`` is a psycopg ``OperationalError``) in its own
    ``OperationalError``/``InterfaceError``; the psycopg classes are checked too in case a fault
    escapes unwrapped (the pool is used outside Django's error wrapper when it opens).
    """
    if exc is None:
        return False
    if isinstance(exc, OperationalError | InterfaceError):
        return True
    try:
        import psycopg
    except ImportError:  # SQLite-only installs
        return False
    return isinstance(exc, psycopg.OperationalError | psycopg.InterfaceError)


class DatabaseUnavailable(APIException):
    status_code = 503
    default_detail = DETAIL
    default_code = "database_unavailable"


def _mark(response: HttpResponse) -> HttpResponse:
    # Clients and proxies may retry after this; the pool gets a fresh connection attempt by then.
    response["Retry-After"] = str(RETRY_AFTER_S)
    return response


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    if is_api_path(request.path_info):
        return _mark(error_response("server_error", "database_unavailable", DETAIL, status=503))
    page = (
        "<!doctype html><html lang=en><meta charset=utf-8><title>Temporarily unavailable</title>"
        "<h1>Temporarily unavailable</h1><p>We can't reach our database right now. "
        "Please try again in a moment.</p></html>"
    )
    return _mark(HttpResponse(page, status=503, content_type="text/html; charset=utf-8"))


class DatabaseAwareExceptionHandler(ExceptionHandler):
    """drf-standardized-errors' handler, with database outages as 503 instead of 500."""

    def convert_known_exceptions(self, exc: Exception) -> Exception:
        if is_database_unavailable(exc):
            return DatabaseUnavailable()
        return super().convert_known_exceptions(exc)

    def report_exception(self, exc: APIException, response: Any) -> None:
        if isinstance(exc, DatabaseUnavailable):
            # An outage is one warning per request, not a traceback per request (and not the
            # got_request_exception signal: error trackers would drown in one known cause).
            logger.warning("database unavailable: %s", self.exc)
            return
        super().report_exception(exc, response)

    def run(self) -> Any:
        response = super().run()
        if response is not None and is_database_unavailable(self.exc):
            _mark(response)
        return response


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    """``handler500``: 503 for database outages; anything else is the API's handler500 (JSON
    under /api, the site's 500 page elsewhere)."""
    exc = sys.exc_info()[1]
    if is_database_unavailable(exc):
        return database_unavailable_response(request)
    return api_server_error(request)
