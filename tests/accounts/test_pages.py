"""Login (rate limited), sign-up (switchable), logout, password change and reset."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from tests.factories import DEFAULT_PASSWORD

pytestmark = pytest.mark.django_db


def test_login_page_renders_and_logs_a_runner_in(client, runner):
    assert client.get(reverse("login")).status_code == 200
    response = client.post(
        reverse("login"), {"username": runner.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 302 and response["Location"] == "/"
    assert client.get("/").status_code == 200


def test_wrong_password_shows_an_error_and_keeps_the_username(client, runner):
    response = client.post(reverse("login"), {"username": runner.username, "password": "nope"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "correct username and password" in page
    assert f'value="{runner.username}"' in page


def test_the_eleventh_login_attempt_in_a_minute_is_refused_with_429(client, runner):
    for _ in range(10):
        response = client.post(reverse("login"), {"username": runner.username, "password": "x"})
        assert response.status_code == 200
    # Even the right password is refused once the budget is spent.
    response = client.post(
        reverse("login"), {"username": runner.username, "password": DEFAULT_PASSWORD}
    )
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    assert "Too many login attempts" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post_and_ends_the_session(web):
    response = web.post(reverse("logout"))
    assert response.status_code == 302
    assert web.get("/").status_code == 302


def test_signup_creates_an_account_and_logs_in(client):
    response = client.post(
        reverse("signup"),
        {
            "username": "newrunner",
            "email": "new@example.com",
            "password1": "a-long-unusual-passphrase",
            "password2": "a-long-unusual-passphrase",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newrunner")
    assert user.profile.units == "km"
    assert client.get("/").status_code == 200


def test_signup_errors_keep_what_was_typed(client):
    response = client.post(
        reverse("signup"),
        {"username": "newrunner", "email": "x@example.com", "password1": "a", "password2": "b"},
    )
    assert response.status_code == 400
    assert 'value="newrunner"' in response.content.decode()
    assert "password2" in response.context["form"].errors


def test_signup_can_be_switched_off(client, settings):
    settings.SIGNUP_ENABLED = False
    assert client.get(reverse("signup")).status_code == 404
    assert client.post(reverse("signup"), {"username": "x"}).status_code == 404
    assert b"Sign up" not in client.get(reverse("login")).content


def test_password_change(web, runner):
    assert web.get(reverse("password_change")).status_code == 200
    response = web.post(
        reverse("password_change"),
        {
            "old_password": DEFAULT_PASSWORD,
            "new_password1": "another-long-passphrase",
            "new_password2": "another-long-passphrase",
        },
    )
    assert response.status_code == 302
    runner.refresh_from_db()
    assert runner.check_password("another-long-passphrase")


def test_password_reset_sends_a_link(client, runner):
    assert client.get(reverse("password_reset")).status_code == 200
    response = client.post(reverse("password_reset"), {"email": runner.email})
    assert response.status_code == 302
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].to == [runner.email]


def test_password_reset_pages_render(client):
    assert client.get(reverse("password_reset_done")).status_code == 200
    assert client.get(reverse("password_reset_complete")).status_code == 200
    bad_link = reverse("password_reset_confirm", kwargs={"uidb64": "x", "token": "y"})
    response = client.get(bad_link)
    assert response.status_code == 200
    assert "Link no longer valid" in response.content.decode()


def test_unknown_pages_use_the_site_404(web, settings):
    settings.DEBUG = False
    response = web.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
