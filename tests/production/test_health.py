"""Health endpoints and database outages (docs/PRODUCTION.md, Health endpoints): /health,
/health/live, /health/ready, 503s within 10 s from a database on a closed port, and the API's 503
JSON."""

from __future__ import annotations

import socket
import time
from contextlib import contextmanager

import pytest
from django.db import connections
from django.db.utils import load_backend

from tests.production.helpers import READ_LIMIT

pytestmark = pytest.mark.urls("tests.production.urls")


def test_health_reports_ok_with_the_seed_shape(client, django_db_blocker, settings):
    with django_db_blocker.unblock():
        response = client.get("/health")
    assert response.status_code == 200
    assert response.json() == {
        "status": "ok",
        "service": settings.APP_NAME,
        "version": settings.API_VERSION,
        "database": "connected",
    }
    assert response["Cache-Control"] == "no-store"


@pytest.mark.parametrize("path", ["/health", "/health/", "/health/live", "/health/live/"])
def test_health_paths_work_with_and_without_trailing_slash(client, django_db_blocker, path):
    with django_db_blocker.unblock():
        assert client.get(path).status_code == 200


def test_liveness_touches_no_database(client):
    # No django_db_blocker.unblock(): any query here would raise.
    response = client.get("/health/live")
    assert response.status_code == 200
    assert response.json()["status"] == "ok"


def test_readiness_reports_database_and_cache_with_latency(client, django_db_blocker):
    with django_db_blocker.unblock():
        body = client.get("/health/ready/").json()
    assert body["status"] == "ok"
    for check in ("database", "cache"):
        assert body["checks"][check]["status"] == "ok"
        assert body["checks"][check]["latency_ms"] >= 0
    assert body["rate_limiting"]["status"] == "active"


def test_probes_answer_for_any_host_and_without_https(client, settings, django_db_blocker):
    # A load balancer probes http://<instance ip>/health; neither ALLOWED_HOSTS nor the HTTPS
    # redirect may turn that into a 400 or a 301.
    settings.ALLOWED_HOSTS = ["tracker.example.com"]
    settings.SECURE_SSL_REDIRECT = True
    with django_db_blocker.unblock():
        assert client.get("/health", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/health/live", HTTP_HOST="10.0.0.5:8000").status_code == 200
    assert client.get("/metrics", HTTP_HOST="10.0.0.5:8000").status_code == 200
    # Everything else is still held to both rules.
    assert client.get("/probe/page", HTTP_HOST="10.0.0.5:8000").status_code == 400
    assert client.get("/probe/page", HTTP_HOST="tracker.example.com").status_code == 301


def test_probes_refuse_writes(client):
    assert client.post("/health").status_code == 405


# --- database outage ----------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]  # nothing listens once the socket closes


@contextmanager
def unreachable_postgresql():
    """connections["default"] becomes a pooled PostgreSQL wrapper aimed at a closed port, with
    the pool settings production uses (timeouts from tracker/settings.py)."""
    backend = load_backend("django.db.backends.postgresql")
    settings_dict = {
        **connections["default"].settings_dict,
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "tracker_unreachable",
        "USER": "postgres",
        "PASSWORD": "",
        "HOST": "127.0.0.1",
        "PORT": str(closed_port()),
        "CONN_MAX_AGE": 0,
        "CONN_HEALTH_CHECKS": True,
        "OPTIONS": {
            "connect_timeout": 3,
            "pool": {"min_size": 1, "max_size": 4, "timeout": 5, "reconnect_timeout": 10},
        },
    }
    # A distinct alias keeps its pool apart from the real test database's pool.
    wrapper = backend.DatabaseWrapper(settings_dict, "unreachable")
    previous = connections["default"]
    connections["default"] = wrapper
    try:
        yield
    finally:
        connections["default"] = previous
        wrapper.close_pool()


@pytest.fixture
def database_down(django_db_blocker):
    with django_db_blocker.unblock(), unreachable_postgresql():
        yield


def timed(client, path, **extra):
    started = time.monotonic()
    response = client.get(path, **extra)
    return response, time.monotonic() - started


@pytest.mark.usefixtures("database_down")
def test_health_is_503_degraded_within_10s_when_the_database_is_unreachable(client, settings):
    response, elapsed_s = timed(client, "/health")
    assert elapsed_s < 10
    assert response.status_code == 503
    assert response.json() == {
        "status": "degraded",
        "service": settings.APP_NAME,
        "version": settings.API_VERSION,
        "database": "disconnected",
    }
    ready, elapsed_s = timed(client, "/health/ready")
    assert elapsed_s < 10
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"]["status"] == "error"
    assert ready.json()["checks"]["cache"]["status"] == "ok"
    # Liveness does not depend on the database: the process is fine.
    assert client.get("/health/live").status_code == 200


@pytest.mark.usefixtures("database_down")
def test_api_requests_get_503_json_within_10s_when_the_database_is_unreachable(anon_client):
    response, elapsed_s = timed(anon_client, "/api/v1/probe/db")
    assert elapsed_s < 10
    assert response.status_code == 503
    assert response.json() == {
        "type": "server_error",
        "errors": [
            {
                "code": "database_unavailable",
                "detail": "The database is temporarily unavailable. Please retry shortly.",
                "attr": None,
            }
        ],
    }
    assert response["Retry-After"] == "5"
    assert response["X-Request-ID"]


@pytest.mark.usefixtures("database_down")
def test_token_authentication_against_a_dead_database_is_503_not_500(anon_client):
    # knox looks the token up in the database before the view runs.
    response, elapsed_s = timed(
        anon_client, "/api/v1/probe/private", HTTP_AUTHORIZATION="Token abcdefgh12345678"
    )
    assert elapsed_s < 10
    assert response.status_code == 503
    assert response.json()["errors"][0]["code"] == "database_unavailable"
    # Counted against the anonymous IP budget (authentication never finished): the cache works.
    assert response["X-RateLimit-Remaining"] == str(READ_LIMIT - 1)


@pytest.mark.usefixtures("database_down")
def test_session_pages_get_a_plain_503_page_when_the_database_is_unreachable(client):
    client.cookies["sessionid"] = "x" * 32  # forces a session lookup in the database
    response, elapsed_s = timed(client, "/admin/")
    assert elapsed_s < 10
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html")
    assert b"Temporarily unavailable" in response.content


def test_operational_errors_in_drf_and_plain_views_are_503_json(anon_client, client):
    for path in ("/api/v1/probe/broken-db", "/api/v1/probe/plain-broken-db"):
        response = anon_client.get(path)
        assert response.status_code == 503, path
        assert response.json()["errors"][0]["code"] == "database_unavailable"
    page = client.get("/probe/broken-db")
    assert page.status_code == 503
    assert page["Content-Type"].startswith("text/html")


def test_readiness_reports_a_cache_outage_but_stays_200(client, django_db_blocker, monkeypatch):
    # The API keeps serving without rate limits, so the instance stays in rotation; the same
    # Redis outage would otherwise take every instance out of the load balancer at once.
    def broken_set(*args, **kwargs):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("django.core.cache.backends.locmem.LocMemCache.set", broken_set)
    with django_db_blocker.unblock():
        response = client.get("/health/ready")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["cache"]["status"] == "error"
    assert body["checks"]["cache"]["error"] == "ConnectionError"
    assert body["checks"]["database"]["status"] == "ok"
    assert body["rate_limiting"]["status"] == "fail-open"
    assert body["rate_limiting"]["last_cache_fault"]
