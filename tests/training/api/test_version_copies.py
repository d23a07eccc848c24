"""Copies of the run list's versions in the cache (tracker.version_mirror, docs/PERFORMANCE.md
section 37): a token request's conditional GET of the run list compares them instead of reading
the database. A copy that stood for a version the database has moved past would answer 304 to a
client whose list is out of date, so these tests check each rule that prevents it, on both cache
backends (local memory, and Redis with its Lua scripts).

Tests run inside a transaction that never commits, so a write's settling step (an
``on_commit`` callback) runs only where a test runs it: ``django_capture_on_commit_callbacks``.
"""

from __future__ import annotations

import time
from contextlib import suppress
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends.redis import RedisCache
from django.db import connection, transaction
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PlanFactory, RunFactory
from tests.helpers import API
from tests.training.api.kept_answers import API_RUN_WRITES, write_run_through_the_api
from tracker import token_cache, version_mirror
from tracker.throttling import cache_health, redis_client
from training import aggregates
from training.models import Run
from training.selectors import run_list_versions

URL = f"{API}/runs?limit=50"
NAME = "test-version:"


def _token_client(user) -> APIClient:
    _, token = AuthToken.objects.create(user=user, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client


def _page_tag(client) -> str:
    """The list's tag as the page gives it (an indented rendering is never answered from the
    cache, so this GET reads the page)."""
    response = client.get(URL, HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    return response["ETag"]


def _conditional(client, tag: str):
    """The conditional GET's response, with ``queries``: the statements it ran."""
    with CaptureQueriesContext(connection) as captured:
        response = client.get(URL, headers={"If-None-Match": tag})
    response.queries = [query["sql"] for query in captured.captured_queries]
    return response


def _held(name: str, object_id: int) -> str | None:
    """What the cache holds under ``name`` and ``object_id``, as the mirror wrote it."""
    cache = caches[version_mirror.CACHE_ALIAS]
    key = f"{name}{object_id}"
    if isinstance(cache, RedisCache):
        raw = redis_client(cache).get(cache.make_and_validate_key(key))
        return raw.decode() if raw is not None else None
    return cache.get(key)


def _write(capture, versions: dict) -> list:
    """A write of ``versions`` whose commit is still to come: its settling callback."""
    with capture() as commit, version_mirror.changing(NAME, versions):
        pass
    assert len(commit) == 1
    return commit


def _marked(name: str, object_id: int) -> str:
    held = _held(name, object_id)
    assert held is not None and held.startswith(version_mirror.MARK_PREFIX), held
    return held


# --- The rules, one at a time ------------------------------------------------------------------


@pytest.mark.django_db
def test_a_write_marks_first_and_its_commit_leaves_the_version(
    token_cache_backend, django_capture_on_commit_callbacks
):
    with (
        django_capture_on_commit_callbacks() as commit,
        version_mirror.changing(NAME, {7: 41, 8: None}),
    ):
        _marked(NAME, 7)  # marked before the statement inside runs
        _marked(NAME, 8)
    assert len(commit) == 1
    _marked(NAME, 7)  # not settled before the commit
    commit[0]()
    assert _held(NAME, 7) == "=41"
    assert _held(NAME, 8) == "="  # no version yet: the database's empty text


@pytest.mark.django_db
def test_a_commit_settles_only_its_own_mark(
    token_cache_backend, django_capture_on_commit_callbacks
):
    first = _write(django_capture_on_commit_callbacks, {7: 1})
    second = _write(django_capture_on_commit_callbacks, {7: 2})
    second_mark = _marked(NAME, 7)
    first[0]()  # the first write's commit comes after the second one marked: left alone
    assert _held(NAME, 7) == second_mark
    second[0]()
    assert _held(NAME, 7) == "=2"
    # A late settle over a copy (its mark expired during a very long transaction and a reader
    # filled the key in): the copy may be older than that commit, so it goes.
    first[0]()
    assert _held(NAME, 7) is None


@pytest.mark.django_db
def test_a_failed_statement_or_a_rollback_settles_nothing(
    token_cache_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as committed:
        with suppress(RuntimeError), version_mirror.changing(NAME, {7: 1}):
            raise RuntimeError("the statement failed")
        with suppress(RuntimeError), transaction.atomic():
            with version_mirror.changing(NAME, {8: 1}):
                pass
            raise RuntimeError("rolled back after the statement")
    assert committed == []
    # The marks stay until they expire: readers read the database meanwhile.
    _marked(NAME, 7)
    _marked(NAME, 8)


@pytest.mark.django_db
def test_a_reader_fills_in_only_an_absent_key_and_only_soon_after_its_read(
    token_cache_backend, django_capture_on_commit_callbacks
):
    token_request = SimpleNamespace(prefetched_versions={})
    commit = _write(django_capture_on_commit_callbacks, {7: 1})
    mark = _marked(NAME, 7)
    # A reader that read the old version before the write: never over the mark...
    version_mirror.fill_in(token_request, NAME, {7: "0"}, time.monotonic())
    assert _held(NAME, 7) == mark
    commit[0]()
    # ...nor over the copy the commit left.
    version_mirror.fill_in(token_request, NAME, {7: "0"}, time.monotonic())
    assert _held(NAME, 7) == "=1"

    caches[version_mirror.CACHE_ALIAS].clear()
    late = time.monotonic() - version_mirror.FILL_WINDOW_S - 0.5
    version_mirror.fill_in(token_request, NAME, {7: "0"}, late)
    assert _held(NAME, 7) is None
    # A request whose token was not read with the copies (a session's) writes none either.
    version_mirror.fill_in(SimpleNamespace(), NAME, {7: "0"}, time.monotonic())
    assert _held(NAME, 7) is None
    # A key the token's round trip saw marked is not the reader's to fill in.
    version_mirror.fill_in(
        SimpleNamespace(prefetched_versions={7: "~other"}), NAME, {7: "0"}, time.monotonic()
    )
    assert _held(NAME, 7) is None
    version_mirror.fill_in(token_request, NAME, {7: "0"}, time.monotonic())
    assert _held(NAME, 7) == "=0"


def test_copies_stand_for_versions_only_when_every_one_is_a_copy():
    read = version_mirror.copies_read
    assert read(SimpleNamespace(prefetched_versions={7: "=41", 8: "="}), [7, 8]) == {
        7: "41",
        8: "",
    }
    assert read(SimpleNamespace(prefetched_versions={7: "=41", 8: "~ab"}), [7, 8]) is None
    assert read(SimpleNamespace(prefetched_versions={7: "=41", 8: None}), [7, 8]) is None
    assert read(SimpleNamespace(prefetched_versions={7: "=41"}), [7, 8]) is None
    assert read(SimpleNamespace(prefetched_versions={}), [7]) is None
    assert read(SimpleNamespace(), [7]) is None


@pytest.mark.django_db
def test_redis_copies_and_marks_expire(redis_token_cache, django_capture_on_commit_callbacks):
    cache = caches[version_mirror.CACHE_ALIAS]
    client = redis_client(cache)
    key = cache.make_and_validate_key(f"{NAME}7")
    commit = _write(django_capture_on_commit_callbacks, {7: 1})
    assert (
        version_mirror.MARK_TTL_S * 1000 - 5_000
        < client.pttl(key)
        <= (version_mirror.MARK_TTL_S * 1000)
    )
    commit[0]()
    # The copy's short life bounds how long a copy a writer could not mark stays stale.
    assert 0 < client.pttl(key) <= version_mirror.COPY_TTL_S * 1000
    client.delete(key)
    version_mirror.fill_in(
        SimpleNamespace(prefetched_versions={}), NAME, {7: "3"}, time.monotonic()
    )
    assert 0 < client.pttl(key) <= version_mirror.COPY_TTL_S * 1000


# --- Through the API ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_a_token_304_reads_nothing_once_the_copies_are_in(
    runner, token_cache_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        RunFactory(runner=runner)
    client = _token_client(runner)
    tag = _page_tag(client)
    first = _conditional(client, tag)  # computes and stores the tag; the write left a copy
    assert first.status_code == 304
    assert any("training_runlistversion" in sql for sql in first.queries)
    response = _conditional(client, tag)
    assert response.status_code == 304
    assert response["ETag"] == tag
    assert response.queries == []


@pytest.mark.django_db
def test_absent_copies_are_filled_in_by_the_first_reader(runner, token_cache_backend):
    client = _token_client(runner)  # a runner nobody wrote for: no version row at all
    tag = _page_tag(client)
    assert _conditional(client, tag).status_code == 304
    assert _held(version_mirror.RUN_LIST_VERSIONS, runner.pk) == "="
    response = _conditional(client, tag)
    assert response.status_code == 304
    assert response.queries == []
    assert run_list_versions([runner.pk]) == f"{runner.pk}:"  # what the copy stood for


@pytest.mark.django_db
def test_a_marked_copy_sends_the_304_to_the_database(
    runner, token_cache_backend, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks() as commit:
        RunFactory(runner=runner)  # written, not yet settled
    client = _token_client(runner)
    tag = _page_tag(client)
    for _ in range(2):
        response = _conditional(client, tag)
        assert response.status_code == 304
        assert any("training_runlistversion" in sql for sql in response.queries)
    for callback in commit:
        callback()
    assert _conditional(client, tag).queries == []


@pytest.mark.django_db
@pytest.mark.parametrize("settled", [True, False], ids=["settled", "not yet settled"])
@pytest.mark.parametrize("write", [*API_RUN_WRITES, "queryset_update", "raw_sql_then_rebuild"])
def test_every_write_ends_a_304_from_the_copies(
    runner, token_cache_backend, django_capture_on_commit_callbacks, write, settled
):
    with django_capture_on_commit_callbacks(execute=True):
        runs = [
            RunFactory(
                runner=runner, started_at=datetime(2026, 3, 1, 7, tzinfo=UTC) + timedelta(days=n)
            )
            for n in range(3)
        ]
    client = _token_client(runner)
    tag = _page_tag(client)
    assert _conditional(client, tag).status_code == 304
    assert _conditional(client, tag).queries == []  # from the copies
    with django_capture_on_commit_callbacks(execute=settled):
        if write in API_RUN_WRITES:
            write_run_through_the_api(client, runs[0], write)
        elif write == "queryset_update":
            Run.objects.filter(pk=runs[0].pk).update(updated_at=datetime(2027, 1, 1, tzinfo=UTC))
        else:
            behind_the_orm = QuerySet.update  # not RunQuerySet's, which keeps the versions
            behind_the_orm(
                Run.objects.filter(pk=runs[0].pk), updated_at=datetime(2027, 1, 1, tzinfo=UTC)
            )
            aggregates.rebuild([runner.pk])
    after = _conditional(client, tag)
    assert after.status_code == 200
    assert after["ETag"] != tag
    assert after["ETag"] == _page_tag(client)
    again = _conditional(client, after["ETag"])
    assert again.status_code == 304
    if settled:  # the commit left the new version's copy: no database at all
        assert again.queries == []


@pytest.mark.django_db
def test_a_coach_s_304_from_the_copies_ends_with_a_coached_runner_s_write(
    coach, runner, other_runner, token_cache_backend, django_capture_on_commit_callbacks
):
    PlanFactory(runner=runner, coach=coach)
    PlanFactory(runner=other_runner, coach=coach)
    with django_capture_on_commit_callbacks(execute=True):
        RunFactory(runner=runner)
        RunFactory(runner=other_runner)
    client = _token_client(coach)
    tag = _page_tag(client)
    assert _conditional(client, tag).status_code == 304
    assert _conditional(client, tag).queries == []
    with django_capture_on_commit_callbacks(execute=True):
        RunFactory(runner=other_runner)
    after = _conditional(client, tag)
    assert after.status_code == 200
    assert after["ETag"] == _page_tag(client)


@pytest.mark.django_db
def test_a_write_that_cannot_mark_still_succeeds(runner, token_cache_backend, monkeypatch):
    class Unreachable:
        def __getattr__(self, name):
            raise ConnectionError("cache down")

    client = _token_client(runner)
    _page_tag(client)  # the token's entry, before the cache goes
    monkeypatch.setattr(version_mirror, "caches", {version_mirror.CACHE_ALIAS: Unreachable()})
    try:
        body = {"started_at": "2026-03-09T07:00:00Z", "distance_m": 5000, "duration_s": 1500}
        response = client.post(f"{API}/runs", body, format="json")
        assert response.status_code == 201
        assert "cache down" in (cache_health.last_fault or "")
    finally:
        cache_health.reset()
    assert Run.objects.filter(runner=runner).count() == 1


@pytest.mark.django_db
@pytest.mark.parametrize("runners", [1, 600], ids=["short head", "head past 4 kB"])
def test_the_token_script_reads_a_conditional_list_s_head_only(redis_token_cache, runners):
    """A conditional GET needs the entry's versions and tag, not the kept body: the script
    reads its first 4 kB, and the whole entry only when the head is longer (a coach of many
    runners). The copies come for every runner the head names."""
    cache = caches[version_mirror.CACHE_ALIAS]
    client = redis_client(cache)
    token_key = cache.make_and_validate_key("token-entry")
    client.set(token_key, "42|facts")
    versions = ",".join(f"{1000 + index}:{index}" for index in range(runners))
    page_prefix = cache.make_and_validate_key("page-entry:")
    copies_prefix = version_mirror.key_prefix(cache, NAME)
    client.set(f"{page_prefix}42", f'{versions}\n"tag"\n{{"results": []}}'.encode())
    client.set(f"{copies_prefix}1000", "=0")
    script = token_cache._script(cache)

    def run(wants_body: str) -> tuple[bytes, list]:
        _, _, page, copies = script(
            keys=[token_key], args=["", "", 0, page_prefix, wants_body, copies_prefix]
        )
        return page, copies

    head, copies = run("")
    assert head.decode() == f'{versions}\n"tag"'
    assert copies[:2] == [b"1000", b"=0"]
    assert len(copies) == 2 * runners
    whole, _ = run("1")
    assert whole.endswith(b'"tag"\n{"results": []}')
    client.set(f"{page_prefix}42", f'{versions}\n"tag"'.encode())  # a tag kept without a body
    assert run("")[0].decode() == f'{versions}\n"tag"'
    client.delete(f"{page_prefix}42")
    assert run("") == (b"", [])


@pytest.mark.django_db
def test_a_mark_is_tried_even_while_the_process_skips_the_cache(
    token_cache_backend, django_capture_on_commit_callbacks
):
    """After a fault a process leaves the cache alone for a few seconds. A write's mark is sent
    anyway (a mark missed is the one way a copy goes stale), and reaching the cache ends the
    back-off; a settle or a fill-in during one is skipped (a mark left standing is safe)."""
    try:
        cache_health.record_fault(ConnectionError("a moment ago"))
        commit = _write(django_capture_on_commit_callbacks, {7: 1})
        mark = _marked(NAME, 7)
        assert not cache_health.cache_skipped()
        cache_health.record_fault(ConnectionError("again"))
        commit[0]()
        assert _held(NAME, 7) == mark
        version_mirror.fill_in(
            SimpleNamespace(prefetched_versions={}), NAME, {8: "0"}, time.monotonic()
        )
        assert _held(NAME, 8) is None
    finally:
        cache_health.reset()
