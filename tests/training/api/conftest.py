"""Fixtures for the API tests: a small world with two runners, a coach of the first, a coach of
nobody and a superuser, plus helpers to check the error shape (docs/API.md, Errors)."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
import redis
from django.test import override_settings

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.helpers import World
from tracker.throttling import cache_health


@pytest.fixture
def world(runner, other_runner, coach, other_coach, superuser) -> World:
    """Runner A's plan is coached by ``coach``; runner B's plan has no coach. ``other_coach``
    coaches nobody."""
    start = date(2026, 1, 5)  # a Monday
    plan_a = PlanFactory(
        runner=runner, coach=coach, start_date=start, end_date=start + timedelta(days=83)
    )
    workout_a = WorkoutFactory(plan=plan_a, scheduled_date=start + timedelta(days=1))
    run_a = RunFactory(
        runner=runner,
        plan=plan_a,
        workout=workout_a,
        started_at=datetime(2026, 1, 6, 7, 0, tzinfo=UTC),
    )
    plan_b = PlanFactory(runner=other_runner, start_date=start, end_date=start + timedelta(days=83))
    workout_b = WorkoutFactory(plan=plan_b, scheduled_date=start + timedelta(days=2))
    run_b = RunFactory(
        runner=other_runner,
        plan=plan_b,
        workout=workout_b,
        started_at=datetime(2026, 1, 7, 7, 0, tzinfo=UTC),
    )
    return World(plan_a, workout_a, run_a, plan_b, workout_b, run_b)


@pytest.fixture(params=["local memory", "redis"])
def token_cache_backend(request, clean_token_cache):
    """The verified-token cache in local memory, or in Redis (its Lua script)."""
    if request.param == "local memory":
        yield
        return
    yield from _redis_cache(request.getfixturevalue("redis_url"))


@pytest.fixture
def redis_token_cache(redis_url, clean_token_cache):
    """The default cache in Redis alone, under a key prefix of its own."""
    yield from _redis_cache(redis_url)


def _redis_cache(url: str):
    prefix = f"test-{uuid.uuid4().hex}"
    backend = {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url}
    with override_settings(CACHES={"default": {**backend, "KEY_PREFIX": prefix}}):
        cache_health.reset()
        yield
    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"{prefix}:*"))
    if keys:
        client.delete(*keys)
