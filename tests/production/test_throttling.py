"""Rate limits (docs/PRODUCTION.md, Rate limits): header arithmetic, 429 exactly after the limit,
separate read and write budgets, per-user and per-IP budgets, headers on every API response,
fail-open on cache faults."""

from __future__ import annotations

import time
from unittest import mock

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from tests.production.helpers import READ_LIMIT, WRITE_LIMIT
from tracker.throttling import cache_health, parse_rate

pytestmark = pytest.mark.urls("tests.production.urls")

OPEN = "/api/v1/probe/open"
PRIVATE = "/api/v1/probe/private"


def rate_headers(response) -> tuple[int, int, int]:
    return (
        int(response["X-RateLimit-Limit"]),
        int(response["X-RateLimit-Remaining"]),
        int(response["X-RateLimit-Reset"]),
    )


def test_parse_rate_understands_drf_periods():
    assert parse_rate("100/minute") == (100, 60)
    assert parse_rate("30/m") == (30, 60)
    assert parse_rate("5/second") == (5, 1)
    assert parse_rate("1000/hour") == (1000, 3600)
    assert parse_rate("7/day") == (7, 86400)
    with pytest.raises(ValueError):
        parse_rate("lots/minute")


def test_headers_count_down_by_one_per_request_and_reset_is_the_window_end(anon_client):
    before = int(time.time())
    seen = [rate_headers(anon_client.get(OPEN)) for _ in range(READ_LIMIT)]
    after = int(time.time())
    assert [limit for limit, _, _ in seen] == [READ_LIMIT] * READ_LIMIT
    # After the n-th request of the window, limit - n remain.
    assert [remaining for _, remaining, _ in seen] == [4, 3, 2, 1, 0]
    resets = {reset for _, _, reset in seen}
    assert len(resets) <= 2  # one window (two only if the test straddled a minute boundary)
    reset = max(resets)
    # A fixed one-minute window: ends on a minute boundary, within the next 60 s.
    assert reset % 60 == 0
    assert before < reset <= after + 60


def test_the_request_after_the_limit_is_429_with_retry_after_in_the_error_shape(anon_client):
    statuses = [anon_client.get(OPEN).status_code for _ in range(READ_LIMIT)]
    assert statuses == [200] * READ_LIMIT
    response = anon_client.get(OPEN)
    assert response.status_code == 429
    body = response.json()
    assert body["type"] == "client_error"
    assert body["errors"][0]["code"] == "throttled"
    assert body["errors"][0]["attr"] is None
    retry_after = int(response["Retry-After"])
    limit, remaining, reset = rate_headers(response)
    assert (limit, remaining) == (READ_LIMIT, 0)
    assert 1 <= retry_after <= 60
    # Retry-After points at the same moment as X-RateLimit-Reset (±1 s of rounding).
    assert abs((int(time.time()) + retry_after) - reset) <= 1


def test_reads_and_writes_have_separate_budgets(anon_client):
    for _ in range(READ_LIMIT):
        assert anon_client.get(OPEN).status_code == 200
    assert anon_client.get(OPEN).status_code == 429
    # Reads are spent; writes still have their own full budget.
    writes = [anon_client.post(OPEN, {"name": "x"}) for _ in range(WRITE_LIMIT)]
    assert [r.status_code for r in writes] == [200] * WRITE_LIMIT
    assert [rate_headers(r)[:2] for r in writes] == [(3, 2), (3, 1), (3, 0)]
    assert anon_client.post(OPEN, {"name": "x"}).status_code == 429


def test_put_patch_and_delete_count_as_writes_and_head_options_as_reads(api_client):
    assert rate_headers(api_client.post(PRIVATE))[:2] == (WRITE_LIMIT, 2)
    assert rate_headers(api_client.put(PRIVATE))[:2] == (WRITE_LIMIT, 1)
    assert rate_headers(api_client.delete(PRIVATE))[:2] == (WRITE_LIMIT, 0)
    assert api_client.patch(PRIVATE).status_code == 429
    assert rate_headers(api_client.head(PRIVATE))[:2] == (READ_LIMIT, 4)
    assert rate_headers(api_client.options(PRIVATE))[:2] == (READ_LIMIT, 3)


def test_two_users_have_separate_budgets(api_client, other_api_client):
    for _ in range(READ_LIMIT):
        assert api_client.get(PRIVATE).status_code == 200
    assert api_client.get(PRIVATE).status_code == 429
    response = other_api_client.get(PRIVATE)
    assert response.status_code == 200
    assert rate_headers(response)[:2] == (READ_LIMIT, READ_LIMIT - 1)


def test_a_user_is_counted_by_id_whatever_ip_they_come_from(runner):
    clients = []
    for i in range(READ_LIMIT + 1):
        client = APIClient(REMOTE_ADDR=f"10.1.0.{i}")
        client.force_authenticate(runner)
        clients.append(client)
    statuses = [client.get(PRIVATE).status_code for client in clients]
    assert statuses == [200] * READ_LIMIT + [429]


def test_anonymous_clients_are_counted_per_ip():
    first = APIClient(REMOTE_ADDR="10.2.0.1")
    for _ in range(READ_LIMIT):
        first.get(OPEN)
    assert first.get(OPEN).status_code == 429
    assert APIClient(REMOTE_ADDR="10.2.0.2").get(OPEN).status_code == 200


def test_forwarded_for_is_ignored_unless_a_trusted_proxy_header_is_configured(settings):
    # Without configuration a client cannot pick a fresh budget by inventing a header.
    for i in range(READ_LIMIT):
        APIClient(REMOTE_ADDR="10.3.0.1", HTTP_X_FORWARDED_FOR=f"1.1.1.{i}").get(OPEN)
    spoofed = APIClient(REMOTE_ADDR="10.3.0.1", HTTP_X_FORWARDED_FOR="9.9.9.9").get(OPEN)
    assert spoofed.status_code == 429

    settings.TRUSTED_PROXY_IP_HEADER = "X-Forwarded-For"
    cache.clear()
    # Behind the proxy, clients share its REMOTE_ADDR; the proxy-appended address separates them.
    proxy = "10.3.0.254"
    for _ in range(READ_LIMIT):
        APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="spoof, 203.0.113.7").get(OPEN)
    blocked = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="other, 203.0.113.7").get(OPEN)
    assert blocked.status_code == 429  # only the rightmost (proxy-written) entry counts
    fresh = APIClient(REMOTE_ADDR=proxy, HTTP_X_FORWARDED_FOR="203.0.113.8").get(OPEN)
    assert fresh.status_code == 200


def test_400_responses_carry_the_headers(anon_client):
    response = anon_client.post(OPEN, {}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "name"
    assert rate_headers(response)[:2] == (WRITE_LIMIT, WRITE_LIMIT - 1)


def test_401_responses_carry_the_anonymous_ip_budget_and_are_limited_too():
    client = APIClient(REMOTE_ADDR="10.4.0.1")
    seen = [client.get(PRIVATE) for _ in range(READ_LIMIT)]
    assert [r.status_code for r in seen] == [401] * READ_LIMIT
    assert [rate_headers(r)[1] for r in seen] == [4, 3, 2, 1, 0]
    # The IP's budget is the same one the open endpoint uses.
    flood = client.get(OPEN)
    assert flood.status_code == 429
    assert client.get(PRIVATE).status_code == 429
    assert "Retry-After" in client.get(PRIVATE)


def test_unknown_api_urls_404_with_headers(anon_client):
    response = anon_client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert rate_headers(response)[:2] == (READ_LIMIT, READ_LIMIT - 1)


def test_non_api_paths_carry_no_rate_limit_headers(client):
    for path in ("/health", "/health/live", "/metrics", "/probe/json"):
        response = client.get(path)
        assert "X-RateLimit-Limit" not in response, path


def test_health_and_metrics_are_never_throttled(client):
    for _ in range(READ_LIMIT * 3):
        assert client.get("/health/live").status_code == 200
    assert client.get("/metrics").status_code == 200


def test_cache_outage_fails_open_logs_and_shows_in_readiness(anon_client, caplog):
    broken = mock.patch(
        "django.core.cache.backends.locmem.LocMemCache.add",
        side_effect=ConnectionError("redis down"),
    )
    with broken, caplog.at_level("ERROR", logger="tracker.throttling"):
        statuses = [anon_client.get(OPEN).status_code for _ in range(READ_LIMIT * 2)]
        ready = anon_client.get("/health/ready")
    assert statuses == [200] * (READ_LIMIT * 2)  # no limits, no errors
    assert any("rate limiting disabled" in r.getMessage() for r in caplog.records)
    # Logged once, not once per request.
    assert sum("rate limiting disabled" in r.getMessage() for r in caplog.records) == 1
    rate_limiting = ready.json()["rate_limiting"]
    assert "redis down" in rate_limiting["last_cache_fault"]
    assert cache_health.last_fault is not None


def test_a_view_that_opted_out_of_throttling_keeps_its_success_but_is_counted(monkeypatch):
    # E.g. a token endpoint with its own limiter: a 200 is never turned into a 429 after the
    # work is done, but the request still counts and carries the headers.
    from tests.production import urls

    monkeypatch.setattr(urls.OpenProbe, "throttle_classes", [])
    client = APIClient(REMOTE_ADDR="10.5.0.1")
    responses = [client.get(OPEN) for _ in range(READ_LIMIT + 1)]
    assert [r.status_code for r in responses] == [200] * (READ_LIMIT + 1)
    assert [rate_headers(r)[1] for r in responses] == [4, 3, 2, 1, 0, 0]
    # ...while a refused request from the same IP is now a 429.
    assert client.get("/api/v1/no-such-thing").status_code == 429


def test_another_limiters_429_keeps_its_own_retry_after(monkeypatch):
    from rest_framework.response import Response

    from tests.production import urls

    def login_limited(self, request):
        return Response({"detail": "slow down"}, status=429, headers={"Retry-After": "42"})

    monkeypatch.setattr(urls.OpenProbe, "get", login_limited)
    response = APIClient().get(OPEN)
    assert response.status_code == 429
    assert response["Retry-After"] == "42"
    assert rate_headers(response)[:2] == (READ_LIMIT, READ_LIMIT - 1)
