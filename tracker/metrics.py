"""Prometheus metrics at ``/metrics`` (docs/PRODUCTION.md, Metrics), exported by django-prometheus:
requests by view, method and status, latency histograms, and database query counts (its database
backend wrapper).

Open when ``METRICS_TOKEN`` is unset; otherwise a scraper must send
``Authorization: Bearer <METRICS_TOKEN>``. Under gunicorn with several workers,
``PROMETHEUS_MULTIPROC_DIR`` (set by gunicorn.conf.py) makes the page sum every worker.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django_prometheus.exports import ExportToDjangoView

from tracker.errors import error_response


def _authorised(request: HttpRequest, token: str) -> bool:
    scheme, _, offered = request.META.get("HTTP_AUTHORIZATION", "").partition(" ")
    # compare_digest: the time taken must not reveal how much of the token was right.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        offered.strip().encode(), token.encode()
    )


def metrics_view(request: HttpRequest) -> HttpResponse:
    token = getattr(settings, "METRICS_TOKEN", "")
    if token and not _authorised(request, token):
        return error_response(
            "client_error",
            "not_authenticated",
            "A valid bearer token is required for /metrics.",
            status=401,
            headers={"WWW-Authenticate": 'Bearer realm="metrics"'},
        )
    response: HttpResponse = ExportToDjangoView(request)
    return response
