"""The benchmark's floors (bench/floor_urls.py) do what their rows claim.

The token floor pays the real authentication, permission and throttle of every API endpoint and
nothing else; the anonymous floor pays no authentication, only the rate count every API request
gets. If a default class changed and a floor no longer matched the real endpoints, its row in
`make bench` would bound the wrong thing."""

from __future__ import annotations

import pytest
from knox.models import AuthToken
from rest_framework.test import APIClient

from bench.floor_urls import EMPTY_PAGE

pytestmark = [pytest.mark.django_db, pytest.mark.urls("bench.floor_urls")]


def test_token_floor_refuses_a_request_without_a_token_as_the_real_endpoints_do():
    floor = APIClient().get("/api/v1/floor/token")
    real = APIClient().get("/api/v1/runs")

    assert floor.status_code == real.status_code == 401
    assert floor["WWW-Authenticate"] == real["WWW-Authenticate"]


def test_token_floor_authenticates_from_the_token_cache_with_no_query_and_counts_the_read(
    runner, django_assert_num_queries
):
    _, token = AuthToken.objects.create(user=runner)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    client.get("/api/v1/floor/token")  # verified by the database, then cached (the bench warms up)

    with django_assert_num_queries(0):  # the token cache, nothing of the floor's own
        response = client.get("/api/v1/floor/token")

    assert response.status_code == 200
    assert response.json() == EMPTY_PAGE
    assert int(response["X-RateLimit-Remaining"]) < int(response["X-RateLimit-Limit"])


def test_anonymous_floor_does_no_query_and_needs_no_token(django_assert_num_queries):
    with django_assert_num_queries(0):
        response = APIClient().get("/api/v1/floor/anonymous")

    assert response.status_code == 200
    assert response.json() == EMPTY_PAGE
    assert "X-RateLimit-Remaining" in response  # counted by the middleware, as every API path
