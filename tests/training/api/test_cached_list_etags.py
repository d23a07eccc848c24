"""The run list's 304 from the cache (tracker.page_etags, docs/PERFORMANCE.md section 33).

A conditional GET of the run list compares the versions of the caller's visible runners
(``RunListVersion``, moved by every run write with the aggregates) with the ones stored beside
the list's ETag, and answers from the cache while they hold. These tests write runs by every
path the application has, and check that the cached answer is always the tag the page gives: a
stale 304 would tell a client its copy is current when it is not.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PlanFactory, RunFactory, UserFactory
from tests.helpers import API
from tests.training.api.kept_answers import (
    API_RUN_WRITES,
    fail_page_cache,
    write_run_through_the_api,
)
from tracker import page_etags
from tracker.throttling import cache_health
from training import aggregates
from training.models import Plan, Run
from training.selectors import run_list_versions

URL = f"{API}/runs?limit=50"


def _page_tag(client) -> str:
    """The list's tag as the page gives it: an indented rendering is never kept in the cache, so
    this GET reads neither the versions nor an entry (plain JSON would be answered from one)."""
    response = client.get(URL, HTTP_ACCEPT="application/json; indent=2")
    assert response.status_code == 200
    return response["ETag"]


def _conditional(client, tag: str):
    return client.get(URL, headers={"If-None-Match": tag})


@pytest.mark.django_db
def test_every_way_of_writing_runs_moves_the_runner_s_version(runner, other_runner):
    seen = [run_list_versions([runner.pk])]
    other_before = run_list_versions([other_runner.pk])

    def moved() -> None:
        now = run_list_versions([runner.pk])
        assert now not in seen
        seen.append(now)

    run = RunFactory(runner=runner)  # Run.save, adding
    moved()
    run.notes = "edited"
    run.save()
    moved()
    # QuerySet.update of a field the aggregates do not read skips their refresh: only the
    # runner's lock and version are taken (aggregates.runs_written).
    Run.objects.filter(pk=run.pk).update(notes="bulk")
    moved()
    built = RunFactory.build(runner=runner)
    built.local_date = built.compute_local_date()  # bulk_create skips Run.save, which sets it
    Run.objects.bulk_create([built])
    moved()
    run.save(update_fields=["notes", "updated_at"])  # leaves the aggregates valid
    moved()
    aggregates.rebuild([runner.pk])  # after writes that bypass the ORM
    moved()
    Run.objects.filter(pk=run.pk).delete()
    moved()
    # An empty statement touches nobody.
    Run.objects.filter(pk=run.pk).update(notes="gone")
    assert run_list_versions([runner.pk]) == seen[-1]
    assert run_list_versions([other_runner.pk]) == other_before


@pytest.mark.django_db
def test_versions_name_every_runner_asked_for_in_order(runner, other_runner):
    RunFactory(runner=other_runner)
    versions = run_list_versions([runner.pk, other_runner.pk])
    first, second = versions.split(",")
    # A runner no write has touched yet still has a place, so a new runner in view changes it.
    assert first == f"{runner.pk}:"
    assert second.startswith(f"{other_runner.pk}:") and second != f"{other_runner.pk}:"


@pytest.mark.django_db
def test_a_304_from_the_cache_reads_no_run(api_client, runner):
    for _ in range(5):
        RunFactory(runner=runner)
    tag = _page_tag(api_client)
    with CaptureQueriesContext(connection) as first:
        assert _conditional(api_client, tag).status_code == 304  # computes and stores
    with CaptureQueriesContext(connection) as cached:
        response = _conditional(api_client, tag)
    assert response.status_code == 304
    assert response["ETag"] == tag
    assert any("training_run" in query["sql"] for query in first.captured_queries)
    assert not any('"training_run"' in query["sql"] for query in cached.captured_queries)
    assert len(cached) < len(first)


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        "api_patch",
        "api_create",
        "api_delete",
        "queryset_update",
        "raw_sql_then_rebuild",
    ],
)
def test_a_cached_304_ends_with_any_write(api_client, runner, write):
    runs = [
        RunFactory(
            runner=runner, started_at=datetime(2026, 3, 1, 7, tzinfo=UTC) + timedelta(days=n)
        )
        for n in range(3)
    ]
    tag = _page_tag(api_client)
    assert _conditional(api_client, tag).status_code == 304
    assert _conditional(api_client, tag).status_code == 304  # now from the cache
    target = runs[0]
    if write in API_RUN_WRITES:
        write_run_through_the_api(api_client, target, write)
    elif write == "queryset_update":
        Run.objects.filter(pk=target.pk).update(updated_at=datetime(2027, 1, 1, tzinfo=UTC))
    else:
        # Writes behind the ORM's back must be followed by a rebuild (the aggregates need it
        # too, docs/ARCHITECTURE.md): it moves the versions.
        behind_the_orm = QuerySet.update  # not RunQuerySet's, which keeps the versions
        behind_the_orm(
            Run.objects.filter(pk=target.pk), updated_at=datetime(2027, 1, 1, tzinfo=UTC)
        )
        assert _conditional(api_client, tag).status_code == 304  # unseen until the rebuild
        aggregates.rebuild([runner.pk])
    after = _conditional(api_client, tag)
    assert after.status_code == 200
    assert after["ETag"] != tag
    # The tag the conditional GET answered is the page's own.
    assert after["ETag"] == _page_tag(api_client)
    assert _conditional(api_client, after["ETag"]).status_code == 304


@pytest.mark.django_db
def test_a_coach_s_cached_304_ends_with_a_coached_runner_s_write(coach_client, coach, runner):
    PlanFactory(runner=runner, coach=coach)
    run = RunFactory(runner=runner)
    tag = _page_tag(coach_client)
    assert _conditional(coach_client, tag).status_code == 304
    assert _conditional(coach_client, tag).status_code == 304
    # The tag names (id, updated_at) of each row: a change that keeps updated_at (a bulk
    # update of the distance) keeps the page's tag, so the cache must keep answering 304.
    Run.objects.filter(pk=run.pk).update(distance_m=run.distance_m + 1)
    assert _conditional(coach_client, tag).status_code == 304
    assert _page_tag(coach_client) == tag
    Run.objects.filter(pk=run.pk).update(updated_at=datetime(2027, 1, 1, tzinfo=UTC))
    after = _conditional(coach_client, tag)
    assert after.status_code == 200
    assert after["ETag"] == _page_tag(coach_client)


@pytest.mark.django_db
def test_a_coach_s_cached_304_ends_when_a_runner_comes_into_view(coach_client, coach):
    newcomer = UserFactory()
    RunFactory(runner=newcomer)  # runs written before the coach could see them
    tag = _page_tag(coach_client)
    assert _conditional(coach_client, tag).status_code == 304
    assert _conditional(coach_client, tag).status_code == 304
    PlanFactory(runner=newcomer, coach=coach)
    after = _conditional(coach_client, tag)
    assert after.status_code == 200
    assert after["ETag"] == _page_tag(coach_client)


@pytest.mark.django_db
def test_an_entry_serves_only_at_the_versions_it_was_stored_with():
    page_etags.remember_page("page-etag:test", "7:41", '"abc"')
    assert page_etags.cached_page("page-etag:test", "7:41") == ('"abc"', None)
    assert page_etags.cached_page("page-etag:test", "7:42") is None
    assert page_etags.cached_page("page-etag:test", "7:41,8:") is None
    assert page_etags.cached_page("page-etag:other", "7:41") is None
    page_etags.remember_page("page-etag:test", "7:41", '"abc"', b'{"a":"b\nc"}')
    assert page_etags.cached_page("page-etag:test", "7:41") == ('"abc"', b'{"a":"b\nc"}')


@pytest.mark.django_db
def test_an_unreachable_cache_answers_from_the_page(api_client, runner, monkeypatch):
    RunFactory(runner=runner)
    tag = _page_tag(api_client)

    fail_page_cache(monkeypatch, ConnectionError("cache down"))
    try:
        response = _conditional(api_client, tag)
        assert response.status_code == 304
        assert cache_health.last_fault is not None
        cache_health.reset()
        RunFactory(runner=runner)
        changed = _conditional(api_client, tag)
        assert changed.status_code == 200
    finally:
        cache_health.reset()
    assert changed["ETag"] == _page_tag(api_client)


@pytest.mark.django_db
def test_a_filtered_list_is_not_cached(api_client, runner, monkeypatch):
    stored = []
    monkeypatch.setattr(page_etags, "remember_page", lambda *args: stored.append(args))
    RunFactory(runner=runner, source=Run.Source.MANUAL)
    url = f"{URL}&source=manual"
    tag = api_client.get(url)["ETag"]
    assert api_client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert stored == []
    # The unfiltered list of the same runner is.
    assert _conditional(api_client, _page_tag(api_client)).status_code == 304
    assert len(stored) == 1


@pytest.mark.django_db
def test_a_plan_s_run_list_answers_404_once_the_plan_is_out_of_view(coach_client, coach, runner):
    # The coach still coaches the runner through another plan, and no run is written: the
    # versions of the runners in view stay, so only a list that checks its plan answers 404.
    plan = PlanFactory(runner=runner, coach=coach)
    PlanFactory(runner=runner, coach=coach)
    RunFactory(runner=runner, plan=plan)
    url = f"{API}/plans/{plan.pk}/runs?limit=50"
    tag = coach_client.get(url)["ETag"]
    assert coach_client.get(url, headers={"If-None-Match": tag}).status_code == 304
    assert coach_client.get(url, headers={"If-None-Match": tag}).status_code == 304
    Plan.objects.filter(pk=plan.pk).update(coach=None)
    assert coach_client.get(url, headers={"If-None-Match": tag}).status_code == 404


@pytest.mark.django_db
def test_a_token_request_reads_the_list_s_entry_with_its_token(
    runner, token_cache_backend, monkeypatch
):
    RunFactory(runner=runner)
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    tag = _page_tag(client)  # the token verified in the database, its entry stored
    assert _conditional(client, tag).status_code == 304  # the list's tag computed and stored

    # From now on the entry comes in the token's round trip (tracker.token_cache): the cached
    # list ETag module never reads the cache itself.
    fail_page_cache(monkeypatch, AssertionError("the list's entry was read apart from the token"))
    with CaptureQueriesContext(connection) as captured:
        response = _conditional(client, tag)
    assert response.status_code == 304
    assert response["ETag"] == tag
    assert cache_health.last_fault is None
    assert not any('"training_run"' in query["sql"] for query in captured.captured_queries)
    monkeypatch.undo()
    RunFactory(runner=runner)  # moves the versions: the entry read with the token is stale
    changed = _conditional(client, tag)
    assert changed.status_code == 200
    assert changed["ETag"] == _page_tag(client)
