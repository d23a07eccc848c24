"""Shared fixtures for the whole suite: users in each role, API clients, and service guards.

Tests that need a real service (PostgreSQL, Redis) or Debian's Chromium skip with a reason on a
bare machine, but under ``CI=true`` a missing one fails the run, so CI can never pass by skipping.
"""

from __future__ import annotations

import os
import shutil

import pytest
from django.test import Client
from rest_framework.test import APIClient

from tests.factories import CoachFactory, UserFactory
from tests.helpers import CHROMIUM_ARGS, CHROMIUM_PATH, port_open, skip_or_fail

# Playwright's sync API runs an event loop in the test thread; Django's async-safety guard would
# otherwise refuse the ORM calls that fixtures make in the same thread.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def redis_url() -> str:
    """A Redis database for tests that need the real shared cache."""
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
    if not port_open("127.0.0.1", 6379):
        skip_or_fail("Redis is not running on 127.0.0.1:6379")
    return url


@pytest.fixture(autouse=True)
def _empty_cache():
    """Every test starts and ends with an empty cache: login limits count there, and a list page
    or token entry kept for an earlier test's user must not answer for this one's (SQLite hands
    out the primary keys of rolled-back rows again)."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def clean_token_cache():
    """An empty cache, healthy, and knox's sweep clock reset, before and after the test: for
    tests of the verified-token cache (tracker/authentication.py)."""
    from django.core.cache import cache

    from tracker.authentication import TokenAuthentication
    from tracker.throttling import cache_health

    cache.clear()
    cache_health.reset()
    TokenAuthentication._last_sweep.clear()
    yield
    cache.clear()
    cache_health.reset()


@pytest.fixture
def runner(db):
    return UserFactory(username="runner_a")


@pytest.fixture
def other_runner(db):
    return UserFactory(username="runner_b")


@pytest.fixture
def coach(db):
    return CoachFactory(username="coach_a")


@pytest.fixture
def other_coach(db):
    return CoachFactory(username="coach_b")


@pytest.fixture
def superuser(db):
    return UserFactory(username="root", is_staff=True, is_superuser=True)


@pytest.fixture
def anon_client() -> APIClient:
    return APIClient()


def _client_for(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user=user)
    return client


@pytest.fixture
def api_client(runner) -> APIClient:
    """An API client authenticated as ``runner``."""
    return _client_for(runner)


@pytest.fixture
def other_api_client(other_runner) -> APIClient:
    return _client_for(other_runner)


@pytest.fixture
def coach_client(coach) -> APIClient:
    return _client_for(coach)


@pytest.fixture
def client_for():
    """Build an authenticated API client for any user: ``client_for(user)``."""
    return _client_for


@pytest.fixture
def web(runner) -> Client:
    client = Client()
    client.force_login(runner)
    return client


@pytest.fixture
def other_web(other_runner) -> Client:
    client = Client()
    client.force_login(other_runner)
    return client


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright; never lets Playwright download a browser."""
    if not os.path.exists(CHROMIUM_PATH) and not shutil.which("chromium"):
        skip_or_fail(f"Chromium is not installed at {CHROMIUM_PATH} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        skip_or_fail("Playwright for Python is not installed")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM_PATH, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    # Generous: a 2-core CI machine running the suite can take seconds to parse the docs bundles.
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def import_archive_dir(settings, tmp_path):
    """Whole-history imports store their archives under the test's own folder."""
    folder = tmp_path / "imports"
    settings.IMPORT_ARCHIVE_DIR = folder
    return folder
