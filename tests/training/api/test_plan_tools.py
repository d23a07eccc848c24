"""The API of plan templates and the bulk shift (docs/API.md, Plan templates; Shifting
workouts): shapes, scoping (a coach never reaches another coach's plans or templates) and the
4xx bodies that name the problem."""

from __future__ import annotations

from datetime import date

import pytest

from tests.factories import WorkoutFactory
from tests.helpers import API, assert_error
from training.models import Plan, PlanTemplate, Workout

pytestmark = pytest.mark.django_db

TEMPLATE_KEYS = {
    "id",
    "name",
    "description",
    "goal",
    "anchor",
    "length_days",
    "start_offset_days",
    "owner",
    "workouts",
    "created_at",
    "updated_at",
}


def save(client, plan, **body):
    return client.post(f"{API}/plans/{plan.pk}/save-as-template", body, format="json")


def with_race(world):
    """plan_a runs 84 days from Mon 5 Jan 2026 (to 29 Mar); its workout is on 6 Jan. A race is
    added on Sun 29 Mar."""
    WorkoutFactory(
        plan=world.plan_a,
        name="Race",
        workout_type=Workout.WorkoutType.RACE,
        scheduled_date=date(2026, 3, 29),
    )
    return world.plan_a


def test_coach_saves_a_plan_as_a_template(coach_client, coach, world):
    response = save(coach_client, with_race(world), name="12-week 10K", anchor="race")
    assert response.status_code == 201, response.content
    body = response.json()
    assert set(body) == TEMPLATE_KEYS
    # 5 Jan is 83 days before race day 29 Mar; 6 Jan is 82 days before.
    assert (body["name"], body["anchor"], body["owner"]) == ("12-week 10K", "race", coach.pk)
    assert (body["length_days"], body["start_offset_days"]) == (84, -83)
    assert [(w["name"], w["offset_days"]) for w in body["workouts"]] == [
        ("Easy run", -82),
        ("Race", 0),
    ]


def test_saving_from_race_day_without_a_race_is_a_400(coach_client, world):
    response = save(coach_client, world.plan_a, anchor="race")
    assert_error(response, 400, attr="anchor", code="no_race_day")


def test_saving_with_an_unknown_anchor_is_a_400(coach_client, world):
    assert_error(save(coach_client, world.plan_a, anchor="finish"), 400, attr="anchor")


def test_a_plan_out_of_view_cannot_be_saved_or_shifted(coach_client, world):
    assert_error(save(coach_client, world.plan_b), 404)
    response = coach_client.post(f"{API}/plans/{world.plan_b.pk}/shift", {"days": 1})
    assert_error(response, 404)
    assert not PlanTemplate.objects.exists()


def test_templates_are_listed_to_their_owner_only(coach_client, client_for, other_coach, world):
    template_id = save(coach_client, world.plan_a).json()["id"]
    listed = coach_client.get(f"{API}/plan-templates").json()
    assert [t["id"] for t in listed["results"]] == [template_id]
    other = client_for(other_coach)
    assert other.get(f"{API}/plan-templates").json()["results"] == []
    assert_error(other.get(f"{API}/plan-templates/{template_id}"), 404)
    assert_error(other.delete(f"{API}/plan-templates/{template_id}"), 404)
    response = other.post(
        f"{API}/plan-templates/{template_id}/apply",
        {"runner": other_coach.pk, "start_date": "2026-06-01"},
        format="json",
    )
    assert_error(response, 404)


def test_list_costs_the_same_for_one_or_many_templates(
    coach_client, world, django_assert_max_num_queries
):
    for _ in range(5):
        save(coach_client, world.plan_a)
    # session/auth, count, page, workouts prefetch
    with django_assert_max_num_queries(6):
        response = coach_client.get(f"{API}/plan-templates")
    assert response.json()["count"] == 5


def test_apply_with_a_race_date_for_a_coached_runner(coach_client, coach, runner, world):
    template_id = save(coach_client, with_race(world), anchor="race").json()["id"]
    response = coach_client.post(
        f"{API}/plan-templates/{template_id}/apply",
        {"runner": runner.pk, "race_date": "2026-10-04"},
        format="json",
    )
    assert response.status_code == 201, response.content
    body = response.json()
    # Race 4 Oct 2026; the first day 83 days before is 13 Jul (4 Oct - 83 d: Oct 4 -> Jul 13).
    assert (body["start_date"], body["end_date"]) == ("2026-07-13", "2026-10-04")
    assert (body["runner"], body["coach"], body["status"]) == (runner.pk, coach.pk, "draft")
    days = Workout.objects.filter(plan_id=body["id"]).values_list("scheduled_date", flat=True)
    assert sorted(days) == [date(2026, 7, 14), date(2026, 10, 4)]


def test_apply_to_a_runner_the_coach_does_not_coach_is_refused(coach_client, other_runner, world):
    template_id = save(coach_client, world.plan_a).json()["id"]
    plans_before = Plan.objects.count()
    response = coach_client.post(
        f"{API}/plan-templates/{template_id}/apply",
        {"runner": other_runner.pk, "start_date": "2026-06-01"},
        format="json",
    )
    assert_error(response, 400, attr="runner")
    assert Plan.objects.count() == plans_before


@pytest.mark.parametrize(
    ("body", "attr", "code"),
    [
        ({}, "start_date", None),
        ({"start_date": "2026-06-01", "race_date": "2026-08-23"}, "start_date", None),
        ({"race_date": "2026-08-23"}, "race_date", "no_race_day"),
        ({"start_date": "2999-12-30"}, "end_date", None),
        ({"start_date": "June"}, "start_date", "invalid"),
    ],
)
def test_apply_bad_dates_are_400s_naming_the_field(coach_client, runner, world, body, attr, code):
    template_id = save(coach_client, world.plan_a).json()["id"]
    plans_before = Plan.objects.count()
    response = coach_client.post(
        f"{API}/plan-templates/{template_id}/apply", {"runner": runner.pk, **body}, format="json"
    )
    assert_error(response, 400, attr=attr, code=code)
    assert Plan.objects.count() == plans_before


def test_owner_deletes_a_template_and_plans_made_from_it_stay(coach_client, runner, world):
    template_id = save(coach_client, world.plan_a).json()["id"]
    made = coach_client.post(
        f"{API}/plan-templates/{template_id}/apply",
        {"runner": runner.pk, "start_date": "2026-06-01"},
        format="json",
    ).json()
    assert coach_client.delete(f"{API}/plan-templates/{template_id}").status_code == 204
    assert not PlanTemplate.objects.exists()
    assert Plan.objects.filter(pk=made["id"]).exists()


# --- shift ---------------------------------------------------------------------------------


def test_shift_a_week_by_two_days(coach_client, world):
    # plan_a's workout is on Tue 6 Jan; the first week is 5-11 Jan.
    response = coach_client.post(
        f"{API}/plans/{world.plan_a.pk}/shift",
        {"days": 2, "first_day": "2026-01-05", "last_day": "2026-01-11"},
        format="json",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["days"] == 2
    assert [(w["id"], w["scheduled_date"]) for w in body["workouts"]] == [
        (str(world.workout_a.pk), "2026-01-08")
    ]


def test_shift_out_of_the_plan_is_a_400_and_nothing_moves(coach_client, world):
    # plan_a starts 5 Jan; its workout on 6 Jan cannot move to 3 Jan.
    response = coach_client.post(
        f"{API}/plans/{world.plan_a.pk}/shift",
        {"start_on": "2026-01-03", "first_day": "2026-01-05"},
        format="json",
    )
    body = assert_error(response, 400, attr="start_on", code="workouts_outside_plan")
    assert "2026-01-06" in body["errors"][0]["detail"]
    world.workout_a.refresh_from_db()
    assert world.workout_a.scheduled_date == date(2026, 1, 6)


@pytest.mark.parametrize(
    ("body", "attr"),
    [
        ({}, "days"),
        ({"days": 1, "start_on": "2026-01-07", "first_day": "2026-01-05"}, "days"),
        ({"days": 400}, "days"),
        ({"days": "two"}, "days"),
        ({"days": 1, "first_day": "2026-01-09", "last_day": "2026-01-05"}, "last_day"),
    ],
)
def test_shift_bad_input_is_a_400_naming_the_field(coach_client, world, body, attr):
    response = coach_client.post(f"{API}/plans/{world.plan_a.pk}/shift", body, format="json")
    assert_error(response, 400, attr=attr)
