"""Cross-cutting request handling (docs/PRODUCTION.md, Request handling). Order in
``settings.MIDDLEWARE`` matters; see there.

- :class:`RequestIdMiddleware` — accepts a safe ``X-Request-ID`` or makes one, returns it, puts
  it on every log record of the request, and writes one log line per request.
- :class:`HealthCheckMiddleware` — answers ``/health*`` and ``/metrics`` before host validation
  and the HTTPS redirect, so container and load-balancer probes work on plain HTTP by IP.
- :class:`SecurityHeadersMiddleware` — a content security policy on HTML pages.
- :class:`RateLimitHeadersMiddleware` — ``X-RateLimit-*`` on every API response.
- :class:`RequestBodyLimitMiddleware` — 413 above ``MAX_REQUEST_SIZE`` (``MAX_UPLOAD_SIZE`` for
  the views marked with :func:`accepts_uploads`, ``MAX_ARCHIVE_UPLOAD_SIZE`` for those marked
  with :func:`accepts_archive_uploads`), before the body is read, chunked bodies included.
- :class:`DatabaseUnavailableMiddleware` — a database outage answers 503, never a 500 or a hang.
"""

from __future__ import annotations

import io
import logging
import re
import secrets
import time
import uuid
from collections.abc import Callable
from functools import lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.contrib.auth.middleware import (
    AuthenticationMiddleware as DjangoAuthenticationMiddleware,
)
from django.contrib.messages.middleware import MessageMiddleware as DjangoMessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware as DjangoSessionMiddleware
from django.core.handlers.wsgi import LimitedStream
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.urls import URLResolver, get_resolver

from tracker.db_faults import database_unavailable_response, is_database_unavailable
from tracker.errors import error_response, is_api_path
from tracker.logging_utils import request_id_var
from tracker.throttling import _known_user_id, count_outside_drf

request_logger = logging.getLogger("tracker.request")
logger = logging.getLogger(__name__)

GetResponse = Callable[[HttpRequest], HttpResponse]
MarkedView = TypeVar("MarkedView")

REQUEST_ID_HEADER = "X-Request-ID"
_SAFE_REQUEST_ID = re.compile(r"^[A-Za-z0-9\-_.:]{1,128}$")
_READ_CHUNK_BYTES = 64 * 1024
UPLOAD_MULTIPART_OVERHEAD_BYTES = 64 * 1024


# Kept over django-guid: it takes UUIDs only or any text, not our safe ids (tests pin), 2026-12-05
class RequestIdMiddleware:
    """Request id and the one request-log line (method, path, status, duration, user, id)."""

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        offered = request.META.get("HTTP_X_REQUEST_ID", "")
        # Anything else is replaced, never rejected: a bad id must not cost the client its request.
        request_id = offered if _SAFE_REQUEST_ID.match(offered) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_var.set(request_id)
        try:
            response = self.get_response(request)
            response[REQUEST_ID_HEADER] = request_id
            duration_ms = round((time.perf_counter() - started) * 1000, 1)
            user_id = _known_user_id(request)
            level = logging.ERROR if response.status_code >= 500 else logging.INFO
            # request.path, not get_full_path(): query strings may carry secrets.
            request_logger.log(
                level,
                "%s %s %s %.1fms user=%s",
                request.method,
                request.path,
                response.status_code,
                duration_ms,
                user_id if user_id is not None else "-",
                extra={
                    "method": request.method,
                    "path": request.path,
                    "status": response.status_code,
                    "duration_ms": duration_ms,
                    "user_id": user_id,
                },
            )
            return response
        finally:
            request_id_var.reset(token)


class HealthCheckMiddleware:
    """Serve the probes before ``ALLOWED_HOSTS`` and ``SECURE_SSL_REDIRECT`` apply.

    A container HEALTHCHECK or load balancer calls ``http://10.0.0.5:8000/health`` with that IP as
    the Host and no TLS; going through SecurityMiddleware/CommonMiddleware would answer it with a
    redirect or a 400. The probes build no URLs from the Host header, so skipping its check is safe.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        from tracker import health, metrics

        path = request.path_info.rstrip("/") or "/"
        view: Callable[[HttpRequest], HttpResponse] | None = {
            "/health": health.health,
            "/health/live": health.live,
            "/health/ready": health.ready,
            "/metrics": metrics.metrics_view,
        }.get(path)
        if view is None:
            return self.get_response(request)
        if request.method not in ("GET", "HEAD"):
            return error_response(
                "client_error",
                "method_not_allowed",
                "Use GET.",
                status=405,
                headers={"Allow": "GET, HEAD"},
            )
        return view(request)


# Kept over django-csp: +0.44 M instructions per request (bench/instructions.py, 2026-12-05)
class SecurityHeadersMiddleware:
    """A content security policy on HTML responses (nosniff, HSTS and frame denial come from
    Django's SecurityMiddleware and XFrameOptionsMiddleware).

    Each request gets a nonce in ``request.csp_nonce``; an inline ``<script>`` in our templates
    runs only with ``nonce="{{ request.csp_nonce }}"`` (or move it to a static .js file).
    drf-spectacular's Swagger UI page initialises itself with an inline script that cannot carry
    a nonce, so ``CSP_INLINE_SCRIPT_PATHS`` (/docs, /redoc: no user content) allow inline scripts.
    Styles may be inline everywhere: Swagger UI and ReDoc set style attributes at runtime.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        nonce = secrets.token_urlsafe(16)
        request.csp_nonce = nonce  # type: ignore[attr-defined]
        response = self.get_response(request)
        content_type = response.get("Content-Type", "")
        if content_type.startswith("text/html") and "Content-Security-Policy" not in response:
            inline_ok = any(
                request.path_info.startswith(p) for p in settings.CSP_INLINE_SCRIPT_PATHS
            )
            response["Content-Security-Policy"] = build_csp(None if inline_ok else nonce)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        return response


def build_csp(nonce: str | None) -> str:
    """The policy for one HTML response; ``nonce=None`` allows inline scripts (API docs only)."""
    # A nonce in script-src makes browsers ignore 'unsafe-inline', so it is one or the other.
    scripts = f"'nonce-{nonce}'" if nonce else "'unsafe-inline'"
    directives = [
        "default-src 'self'",
        f"script-src 'self' {scripts}",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        # ReDoc renders its search index in a worker started from a blob: URL.
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
    return "; ".join(directives)


class RateLimitHeadersMiddleware:
    """``X-RateLimit-Limit/Remaining/Reset`` on every API response; ``Retry-After`` on 429.

    DRF's throttles count most requests and leave their status on the request. Requests DRF never
    throttled (authentication failed first, unknown URL, body too large) are counted here against
    the same budgets, so an anonymous client hammering 401s or 404s is limited too.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if not is_api_path(request.path_info):
            return response
        status = getattr(request, "rate_limit", None)
        if status is None:
            # Safe during a database outage too: counting touches only the cache, and the user
            # is read only if authentication already ran (never a lazy session lookup).
            status = count_outside_drf(request)
            # Over budget: a refusal (401, 404, 413 ...) becomes a 429. A success from a view that
            # opted out of throttling is kept — its work is done and the client needs the result.
            if status is not None and not status.allowed and 400 <= response.status_code < 500:
                response = throttled_response(status.retry_after_s())
        if status is None:
            return response
        response["X-RateLimit-Limit"] = str(status.limit)
        response["X-RateLimit-Remaining"] = str(status.remaining)
        response["X-RateLimit-Reset"] = str(status.reset_at)
        # A 429 from another limiter (the login limiter) keeps its own Retry-After.
        if response.status_code == 429 and not status.allowed and "Retry-After" not in response:
            response["Retry-After"] = str(status.retry_after_s())
        return response


def throttled_response(retry_after_s: int) -> JsonResponse:
    return error_response(
        "client_error",
        "throttled",
        f"Request was throttled. Expected available in {retry_after_s} seconds.",
        status=429,
        headers={"Retry-After": str(retry_after_s)},
    )


def accepts_uploads(view: MarkedView) -> MarkedView:
    """Mark a view (a function or a view class) whose requests may carry an activity file of up
    to ``MAX_UPLOAD_SIZE``: :class:`RequestBodyLimitMiddleware` finds it in the URLconf, so every
    route to it (both slash spellings included) gets the upload limit and none is listed by hand.
    """
    view.accepts_uploads = True  # type: ignore[attr-defined]
    return view


def accepts_archive_uploads(view: MarkedView) -> MarkedView:
    """The archive-size variant of :func:`accepts_uploads`: the view's requests may carry a whole
    export archive of up to ``MAX_ARCHIVE_UPLOAD_SIZE`` (the view streams it to disk)."""
    view.accepts_uploads = ARCHIVE  # type: ignore[attr-defined]
    return view


ACTIVITY_FILE = "activity_file"
ARCHIVE = "archive"


def _upload_kind(callback: Any) -> str | None:
    # The mark may sit on the function, or on the class behind an as_view() callable (Django's
    # view_class, DRF viewsets' cls).
    for target in (callback, getattr(callback, "view_class", None), getattr(callback, "cls", None)):
        mark = getattr(target, "accepts_uploads", False)
        if mark:
            return ARCHIVE if mark == ARCHIVE else ACTIVITY_FILE
    return None


@lru_cache(maxsize=4)
def upload_path_patterns(resolver: URLResolver) -> tuple[tuple[re.Pattern[str], str], ...]:
    """The full paths, as regexes, of the routes in ``resolver`` that lead to upload views, each
    with its kind (``ACTIVITY_FILE`` or ``ARCHIVE``).

    Computed once per URLconf (``get_resolver`` is cached the same way and replaced when
    ``ROOT_URLCONF`` changes), so a request pays for a few regex matches, not a URL resolution.
    """
    found: list[tuple[re.Pattern[str], str]] = []

    def walk(node: URLResolver, prefix: str) -> None:
        for entry in node.url_patterns:
            regex = prefix + entry.pattern.regex.pattern.removeprefix("^")
            if isinstance(entry, URLResolver):
                walk(entry, regex)
            elif kind := _upload_kind(entry.callback):
                found.append((re.compile(regex), kind))

    walk(resolver, resolver.pattern.regex.pattern)
    return tuple(found)


class RequestBodyLimitMiddleware:
    """413 for bodies above ``MAX_REQUEST_SIZE`` (``MAX_UPLOAD_SIZE`` on routes to the views
    marked with :func:`accepts_uploads`, ``MAX_ARCHIVE_UPLOAD_SIZE`` with
    :func:`accepts_archive_uploads`).

    A declared ``Content-Length`` is judged before a byte is read. A chunked body (no length;
    gunicorn de-chunks it into ``wsgi.input``) is read here in pieces, stopping as soon as the
    limit is passed, and handed on as a buffered body of known length, which also lets Django
    parse it (it otherwise treats a body without Content-Length as empty).
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    @staticmethod
    def upload_kind(path: str) -> str | None:
        for pattern, kind in upload_path_patterns(get_resolver()):
            if pattern.match(path):
                return kind
        return None

    @staticmethod
    def file_limit(kind: str) -> int:
        if kind == ARCHIVE:
            return int(settings.MAX_ARCHIVE_UPLOAD_SIZE)
        return int(settings.MAX_UPLOAD_SIZE)

    def limit_for(self, path: str) -> int:
        kind = self.upload_kind(path)
        if kind:
            # The file may be as large as its limit; the multipart framing around it comes on
            # top. The upload view then judges the file itself (413 "file_too_large").
            return self.file_limit(kind) + UPLOAD_MULTIPART_OVERHEAD_BYTES
        return int(settings.MAX_REQUEST_SIZE)

    def too_large(self, request: HttpRequest, limit_bytes: int) -> HttpResponse:
        kind = self.upload_kind(request.path_info)
        if kind:
            # Same answer as the upload views' own checks (training/api/files.py, .../imports.py),
            # whichever of the two sees the body first: clients are told the file limit, not the
            # framing.
            file_limit = self.file_limit(kind)
            what = "archive" if kind == ARCHIVE else "activity-file"
            return self.refuse(
                request,
                code="file_too_large",
                detail=(
                    f"The upload is larger than the {what} limit of {file_limit} bytes "
                    f"({file_limit / 1024 / 1024:.0f} MB)."
                ),
            )
        return self.refuse(
            request,
            code="request_too_large",
            detail=f"Request body is larger than the limit of {limit_bytes} bytes.",
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        # The limit is looked up only for requests with a body (most requests have none).
        declared = request.META.get("CONTENT_LENGTH", "")
        if declared:
            try:
                declared_bytes = int(declared)
            except ValueError:
                return self.refuse(
                    request, code="invalid", detail="Bad Content-Length.", status=400
                )
            if declared_bytes > 0:
                limit_bytes = self.limit_for(request.path_info)
                if declared_bytes > limit_bytes:
                    return self.too_large(request, limit_bytes)
        elif self.has_unsized_body(request):
            limit_bytes = self.limit_for(request.path_info)
            body = self.read_bounded(request, limit_bytes)
            if body is None:
                return self.too_large(request, limit_bytes)
            request.META["CONTENT_LENGTH"] = str(len(body))
            # WSGIRequest built its stream from the (missing) length; give it the real body.
            request._stream = LimitedStream(io.BytesIO(body), len(body))  # type: ignore[assignment]
        return self.get_response(request)

    @staticmethod
    def has_unsized_body(request: HttpRequest) -> bool:
        # gunicorn passes the header through and de-chunks wsgi.input for us.
        return "chunked" in request.META.get("HTTP_TRANSFER_ENCODING", "").lower()

    @staticmethod
    def read_bounded(request: HttpRequest, limit_bytes: int) -> bytes | None:
        stream = request.META.get("wsgi.input")
        if stream is None:
            return b""
        parts: list[bytes] = []
        total = 0
        while True:
            chunk = stream.read(min(_READ_CHUNK_BYTES, limit_bytes + 1 - total))
            if not chunk:
                return b"".join(parts)
            total += len(chunk)
            if total > limit_bytes:
                return None
            parts.append(chunk)

    @staticmethod
    def refuse(request: HttpRequest, *, code: str, detail: str, status: int = 413) -> HttpResponse:
        if is_api_path(request.path_info) or "text/html" not in request.META.get("HTTP_ACCEPT", ""):
            response: HttpResponse = error_response("client_error", code, detail, status=status)
        else:
            response = HttpResponse(
                f"<!doctype html><title>Too large</title><h1>Too large</h1><p>{detail}</p>",
                status=status,
                content_type="text/html; charset=utf-8",
            )
        # No "Connection: close" here: it is hop-by-hop, which WSGI apps may not set (runserver
        # asserts on it); gunicorn's sync workers close the connection after each response.
        return response


class DatabaseUnavailableMiddleware:
    """A view that fails because the database is unreachable (connection refused, pool timeout)
    answers 503 — JSON under /api, a short page elsewhere — instead of a 500 with a traceback.

    DRF views are covered by the exception handler in :mod:`tracker.db_faults`; faults in other
    middleware (a session save, say) by the project's ``handler500``.
    """

    def __init__(self, get_response: GetResponse) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> Any:
        if is_database_unavailable(exception):
            logger.warning("database unavailable: %s", exception)
            return database_unavailable_response(request)
        return None


# --- what a token-authenticated API request never uses ---------------------------------------


def is_token_api_request(request: HttpRequest) -> bool:
    """An API request that carries ``Authorization: Token …``.

    DRF tries the token first (tracker/settings.py) and a token that fails is a 401, never a
    fallback to the session: such a request never reads the session, the messages or the CSRF
    cookie, so :class:`TokenRequestBypass` spares it that machinery. Any other request (the
    dashboard, the admin, the API with the session cookie) goes through all of it.
    """
    if not request.path_info.startswith("/api/"):
        return False
    header = request.META.get("HTTP_AUTHORIZATION", "")
    return header[:6].lower() == "token "


class TokenRequestBypass:
    """Mixed into Django's session, authentication and messages middleware: a token API request
    passes straight through (measured with bench/instructions.py, docs/PERFORMANCE.md).

    Django's CSRF middleware stays as it is for every request: ``check --deploy`` asks for that
    exact class, and for a token request it only looks for a cookie and sees that DRF's views
    are CSRF-exempt (DRF's SessionAuthentication runs the CSRF check itself for session users).
    """

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if is_token_api_request(request):
            return self.get_response(request)  # type: ignore[attr-defined, no-any-return]
        return super().__call__(request)  # type: ignore[misc, no-any-return]


class SessionMiddleware(TokenRequestBypass, DjangoSessionMiddleware):
    pass


class AuthenticationMiddleware(TokenRequestBypass, DjangoAuthenticationMiddleware):
    pass


class MessageMiddleware(TokenRequestBypass, DjangoMessageMiddleware):
    pass
