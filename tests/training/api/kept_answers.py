"""Helpers for the tests of answers kept in the cache (tracker.page_etags, tracker.kept_answers):
the run list's and a plan's workout list's pages, the run list's 304, and a plan's progress and
analytics."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.helpers import API
from tracker import page_etags
from tracker.throttling import cache_health

# What a client sees of an answer besides its body.
HEADERS = ("Content-Type", "ETag", "Vary", "Allow")
# The run writes through the API that every kept answer of the run list must see.
API_RUN_WRITES = ("api_patch", "api_create", "api_delete")


def get_reading(client: Any, url: str, page_sql: str, status: int = 200, **headers: Any) -> Any:
    """``client.get(url, **headers)``, checked for ``status``; ``read_page`` on the response says
    whether a statement containing ``page_sql`` ran (the page was read, or the answer computed,
    not kept), ``queries`` how many."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, **headers)
    assert response.status_code == status, response.content
    response.read_page = any(page_sql in query["sql"] for query in captured)
    response.queries = len(captured)
    return response


def fresh(client: Any, url: str, page_sql: str) -> Any:
    """The page as the database gives it now: with the cache emptied, nothing can answer."""
    cache.clear()
    response = get_reading(client, url, page_sql)
    assert response.read_page
    return response


def assert_same_answer(kept: Any, fresh_answer: Any) -> None:
    assert kept.content == fresh_answer.content
    for header in HEADERS:
        assert kept.get(header) == fresh_answer.get(header), header


def write_run_through_the_api(client: Any, run: Any, write: str) -> None:
    """One of ``API_RUN_WRITES``: change ``run``, log a new run, or delete ``run``."""
    if write == "api_patch":
        response = client.patch(f"{API}/runs/{run.pk}", {"notes": "x"}, format="json")
        assert response.status_code == 200
    elif write == "api_create":
        body = {"started_at": "2026-03-09T07:00:00Z", "distance_m": 5000, "duration_s": 1500}
        assert client.post(f"{API}/runs", body, format="json").status_code == 201
    else:
        assert write == "api_delete"
        assert client.delete(f"{API}/runs/{run.pk}").status_code == 204


class _FailingCache:
    """A cache whose every read and write raises ``error``."""

    def __init__(self, error: Exception) -> None:
        self.error = error

    def get(self, *args: Any, **kwargs: Any) -> Any:
        raise self.error

    set = get


def fail_page_cache(monkeypatch: Any, error: Exception) -> None:
    """Make tracker.page_etags' own reads and writes of the cache raise ``error`` (the token's
    round trip, tracker.token_cache, is untouched)."""
    monkeypatch.setattr(page_etags, "caches", {page_etags.CACHE_ALIAS: _FailingCache(error)})


def get_with_the_cache_down(monkeypatch: Any, get: Callable[[], Any]) -> Any:
    """``get()``'s response while tracker.page_etags' own reads and writes of the cache raise,
    after checking the fault was recorded; the cache is healthy again afterwards (a recorded
    fault makes every later request skip it for a few seconds)."""
    fail_page_cache(monkeypatch, ConnectionError("cache down"))
    try:
        response = get()
        assert cache_health.last_fault is not None
        return response
    finally:
        cache_health.reset()
