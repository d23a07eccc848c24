"""The coached runners ride in the verified-token entry (training.selectors.register_token_facts,
tracker/authentication.py): a token request's run list asks the database nothing about plans,
and every plan write that changes whom a coach coaches is seen by that coach's next request, by
``save()``, ``delete()``, a queryset update and a bulk create alike."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from knox.crypto import hash_token
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PlanFactory, RunFactory
from tests.helpers import API
from tracker.authentication import token_cache_key
from training.models import Plan

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clean_token_cache(clean_token_cache):
    """Every test here starts and ends with an empty token cache."""


def token_client(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def runners_seen(client) -> set[int]:
    response = client.get(f"{API}/runs?limit=100")
    assert response.status_code == 200, response.content
    return {run["runner"] for run in response.json()["results"]}


@pytest.fixture
def squad(runner, other_runner, coach):
    RunFactory(runner=runner)
    RunFactory(runner=other_runner)
    RunFactory(runner=coach)
    return PlanFactory(runner=runner, coach=coach)


def plan_queries(captured: CaptureQueriesContext) -> list[str]:
    return [q["sql"] for q in captured.captured_queries if "training_plan" in q["sql"]]


def test_a_cached_token_lists_runs_without_asking_whom_its_user_coaches(squad, coach, runner):
    client = token_client(coach)
    assert runners_seen(client) == {coach.pk, runner.pk}  # verified in the database, cached
    with CaptureQueriesContext(connection) as cached:
        assert runners_seen(client) == {coach.pk, runner.pk}
    assert plan_queries(cached) == []
    assert len(cached.captured_queries) == 1  # the page alone


def test_a_new_plan_naming_the_coach_is_seen_at_once(squad, coach, runner, other_runner):
    client = token_client(coach)
    assert runners_seen(client) == {coach.pk, runner.pk}
    PlanFactory(runner=other_runner, coach=coach)
    assert runners_seen(client) == {coach.pk, runner.pk, other_runner.pk}


def test_a_plan_given_another_coach_moves_the_runner_at_once(squad, coach, other_coach, runner):
    coach_client, other_client = token_client(coach), token_client(other_coach)
    assert runner.pk in runners_seen(coach_client)
    assert runner.pk not in runners_seen(other_client)
    squad.coach = other_coach
    squad.save()
    assert runner.pk not in runners_seen(coach_client)
    assert runner.pk in runners_seen(other_client)


def test_a_deleted_plan_takes_the_runner_away_at_once(squad, coach, runner):
    client = token_client(coach)
    assert runner.pk in runners_seen(client)
    squad.delete()
    assert runners_seen(client) == {coach.pk}


def test_a_queryset_update_of_the_coach_is_seen_at_once(squad, coach, other_coach, runner):
    coach_client, other_client = token_client(coach), token_client(other_coach)
    assert runner.pk in runners_seen(coach_client)
    assert runner.pk not in runners_seen(other_client)
    Plan.objects.filter(pk=squad.pk).update(coach=other_coach)
    assert runner.pk not in runners_seen(coach_client)
    assert runner.pk in runners_seen(other_client)


def test_a_bulk_created_plan_is_seen_at_once(squad, coach, other_runner):
    client = token_client(coach)
    assert other_runner.pk not in runners_seen(client)
    template = PlanFactory.build(runner=other_runner, coach=coach)
    Plan.objects.bulk_create([template])
    assert other_runner.pk in runners_seen(client)


def test_an_entry_written_before_the_facts_existed_is_verified_again(squad, coach, runner):
    _, token = AuthToken.objects.create(user=coach, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    runners_seen(client)
    key = token_cache_key(hash_token(token))
    old_format = "|".join(cache.get(key).split("|")[:6])  # as written before the facts
    cache.set(key, old_format)
    with CaptureQueriesContext(connection) as verified:
        assert runners_seen(client) == {coach.pk, runner.pk}
    assert plan_queries(verified)  # read from the database, not from the old entry
