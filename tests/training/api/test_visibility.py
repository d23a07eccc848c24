"""The visibility matrix (docs/API.md, Who sees what) for every route: runner A (owner), runner B,
the coach of A, a coach of nobody, a superuser and an anonymous client. Out of view → 404; a coach
writing a runner's run → 403 (the run is visible to them; see docs/API.md)."""

from __future__ import annotations

import pytest

from tests.helpers import API, assert_error
from training.models import Deletion, Plan, Run, Workout
from training.services import run_delete, workout_delete

ACTORS = ["runner", "other_runner", "coach", "other_coach", "superuser", "anonymous"]


@pytest.fixture
def client_as(request, client_for, anon_client, world):
    def build(actor: str):
        if actor == "anonymous":
            return anon_client
        return client_for(request.getfixturevalue(actor))

    return build


def check(response, expected: int):
    if expected >= 400:
        assert_error(response, expected)
    else:
        assert response.status_code == expected, response.content


# --- Detail routes of runner A's objects --------------------------------------------------------
READ_OR_EDIT_PLAN = {
    "runner": 200,
    "other_runner": 404,
    "coach": 200,
    "other_coach": 404,
    "superuser": 200,
    "anonymous": 401,
}
WRITE_RUN = {**READ_OR_EDIT_PLAN, "coach": 403}


@pytest.mark.parametrize("actor", ACTORS)
def test_plan_detail_get_put_patch_delete(client_as, world, actor):
    client = client_as(actor)
    url = f"{API}/plans/{world.plan_a.pk}"
    expected = READ_OR_EDIT_PLAN[actor]
    check(client.get(url), expected)
    check(client.patch(url, {"goal": "Sub 1:45"}, format="json"), expected)
    body = {
        "name": "Renamed",
        "start_date": "2026-01-05",
        "end_date": "2026-03-29",
        "status": "active",
    }
    check(client.put(url, body, format="json"), expected)
    check(client.delete(url), 204 if expected == 200 else expected)
    assert Plan.objects.filter(pk=world.plan_a.pk).exists() is (expected != 200)


@pytest.mark.parametrize("actor", ACTORS)
def test_workout_detail_get_put_patch_delete(client_as, world, actor):
    client = client_as(actor)
    url = f"{API}/workouts/{world.workout_a.pk}"
    expected = READ_OR_EDIT_PLAN[actor]
    check(client.get(url), expected)
    check(client.patch(url, {"notes": "hills"}, format="json"), expected)
    body = {"plan": str(world.plan_a.pk), "name": "Tempo", "scheduled_date": "2026-01-08"}
    check(client.put(url, body, format="json"), expected)
    check(client.delete(url), 204 if expected == 200 else expected)
    assert Workout.objects.filter(pk=world.workout_a.pk).exists() is (expected != 200)


@pytest.mark.parametrize("actor", ACTORS)
def test_run_detail_read_and_write(client_as, world, actor):
    client = client_as(actor)
    url = f"{API}/runs/{world.run_a.pk}"
    check(client.get(url), READ_OR_EDIT_PLAN[actor])
    expected_write = WRITE_RUN[actor]
    check(client.patch(url, {"notes": "windy"}, format="json"), expected_write)
    body = {"started_at": "2026-01-06T07:00:00+00:00", "distance_m": 8000, "duration_s": 2400}
    check(client.put(url, body, format="json"), expected_write)
    check(client.delete(url), 204 if expected_write == 200 else expected_write)
    assert Run.objects.filter(pk=world.run_a.pk).exists() is (expected_write != 200)


# --- Lists ---------------------------------------------------------------------------------------
def _ids(response) -> set[str]:
    assert response.status_code == 200, response.content
    return {item["id"] for item in response.json()["results"]}


@pytest.mark.parametrize("actor", ACTORS)
def test_lists_show_only_what_the_actor_may_see(client_as, world, actor):
    client = client_as(actor)
    if actor == "anonymous":
        for resource in ("plans", "workouts", "runs", "deletions"):
            response = client.get(f"{API}/{resource}")
            body = assert_error(response, 401, code="not_authenticated")
            assert body["errors"][0]["attr"] is None
            assert response["WWW-Authenticate"] == "Token"
        return
    a = {
        "plans": {str(world.plan_a.pk)},
        "workouts": {str(world.workout_a.pk)},
        "runs": {str(world.run_a.pk)},
    }
    b = {
        "plans": {str(world.plan_b.pk)},
        "workouts": {str(world.workout_b.pk)},
        "runs": {str(world.run_b.pk)},
    }
    none = {key: set() for key in a}
    expected = {
        "runner": a,
        "other_runner": b,
        "coach": a,
        "other_coach": none,
        "superuser": {key: a[key] | b[key] for key in a},
    }[actor]
    for resource, ids in expected.items():
        assert _ids(client.get(f"{API}/{resource}")) == ids, resource


# --- Nested seed routes and the copy tool --------------------------------------------------------
@pytest.mark.parametrize("actor", ACTORS)
def test_nested_plan_workouts(client_as, world, actor):
    client = client_as(actor)
    url = f"{API}/plans/{world.plan_a.pk}/workouts"
    expected = READ_OR_EDIT_PLAN[actor]
    response = client.get(url)
    check(response, expected)
    if expected == 200:
        assert _ids(response) == {str(world.workout_a.pk)}
    response = client.post(url, {"name": "Long", "scheduled_date": "2026-01-11"}, format="json")
    check(response, 201 if expected == 200 else expected)


NESTED_RUN_CREATE = {
    "runner": 201,
    "other_runner": 404,
    # Only the plan's runner logs runs on it; the coach and the superuser see the plan.
    "coach": 403,
    "other_coach": 404,
    "superuser": 403,
    "anonymous": 401,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_nested_plan_runs(client_as, world, actor):
    client = client_as(actor)
    url = f"{API}/plans/{world.plan_a.pk}/runs"
    expected = READ_OR_EDIT_PLAN[actor]
    response = client.get(url)
    check(response, expected)
    if expected == 200:
        assert _ids(response) == {str(world.run_a.pk)}
    body = {"started_at": "2026-01-08T07:00:00Z", "distance_m": 5000, "duration_s": 1500}
    check(client.post(url, body, format="json"), NESTED_RUN_CREATE[actor])


COPY = {
    "runner": 201,
    "other_runner": 404,
    "coach": 201,
    "other_coach": 404,
    "superuser": 201,
    "anonymous": 401,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_plan_copy(client_as, world, runner, actor):
    client = client_as(actor)
    response = client.post(
        f"{API}/plans/{world.plan_a.pk}/copy",
        {"runner": runner.pk, "start_date": "2026-06-01"},
        format="json",
    )
    check(response, COPY[actor])


# --- Creates naming another's plan or workout ----------------------------------------------------
CREATE_WORKOUT_ON_PLAN_A = {
    "runner": 201,
    "other_runner": 400,
    "coach": 201,
    "other_coach": 400,
    "superuser": 201,
    "anonymous": 401,
}


@pytest.mark.parametrize("actor", ACTORS)
def test_flat_workout_create_on_runner_a_plan(client_as, world, actor):
    client = client_as(actor)
    body = {"plan": str(world.plan_a.pk), "name": "Easy", "scheduled_date": "2026-01-09"}
    response = client.post(f"{API}/workouts", body, format="json")
    expected = CREATE_WORKOUT_ON_PLAN_A[actor]
    if expected == 400:
        # The plan is out of view: answered like an id that does not exist.
        assert_error(response, 400, attr="plan", code="does_not_exist")
    else:
        check(response, expected)


@pytest.mark.parametrize("actor", ["other_runner", "coach", "other_coach", "superuser"])
def test_nobody_else_logs_a_run_on_runner_a_plan_or_workout(client_as, world, actor):
    client = client_as(actor)
    base = {"started_at": "2026-01-08T07:00:00Z", "distance_m": 5000, "duration_s": 1500}
    response = client.post(f"{API}/runs", {**base, "plan": str(world.plan_a.pk)}, format="json")
    assert_error(response, 400, attr="plan")
    response = client.post(
        f"{API}/runs", {**base, "workout": str(world.workout_a.pk)}, format="json"
    )
    assert_error(response, 400)
    assert Run.objects.count() == 2


# --- Deletions feed ------------------------------------------------------------------------------
DELETIONS_SEEN = {
    "runner": True,
    "other_runner": False,
    "coach": True,
    "other_coach": False,
    "superuser": True,
}


@pytest.mark.parametrize("actor", list(DELETIONS_SEEN))
def test_deletions_feed_is_scoped(client_as, world, actor):
    run_id, workout_id = world.run_a.pk, world.workout_a.pk
    # The plan stays, so the coach still coaches runner A and may see the run's tombstone.
    run_delete(run=world.run_a)
    workout_delete(workout=world.workout_a)
    assert Deletion.objects.count() == 2
    response = client_as(actor).get(f"{API}/deletions")
    seen = {(item["type"], item["id"]) for item in response.json()["results"]}
    expected = (
        {("run", str(run_id)), ("workout", str(workout_id))} if DELETIONS_SEEN[actor] else set()
    )
    assert seen == expected
