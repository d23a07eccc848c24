"""tracker.middleware.TokenRequestBypass: an API request with ``Authorization: Token`` skips the
session, authentication and messages middleware it never uses; every other request keeps them,
and a session-authenticated API write still needs its CSRF token."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.contrib.messages.middleware import MessageMiddleware
from django.contrib.sessions.middleware import SessionMiddleware
from django.middleware.csrf import get_token
from django.test import Client, RequestFactory
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.helpers import assert_error
from tracker.middleware import is_token_api_request

pytestmark = pytest.mark.django_db
PLAN = {"name": "P", "start_date": "2026-01-05", "end_date": "2026-02-01"}


@pytest.mark.parametrize(
    ("path", "header", "expected"),
    [
        ("/api/v1/runs", "Token abc", True),
        ("/api/v1/runs", "token abc", True),  # knox compares the prefix case-insensitively
        ("/api/v1/runs", "Bearer abc", False),
        ("/api/v1/runs", "", False),
        ("/runs/", "Token abc", False),  # the dashboard never reads the header: session as usual
    ],
)
def test_only_token_api_requests_bypass(path, header, expected):
    request = RequestFactory().get(path, HTTP_AUTHORIZATION=header)
    assert is_token_api_request(request) is expected


def test_token_request_runs_no_session_or_messages_code_and_sets_no_cookie(runner):
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    with (
        mock.patch.object(SessionMiddleware, "process_request") as session,
        mock.patch.object(MessageMiddleware, "process_request") as messages,
    ):
        read = client.get("/api/v1/plans")
        write = client.post("/api/v1/plans", PLAN, format="json")
    assert (read.status_code, write.status_code) == (200, 201)
    session.assert_not_called()
    messages.assert_not_called()
    assert not read.cookies and "Cookie" not in read.get("Vary", "")


def test_session_authenticated_api_write_still_needs_csrf(runner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(runner)
    refused = client.post("/api/v1/plans", PLAN, format="json")
    assert_error(refused, 403)
    assert "CSRF" in refused.json()["errors"][0]["detail"]
    # With a CSRF cookie and its token the same write passes: the session path is intact.
    request = RequestFactory().get("/")
    csrf_token = get_token(request)
    client.cookies["csrftoken"] = request.META["CSRF_COOKIE"]
    accepted = client.post("/api/v1/plans", PLAN, format="json", HTTP_X_CSRFTOKEN=csrf_token)
    assert accepted.status_code == 201


def test_session_cookie_with_a_bearer_header_is_still_session_and_csrf_checked(runner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(runner)
    client.credentials(HTTP_AUTHORIZATION="Bearer something")
    assert_error(client.post("/api/v1/plans", PLAN, format="json"), 403)


def test_dashboard_request_with_a_token_header_keeps_its_session(runner):
    client = Client()
    client.force_login(runner)
    response = client.get("/", HTTP_AUTHORIZATION="Token whatever")
    assert response.status_code == 200
    assert response.wsgi_request.user == runner  # the session, not the header
