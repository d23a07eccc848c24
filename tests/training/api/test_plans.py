"""Plans over the API: each verb's response shape, PUT vs PATCH, validation → 400 with attr,
filters, ordering and the copy tool (docs/API.md, Validation rules)."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanFactory, WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Plan, Workout

PLAN_KEYS = {
    "id",
    "name",
    "description",
    "runner",
    "coach",
    "start_date",
    "end_date",
    "status",
    "goal",
    "created_at",
    "updated_at",
}
NEW_PLAN = {
    "name": "  Spring half  ",
    "description": "Twelve weeks",
    "start_date": "2026-03-02",
    "end_date": "2026-05-24",
    "goal": "Sub 1:45",
}


def _aware(value: str) -> datetime:
    parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    assert parsed.tzinfo is not None, value
    return parsed


@pytest.mark.django_db
def test_create_plan_returns_the_full_plan(api_client, runner):
    response = api_client.post(f"{API}/plans", NEW_PLAN, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == PLAN_KEYS
    plan = Plan.objects.get()
    assert body["id"] == str(plan.pk)
    assert body["name"] == "Spring half"  # trimmed
    assert body["runner"] == runner.pk
    assert body["coach"] is None
    assert body["status"] == "draft"  # the default
    assert (body["start_date"], body["end_date"]) == ("2026-03-02", "2026-05-24")
    assert (body["description"], body["goal"]) == ("Twelve weeks", "Sub 1:45")
    _aware(body["created_at"])
    _aware(body["updated_at"])


@pytest.mark.django_db
def test_get_list_and_detail_have_the_same_shape(api_client, runner):
    plan = PlanFactory(runner=runner)
    listed = api_client.get(f"{API}/plans").json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert listed["count"] == 1
    detail = api_client.get(f"{API}/plans/{plan.pk}").json()
    assert listed["results"][0] == detail
    assert detail["start_date"] == plan.start_date.isoformat()


@pytest.mark.django_db
def test_put_replaces_and_requires_every_required_field(api_client, runner):
    plan = PlanFactory(runner=runner, goal="old goal")
    url = f"{API}/plans/{plan.pk}"
    response = api_client.put(url, {"name": "Only a name"}, format="json")
    body = assert_error(response, 400)
    assert {e["attr"] for e in body["errors"]} == {"start_date", "end_date"}
    full = {"name": "New", "start_date": "2026-01-05", "end_date": "2026-02-01", "status": "active"}
    response = api_client.put(url, full, format="json")
    assert response.status_code == 200, response.content
    plan.refresh_from_db()
    assert (plan.name, plan.start_date, plan.end_date) == (
        "New",
        date(2026, 1, 5),
        date(2026, 2, 1),
    )


@pytest.mark.django_db
def test_patch_changes_only_the_fields_sent(api_client, runner):
    plan = PlanFactory(runner=runner, goal="old goal", status=Plan.Status.DRAFT)
    response = api_client.patch(f"{API}/plans/{plan.pk}", {"status": "active"}, format="json")
    assert response.status_code == 200
    assert response.json()["status"] == "active"
    assert response.json()["goal"] == "old goal"
    plan.refresh_from_db()
    assert (plan.status, plan.goal) == ("active", "old goal")


@pytest.mark.django_db
def test_delete_plan_deletes_workouts_and_unlinks_runs(api_client, runner, world):
    plan, run = world.plan_a, world.run_a
    before = run.updated_at
    response = api_client.delete(f"{API}/plans/{plan.pk}/")
    assert response.status_code == 204
    assert response.content == b""
    assert not Workout.objects.filter(plan_id=plan.pk).exists()
    run.refresh_from_db()
    assert (run.plan_id, run.workout_id) == (None, None)
    assert run.updated_at > before  # so syncing clients fetch the unlinked run again


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"name": "   "}, "name"),
        ({"name": "x" * 256}, "name"),
        ({"end_date": "2026-03-01"}, "end_date"),  # before the start
        ({"end_date": "2027-03-03"}, "end_date"),  # 366 days after the start
        ({"start_date": "2026-02-30"}, "start_date"),
        ({"status": "paused"}, "status"),
        ({"coach": 999_999}, "coach"),
        ({"runner": 999_999}, "runner"),
    ],
)
def test_plan_validation_names_the_field(api_client, changes, attr):
    response = api_client.post(f"{API}/plans", {**NEW_PLAN, **changes}, format="json")
    assert_error(response, 400, attr=attr)
    assert not Plan.objects.exists()


@pytest.mark.django_db
def test_plan_may_last_exactly_365_days(api_client):
    body = {**NEW_PLAN, "start_date": "2026-03-02", "end_date": "2027-03-02"}
    assert api_client.post(f"{API}/plans", body, format="json").status_code == 201


@pytest.mark.django_db
def test_only_a_staff_or_coach_group_user_can_be_named_coach(api_client, coach, other_runner):
    response = api_client.post(
        f"{API}/plans", {**NEW_PLAN, "coach": other_runner.pk}, format="json"
    )
    assert_error(response, 400, attr="coach", code="does_not_exist")
    response = api_client.post(f"{API}/plans", {**NEW_PLAN, "coach": coach.pk}, format="json")
    assert response.status_code == 201
    assert response.json()["coach"] == coach.pk


@pytest.mark.django_db
def test_runner_cannot_create_a_plan_for_someone_else(api_client, other_runner):
    response = api_client.post(
        f"{API}/plans", {**NEW_PLAN, "runner": other_runner.pk}, format="json"
    )
    assert_error(response, 400, attr="runner", code="does_not_exist")


@pytest.mark.django_db
def test_coach_creates_a_plan_for_a_runner_they_coach(coach_client, coach, runner, world):
    response = coach_client.post(f"{API}/plans", {**NEW_PLAN, "runner": runner.pk}, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["runner"], response.json()["coach"]) == (runner.pk, coach.pk)


@pytest.mark.django_db
def test_coach_cannot_create_a_plan_for_a_runner_they_do_not_coach(
    coach_client, other_runner, world
):
    response = coach_client.post(
        f"{API}/plans", {**NEW_PLAN, "runner": other_runner.pk}, format="json"
    )
    assert_error(response, 400, attr="runner")


@pytest.mark.django_db
def test_superuser_creates_a_plan_for_anyone(client_for, superuser, other_runner):
    response = client_for(superuser).post(
        f"{API}/plans", {**NEW_PLAN, "runner": other_runner.pk}, format="json"
    )
    assert response.status_code == 201
    assert (response.json()["runner"], response.json()["coach"]) == (other_runner.pk, None)


@pytest.mark.django_db
def test_a_plans_runner_cannot_change(
    client_for, superuser, runner, coach_client, world, other_runner
):
    response = coach_client.patch(
        f"{API}/plans/{world.plan_a.pk}", {"runner": runner.pk}, format="json"
    )
    assert response.status_code == 200  # the same runner is fine
    response = client_for(superuser).patch(
        f"{API}/plans/{world.plan_a.pk}", {"runner": other_runner.pk}, format="json"
    )
    assert_error(response, 400, attr="runner", code="immutable")


@pytest.mark.django_db
def test_update_validation_leaves_the_plan_unchanged(api_client, runner):
    plan = PlanFactory(runner=runner, start_date=date(2026, 1, 5), end_date=date(2026, 3, 1))
    response = api_client.patch(
        f"{API}/plans/{plan.pk}", {"name": "Changed", "end_date": "2026-01-01"}, format="json"
    )
    assert_error(response, 400, attr="end_date")
    plan.refresh_from_db()
    assert plan.end_date == date(2026, 3, 1)
    assert plan.name != "Changed"


# --- Filters and ordering ------------------------------------------------------------------------
@pytest.fixture
def three_plans(runner):
    return [
        PlanFactory(runner=runner, name="Base miles", status="active", start_date=date(2026, 2, 2)),
        PlanFactory(runner=runner, name="Half build", status="draft", start_date=date(2026, 1, 5)),
        PlanFactory(
            runner=runner, name="Marathon", status="completed", start_date=date(2025, 9, 1)
        ),
    ]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


@pytest.mark.django_db
def test_plans_default_order_is_start_date(api_client, three_plans):
    assert _names(api_client.get(f"{API}/plans")) == ["Marathon", "Half build", "Base miles"]


@pytest.mark.django_db
def test_plan_status_and_name_filters(api_client, three_plans):
    assert _names(api_client.get(f"{API}/plans?status=draft")) == ["Half build"]
    assert _names(api_client.get(f"{API}/plans?q=MILES")) == ["Base miles"]
    assert _names(api_client.get(f"{API}/plans?q=a&status=completed")) == ["Marathon"]
    assert_error(api_client.get(f"{API}/plans?status=paused"), 400, attr="status")


@pytest.mark.django_db
def test_plan_runner_filter(coach_client, world, runner):
    assert len(coach_client.get(f"{API}/plans?runner={runner.pk}").json()["results"]) == 1
    assert coach_client.get(f"{API}/plans?runner=999999").json()["count"] == 0
    assert_error(coach_client.get(f"{API}/plans?runner=abc"), 400, attr="runner")


@pytest.mark.django_db
def test_plan_updated_after_filter(api_client, three_plans):
    old = timezone.now() - timedelta(days=2)
    Plan.objects.filter(pk__in=[p.pk for p in three_plans[1:]]).update(updated_at=old)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    response = api_client.get(f"{API}/plans", {"updated_after": since})
    assert _names(response) == ["Base miles"]
    assert_error(api_client.get(f"{API}/plans?updated_after=yesterday"), 400, attr="updated_after")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("start_date", ["Marathon", "Half build", "Base miles"]),
        ("-start_date", ["Base miles", "Half build", "Marathon"]),
        ("name", ["Base miles", "Half build", "Marathon"]),
        ("-name", ["Marathon", "Half build", "Base miles"]),
        ("status", ["Base miles", "Marathon", "Half build"]),  # active, completed, draft
        ("end_date", ["Marathon", "Half build", "Base miles"]),
    ],
)
def test_plan_ordering(api_client, three_plans, ordering, expected):
    assert _names(api_client.get(f"{API}/plans?ordering={ordering}")) == expected


@pytest.mark.django_db
def test_plan_ordering_by_timestamps(api_client, three_plans):
    names = [p.name for p in three_plans]
    assert _names(api_client.get(f"{API}/plans?ordering=created_at")) == names
    assert _names(api_client.get(f"{API}/plans?ordering=-updated_at")) == names[::-1]


@pytest.mark.django_db
def test_unknown_ordering_field_is_a_400(api_client, three_plans):
    body = assert_error(api_client.get(f"{API}/plans?ordering=runner__password"), 400)
    assert body["errors"][0]["attr"] == "ordering"


# --- Copy ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_copy_plan_shifts_workouts_to_the_new_start(coach_client, coach, runner, world):
    WorkoutFactory(plan=world.plan_a, name="Long", scheduled_date=date(2026, 1, 11))
    response = coach_client.post(
        f"{API}/plans/{world.plan_a.pk}/copy",
        {"runner": runner.pk, "start_date": "2026-06-01"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == PLAN_KEYS
    assert body["id"] != str(world.plan_a.pk)
    # 84-day plan starting 2026-06-01 ends 83 days later.
    assert (body["start_date"], body["end_date"]) == ("2026-06-01", "2026-08-23")
    assert (body["runner"], body["coach"], body["status"]) == (runner.pk, coach.pk, "draft")
    copied = Workout.objects.filter(plan_id=body["id"]).order_by("scheduled_date")
    # Originals on Jan 6 (day 1) and Jan 11 (day 6) from a Jan 5 start.
    assert [(w.name, w.scheduled_date) for w in copied] == [
        ("Easy run", date(2026, 6, 2)),
        ("Long", date(2026, 6, 7)),
    ]


@pytest.mark.django_db
def test_coach_copy_to_a_runner_they_do_not_coach_is_refused(coach_client, other_runner, world):
    response = coach_client.post(
        f"{API}/plans/{world.plan_a.pk}/copy",
        {"runner": other_runner.pk, "start_date": "2026-06-01"},
        format="json",
    )
    assert_error(response, 400, attr="runner")
    assert Plan.objects.count() == 2


@pytest.mark.django_db
@pytest.mark.parametrize("missing", ["runner", "start_date"])
def test_copy_requires_runner_and_start_date(api_client, runner, world, missing):
    payload = {"runner": runner.pk, "start_date": "2026-06-01"}
    del payload[missing]
    response = api_client.post(f"{API}/plans/{world.plan_a.pk}/copy", payload, format="json")
    assert_error(response, 400, attr=missing, code="required")


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "attr"),
    [({"start_date": "2026-01-08"}, "start_date"), ({"end_date": "2026-01-06"}, "end_date")],
)
def test_new_dates_may_not_strand_workouts(api_client, runner, changes, attr):
    plan = PlanFactory(runner=runner, start_date=date(2026, 1, 5), end_date=date(2026, 3, 1))
    WorkoutFactory(plan=plan, scheduled_date=date(2026, 1, 7))
    response = api_client.patch(f"{API}/plans/{plan.pk}", changes, format="json")
    assert_error(response, 400, attr=attr, code="workouts_outside_plan")
    plan.refresh_from_db()
    assert (plan.start_date, plan.end_date) == (date(2026, 1, 5), date(2026, 3, 1))
    # Dates that still contain the workout are fine.
    response = api_client.patch(f"{API}/plans/{plan.pk}", {"end_date": "2026-01-07"}, format="json")
    assert response.status_code == 200
