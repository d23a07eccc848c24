"""API authentication (docs/API.md, Authentication): knox tokens, logout, logout-all, 401 with
WWW-Authenticate, session auth with CSRF, and the login attempt limit on the token endpoint."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from django.test import override_settings
from django.utils import timezone
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import DEFAULT_PASSWORD, UserFactory
from tests.helpers import API, assert_error


def get_token(client: APIClient, username: str, password: str = DEFAULT_PASSWORD):
    return client.post(
        f"{API}/auth/token", {"username": username, "password": password}, format="json"
    )


@pytest.mark.django_db
def test_token_for_good_credentials(runner, settings):
    before = timezone.now()
    response = get_token(APIClient(), runner.username)
    assert response.status_code == 200, response.content
    body = response.json()
    assert set(body) == {"token", "expiry"}
    expiry = datetime.fromisoformat(body["expiry"].replace("Z", "+00:00"))
    ttl = timedelta(hours=settings.TOKEN_TTL_HOURS)
    assert before + ttl <= expiry <= timezone.now() + ttl
    # Stored hashed: the token itself is nowhere in the table.
    stored = AuthToken.objects.get(user=runner)
    assert body["token"] not in (stored.digest, stored.token_key)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert client.get(f"{API}/plans").status_code == 200


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({"username": "runner_a", "password": "wrong"}, "non_field_errors"),
        ({"username": "nobody", "password": "x"}, "non_field_errors"),
        ({"password": "x"}, "username"),
        ({"username": "runner_a"}, "password"),
    ],
)
def test_bad_credentials_are_400(runner, body, attr):
    response = APIClient().post(f"{API}/auth/token", body, format="json")
    assert_error(response, 400, attr=attr)
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_inactive_user_gets_no_token():
    user = UserFactory(username="gone", is_active=False)
    assert_error(get_token(APIClient(), user.username), 400, attr="non_field_errors")


@pytest.mark.django_db
def test_stale_token_header_does_not_block_login(runner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-token")
    assert get_token(client, runner.username).status_code == 200


@pytest.mark.django_db
@override_settings(LOGIN_ATTEMPTS_PER_MINUTE=3)
def test_too_many_attempts_is_429_with_retry_after(runner):
    client = APIClient()
    for _ in range(3):
        assert get_token(client, runner.username, "wrong").status_code == 400
    response = get_token(client, runner.username)  # even the right password now waits
    body = assert_error(response, 429, code="throttled")
    wait_s = int(response["Retry-After"])
    assert 1 <= wait_s <= 60
    # The wait is said once, in the same number as the header.
    [error] = body["errors"]
    assert error["detail"] == f"Too many login attempts. Try again in {wait_s} seconds."
    assert not AuthToken.objects.exists()


@pytest.mark.django_db
def test_anonymous_is_401_with_www_authenticate(anon_client):
    response = anon_client.get(f"{API}/runs")
    assert_error(response, 401, code="not_authenticated")
    assert response["WWW-Authenticate"] == "Token"


@pytest.mark.django_db
def test_bad_or_expired_token_is_401(runner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token deadbeef")
    assert_error(client.get(f"{API}/plans"), 401)
    instance, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    AuthToken.objects.filter(pk=instance.pk).update(expiry=timezone.now() - timedelta(seconds=1))
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert_error(client.get(f"{API}/plans"), 401)


@pytest.mark.django_db
def test_logout_revokes_only_that_token(runner):
    first = get_token(APIClient(), runner.username).json()["token"]
    second = get_token(APIClient(), runner.username).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    response = client.post(f"{API}/auth/logout")
    assert response.status_code == 204
    assert_error(client.get(f"{API}/plans"), 401)
    client.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert client.get(f"{API}/plans").status_code == 200


@pytest.mark.django_db
def test_logout_all_revokes_every_token_of_the_user(runner, other_runner):
    tokens = [get_token(APIClient(), runner.username).json()["token"] for _ in range(2)]
    other = get_token(APIClient(), other_runner.username).json()["token"]
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {tokens[0]}")
    assert client.post(f"{API}/auth/logout-all/").status_code == 204
    for token in tokens:
        client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
        assert_error(client.get(f"{API}/plans"), 401)
    assert AuthToken.objects.filter(user=other_runner).count() == 1
    client.credentials(HTTP_AUTHORIZATION=f"Token {other}")
    assert client.get(f"{API}/plans").status_code == 200


@pytest.mark.django_db
def test_logout_without_a_token_is_401(anon_client):
    assert_error(anon_client.post(f"{API}/auth/logout"), 401)
    assert_error(anon_client.post(f"{API}/auth/logout-all"), 401)


@pytest.mark.django_db
def test_session_auth_reads_and_needs_csrf_to_write(runner):
    client = APIClient(enforce_csrf_checks=True)
    client.force_login(runner)
    assert client.get(f"{API}/plans").status_code == 200
    body = {"name": "P", "start_date": "2026-01-05", "end_date": "2026-02-01"}
    response = client.post(f"{API}/plans", body, format="json")
    assert_error(response, 403)
    assert "CSRF" in response.json()["errors"][0]["detail"]
