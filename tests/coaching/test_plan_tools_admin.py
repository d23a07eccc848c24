"""The admin's plan templates and bulk shift (issue 17, items 4 and 5): the "save as template"
and "shift workouts" actions on the plan list, the template list and its "apply" page, all
scoped to the coach (another coach's plans and templates are out of reach)."""

from __future__ import annotations

from datetime import date

import pytest
from django.urls import reverse

from tests.factories import PlanFactory, UserFactory, WorkoutFactory
from training import services
from training.models import Plan, PlanTemplate, Workout

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:training_plan_changelist")
TEMPLATES = reverse("admin:training_plantemplate_changelist")


def apply_url(template: PlanTemplate) -> str:
    return reverse("admin:training_plantemplate_apply", args=[template.pk])


@pytest.fixture
def coach_admin(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def own_plan(coach, runner):
    """2 to 29 Mar 2026, with an easy run on 3 Mar and the race on 29 Mar."""
    plan = PlanFactory(
        name="10K block",
        runner=runner,
        coach=coach,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 29),
    )
    WorkoutFactory(plan=plan, name="Easy", scheduled_date=date(2026, 3, 3))
    WorkoutFactory(
        plan=plan, name="Race", workout_type=Workout.WorkoutType.RACE, scheduled_date=plan.end_date
    )
    return plan


@pytest.fixture
def foreign_plan(other_coach, other_runner):
    return PlanFactory(name="Coached by B", runner=other_runner, coach=other_coach)


def test_save_as_template_action_saves_the_plan(coach_admin, coach, own_plan):
    response = coach_admin.post(
        CHANGELIST, {"action": "save_as_template", "_selected_action": [own_plan.pk]}
    )
    assert response.status_code == 200
    assert set(response.context["form"].fields) == {"name", "anchor"}
    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "save_as_template",
            "_selected_action": [own_plan.pk],
            "apply": "Save template",
            "name": "Four weeks to a 10K",
            "anchor": "race",
        },
    )
    assert response.status_code == 302
    template = PlanTemplate.objects.get()
    assert (template.name, template.owner, template.anchor) == (
        "Four weeks to a 10K",
        coach,
        "race",
    )
    # 3 Mar is 26 days before the race on 29 Mar.
    assert list(template.workouts.values_list("offset_days", flat=True)) == [-26, 0]


def test_save_as_template_shows_the_services_error_on_the_field(coach_admin, coach, runner):
    plan = PlanFactory(runner=runner, coach=coach)
    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "save_as_template",
            "_selected_action": [plan.pk],
            "apply": "Save template",
            "anchor": "race",
        },
    )
    assert response.status_code == 200
    assert "no race workout" in response.context["form"].errors["anchor"][0]
    assert not PlanTemplate.objects.exists()


def test_actions_cannot_reach_another_coachs_plan(coach_admin, foreign_plan):
    WorkoutFactory(plan=foreign_plan, scheduled_date=foreign_plan.start_date)
    for action, fields in (
        ("save_as_template", {"anchor": "start"}),
        ("shift_workouts", {"days": "1", "first_day": str(foreign_plan.start_date)}),
    ):
        coach_admin.post(
            CHANGELIST,
            {"action": action, "_selected_action": [foreign_plan.pk], "apply": "x", **fields},
        )
    assert not PlanTemplate.objects.exists()
    assert foreign_plan.workouts.get().scheduled_date == foreign_plan.start_date


def test_template_list_and_apply_page_are_the_owners_only(client, other_coach, coach, own_plan):
    template = services.plan_template_create(plan=own_plan, owner=coach)
    client.force_login(other_coach)
    assert template.name not in client.get(TEMPLATES).content.decode()
    assert client.get(apply_url(template)).status_code == 404
    assert (
        client.get(reverse("admin:training_plantemplate_change", args=[template.pk])).status_code
        == 404
    )


def test_apply_template_with_a_race_date(coach_admin, coach, runner, own_plan):
    template = services.plan_template_create(plan=own_plan, owner=coach, anchor="race")
    newcomer = UserFactory(username="newcomer")
    PlanFactory(runner=newcomer, coach=coach, name="Intro")  # a runner the coach coaches
    page = coach_admin.get(apply_url(template))
    assert page.status_code == 200
    assert set(page.context["form"].fields["runner"].queryset) == {runner, newcomer}
    response = coach_admin.post(
        apply_url(template), {"runner": newcomer.pk, "race_date": "2026-06-28"}
    )
    assert response.status_code == 302
    plan = Plan.objects.get(runner=newcomer, name="10K block")
    # Race 28 Jun; the plan starts 27 days before (1 Jun), the easy run 26 days before (2 Jun).
    assert (plan.start_date, plan.end_date, plan.coach) == (
        date(2026, 6, 1),
        date(2026, 6, 28),
        coach,
    )
    assert list(plan.workouts.values_list("scheduled_date", flat=True)) == [
        date(2026, 6, 2),
        date(2026, 6, 28),
    ]


def test_apply_template_refuses_a_runner_the_coach_does_not_coach(coach_admin, coach, own_plan):
    template = services.plan_template_create(plan=own_plan, owner=coach)
    stranger = UserFactory(username="stranger")
    response = coach_admin.post(
        apply_url(template), {"runner": stranger.pk, "start_date": "2026-06-01"}
    )
    assert response.status_code == 200
    assert "runner" in response.context["form"].errors
    assert not Plan.objects.filter(runner=stranger).exists()


def test_apply_template_without_a_date_names_the_field(coach_admin, coach, runner, own_plan):
    template = services.plan_template_create(plan=own_plan, owner=coach)
    response = coach_admin.post(apply_url(template), {"runner": runner.pk})
    assert response.status_code == 200
    assert "start_date" in response.context["form"].errors


def test_shift_action_moves_a_week_by_two_days(coach_admin, own_plan):
    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "shift_workouts",
            "_selected_action": [own_plan.pk],
            "apply": "Shift workouts",
            "days": "2",
            "first_day": "2026-03-02",
            "last_day": "2026-03-08",
        },
    )
    assert response.status_code == 302
    assert list(own_plan.workouts.values_list("name", "scheduled_date")) == [
        ("Easy", date(2026, 3, 5)),
        ("Race", date(2026, 3, 29)),
    ]


def test_shift_action_refuses_leaving_the_plan_and_moves_nothing(coach_admin, own_plan):
    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "shift_workouts",
            "_selected_action": [own_plan.pk],
            "apply": "Shift workouts",
            "days": "1",
            "first_day": "2026-03-02",
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors["days"][0]
    assert "2026-03-30" in errors and "nothing was moved" in errors
    assert list(own_plan.workouts.values_list("scheduled_date", flat=True)) == [
        date(2026, 3, 3),
        date(2026, 3, 29),
    ]


def test_shift_form_needs_days_or_a_new_first_day(coach_admin, own_plan):
    response = coach_admin.post(
        CHANGELIST,
        {"action": "shift_workouts", "_selected_action": [own_plan.pk], "apply": "Shift workouts"},
    )
    assert response.status_code == 200
    assert "Give either" in str(response.context["form"].non_field_errors())
