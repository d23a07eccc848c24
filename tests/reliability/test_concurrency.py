"""Concurrent writers (issue 9): no update is lost silently.

- Detail responses carry an ``ETag``; a PUT/PATCH/DELETE with ``If-Match`` naming an old version
  answers 412 in the error shape and changes nothing. Without ``If-Match`` the last write wins
  (documented in docs/API.md).
- Two clients holding the same ETag and writing at the same moment: exactly one wins, the other
  gets 412 (PostgreSQL, real threads: the row lock is what makes this true).
- Deleting a plan while runs are being logged against it leaves no run pointing at a missing plan,
  and every run that was answered 201 is stored.
- 20 parallel imports of one file making one run: tests/training/api/test_import.py
  (``test_parallel_imports_of_one_file_make_one_run``), not repeated here.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta

import pytest
from django.db import connection, connections

from tests.factories import PlanFactory, RunFactory, ShoeFactory, WorkoutFactory
from tests.helpers import assert_error
from training.models import Plan, Run

API = "/api/v1"


@pytest.fixture
def plan(runner):
    start = date(2026, 1, 5)
    return PlanFactory(runner=runner, start_date=start, end_date=start + timedelta(days=83))


@pytest.fixture
def objects(runner, plan):
    workout = WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=1))
    run = RunFactory(runner=runner, started_at=datetime(2026, 1, 6, 7, tzinfo=UTC))
    return {"plans": plan, "workouts": workout, "runs": run}


CHANGES = {
    "plans": ({"goal": "first"}, {"goal": "second"}, "goal"),
    "workouts": ({"notes": "first"}, {"notes": "second"}, "notes"),
    "runs": ({"notes": "first"}, {"notes": "second"}, "notes"),
}


@pytest.mark.django_db
@pytest.mark.parametrize("resource", ["plans", "workouts", "runs"])
def test_stale_if_match_is_412_and_changes_nothing(api_client, objects, resource):
    url = f"{API}/{resource}/{objects[resource].pk}"
    first, second, field = CHANGES[resource]
    read = api_client.get(url)
    etag = read["ETag"]
    assert etag.startswith('"') and etag.endswith('"')

    # Client 1 writes with the version it read: accepted, and the version moves on.
    written = api_client.patch(url, first, format="json", headers={"If-Match": etag})
    assert written.status_code == 200, written.content
    assert written["ETag"] != etag
    assert api_client.get(url)["ETag"] == written["ETag"]

    # Client 2 still holds the old version: refused, nothing stored.
    stale = api_client.patch(url, second, format="json", headers={"If-Match": etag})
    assert_error(stale, 412, code="precondition_failed")
    assert api_client.get(url).json()[field] == first[field]
    assert_error(api_client.delete(url, headers={"If-Match": etag}), 412)
    assert type(objects[resource]).objects.filter(pk=objects[resource].pk).exists()

    # Re-read, retry with the fresh version: accepted.
    fresh = api_client.get(url)["ETag"]
    retried = api_client.patch(url, second, format="json", headers={"If-Match": fresh})
    assert retried.status_code == 200 and retried.json()[field] == second[field]


@pytest.mark.django_db
def test_if_match_star_and_lists_of_tags(api_client, plan):
    url = f"{API}/plans/{plan.pk}"
    etag = api_client.get(url)["ETag"]
    assert (
        api_client.patch(url, {"goal": "a"}, format="json", headers={"If-Match": "*"}).status_code
        == 200
    )
    # A list naming the current version among others matches (RFC 9110 §13.1.1).
    current = api_client.get(url)["ETag"]
    listed = api_client.patch(
        url, {"goal": "b"}, format="json", headers={"If-Match": f"{etag}, {current}"}
    )
    assert listed.status_code == 200
    assert api_client.delete(url, headers={"If-Match": listed["ETag"]}).status_code == 204


@pytest.mark.django_db
def test_without_if_match_the_last_write_wins(api_client, client_for, runner, plan):
    """Documented behaviour for clients that do not send If-Match (docs/API.md)."""
    other_device = client_for(runner)
    url = f"{API}/plans/{plan.pk}"
    assert api_client.patch(url, {"goal": "phone"}, format="json").status_code == 200
    assert other_device.patch(url, {"goal": "laptop"}, format="json").status_code == 200
    assert Plan.objects.get(pk=plan.pk).goal == "laptop"


@pytest.mark.django_db
def test_create_answers_with_the_etag_of_the_new_object(api_client, plan):
    created = api_client.post(
        f"{API}/plans/{plan.pk}/workouts",
        {"name": "Easy", "workout_type": "easy", "scheduled_date": "2026-01-08"},
        format="json",
    )
    assert created.status_code == 201
    assert created["ETag"] == api_client.get(f"{API}/workouts/{created.json()['id']}")["ETag"]


def _postgresql_only():
    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")


def _in_threads(count: int, target) -> list:
    results: list = []
    failures: list[BaseException] = []
    start = threading.Barrier(count, timeout=20)

    def worker(index: int) -> None:
        try:
            start.wait()
            results.append(target(index))
        except BaseException as exc:  # reported by the assertion below
            failures.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert failures == []
    return results


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("resource", ["plans", "runs"])
def test_two_writers_with_one_etag_one_wins_one_gets_412(client_for, runner, resource):
    _postgresql_only()
    if resource == "plans":
        start = date(2026, 1, 5)
        target = PlanFactory(runner=runner, start_date=start, end_date=start + timedelta(days=83))
    else:
        target = RunFactory(runner=runner, started_at=datetime(2026, 1, 6, 7, tzinfo=UTC))
    url = f"{API}/{resource}/{target.pk}"
    field = CHANGES[resource][2]
    etag = client_for(runner).get(url)["ETag"]

    def write(index: int):
        response = client_for(runner).patch(
            url, {field: f"writer {index}"}, format="json", headers={"If-Match": etag}
        )
        return response.status_code, response.json()

    results = _in_threads(2, write)
    assert sorted(status for status, _ in results) == [200, 412]
    winner = next(body for status, body in results if status == 200)
    stored = type(target).objects.get(pk=target.pk)
    assert getattr(stored, field) == winner[field]  # the 412 writer changed nothing


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
def test_deleting_a_plan_while_runs_are_logged_leaves_no_dangling_reference(
    client_for, runner, plan
):
    _postgresql_only()
    loggers = 12

    def act(index: int):
        client = client_for(runner)
        if index == 0:
            return "delete", client.delete(f"{API}/plans/{plan.pk}")
        body = {
            "plan": str(plan.pk),
            "started_at": f"2026-01-{6 + index % 20:02d}T07:{index:02d}:00Z",
            "distance_m": 5000 + index,
            "duration_s": 1500,
        }
        return "log", client.post(f"{API}/runs", body, format="json")

    results = _in_threads(loggers + 1, act)
    statuses = sorted(response.status_code for _, response in results)
    assert all(status in {201, 204, 400, 404, 409} for status in statuses), statuses
    for _kind, response in results:
        if response.status_code >= 400:
            assert_error(response, response.status_code, error_type=response.json()["type"])
    deleted = next(response for kind, response in results if kind == "delete")
    assert deleted.status_code in {204, 409}
    # Every run answered 201 is stored; none points at a plan that does not exist.
    accepted = [response.json()["id"] for kind, response in results if response.status_code == 201]
    assert Run.objects.filter(pk__in=accepted).count() == len(accepted)
    existing_plans = set(Plan.objects.values_list("pk", flat=True))
    for plan_id in Run.objects.exclude(plan=None).values_list("plan_id", flat=True):
        assert plan_id in existing_plans
    if deleted.status_code == 204:
        assert not Plan.objects.filter(pk=plan.pk).exists()
        assert not Run.objects.filter(plan_id=plan.pk).exists()


@pytest.mark.services
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("deleted", ["workouts", "shoes"])
def test_deleting_a_workout_or_shoe_while_runs_are_logged_does_not_deadlock(
    client_for, runner, plan, deleted
):
    # Like the plan's case: the deletion updates the runs (and so takes the runner's lock)
    # while runs logged against the object check their foreign key at commit.
    _postgresql_only()
    target = (
        WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=1))
        if deleted == "workouts"
        else ShoeFactory(runner=runner)
    )
    link = (
        {"plan": str(plan.pk), "workout": str(target.pk)}
        if deleted == "workouts"
        else {"shoe": str(target.pk)}
    )

    def act(index: int):
        client = client_for(runner)
        if index == 0:
            return "delete", client.delete(f"{API}/{deleted}/{target.pk}")
        body = {
            **link,
            "started_at": f"2026-01-{6 + index % 20:02d}T08:{index:02d}:00Z",
            "distance_m": 5000 + index,
            "duration_s": 1500,
        }
        return "log", client.post(f"{API}/runs", body, format="json")

    results = _in_threads(13, act)
    statuses = sorted(response.status_code for _, response in results)
    assert all(status in {201, 204, 400, 404, 409} for status in statuses), statuses
    deletion = next(response for kind, response in results if kind == "delete")
    assert deletion.status_code in {204, 409}
