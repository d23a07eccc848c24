"""Auth hardening checks that no other test already proves (issue 9). Already proven elsewhere,
and not repeated: tokens stored hashed and expiring (tests/accounts/test_api_tokens.py
``test_token_for_good_credentials``, ``test_bad_or_expired_token_is_401``), logout revoking
(``test_logout_revokes_only_that_token``, ``test_logout_all_…``), the token endpoint and the login
form rate limited (``test_too_many_attempts_is_429_with_retry_after``,
tests/accounts/test_login_limits.py, tests/dashboard/test_auth_pages.py), the admin staff-only
(tests/reliability/test_authorization_matrix.py), no secret in a log line, the calendar feed
token included (tests/production/test_logging.py).
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse

BASE_DIR = Path(__file__).resolve().parents[2]


def production_settings(*names: str) -> dict:
    """Settings as a production process reads them: DEBUG off, only the required variables."""
    code = (
        "import json, django; from django.conf import settings; django.setup(); "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    env = {
        "PATH": os.environ.get("PATH", ""),
        "DJANGO_SETTINGS_MODULE": "tracker.settings",
        "SECRET_KEY": "production-like-secret-key-" + "s" * 40,
        "LOG_DIR": str(BASE_DIR / "var" / "auth-hardening-logs"),
    }
    done = subprocess.run(
        [sys.executable, "-c", code], cwd=BASE_DIR, env=env, capture_output=True, text=True,
        timeout=60, check=True,
    )  # fmt: skip
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_production_cookies_are_secure_httponly_and_samesite():
    values = production_settings(
        "DEBUG",
        "SESSION_COOKIE_SECURE",
        "SESSION_COOKIE_HTTPONLY",
        "SESSION_COOKIE_SAMESITE",
        "CSRF_COOKIE_SECURE",
        "SECURE_SSL_REDIRECT",
        "SECURE_HSTS_SECONDS",
        "AUTH_PASSWORD_VALIDATORS",
    )
    assert values["DEBUG"] is False
    assert values["SESSION_COOKIE_SECURE"] is True
    assert values["SESSION_COOKIE_HTTPONLY"] is True
    assert values["SESSION_COOKIE_SAMESITE"] in {"Lax", "Strict"}
    assert values["CSRF_COOKIE_SECURE"] is True
    assert values["SECURE_SSL_REDIRECT"] is True
    assert values["SECURE_HSTS_SECONDS"] >= 31_536_000
    names = {
        validator["NAME"].rsplit(".", 1)[-1] for validator in values["AUTH_PASSWORD_VALIDATORS"]
    }
    assert names >= {
        "UserAttributeSimilarityValidator",
        "MinimumLengthValidator",
        "CommonPasswordValidator",
        "NumericPasswordValidator",
    }


@pytest.mark.django_db
def test_the_session_cookie_a_login_sets_carries_the_flags(client, runner, settings):
    settings.SESSION_COOKIE_SECURE = True  # as in production (above); tests run over http
    response = client.post(
        reverse("login"),
        {"username": runner.username, "password": "correct-horse-battery-staple"},
        secure=True,
    )
    assert response.status_code == 302
    cookie = response.cookies[settings.SESSION_COOKIE_NAME]
    assert cookie["secure"] and cookie["httponly"]
    assert cookie["samesite"] == "Lax"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "password",
    ["short1", "password123", "12345678901234", "weakling-runner"],
    ids=["too short", "common", "numeric", "like the username"],
)
def test_weak_passwords_are_refused_at_signup(client, password):
    response = client.post(
        reverse("signup"),
        {
            "username": "weakling-runner",
            "email": "weak@example.com",
            "password1": password,
            "password2": password,
        },
    )
    assert response.status_code == 400  # the form again, with the error
    assert b"password" in response.content.lower()
    assert not get_user_model().objects.filter(username="weakling-runner").exists()
