"""Plan progress and plan analytics from the cache (tracker.kept_answers, docs/PERFORMANCE.md
section 35).

Their version (``analytics.selectors.visible_plan_answer_version``) is read with the plan's
visibility to the caller: the plan row's and its workouts' ``xmin`` stamps, the plan runner's
run-list version, and the runner's time zone with the day it is there now. These tests change
each of those every way a client or the application can, and check that the answer is then the
one the database gives now; and that a plan out of view answers 404 whatever the cache holds.
PostgreSQL only: SQLite rows carry no ``xmin``, and there the answer is computed each time.
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.db import connection
from django.test import override_settings

from analytics import selectors
from analytics.selectors import visible_plan_answer_version
from tests.analytics.helpers import TODAY
from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from tests.helpers import API
from tests.training.api.kept_answers import (
    API_RUN_WRITES,
    assert_same_answer,
    fresh,
    get_reading,
    get_with_the_cache_down,
    write_run_through_the_api,
)
from training.models import Plan, RunnerProfile, Workout

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(
        connection.vendor != "postgresql", reason="the version reads PostgreSQL's xmin"
    ),
]
ROUTES = ("progress", "analytics")
# Only the statement that computes the answer has this common table expression.
STATE_SQL = "visible_plan AS ("


@pytest.fixture
def plan(plan_data) -> Plan:
    """The three-week plan of tests/analytics/conftest.py, with its workouts and runs."""
    return plan_data[0]


def _url(plan: Plan, route: str) -> str:
    if route == "progress":
        return f"{API}/plans/{plan.pk}/progress"
    return f"{API}/analytics/plan/{plan.pk}"


def _get(client, plan: Plan, route: str, status: int = 200, **headers):
    return get_reading(client, _url(plan, route), STATE_SQL, status, **headers)


def _fresh(client, plan: Plan, route: str):
    return fresh(client, _url(plan, route), STATE_SQL)


@pytest.mark.parametrize("route", ROUTES)
def test_a_kept_answer_is_the_answer_and_computes_nothing(route, api_client, plan):
    first = _get(api_client, plan, route)
    assert first.read_page
    kept = _get(api_client, plan, route)
    assert not kept.read_page
    assert kept.queries == 1  # the version with the plan's visibility, nothing else
    assert_same_answer(kept, first)
    assert_same_answer(kept, _fresh(api_client, plan, route))
    if route == "progress":  # the fixture's numbers (tests/analytics/conftest.py), by hand
        assert kept.json()["total_workouts"] == 11


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("write", API_RUN_WRITES)
def test_a_kept_answer_ends_with_any_run_write(route, write, api_client, runner, plan):
    # Every run of the fixture is linked to the plan: the patch makes the run count nowhere.
    run = plan.runs.order_by("started_at").first()
    before = _get(api_client, plan, route)
    assert not _get(api_client, plan, route).read_page
    if write == "api_patch":
        off_the_plan = {"workout": None, "plan": None}
        response = api_client.patch(f"{API}/runs/{run.pk}", off_the_plan, format="json")
        assert response.status_code == 200
    else:
        write_run_through_the_api(api_client, run, write)
    after = _get(api_client, plan, route)
    assert after.read_page
    if write != "api_create":  # a run logged off the plan's dates changes no number
        assert after.content != before.content
    assert_same_answer(after, _fresh(api_client, plan, route))
    assert not _get(api_client, plan, route).read_page  # kept again, at the new version


@pytest.mark.parametrize("route", ROUTES)
@pytest.mark.parametrize("write", ["workout_patch", "workout_create", "workout_delete", "plan"])
def test_a_kept_answer_ends_with_a_plan_or_workout_write(route, write, api_client, plan):
    before = _get(api_client, plan, route)
    assert not _get(api_client, plan, route).read_page
    target = plan.workouts.exclude(workout_type="rest").order_by("scheduled_date").last()
    if write == "workout_patch":
        body = {"planned_distance_m": 20_000}
        response = api_client.patch(f"{API}/workouts/{target.pk}", body, format="json")
        assert response.status_code == 200
    elif write == "workout_create":
        body = {"name": "Tempo", "workout_type": "tempo", "scheduled_date": "2025-03-19"}
        body["planned_distance_m"] = 7_000
        url = f"{API}/plans/{plan.pk}/workouts"
        assert api_client.post(url, body, format="json").status_code == 201
    elif write == "workout_delete":
        assert api_client.delete(f"{API}/workouts/{target.pk}").status_code == 204
    else:
        body = {"end_date": "2025-03-30"}
        response = api_client.patch(f"{API}/plans/{plan.pk}", body, format="json")
        assert response.status_code == 200
    after = _get(api_client, plan, route)
    assert after.read_page
    if write != "plan" or route == "analytics":  # progress shows no week
        assert after.content != before.content
    assert_same_answer(after, _fresh(api_client, plan, route))


@pytest.mark.parametrize("route", ROUTES)
def test_the_runner_s_today_and_time_zone_are_in_the_version(
    route, monkeypatch, api_client, runner, plan
):
    monkeypatch.setattr(selectors, "local_today", lambda tz: TODAY)
    before = _get(api_client, plan, route)
    assert not _get(api_client, plan, route).read_page
    # A day later the 03-12 workout is missed: another answer, with nothing written.
    monkeypatch.setattr(selectors, "local_today", lambda tz: TODAY + timedelta(days=1))
    next_day = _get(api_client, plan, route)
    assert next_day.read_page and next_day.content != before.content
    assert_same_answer(next_day, _fresh(api_client, plan, route))
    # The profile's zone is in the version even where it leaves the day as it is.
    RunnerProfile.objects.filter(user=runner).update(timezone="Europe/Paris")
    assert _get(api_client, plan, route).read_page


@pytest.mark.parametrize("route", ROUTES)
def test_a_plan_out_of_view_answers_404_whatever_the_cache_holds(
    route, client_for, runner, coach, plan
):
    coach_client = client_for(coach)
    _get(coach_client, plan, route)
    assert not _get(coach_client, plan, route).read_page
    Plan.objects.filter(pk=plan.pk).update(coach=None)
    _get(coach_client, plan, route, status=404)
    _get(client_for(UserFactory()), plan, route, status=404)
    runner_client = client_for(runner)
    _get(runner_client, plan, route)
    plan.delete()
    _get(runner_client, plan, route, status=404)


@pytest.mark.parametrize("route", ROUTES)
def test_each_caller_has_their_own_entry(route, client_for, runner, coach, superuser, plan):
    runner_answer = _get(client_for(runner), plan, route)
    coach_answer = _get(client_for(coach), plan, route)
    assert coach_answer.read_page  # not the runner's entry
    assert_same_answer(coach_answer, runner_answer)
    admin = client_for(superuser)
    assert _get(admin, plan, route).read_page
    assert not _get(admin, plan, route).read_page


def test_the_version_names_what_the_answer_reads_and_only_that(runner, other_runner, coach):
    plan = PlanFactory(runner=runner, coach=coach, start_date=date(2025, 3, 3))
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 4))
    other = PlanFactory(runner=runner)
    version = visible_plan_answer_version(runner, plan.pk)
    assert version and visible_plan_answer_version(coach, plan.pk) == version
    assert visible_plan_answer_version(other_runner, plan.pk) is None
    WorkoutFactory(plan=other)  # another plan's workouts do not count
    assert visible_plan_answer_version(runner, plan.pk) == version
    RunFactory(runner=other_runner)  # nor another runner's runs
    assert visible_plan_answer_version(runner, plan.pk) == version
    RunFactory(runner=runner)  # the runner's own runs do, on the plan or not (one version)
    assert visible_plan_answer_version(runner, plan.pk) != version


@pytest.mark.parametrize("route", ROUTES)
def test_other_renderings_and_the_switch_compute_each_time(route, api_client, plan):
    _get(api_client, plan, route)
    indented = _get(api_client, plan, route, HTTP_ACCEPT="application/json; indent=4")
    assert indented.read_page and indented.content.startswith(b"{\n    ")
    with override_settings(KEEP_LIST_PAGES=False):
        assert _get(api_client, plan, route).read_page
        assert _get(api_client, plan, route).read_page


@pytest.mark.parametrize("route", ROUTES)
def test_an_unreachable_cache_computes_the_answer(route, api_client, plan, monkeypatch):
    expected = _get(api_client, plan, route)
    answer = get_with_the_cache_down(monkeypatch, lambda: _get(api_client, plan, route))
    assert answer.read_page
    assert_same_answer(answer, expected)


# Committed for real: inside the test's one transaction every row written without a savepoint
# carries that transaction's id before and after the write (production never meets this).
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("write", ["workout_raw_sql", "plan_raw_sql", "workout_update"])
def test_a_kept_answer_ends_with_a_write_behind_the_orm(api_client, runner, write):
    plan = PlanFactory(runner=runner, start_date=TODAY - timedelta(days=7), end_date=TODAY)
    workout = WorkoutFactory(plan=plan, scheduled_date=TODAY, planned_distance_m=5_000)
    before = _get(api_client, plan, "analytics")
    assert not _get(api_client, plan, "analytics").read_page
    with connection.cursor() as cursor:
        if write == "workout_raw_sql":
            cursor.execute(
                "UPDATE training_workout SET planned_distance_m = 9000 WHERE id = %s",
                [workout.pk],
            )
        elif write == "plan_raw_sql":
            cursor.execute(
                "UPDATE training_plan SET start_date = start_date - 7 WHERE id = %s", [plan.pk]
            )
    if write == "workout_update":
        Workout.objects.filter(pk=workout.pk).update(planned_distance_m=9_000)
    after = _get(api_client, plan, "analytics")
    assert after.read_page and after.content != before.content
    assert_same_answer(after, _fresh(api_client, plan, "analytics"))
