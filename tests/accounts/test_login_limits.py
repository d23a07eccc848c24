import pytest
from django.core.cache import cache
from django.test import RequestFactory

from accounts.login_limits import login_attempts_exceeded


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()
    yield
    cache.clear()


def _request(ip: str):
    return RequestFactory().post("/api/v1/auth/token", REMOTE_ADDR=ip)


def test_the_eleventh_attempt_from_one_ip_within_a_minute_is_limited():
    results = [login_attempts_exceeded(_request("10.0.0.1"), f"user{i}") for i in range(11)]
    assert results[:10] == [None] * 10
    assert isinstance(results[10], int) and 1 <= results[10] <= 60


def test_one_username_is_limited_across_many_ips():
    results = [login_attempts_exceeded(_request(f"10.0.1.{i}"), "Demo") for i in range(11)]
    assert results[:10] == [None] * 10
    assert results[10] is not None
    # The username budget is case-insensitive: "demo" shares it.
    assert login_attempts_exceeded(_request("10.0.2.1"), "demo") is not None


def test_other_ips_and_usernames_keep_their_own_budget():
    for i in range(11):
        login_attempts_exceeded(_request("10.0.0.9"), f"x{i}")
    assert login_attempts_exceeded(_request("10.0.0.10"), "someone-else") is None
