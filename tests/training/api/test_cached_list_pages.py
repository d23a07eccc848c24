"""The run list's 200 from the cache (tracker.page_etags, docs/PERFORMANCE.md section 34).

A plain-JSON GET of the run list reads the versions of the caller's visible runners first; while
they equal the ones stored beside the list's rendered body, it answers with those bytes and
never reads the page. These tests check that such an answer is the very page the database gives
now (byte for byte, with the same headers) after every way of writing runs, and that nothing but
the caller's own plain-JSON page is ever answered from an entry.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pytest
from django.db import connection
from django.db.models import QuerySet
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from knox.models import AuthToken
from rest_framework.test import APIClient

from tests.factories import PlanFactory, RunFactory, UserFactory
from tests.helpers import API
from tests.training.api.kept_answers import (
    API_RUN_WRITES,
    assert_same_answer,
    fail_page_cache,
    fresh,
    get_reading,
    get_with_the_cache_down,
    write_run_through_the_api,
)
from tracker import page_etags
from tracker.throttling import cache_health
from training import aggregates
from training.models import Run

URL = f"{API}/runs?limit=50"
RUN_PAGE = '"training_run"'


def _get(client, url: str = URL):
    return get_reading(client, url, RUN_PAGE)


def _fresh(client, url: str = URL):
    return fresh(client, url, RUN_PAGE)


def _runs(runner, count: int = 3) -> list[Run]:
    start = datetime(2026, 3, 1, 7, tzinfo=UTC)
    return [
        RunFactory(runner=runner, started_at=start + timedelta(days=n), distance_m=5000.0 + n)
        for n in range(count)
    ]


@pytest.mark.django_db
def test_a_kept_page_is_the_page_byte_for_byte(api_client, runner):
    _runs(runner)
    # Text that a JSON encoder could lay out differently: non-ASCII, the two separators DRF
    # escapes, quotes and a newline; and a distance whose float needs every digit.
    RunFactory(runner=runner, notes='Côte "raide"\u2028\u2029\nfin', distance_m=4999.999999999)
    first = _get(api_client)
    assert first.read_page
    kept = _get(api_client)
    assert not kept.read_page  # the versions only: the page was not read
    assert_same_answer(kept, first)
    assert_same_answer(kept, _fresh(api_client))
    assert b"\\u2028" in kept.content and "Côte".encode() in kept.content


@pytest.mark.django_db
@pytest.mark.parametrize(
    "write",
    [
        "api_patch",
        "api_create",
        "api_delete",
        "orm_save_of_unaggregated_fields",
        "queryset_update_of_unaggregated_field",
        "queryset_update_of_aggregated_field",
        "raw_sql_then_rebuild",
    ],
)
def test_a_kept_page_ends_with_any_write(api_client, runner, write):
    runs = _runs(runner)
    before = _get(api_client)
    assert not _get(api_client).read_page
    target = runs[0]
    if write in API_RUN_WRITES:
        write_run_through_the_api(api_client, target, write)
    elif write == "orm_save_of_unaggregated_fields":
        target.notes = "saved"
        target.save(update_fields=["notes"])
    elif write == "queryset_update_of_unaggregated_field":
        # Neither the ETag's updated_at nor any aggregate moves: only the body shows it.
        Run.objects.filter(pk=target.pk).update(notes="bulk")
    elif write == "queryset_update_of_aggregated_field":
        Run.objects.filter(pk=target.pk).update(distance_m=7777.0)
    else:
        # Writes behind the ORM's back must be followed by a rebuild (the aggregates need it
        # too, docs/PRODUCTION.md, Cached list pages and ETags): it moves the versions.
        behind_the_orm = QuerySet.update  # not RunQuerySet's, which keeps the versions
        behind_the_orm(Run.objects.filter(pk=target.pk), notes="raw")
        assert _get(api_client).content == before.content  # unseen until the rebuild
        aggregates.rebuild([runner.pk])
    after = _get(api_client)
    assert after.read_page
    assert after.content != before.content
    assert_same_answer(after, _fresh(api_client))
    assert not _get(api_client).read_page  # kept again, at the new versions


@pytest.mark.django_db
def test_a_coach_s_kept_page_follows_the_runners_in_view(coach_client, coach, runner):
    PlanFactory(runner=runner, coach=coach)
    run = RunFactory(runner=runner)
    _get(coach_client)
    assert not _get(coach_client).read_page
    Run.objects.filter(pk=run.pk).update(notes="the runner's edit")
    after = _get(coach_client)
    assert b"the runner's edit" in after.content
    assert_same_answer(after, _fresh(coach_client))
    newcomer = UserFactory()
    RunFactory(runner=newcomer, notes="written before the coach could see it")
    assert not _get(coach_client).read_page
    PlanFactory(runner=newcomer, coach=coach)
    widened = _get(coach_client)
    assert b"written before the coach could see it" in widened.content
    assert_same_answer(widened, _fresh(coach_client))


@pytest.mark.django_db
def test_a_kept_page_answers_only_its_own_caller_and_url(client_for, runner, other_runner):
    RunFactory(runner=runner, notes="mine")
    RunFactory(runner=other_runner, notes="theirs")
    mine, theirs = client_for(runner), client_for(other_runner)
    _get(mine)
    assert not _get(mine).read_page
    other = _get(theirs)
    assert other.read_page and b"theirs" in other.content and b"mine" not in other.content
    second_page = _get(mine, f"{API}/runs?limit=50&offset=1")
    assert second_page.read_page and second_page.json()["results"] == []


@pytest.mark.django_db
def test_only_plain_json_is_kept_and_answered(api_client, runner):
    RunFactory(runner=runner)
    plain = _get(api_client)
    with CaptureQueriesContext(connection) as captured:
        indented = api_client.get(URL, HTTP_ACCEPT="application/json; indent=4")
    # Rendered for this request, never the kept plain body, and the cache not even asked.
    assert indented.status_code == 200
    assert indented.content.startswith(b"{\n    ")
    assert not any('"training_runlistversion"' in query["sql"] for query in captured)
    assert indented["ETag"] == plain["ETag"]
    assert not _get(api_client).read_page  # the plain entry is still there, unharmed


@pytest.mark.django_db
def test_a_page_too_large_to_keep_is_read_each_time(api_client, runner, monkeypatch):
    _runs(runner)
    monkeypatch.setattr(page_etags, "PAGE_BODY_MAX_BYTES", 10)
    first = _get(api_client)
    again = _get(api_client)
    assert again.read_page
    assert_same_answer(again, first)
    # Its tag is still kept for conditional requests.
    tag = first["ETag"]
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert not any('"training_run"' in query["sql"] for query in captured)


@pytest.mark.django_db
def test_an_unreachable_cache_answers_from_the_page(api_client, runner, monkeypatch):
    _runs(runner)
    expected = _get(api_client)

    answered = get_with_the_cache_down(monkeypatch, lambda: _get(api_client))
    assert answered.read_page
    assert_same_answer(answered, expected)


@pytest.mark.django_db
def test_the_key_names_the_code_that_rendered_the_body(tmp_path, monkeypatch):
    """A deploy that changes any of the project's sources changes every key: a body rendered by
    the old code is never served by the new one, though the versions still hold."""
    package = tmp_path / "someapp"
    package.mkdir()
    (package / "__init__.py").write_text("")
    serializer = package / "serializers.py"
    serializer.write_text("FIELDS = ('id', 'notes')\n")
    # The module's view of the settings only: the app registry must not try to import it.
    monkeypatch.setattr(
        page_etags,
        "settings",
        SimpleNamespace(BASE_DIR=tmp_path, INSTALLED_APPS=["someapp.apps.SomeConfig", "knox"]),
    )
    compute = page_etags.code_identity.__wrapped__
    before = compute()
    assert compute() == before
    serializer.write_text("FIELDS = ('id', 'notes', 'shoe')\n")
    assert compute() != before
    monkeypatch.undo()
    monkeypatch.setattr(page_etags, "code_identity", lambda: "some other build")
    request = APIClient().get(URL).wsgi_request
    key = page_etags.entry_key_prefix(request)
    monkeypatch.setattr(page_etags, "code_identity", lambda: "the build before")
    del request._page_etag_key_prefix
    assert page_etags.entry_key_prefix(request) != key


@pytest.mark.django_db
def test_the_token_s_round_trip_brings_the_kept_page(runner, token_cache_backend, monkeypatch):
    runs = _runs(runner)
    _, token = AuthToken.objects.create(user=runner, expiry=timedelta(hours=1))
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    first = _get(client)  # the token verified in the database; the page kept

    fail_page_cache(monkeypatch, AssertionError("the list's entry was read apart from the token"))
    kept = _get(client)
    assert not kept.read_page
    assert cache_health.last_fault is None
    assert_same_answer(kept, first)
    monkeypatch.undo()
    # A conditional GET whose tag is not current brings only the entry's versions and tag with
    # the token from Redis (its likely answer is a 304): the 200 then comes from the page.
    stale = client.get(URL, HTTP_IF_NONE_MATCH='"not-the-current-tag"')
    assert stale.status_code == 200
    Run.objects.filter(pk=runs[1].pk).update(notes="moved on")
    changed = _get(client)
    assert changed.read_page and b"moved on" in changed.content
    assert_same_answer(stale, first)


@pytest.mark.django_db
def test_a_superuser_s_list_of_every_runner_is_not_kept(client_for, superuser, runner):
    RunFactory(runner=runner)
    client = client_for(superuser)
    _get(client)
    assert _get(client).read_page


@override_settings(CACHES={"default": {"BACKEND": "django.core.cache.backends.dummy.DummyCache"}})
@pytest.mark.django_db
def test_without_a_cache_every_answer_is_read(api_client, runner):
    _runs(runner)
    first = _get(api_client)
    again = _get(api_client)
    assert again.read_page
    assert_same_answer(again, first)


@override_settings(KEEP_LIST_PAGES=False)
@pytest.mark.django_db
def test_with_pages_not_kept_every_200_is_read_and_304s_still_come_from_the_cache(
    api_client, runner
):
    _runs(runner)
    first = _get(api_client)
    again = _get(api_client)
    assert again.read_page
    assert_same_answer(again, first)
    tag = first["ETag"]
    assert api_client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 304
    with CaptureQueriesContext(connection) as captured:
        assert api_client.get(URL, HTTP_IF_NONE_MATCH=tag).status_code == 304
    assert not any('"training_run"' in query["sql"] for query in captured)
