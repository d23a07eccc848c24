"""tracker.authentication's database path: knox's checks, with the sweep of other expired tokens
at most once a minute per user (one query less on the requests in between). The verified-token
cache, which spares repeat requests the database altogether, is switched off here so every request
takes this path (the cache: tests/tracker/test_token_cache.py)."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tracker.authentication import TokenAuthentication

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def database_path_and_no_remembered_sweeps():
    with mock.patch("tracker.token_cache.authenticate_and_count", return_value=None):
        TokenAuthentication._last_sweep.clear()
        yield
    TokenAuthentication._last_sweep.clear()


def client_with(token: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def expire(instance: AuthToken) -> None:
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))


def test_first_request_sweeps_other_expired_tokens_then_one_query_less(runner):
    old, _ = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    expire(old)
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    with CaptureQueriesContext(connection) as first:
        assert client.get("/api/v1/plans").status_code == 200
    assert not AuthToken.objects.filter(pk=old.pk).exists()  # swept as knox sweeps
    with CaptureQueriesContext(connection) as second:
        assert client.get("/api/v1/plans").status_code == 200
    # The first request also deleted the old token (a select and a delete more).
    assert len(second) < len(first)
    sweep = [q["sql"] for q in first.captured_queries if "knox_authtoken" in q["sql"]]
    assert len([q for q in second.captured_queries if "knox_authtoken" in q["sql"]]) == 1
    assert len(sweep) >= 2


def test_presented_token_that_expired_between_sweeps_is_refused_and_deleted(runner):
    instance, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get("/api/v1/plans").status_code == 200  # sweeps, remembers the user
    expire(instance)
    response = client.get("/api/v1/plans")
    assert response.status_code == 401
    assert not AuthToken.objects.filter(pk=instance.pk).exists()


def test_sweep_runs_again_after_the_interval(runner):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = client_with(token)
    assert client.get("/api/v1/plans").status_code == 200
    old, _ = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    expire(old)
    assert client.get("/api/v1/plans").status_code == 200
    assert AuthToken.objects.filter(pk=old.pk).exists()  # within the minute: left alone
    TokenAuthentication._last_sweep[runner.pk] -= 61
    assert client.get("/api/v1/plans").status_code == 200
    assert not AuthToken.objects.filter(pk=old.pk).exists()
