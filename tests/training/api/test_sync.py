"""Sync and retries for mobile clients (docs/API.md, Syncing a mobile client): the deletions feed
and Idempotency-Key."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Deletion, IdempotencyRecord, Plan, Run, Workout

NEW_RUN = {"started_at": "2026-01-06T07:00:00Z", "distance_m": 5000, "duration_s": 1500}


# --- Deletions feed ------------------------------------------------------------------------------
@pytest.mark.django_db
def test_deleting_a_plan_over_the_api_lists_it_and_its_workouts(api_client, coach_client, world):
    plan_id, workout_id = world.plan_a.pk, world.workout_a.pk
    extra = WorkoutFactory(plan=world.plan_a, scheduled_date=world.plan_a.start_date)
    assert api_client.delete(f"{API}/plans/{plan_id}").status_code == 204
    body = api_client.get(f"{API}/deletions").json()
    assert body["count"] == 3
    assert {(d["type"], d["id"]) for d in body["results"]} == {
        ("plan", str(plan_id)),
        ("workout", str(workout_id)),
        ("workout", str(extra.pk)),
    }
    for item in body["results"]:
        assert set(item) == {"type", "id", "deleted_at"}
        assert item["deleted_at"].endswith("Z") or "+" in item["deleted_at"]
    # The coach of the deleted plan learns about it too.
    assert coach_client.get(f"{API}/deletions").json()["count"] == 3


@pytest.mark.django_db
def test_deletions_since_filters_and_orders_oldest_first(api_client, runner):
    runs = RunFactory.create_batch(3, runner=runner)
    for run in runs:
        api_client.delete(f"{API}/runs/{run.pk}")
    now = timezone.now()
    stamps = [now - timedelta(days=3), now - timedelta(days=2), now - timedelta(days=1)]
    for run, stamp in zip(runs, stamps, strict=True):
        Deletion.objects.filter(object_id=run.pk).update(deleted_at=stamp)
    body = api_client.get(f"{API}/deletions").json()
    assert [d["id"] for d in body["results"]] == [str(r.pk) for r in runs]
    since = (now - timedelta(days=2, hours=1)).isoformat()
    body = api_client.get(f"{API}/deletions", {"since": since}).json()
    assert [d["id"] for d in body["results"]] == [str(runs[1].pk), str(runs[2].pk)]
    body = api_client.get(f"{API}/deletions", {"limit": 1, "offset": 1}).json()
    assert (body["count"], [d["id"] for d in body["results"]]) == (3, [str(runs[1].pk)])
    assert_error(api_client.get(f"{API}/deletions?since=last-week"), 400, attr="since")


@pytest.mark.django_db
def test_deletes_outside_the_services_are_recorded_by_signals(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    workouts = WorkoutFactory.create_batch(2, plan=plan)
    run = RunFactory(runner=runner)
    Plan.objects.filter(pk=plan.pk).delete()  # e.g. an admin bulk action
    Run.objects.filter(pk=run.pk).delete()
    recorded = {
        (d.object_type, d.object_id, d.runner_user_id, d.coach_user_id)
        for d in Deletion.objects.all()
    }
    assert recorded == {
        ("plan", plan.pk, runner.pk, coach.pk),
        ("workout", workouts[0].pk, runner.pk, coach.pk),
        ("workout", workouts[1].pk, runner.pk, coach.pk),
        ("run", run.pk, runner.pk, None),
    }


@pytest.mark.django_db
def test_service_deletes_record_each_object_once(api_client, world):
    api_client.delete(f"{API}/runs/{world.run_a.pk}")
    api_client.delete(f"{API}/workouts/{world.workout_a.pk}")
    api_client.delete(f"{API}/plans/{world.plan_a.pk}")
    assert Deletion.objects.count() == 3
    assert Workout.objects.filter(plan__runner=world.plan_a.runner).count() == 0


@pytest.mark.django_db
def test_updated_after_then_deletions_is_a_full_sync(api_client, runner):
    """A client that synced at T fetches changes with updated_after=T and drops what
    /deletions?since=T lists."""
    kept, changed, removed = RunFactory.create_batch(3, runner=runner)
    Run.objects.update(updated_at=timezone.now() - timedelta(hours=2))
    synced_at = (timezone.now() - timedelta(hours=1)).isoformat()
    api_client.patch(f"{API}/runs/{changed.pk}", {"notes": "edited"}, format="json")
    api_client.delete(f"{API}/runs/{removed.pk}")
    changes = api_client.get(f"{API}/runs", {"updated_after": synced_at}).json()["results"]
    assert [r["id"] for r in changes] == [str(changed.pk)]
    gone = api_client.get(f"{API}/deletions", {"since": synced_at}).json()["results"]
    assert [(d["type"], d["id"]) for d in gone] == [("run", str(removed.pk))]
    assert kept.pk not in {r["id"] for r in changes}


# --- Idempotency-Key -----------------------------------------------------------------------------
@pytest.mark.django_db
def test_retry_with_the_same_key_returns_the_first_response(api_client):
    headers = {"Idempotency-Key": "retry-1"}
    first = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert first.status_code == 201
    assert "Idempotent-Replayed" not in first
    again = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert again.status_code == 201
    assert again.json() == first.json()
    assert again["Idempotent-Replayed"] == "true"
    assert Run.objects.count() == 1
    # The same body in another key order and spacing is the same request: it replays too.
    reordered = api_client.post(
        f"{API}/runs",
        '{"duration_s": 1500, "distance_m": 5000, "started_at": "2026-01-06T07:00:00Z"}',
        content_type="application/json",
        headers=headers,
    )
    assert reordered.status_code == 201
    assert reordered.json() == first.json()
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_the_same_key_with_a_different_body_is_a_409(api_client):
    """A reused key must not replay the first run while the new one is silently lost."""
    headers = {"Idempotency-Key": "retry-2"}
    first = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert first.status_code == 201
    other = api_client.post(
        f"{API}/runs", {**NEW_RUN, "distance_m": 9999}, format="json", headers=headers
    )
    assert_error(other, 409, code="idempotency_key_reused")
    assert "Idempotent-Replayed" not in other
    assert Run.objects.count() == 1
    # The first request still replays.
    assert api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers).json() == (
        first.json()
    )


@pytest.mark.django_db
def test_a_key_stored_before_bodies_were_compared_still_replays(api_client):
    headers = {"Idempotency-Key": "from-yesterday"}
    first = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    IdempotencyRecord.objects.update(request_signature="POST /api/v1/runs")
    again = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert again.json() == first.json()
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_a_new_key_or_no_key_creates_again(api_client):
    api_client.post(f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": "a"})
    api_client.post(f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": "b"})
    api_client.post(f"{API}/runs", NEW_RUN, format="json")
    api_client.post(f"{API}/runs", NEW_RUN, format="json")
    assert Run.objects.count() == 4


@pytest.mark.django_db
def test_keys_are_per_user(api_client, other_api_client):
    headers = {"Idempotency-Key": "shared"}
    mine = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    theirs = other_api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert theirs.status_code == 201
    assert theirs.json()["id"] != mine.json()["id"]
    assert Run.objects.count() == 2


@pytest.mark.django_db
def test_a_key_older_than_24_hours_starts_over(api_client):
    headers = {"Idempotency-Key": "old"}
    first = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=24, minutes=1))
    again = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert again.status_code == 201
    assert again.json()["id"] != first.json()["id"]
    assert IdempotencyRecord.objects.count() == 1


@pytest.mark.django_db
def test_a_key_within_24_hours_still_replays(api_client):
    headers = {"Idempotency-Key": "recent"}
    first = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(hours=23, minutes=59))
    again = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_the_same_key_on_another_route_is_a_409(api_client, runner):
    headers = {"Idempotency-Key": "k"}
    api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    plan = {"name": "P", "start_date": "2026-01-05", "end_date": "2026-02-01"}
    response = api_client.post(f"{API}/plans", plan, format="json", headers=headers)
    assert_error(response, 409, code="idempotency_key_reused")
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_a_failed_create_is_not_remembered(api_client):
    headers = {"Idempotency-Key": "fix-and-retry"}
    bad = api_client.post(
        f"{API}/runs", {**NEW_RUN, "distance_m": 0}, format="json", headers=headers
    )
    assert_error(bad, 400, attr="distance_m")
    good = api_client.post(f"{API}/runs", NEW_RUN, format="json", headers=headers)
    assert good.status_code == 201
    assert Run.objects.count() == 1


@pytest.mark.django_db
def test_overlong_key_is_a_400(api_client):
    response = api_client.post(
        f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": "k" * 256}
    )
    assert_error(response, 400, attr="Idempotency-Key")
    assert not Run.objects.exists()


@pytest.mark.django_db
@pytest.mark.parametrize("route", ["plans", "workouts", "nested-workouts", "nested-runs", "copy"])
def test_every_create_route_is_idempotent(api_client, runner, world, route):
    plan = world.plan_a
    requests = {
        "plans": ("plans", {"name": "P", "start_date": "2026-01-05", "end_date": "2026-02-01"}),
        "workouts": (
            "workouts",
            {"plan": str(plan.pk), "name": "W", "scheduled_date": "2026-01-09"},
        ),
        "nested-workouts": (
            f"plans/{plan.pk}/workouts",
            {"name": "W", "scheduled_date": "2026-01-09"},
        ),
        "nested-runs": (f"plans/{plan.pk}/runs", NEW_RUN),
        "copy": (f"plans/{plan.pk}/copy", {"runner": runner.pk, "start_date": "2026-08-03"}),
    }
    path, body = requests[route]
    counts_before = (Plan.objects.count(), Workout.objects.count(), Run.objects.count())
    headers = {"Idempotency-Key": f"key-{route}"}
    first = api_client.post(f"{API}/{path}", body, format="json", headers=headers)
    assert first.status_code == 201, first.content
    counts_after = (Plan.objects.count(), Workout.objects.count(), Run.objects.count())
    assert counts_after != counts_before
    again = api_client.post(f"{API}/{path}/", body, format="json", headers=headers)
    assert (again.status_code, again.json()) == (201, first.json())
    assert (Plan.objects.count(), Workout.objects.count(), Run.objects.count()) == counts_after


@pytest.mark.django_db
def test_expired_records_of_the_user_are_purged_on_the_next_keyed_create(api_client):
    for key in ("one", "two"):
        api_client.post(f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": key})
    IdempotencyRecord.objects.update(created_at=timezone.now() - timedelta(days=2))
    api_client.post(f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": "three"})
    assert list(IdempotencyRecord.objects.values_list("key", flat=True)) == ["three"]


@pytest.mark.django_db
def test_deleting_a_user_records_tombstones_and_keeps_working(runner, coach):
    plan = PlanFactory(runner=runner, coach=coach)
    workout = WorkoutFactory(plan=plan)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    runner.delete()
    assert {(d.object_type, d.object_id) for d in Deletion.objects.all()} == {
        ("plan", plan.pk),
        ("workout", workout.pk),
        ("run", run.pk),
    }
    assert Deletion.objects.filter(object_type="plan", coach_user_id=coach.pk).exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_create_one_run(runner, client_for, monkeypatch):
    """Two requests with the same key race past the "seen this key?" check; the unique (user, key)
    constraint makes the loser roll back its run and replay the winner's response."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("concurrent writers need PostgreSQL (SQLite serialises them)")
    import threading

    from training import services

    both_inside = threading.Barrier(2, timeout=10)
    original = services.run_create

    def run_create_after_both_checked(**kwargs):
        both_inside.wait()
        return original(**kwargs)

    monkeypatch.setattr(services, "run_create", run_create_after_both_checked)
    responses = []

    def post():
        try:
            client = client_for(runner)
            responses.append(
                client.post(
                    f"{API}/runs", NEW_RUN, format="json", headers={"Idempotency-Key": "race"}
                )
            )
        finally:
            connection.close()

    threads = [threading.Thread(target=post) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [r.status_code for r in responses] == [201, 201]
    assert responses[0].json() == responses[1].json()
    # Exactly one of them is the replay of the other.
    assert sorted(str(r.get("Idempotent-Replayed")) for r in responses) == ["None", "true"]
    assert Run.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1
