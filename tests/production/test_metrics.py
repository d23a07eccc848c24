"""Prometheus metrics at /metrics (docs/PRODUCTION.md, Metrics): open without METRICS_TOKEN,
bearer-protected with."""

from __future__ import annotations

import re

import pytest

pytestmark = pytest.mark.urls("tests.production.urls")


def _sample(text: str, name: str, **labels: str) -> float:
    total = 0.0
    for line in text.splitlines():
        if not line.startswith(name + "{"):
            continue
        if all(f'{key}="{value}"' in line for key, value in labels.items()):
            total += float(line.rsplit(" ", 1)[1])
    return total


def test_metrics_are_open_without_a_token(client, settings):
    settings.METRICS_TOKEN = ""
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    assert b"django_http_requests_total_by_method_total" in response.content


def test_requests_by_view_and_status_and_latency_are_counted(client, anon_client):
    before = client.get("/metrics").content.decode()
    anon_client.get("/api/v1/probe/open")
    after = client.get("/metrics").content.decode()
    by_status = "django_http_responses_total_by_status_total"
    assert _sample(after, by_status, status="200") > _sample(before, by_status, status="200")
    assert re.search(r"django_http_requests_latency_seconds_by_view_method_bucket\{", after)


def test_database_queries_are_counted(client, anon_client, django_db_blocker):
    metric = "django_db_execute_total"
    before = _sample(client.get("/metrics").content.decode(), metric)
    with django_db_blocker.unblock():
        assert anon_client.get("/api/v1/probe/db").status_code == 200
    after = _sample(client.get("/metrics").content.decode(), metric)
    assert after >= before + 1


def test_with_a_token_metrics_need_the_bearer_header(client, settings):
    settings.METRICS_TOKEN = "s3cret-metrics-token"
    assert client.get("/metrics").status_code == 401
    assert client.get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    wrong_scheme = client.get("/metrics", HTTP_AUTHORIZATION="Token s3cret-metrics-token")
    assert wrong_scheme.status_code == 401
    denied = client.get("/metrics")
    assert denied["WWW-Authenticate"].startswith("Bearer")
    assert denied.json()["errors"][0]["code"] == "not_authenticated"
    ok = client.get("/metrics", HTTP_AUTHORIZATION="Bearer s3cret-metrics-token")
    assert ok.status_code == 200
