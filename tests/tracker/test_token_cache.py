"""tracker/authentication.py + tracker/token_cache.py: a knox token verified by the database is
cached by its digest, so later requests authenticate and count their budget in one Redis round
trip with no query; every revocation reaches the cache at once, and knox stays the source of
truth (two live server processes: tests/production/test_token_revocation_live.py)."""

from __future__ import annotations

import threading
import time
import uuid
import zoneinfo
from datetime import timedelta
from unittest import mock

import pytest
import redis
from django.contrib.auth import get_user_model
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.settings import api_settings
from rest_framework.test import APIClient

from tests.factories import PlanFactory, UserFactory
from tracker import token_cache
from tracker.authentication import CachedUser, token_cache_key
from tracker.throttling import cache_health

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.production.urls")]
PRIVATE = "/api/v1/probe/private"


@pytest.fixture(autouse=True)
def _clean_token_cache(clean_token_cache):
    """Every test here starts and ends with an empty token cache."""


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def knox_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "knox_authtoken" in q["sql"]]


def user_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if 'FROM "auth_user"' in q["sql"]]


def test_second_request_authenticates_from_the_cache_without_a_query(runner):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    with CaptureQueriesContext(connection) as first:
        assert client.get(PRIVATE).json() == {"user": runner.pk}
    assert len(knox_queries(first)) >= 1
    with CaptureQueriesContext(connection) as second:
        assert client.get(PRIVATE).json() == {"user": runner.pk}
    assert second.captured_queries == []


def test_cached_user_scopes_querysets_without_loading_the_user_row(runner, other_runner):
    mine = PlanFactory(runner=runner)
    PlanFactory(runner=other_runner)
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    first = client.get("/api/v1/plans")
    with CaptureQueriesContext(connection) as second_queries:
        second = client.get("/api/v1/plans")
    assert second.content == first.content  # byte-identical from the cache path
    assert [plan["id"] for plan in second.json()["results"]] == [str(mine.pk)]
    assert knox_queries(second_queries) == [] and user_queries(second_queries) == []


def test_logging_a_run_with_a_cached_token_never_loads_the_user_row(runner):
    # run_create links the run by the runner's id and reads the profile's time zone by it: what
    # still touches auth_user reads no column of it (the defaults' query by id, which stands for
    # full_clean()'s foreign-key check, and the summary aggregates' row lock), never the user's
    # fields.
    runner.profile.timezone = "Europe/Paris"
    runner.profile.save()
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    client.get("/api/v1/plans")  # the first request verifies the token in the database
    body = {"started_at": "2026-01-05T07:30:00Z", "distance_m": 8000, "duration_s": 2400}
    with CaptureQueriesContext(connection) as captured:
        created = client.post("/api/v1/runs", body, format="json")
    assert created.status_code == 201, created.content
    assert created.json()["timezone"] == "Europe/Paris"  # the profile's, read by id
    assert created.json()["local_date"] == "2026-01-05"
    touching_users = user_queries(captured)
    assert touching_users, "the runner's existence is expected to be checked"
    for sql in touching_users:
        assert '"auth_user"."password"' not in sql and '"auth_user"."username"' not in sql, sql


def test_the_summary_with_a_cached_token_reads_the_profile_not_the_user(runner):
    runner.profile.timezone = "Pacific/Kiritimati"  # UTC+14: "today" must come from the profile
    runner.profile.save()
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    first = client.get("/api/v1/analytics/summary")
    with CaptureQueriesContext(connection) as captured:
        second = client.get("/api/v1/analytics/summary")
    assert second.content == first.content
    kiritimati_today = timezone.localdate(timezone=zoneinfo.ZoneInfo("Pacific/Kiritimati"))
    assert second.json()["period"]["to"] == kiritimati_today.isoformat()
    assert user_queries(captured) == []  # the profile is read by the runner's id
    assert sum('FROM "training_runnerprofile"' in q["sql"] for q in captured.captured_queries) == 1


def test_request_log_names_the_user_of_a_cached_token(runner, caplog):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    client.get(PRIVATE)
    with caplog.at_level("INFO", logger="tracker.request"):
        assert client.get(PRIVATE).status_code == 200
    logged = [r for r in caplog.records if r.name == "tracker.request"]
    assert [r.user_id for r in logged] == [runner.pk]


def test_cached_user_loads_the_row_only_when_a_view_reads_more():
    user = UserFactory(username="lazy", email="lazy@example.com")
    lazy = CachedUser(user.pk, False, False)
    assert isinstance(lazy, get_user_model())
    assert (lazy.pk, lazy.is_authenticated, lazy.is_superuser) == (user.pk, True, False)
    with CaptureQueriesContext(connection) as loaded:
        assert lazy.email == "lazy@example.com"
    assert len(loaded) == 1


def test_logout_revokes_the_cached_token_at_once(runner):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get(PRIVATE).status_code == 200
    assert client.get(PRIVATE).status_code == 200  # served from the entry
    assert client.post("/api/v1/auth/logout").status_code == 204
    assert cache.get(token_cache_key(hash_token(token))) == token_cache.TOMBSTONE
    assert client.get(PRIVATE).status_code == 401
    assert not AuthToken.objects.filter(user=runner).exists()


def test_logout_all_revokes_every_cached_token_of_the_user(runner, other_runner):
    tokens = [AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))[1] for _ in "ab"]
    _, others = AuthToken.objects.create(user=other_runner, expiry=timedelta(hours=1))
    for token in [*tokens, others]:
        for _ in range(2):
            assert client_with(token).get(PRIVATE).status_code == 200
    assert client_with(tokens[0]).post("/api/v1/auth/logout-all").status_code == 204
    assert [client_with(token).get(PRIVATE).status_code for token in tokens] == [401, 401]
    assert client_with(others).get(PRIVATE).status_code == 200  # another user's token stays


def test_expired_token_is_refused_and_deleted_even_after_being_cached(runner):
    instance, token = AuthToken.objects.create(user=runner, expiry=timedelta(seconds=1.5))
    client = client_with(token)
    assert client.get(PRIVATE).status_code == 200
    assert client.get(PRIVATE).status_code == 200
    time.sleep(1.6)
    assert client.get(PRIVATE).status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_deactivated_user_is_refused_at_once(runner):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get(PRIVATE).status_code == 200
    runner.is_active = False
    runner.save()
    assert client.get(PRIVATE).status_code == 401


def test_promotion_to_superuser_is_seen_at_once(runner, other_runner):
    PlanFactory(runner=other_runner)
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get("/api/v1/plans").json()["count"] == 0
    runner.is_superuser = True
    runner.save()
    assert client.get("/api/v1/plans").json()["count"] == 1


def test_login_keeps_the_other_tokens_cached(runner):
    """A login saves only last_login, which no entry carries."""
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    assert client_with(token).get(PRIVATE).status_code == 200
    runner.save(update_fields=["last_login"])
    assert cache.get(token_cache_key(hash_token(token))) != token_cache.TOMBSTONE


def test_a_tombstone_is_never_overwritten_by_a_late_verification():
    """A request that verified a token just before its logout cannot write the entry back."""
    key = token_cache_key("f" * 128)
    token_cache.forget_tokens([key])
    token_cache.remember_token(key, "1|||0|0|abc|0", ttl_ms=60_000)
    assert cache.get(key) == token_cache.TOMBSTONE
    assert token_cache.authenticate_and_count(None, key) is None


# --- real Redis: one round trip, exact counts, fail open ----------------------------------------


@pytest.fixture
def redis_cache(redis_url):
    prefix = f"test-{uuid.uuid4().hex}"
    rates = {"read": "5/minute", "write": "3/minute"}
    settings = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": redis_url,
            "KEY_PREFIX": prefix,
        }
    }
    left = 60 - time.time() % 60
    if left < 8:  # fixed one-minute windows: start the count inside one
        time.sleep(left + 0.1)
    with (
        override_settings(CACHES=settings),
        mock.patch.object(api_settings, "DEFAULT_THROTTLE_RATES", rates),
    ):
        cache_health.reset()
        yield caches["default"]
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)


def test_cached_request_is_one_redis_round_trip_and_counts_exactly(runner, redis_cache):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    first = client.get(PRIVATE)
    assert first["X-RateLimit-Remaining"] == "4"
    calls: list[str] = []
    real_execute = redis.Redis.execute_command
    real_pipeline = redis.client.Pipeline.execute

    def counting_execute(self, *args, **kwargs):
        calls.append(str(args[0]))
        return real_execute(self, *args, **kwargs)

    def counting_pipeline(self, *args, **kwargs):
        calls.append("PIPELINE")
        return real_pipeline(self, *args, **kwargs)

    with (
        mock.patch.object(redis.Redis, "execute_command", counting_execute),
        mock.patch.object(redis.client.Pipeline, "execute", counting_pipeline),
        CaptureQueriesContext(connection) as queries,
    ):
        second = client.get(PRIVATE)
    assert second.status_code == 200
    assert calls == ["EVALSHA"]
    assert queries.captured_queries == []
    remaining = [client.get(PRIVATE)["X-RateLimit-Remaining"] for _ in range(3)]
    assert [second["X-RateLimit-Remaining"], *remaining] == ["3", "2", "1", "0"]
    refused = client.get(PRIVATE)
    assert refused.status_code == 429
    # The same 429 as the throttle gives without the cache: detail with the wait, Retry-After.
    assert refused.json()["errors"][0]["detail"].startswith("Request was throttled. Expected")
    assert int(refused["Retry-After"]) >= 1
    entry = redis_cache._cache.get_client().get(
        redis_cache.make_and_validate_key(token_cache_key(hash_token(token)))
    )
    assert entry.decode().startswith(f"{runner.pk}|")


@pytest.mark.django_db(transaction=True)
def test_concurrent_cached_requests_against_a_limit_of_five_admit_exactly_five(redis_cache):
    runner = UserFactory(username="racer")
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    with mock.patch.object(api_settings, "DEFAULT_THROTTLE_RATES", {"read": "30/minute"}):
        assert client_with(token).get(PRIVATE).status_code == 200  # verified, entry written
        barrier = threading.Barrier(40)
        statuses: list[int] = []
        lock = threading.Lock()

        def one_request() -> None:
            client = client_with(token)
            barrier.wait()
            status = client.get(PRIVATE).status_code
            with lock:
                statuses.append(status)

        threads = [threading.Thread(target=one_request) for _ in range(40)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
    assert statuses.count(200) == 29  # 30 in the window, one used above
    assert statuses.count(429) == 11


def test_redis_outage_falls_back_to_the_database_and_fails_open(runner, redis_cache):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get(PRIVATE).status_code == 200
    dead = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",
            "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2},
        }
    }
    with override_settings(CACHES=dead), CaptureQueriesContext(connection) as queries:
        response = client.get(PRIVATE)
    assert response.status_code == 200
    assert response["X-RateLimit-Remaining"] == "5"  # uncounted: failed open
    assert len(knox_queries(queries)) >= 1  # the database verified the token
    assert cache_health.last_fault is not None
    cache_health.reset()
    with override_settings(CACHES=dead):
        AuthToken.objects.filter(user=runner).delete()  # revocation while Redis is down
    assert client.get(PRIVATE).status_code == 401  # the fault keeps the cache skipped a while
    # The documented limit (docs/PRODUCTION.md, Token cache): once Redis answers again, the entry
    # written before the outage is honoured until TOKEN_CACHE_TTL_S.
    cache_health.reset()
    assert client.get(PRIVATE).status_code == 200
