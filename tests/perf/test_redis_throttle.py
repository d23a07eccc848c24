"""The throttles' one-round-trip Redis path (tracker/throttling.py ``_redis_increment``) counts
exactly as the add/incr path: limit - n remain after n requests, the (n+1)-th is refused, the key
expires with its window, and Django's cache API reads the same count."""

from __future__ import annotations

from unittest import mock

import pytest
from django.core.cache import caches
from django.test import override_settings
from rest_framework.settings import api_settings

from tests.production.helpers import READ_LIMIT
from tracker.throttling import FixedWindowRateThrottle, cache_health

pytestmark = pytest.mark.urls("tests.production.urls")
OPEN = "/api/v1/probe/open"


@pytest.fixture
def redis_cache(redis_url):
    location = redis_url.rsplit("/", 1)[0] + "/9"  # this branch's Redis database
    with override_settings(
        CACHES={
            "default": {
                "BACKEND": "django.core.cache.backends.redis.RedisCache",
                "LOCATION": location,
                "KEY_PREFIX": "perf-test",
            }
        }
    ):
        cache = caches["default"]
        cache.clear()  # flushes database 9, which is this branch's alone
        rates = {"read": f"{READ_LIMIT}/minute", "write": "3/minute"}
        cache_health.reset()
        with mock.patch.object(api_settings, "DEFAULT_THROTTLE_RATES", rates):
            yield cache
        cache.clear()
        cache_health.reset()


def test_redis_counts_down_then_refuses(anon_client, redis_cache):
    remaining = [int(anon_client.get(OPEN)["X-RateLimit-Remaining"]) for _ in range(READ_LIMIT)]
    assert remaining == list(range(READ_LIMIT - 1, -1, -1))
    assert anon_client.get(OPEN).status_code == 429
    assert cache_health.last_fault is None  # counted in Redis, not failed open


def test_redis_key_has_the_window_expiry_and_reads_back_through_the_cache_api(redis_cache):
    throttle = FixedWindowRateThrottle()
    assert throttle._increment("rl:test:key", timeout_s=65) == 1
    assert throttle._increment("rl:test:key", timeout_s=65) == 2
    assert redis_cache.get("rl:test:key") == 2
    client = redis_cache._cache.get_client(write=False)
    ttl_s = client.ttl(redis_cache.make_and_validate_key("rl:test:key"))
    assert 60 < ttl_s <= 65
    # A key Django's add() created is counted on by the Lua path too.
    redis_cache.add("rl:test:other", 1, 65)
    assert throttle._increment("rl:test:other", timeout_s=65) == 2


def test_counting_goes_on_after_redis_loses_the_script(redis_cache):
    # A Redis restart or SCRIPT FLUSH forgets the script; EVALSHA's NOSCRIPT reloads it.
    throttle = FixedWindowRateThrottle()
    assert throttle._increment("rl:test:flush", timeout_s=65) == 1
    redis_cache._cache.get_client(write=True).script_flush()

    assert throttle._increment("rl:test:flush", timeout_s=65) == 2
    assert cache_health.last_fault is None


def test_counting_reuses_one_redis_client_per_cache(redis_cache):
    throttle = FixedWindowRateThrottle()
    throttle._increment("rl:test:reuse", timeout_s=65)
    new_client = mock.patch.object(
        type(redis_cache._cache), "get_client", side_effect=AssertionError("a new client")
    )
    with new_client:
        assert throttle._increment("rl:test:reuse", timeout_s=65) == 2
