"""The analytics summary from the cache (tracker.kept_answers, docs/PERFORMANCE.md section 35).

Its version (``analytics.selectors.runner_summary_version``) is the runner's run-list version,
which every write of their runs, days' loads or efforts moves, with the profile facts the
summary reads (time zone, heart rates, sex) and the runner's today. These tests change each of
those the ways a client or the application can, and check that the answer is then the one the
database gives now. Both databases: the version reads no PostgreSQL stamp.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.test import override_settings

from analytics import selectors
from tests.factories import RunFactory
from tests.helpers import API
from tests.training.api.kept_answers import (
    API_RUN_WRITES,
    assert_same_answer,
    fresh,
    get_reading,
    get_with_the_cache_down,
    write_run_through_the_api,
)
from tests.training.test_best_efforts import steady_track
from training import services
from training.models import RunnerProfile

pytestmark = pytest.mark.django_db
URL = f"{API}/analytics/summary"
# Only a computed summary reads the runner's weeks.
WEEKS_SQL = "training_runnerweek"


def _get(client, url: str = URL, status: int = 200, **headers):
    return get_reading(client, url, WEEKS_SQL, status, **headers)


@pytest.fixture
def runs(runner):
    """A few weeks of runs, the last one today, so every part of the summary has numbers."""
    now = datetime.now(UTC).replace(hour=6, minute=0, second=0, microsecond=0)
    return [
        RunFactory(
            runner=runner,
            started_at=now - timedelta(days=3 * i),
            distance_m=5_000 + 1_000 * i,
            duration_s=1_500 + 330 * i,
        )
        for i in range(6)
    ]


def test_a_kept_summary_is_the_summary_and_reads_one_statement(api_client, runs):
    first = _get(api_client)
    assert first.read_page
    kept = _get(api_client)
    assert not kept.read_page
    assert kept.queries == 1  # the profile facts with the runs' version, nothing else
    assert_same_answer(kept, first)
    assert_same_answer(kept, fresh(api_client, URL, WEEKS_SQL))
    # The fixture's runs, by hand: 5 + 6 + 7 + 8 + 9 + 10 km.
    assert kept.json()["totals"]["distance_m"] == 45_000


@pytest.mark.parametrize("write", API_RUN_WRITES)
def test_a_kept_summary_ends_with_any_run_write(api_client, runs, write):
    before = _get(api_client)
    assert not _get(api_client).read_page
    write_run_through_the_api(api_client, runs[0], write)
    after = _get(api_client)
    assert after.read_page  # the patch changes notes only: recomputed, the same numbers
    if write != "api_patch":
        assert after.content != before.content
    assert_same_answer(after, fresh(api_client, URL, WEEKS_SQL))
    assert not _get(api_client).read_page  # kept again, at the new version


def test_a_kept_summary_ends_with_a_track_s_new_best_efforts(api_client, runs):
    before = _get(api_client)
    assert not _get(api_client).read_page
    # A 10 km run's track at 3:00/km: faster efforts than the run's average stands in for.
    services.run_track_set(run=runs[5], samples=steady_track(10_000, 0.18))
    after = _get(api_client)
    assert after.read_page
    assert after.json()["personal_bests"] != before.json()["personal_bests"]
    assert_same_answer(after, fresh(api_client, URL, WEEKS_SQL))


@pytest.mark.parametrize(
    "change", [{"max_hr": 200, "resting_hr": 45}, {"sex": "f"}, {"timezone": "Asia/Tokyo"}]
)
def test_a_kept_summary_ends_with_a_profile_change(api_client, runner, runs, change):
    RunnerProfile.objects.filter(user=runner).update(max_hr=190, resting_hr=50, sex="m")
    _get(api_client)
    assert not _get(api_client).read_page
    response = api_client.patch(f"{API}/profile", change, format="json")
    assert response.status_code == 200, response.content
    after = _get(api_client)
    assert after.read_page
    assert_same_answer(after, fresh(api_client, URL, WEEKS_SQL))


def test_a_kept_summary_ends_at_the_runner_s_midnight(api_client, runs, monkeypatch):
    today = selectors.local_today(selectors.runner_summary_version(runs[0].runner)[0].tz)
    monkeypatch.setattr(selectors, "local_today", lambda tz: today)
    before = _get(api_client)
    assert not _get(api_client).read_page
    monkeypatch.setattr(selectors, "local_today", lambda tz: today + timedelta(days=1))
    next_day = _get(api_client)
    assert next_day.read_page
    assert next_day.json()["period"]["to"] != before.json()["period"]["to"]


def test_each_runner_and_each_query_has_its_own_entry(api_client, other_api_client, runs):
    mine = _get(api_client)
    theirs = _get(other_api_client)
    assert theirs.read_page  # not the first runner's entry
    assert theirs.json()["totals"]["runs"] == 0 and mine.json()["totals"]["runs"] == 6
    week = _get(api_client, f"{URL}?period=week")
    assert week.read_page
    assert not _get(api_client, f"{URL}?period=week").read_page
    assert not _get(api_client).read_page  # the default period's entry is still there


def test_bad_parameters_are_a_400_whatever_the_cache_holds(api_client, runs):
    _get(api_client, f"{URL}?period=week")
    response = api_client.get(f"{URL}?period=week&from=2025-01-01")
    assert response.status_code == 400
    assert response.json()["errors"][0]["attr"] == "period"


def test_other_renderings_and_the_switch_compute_each_time(api_client, runs):
    _get(api_client)
    indented = _get(api_client, HTTP_ACCEPT="application/json; indent=4")
    assert indented.read_page and indented.content.startswith(b"{\n    ")
    with override_settings(KEEP_LIST_PAGES=False):
        assert _get(api_client).read_page
        assert _get(api_client).read_page


def test_an_unreachable_cache_computes_the_summary(api_client, runs, monkeypatch):
    expected = _get(api_client)
    answer = get_with_the_cache_down(monkeypatch, lambda: _get(api_client))
    assert answer.read_page
    assert_same_answer(answer, expected)


def test_a_runner_without_a_profile_is_kept_too(api_client, runner, runs):
    RunnerProfile.objects.filter(user=runner).delete()
    first = _get(api_client)
    assert not _get(api_client).read_page
    write_run_through_the_api(api_client, runs[0], "api_delete")
    after = _get(api_client)
    assert after.read_page
    assert after.json()["totals"]["runs"] == first.json()["totals"]["runs"] - 1
