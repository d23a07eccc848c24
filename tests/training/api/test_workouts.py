"""Workouts over the API: shapes, PUT vs PATCH, validation (incl. structured steps) → 400 with
attr, filters and ordering (docs/API.md, Validation rules)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.utils import timezone

from tests.factories import PlanFactory, WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Workout

WORKOUT_KEYS = {
    "id",
    "plan",
    "name",
    "workout_type",
    "scheduled_date",
    "planned_distance_m",
    "planned_duration_s",
    "target_pace_min_s_per_km",
    "target_pace_max_s_per_km",
    "steps",
    "notes",
    "created_at",
    "updated_at",
}


@pytest.fixture
def plan(runner):
    return PlanFactory(runner=runner, start_date=date(2026, 1, 5), end_date=date(2026, 3, 29))


def new_workout(plan_obj, **changes):
    return {
        "plan": str(plan_obj.pk),
        "name": "Tempo",
        "workout_type": "tempo",
        "scheduled_date": "2026-01-07",
        "planned_distance_m": 10000,
        "planned_duration_s": 3000,
        "target_pace_min_s_per_km": 280,
        "target_pace_max_s_per_km": 300,
        "notes": "Even effort",
        **changes,
    }


@pytest.mark.django_db
def test_create_workout_returns_the_full_workout(api_client, plan):
    response = api_client.post(f"{API}/workouts", new_workout(plan), format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == WORKOUT_KEYS
    assert body["plan"] == str(plan.pk)
    assert body["id"] == str(Workout.objects.get().pk)
    assert body["planned_distance_m"] == 10000
    assert isinstance(body["planned_distance_m"], float)  # a JSON number, not a string
    assert body["planned_duration_s"] == 3000
    assert (body["target_pace_min_s_per_km"], body["target_pace_max_s_per_km"]) == (280, 300)
    assert body["steps"] == []
    assert (body["workout_type"], body["scheduled_date"]) == ("tempo", "2026-01-07")


@pytest.mark.django_db
def test_nested_create_takes_the_plan_from_the_path(api_client, plan, runner):
    other = PlanFactory(runner=runner)
    body = new_workout(other)  # a plan in the body is ignored on the nested route
    response = api_client.post(f"{API}/plans/{plan.pk}/workouts/", body, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["plan"] == str(plan.pk)
    listed = api_client.get(f"{API}/plans/{plan.pk}/workouts").json()
    assert set(listed) == {"count", "next", "previous", "results"}
    assert [w["id"] for w in listed["results"]] == [response.json()["id"]]
    assert listed["results"][0] == api_client.get(f"{API}/workouts/{response.json()['id']}").json()


@pytest.mark.django_db
def test_steps_are_returned_as_given_and_derive_the_totals(api_client, plan):
    steps = [
        {
            "kind": "warmup",
            "distance_m": 2000,
            "target_pace_min_s_per_km": 330,
            "target_pace_max_s_per_km": 350,
        },
        {
            "kind": "work",
            "repeat": 6,
            "distance_m": 800,
            "target_pace_min_s_per_km": 240,
            "target_pace_max_s_per_km": 250,
        },
        {
            "kind": "cooldown",
            "repeat": 1,
            "distance_m": 1500,
            "target_pace_min_s_per_km": 340,
            "target_pace_max_s_per_km": 360,
        },
    ]
    body = new_workout(plan, steps=steps)
    del body["planned_distance_m"], body["planned_duration_s"]
    response = api_client.post(f"{API}/workouts", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    # repeat defaults to 1 when absent; everything else comes back as sent.
    assert data["steps"] == [{**steps[0], "repeat": 1}, steps[1], steps[2]]
    # 2000 + 6*800 + 1500 = 8300 m; 2.0*340 + 6*0.8*245 + 1.5*350 = 680 + 1176 + 525 = 2381 s.
    assert data["planned_distance_m"] == 8300
    assert data["planned_duration_s"] == 2381


@pytest.mark.django_db
def test_repeat_blocks_are_accepted_returned_and_totalled(api_client, plan):
    """docs/API.md, Structured workout steps: 5 x [1 km at 4:00 /km + 2 min jog at 6:00 /km]."""
    block = {
        "kind": "repeat",
        "repeat": 5,
        "steps": [
            {
                "kind": "work",
                "distance_m": 1000,
                "target_pace_min_s_per_km": 240,
                "target_pace_max_s_per_km": 240,
            },
            {
                "kind": "recovery",
                "duration_s": 120,
                "target_pace_min_s_per_km": 360,
                "target_pace_max_s_per_km": 360,
            },
        ],
    }
    body = new_workout(
        plan,
        steps=[
            {
                "kind": "warmup",
                "repeat": 1,
                "distance_m": 2000,
                "target_pace_min_s_per_km": 360,
                "target_pace_max_s_per_km": 360,
            },
            block,
        ],
    )
    del body["planned_distance_m"], body["planned_duration_s"]
    response = api_client.post(f"{API}/workouts", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["steps"][1] == {
        "kind": "repeat",
        "repeat": 5,
        "steps": [{**block["steps"][0], "repeat": 1}, {**block["steps"][1], "repeat": 1}],
    }
    # 2000 + 5 x (1000 + 120 s at 360 s/km = 333.3 m) = 8666.7 m;
    # 720 + 5 x (240 + 120) = 2520 s.
    assert data["planned_distance_m"] == 8666.7
    assert data["planned_duration_s"] == 2520
    fetched = api_client.get(f"{API}/workouts/{data['id']}").json()
    assert fetched["steps"] == data["steps"]


@pytest.mark.django_db
def test_a_bad_step_inside_a_block_is_named(api_client, plan):
    block = {"kind": "repeat", "repeat": 3, "steps": [{"kind": "work"}]}
    response = api_client.post(f"{API}/workouts", new_workout(plan, steps=[block]), format="json")
    body = assert_error(response, 400)
    assert body["errors"][0]["attr"] == "steps"
    assert body["errors"][0]["code"] == "invalid_steps"
    assert body["errors"][0]["detail"].startswith("Step 1.1:")


@pytest.mark.django_db
def test_a_step_may_target_a_pace_zone(api_client, plan):
    steps = [{"kind": "work", "repeat": 4, "distance_m": 1600, "pace_zone": "threshold"}]
    body = new_workout(plan, steps=steps)
    del body["planned_distance_m"], body["planned_duration_s"]
    response = api_client.post(f"{API}/workouts", body, format="json")
    assert response.status_code == 201, response.content
    data = response.json()
    assert data["steps"] == steps  # stored as a zone; each runner's paces resolve it
    assert data["planned_distance_m"] == 6400
    assert data["planned_duration_s"] is None


@pytest.mark.django_db
def test_an_unknown_pace_zone_is_a_400_naming_the_steps(api_client, plan):
    steps = [{"kind": "work", "distance_m": 1600, "pace_zone": "tempo"}]
    response = api_client.post(f"{API}/workouts", new_workout(plan, steps=steps), format="json")
    assert_error(response, 400, attr="steps", code="invalid_steps")


@pytest.mark.django_db
def test_given_totals_win_over_the_steps(api_client, plan):
    body = new_workout(plan, steps=[{"kind": "work", "distance_m": 5000}])
    response = api_client.post(f"{API}/workouts", body, format="json")
    assert response.json()["planned_distance_m"] == 10000


@pytest.mark.django_db
def test_put_requires_required_fields_and_patch_changes_only_what_is_sent(api_client, plan):
    workout = WorkoutFactory(plan=plan, scheduled_date=date(2026, 1, 6), notes="keep")
    url = f"{API}/workouts/{workout.pk}"
    body = assert_error(api_client.put(url, {"name": "Only name"}, format="json"), 400)
    assert {e["attr"] for e in body["errors"]} == {"plan", "scheduled_date"}
    response = api_client.patch(url, {"name": "Renamed"}, format="json")
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["notes"]) == ("Renamed", "keep")
    response = api_client.put(
        url, {"plan": str(plan.pk), "name": "Put", "scheduled_date": "2026-01-09"}, format="json"
    )
    assert response.status_code == 200, response.content
    workout.refresh_from_db()
    assert (workout.name, workout.scheduled_date) == ("Put", date(2026, 1, 9))


@pytest.mark.django_db
def test_delete_workout_unlinks_its_runs(api_client, world):
    response = api_client.delete(f"{API}/workouts/{world.workout_a.pk}")
    assert response.status_code == 204
    world.run_a.refresh_from_db()
    assert world.run_a.workout_id is None
    assert world.run_a.plan_id == world.plan_a.pk


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("changes", "attr"),
    [
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"workout_type": "jog"}, "workout_type"),
        ({"scheduled_date": "2026-01-04"}, "scheduled_date"),  # before the plan
        ({"scheduled_date": "2026-03-30"}, "scheduled_date"),  # after the plan
        ({"planned_distance_m": -1}, "planned_distance_m"),
        ({"planned_distance_m": 500_001}, "planned_distance_m"),
        ({"planned_distance_m": "far"}, "planned_distance_m"),
        ({"planned_duration_s": 7 * 86400 + 1}, "planned_duration_s"),
        ({"target_pace_max_s_per_km": None}, "target_pace_max_s_per_km"),  # both or neither
        ({"target_pace_min_s_per_km": 320}, "target_pace_min_s_per_km"),  # min > max
        ({"target_pace_min_s_per_km": 0}, "target_pace_min_s_per_km"),
        ({"plan": "00000000-0000-0000-0000-000000000000"}, "plan"),
        ({"plan": "not-a-uuid"}, "plan"),
        ({"steps": "fast"}, "steps"),
        ({"steps": [{"kind": "sprint", "distance_m": 100}]}, "steps"),
        ({"steps": [{"kind": "work", "repeat": 51, "distance_m": 100}]}, "steps"),
        ({"steps": [{"kind": "work", "repeat": 0, "distance_m": 100}]}, "steps"),
        ({"steps": [{"kind": "work"}]}, "steps"),
        ({"steps": [{"kind": "work", "distance_m": 100, "duration_s": 30}]}, "steps"),
        (
            {"steps": [{"kind": "work", "distance_m": 100, "target_pace_min_s_per_km": 200}]},
            "steps",
        ),
        ({"steps": [{"kind": "work", "distance_m": 100, "colour": "red"}]}, "steps"),
    ],
)
def test_workout_validation_names_the_field(api_client, plan, changes, attr):
    response = api_client.post(f"{API}/workouts", new_workout(plan, **changes), format="json")
    assert_error(response, 400, attr=attr)
    assert not Workout.objects.exists()


@pytest.mark.django_db
def test_moving_a_workout_outside_its_plan_is_refused_and_changes_nothing(api_client, plan):
    workout = WorkoutFactory(plan=plan, scheduled_date=date(2026, 1, 6))
    response = api_client.patch(
        f"{API}/workouts/{workout.pk}", {"scheduled_date": "2027-01-01"}, format="json"
    )
    assert_error(response, 400, attr="scheduled_date")
    workout.refresh_from_db()
    assert workout.scheduled_date == date(2026, 1, 6)


# --- Filters and ordering ------------------------------------------------------------------------
@pytest.fixture
def workouts(plan, runner):
    second_plan = PlanFactory(runner=runner, start_date=date(2026, 1, 5), end_date=date(2026, 2, 1))
    return [
        WorkoutFactory(
            plan=plan,
            name="A",
            workout_type="easy",
            scheduled_date=date(2026, 1, 10),
            planned_distance_m=6000,
            planned_duration_s=2400,
        ),
        WorkoutFactory(
            plan=plan,
            name="B",
            workout_type="long",
            scheduled_date=date(2026, 1, 6),
            planned_distance_m=20000,
            planned_duration_s=7200,
        ),
        WorkoutFactory(
            plan=second_plan,
            name="C",
            workout_type="tempo",
            scheduled_date=date(2026, 1, 8),
            planned_distance_m=10000,
            planned_duration_s=3000,
        ),
    ]


def _names(response) -> list[str]:
    assert response.status_code == 200, response.content
    return [item["name"] for item in response.json()["results"]]


@pytest.mark.django_db
def test_workouts_default_order_is_scheduled_date(api_client, workouts):
    assert _names(api_client.get(f"{API}/workouts")) == ["B", "C", "A"]


@pytest.mark.django_db
def test_workout_filters(api_client, plan, workouts):
    get = api_client.get
    assert _names(get(f"{API}/workouts?plan={plan.pk}")) == ["B", "A"]
    assert _names(get(f"{API}/workouts?workout_type=tempo")) == ["C"]
    assert _names(get(f"{API}/workouts?scheduled_after=2026-01-08")) == ["C", "A"]
    assert _names(get(f"{API}/workouts?scheduled_before=2026-01-08")) == ["B", "C"]
    assert _names(
        get(f"{API}/workouts?scheduled_after=2026-01-07&scheduled_before=2026-01-09")
    ) == ["C"]
    old = timezone.now() - timedelta(days=3)
    Workout.objects.exclude(name="A").update(updated_at=old)
    since = (timezone.now() - timedelta(days=1)).isoformat()
    assert _names(get(f"{API}/workouts", {"updated_after": since})) == ["A"]


@pytest.mark.django_db
@pytest.mark.parametrize(
    "param",
    [
        "plan=42",
        "workout_type=jog",
        "scheduled_after=tomorrow",
        "scheduled_before=2026-13-01",
        "updated_after=2026-99",
    ],
)
def test_bad_workout_filter_values_are_400_naming_the_parameter(api_client, workouts, param):
    assert_error(api_client.get(f"{API}/workouts?{param}"), 400, attr=param.split("=")[0])


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("scheduled_date", ["B", "C", "A"]),
        ("-scheduled_date", ["A", "C", "B"]),
        ("name", ["A", "B", "C"]),
        ("-name", ["C", "B", "A"]),
        ("workout_type", ["A", "B", "C"]),  # easy, long, tempo
        ("planned_distance_m", ["A", "C", "B"]),
        ("-planned_duration_s", ["B", "C", "A"]),
        ("created_at", ["A", "B", "C"]),
        ("-updated_at", ["C", "B", "A"]),
    ],
)
def test_workout_ordering(api_client, workouts, ordering, expected):
    assert _names(api_client.get(f"{API}/workouts?ordering={ordering}")) == expected


@pytest.mark.django_db
def test_a_workout_cannot_move_to_another_plan(api_client, plan, runner):
    workout = WorkoutFactory(plan=plan, scheduled_date=date(2026, 1, 6))
    other = PlanFactory(runner=runner, start_date=date(2026, 1, 5))
    response = api_client.patch(
        f"{API}/workouts/{workout.pk}", {"plan": str(other.pk)}, format="json"
    )
    assert_error(response, 400, attr="plan", code="immutable")
    workout.refresh_from_db()
    assert workout.plan_id == plan.pk
