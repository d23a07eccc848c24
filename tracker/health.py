"""Health endpoints (docs/PRODUCTION.md, Health endpoints): cheap, unauthenticated, never throttled.

- ``GET /health`` — the seed's shape: 200 ``{"status":"ok","service","version",
  "database":"connected"}`` or 503 ``{"status":"degraded","database":"disconnected",...}``.
- ``GET /health/live`` — the process answers; touches nothing else (a liveness probe must not
  restart a healthy app because its database is down).
- ``GET /health/ready`` — database and cache, each with ``latency_ms``. 503 when the database is
  unreachable (take this instance out of rotation). A cache fault is reported (``"degraded"``)
  but answers 200: the API keeps serving without rate limits, and the same Redis outage would
  otherwise take every instance out of the load balancer at once.

Served by :class:`tracker.middleware.HealthCheckMiddleware` ahead of host validation and the
HTTPS redirect; the routes in ``tracker/urls.py`` name them for ``reverse()``.
"""

from __future__ import annotations

import time
import uuid
from typing import Any

from django.conf import settings
from django.core.cache import caches
from django.db import connections
from django.http import HttpRequest, JsonResponse

from tracker.throttling import cache_health

NO_STORE = {"Cache-Control": "no-store"}


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)


def check_database(alias: str = "default") -> dict[str, Any]:
    started = time.perf_counter()
    try:
        with connections[alias].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means "not usable"; the type goes in the report
        return {"status": "error", "error": type(exc).__name__, "latency_ms": _elapsed_ms(started)}
    return {"status": "ok", "latency_ms": _elapsed_ms(started)}


def check_cache(alias: str = "default") -> dict[str, Any]:
    cache = caches[alias]
    backend = type(cache).__name__
    key = f"health:{uuid.uuid4().hex}"
    started = time.perf_counter()
    try:
        cache.set(key, "1", 5)
        ok = cache.get(key) == "1"
        cache.delete(key)
    except Exception as exc:
        return {
            "status": "error",
            "backend": backend,
            "error": type(exc).__name__,
            "latency_ms": _elapsed_ms(started),
        }
    return {
        "status": "ok" if ok else "error",
        "backend": backend,
        "latency_ms": _elapsed_ms(started),
    }


def _identity() -> dict[str, str]:
    return {"service": settings.APP_NAME, "version": settings.API_VERSION}


def health(request: HttpRequest) -> JsonResponse:
    database = check_database()
    connected = database["status"] == "ok"
    body = {
        "status": "ok" if connected else "degraded",
        **_identity(),
        "database": "connected" if connected else "disconnected",
    }
    return JsonResponse(body, status=200 if connected else 503, headers=NO_STORE)


def live(request: HttpRequest) -> JsonResponse:
    return JsonResponse({"status": "ok", **_identity()}, headers=NO_STORE)


def ready(request: HttpRequest) -> JsonResponse:
    database = check_database()
    cache = check_cache()
    if cache["status"] == "ok":
        # A fresh success proves the cache is back; let the throttles use it at once.
        cache_health.record_success()
    else:
        # This worker's throttles would find out on their next request anyway; recording it
        # here makes the report below consistent and spares that request the wait.
        cache_health.record_fault(ConnectionError(f"cache check failed: {cache.get('error')}"))
    rate_limiting = {
        "status": "active" if cache["status"] == "ok" else "fail-open",
        "last_cache_fault": cache_health.last_fault,
        "last_cache_fault_at": (
            int(cache_health.last_fault_at) if cache_health.last_fault_at else None
        ),
    }
    database_ok = database["status"] == "ok"
    status = "ok" if database_ok and cache["status"] == "ok" else "degraded"
    body = {
        "status": status,
        **_identity(),
        "checks": {"database": database, "cache": cache},
        "rate_limiting": rate_limiting,
    }
    return JsonResponse(body, status=200 if database_ok else 503, headers=NO_STORE)
