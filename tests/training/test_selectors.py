"""The visibility matrix (docs/API.md, Who sees what): who sees which plans, workouts and runs, and
who may write runs. Every other layer (API, admin, dashboard) scopes through these selectors."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training import selectors

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(runner, other_runner, coach, other_coach, superuser):
    """runner_a's plan is coached by coach_a, runner_b's by coach_b; each runner has a run linked
    to their plan and an unlinked one."""
    plan_a = PlanFactory(name="A", runner=runner, coach=coach)
    plan_b = PlanFactory(name="B", runner=other_runner, coach=other_coach)
    workout_a = WorkoutFactory(plan=plan_a, name="wa")
    workout_b = WorkoutFactory(plan=plan_b, name="wb")
    runs = {
        "a_linked": RunFactory(runner=runner, plan=plan_a, workout=workout_a),
        "a_free": RunFactory(runner=runner),
        "b_linked": RunFactory(runner=other_runner, plan=plan_b, workout=workout_b),
        "b_free": RunFactory(runner=other_runner),
    }
    return {
        "users": {
            "runner": runner,
            "other_runner": other_runner,
            "coach": coach,
            "other_coach": other_coach,
            "superuser": superuser,
            "anonymous": AnonymousUser(),
        },
        "runs": runs,
    }


# who → (plans, workouts, runs visible, runs editable)
MATRIX = {
    "runner": ({"A"}, {"wa"}, {"a_linked", "a_free"}, {"a_linked", "a_free"}),
    "other_runner": ({"B"}, {"wb"}, {"b_linked", "b_free"}, {"b_linked", "b_free"}),
    "coach": ({"A"}, {"wa"}, {"a_linked", "a_free"}, set()),
    "other_coach": ({"B"}, {"wb"}, {"b_linked", "b_free"}, set()),
    "superuser": ({"A", "B"}, {"wa", "wb"}, {"a_linked", "a_free", "b_linked", "b_free"}, None),
    "anonymous": (set(), set(), set(), set()),
}


def run_names(world, queryset) -> set[str]:
    by_pk = {run.pk: name for name, run in world["runs"].items()}
    return {by_pk[pk] for pk in queryset.values_list("pk", flat=True)}


@pytest.mark.parametrize("who", list(MATRIX))
def test_visibility_matrix(world, who):
    user = world["users"][who]
    plans, workouts, runs, editable = MATRIX[who]
    assert set(selectors.plans_visible_to(user).values_list("name", flat=True)) == plans
    assert set(selectors.workouts_visible_to(user).values_list("name", flat=True)) == workouts
    assert run_names(world, selectors.runs_visible_to(user)) == runs
    if editable is None:  # superuser: everything
        editable = runs
    assert run_names(world, selectors.runs_editable_by(user)) == editable


def test_coach_who_also_runs_sees_own_and_coached_plans(world, coach, runner):
    PlanFactory(name="Coach's own", runner=coach)
    assert set(selectors.plans_visible_to(coach).values_list("name", flat=True)) == {
        "A",
        "Coach's own",
    }


def test_coaching_two_plans_of_one_runner_does_not_duplicate_runs(world, coach, runner):
    PlanFactory(name="A2", runner=runner, coach=coach)
    visible = selectors.runs_visible_to(coach)
    assert visible.count() == 2
    assert len(list(visible)) == 2


def test_coach_loses_sight_of_runs_when_no_plan_names_them_any_more(world, coach, runner):
    runner.plans.update(coach=None)
    assert not selectors.runs_visible_to(coach).exists()
    assert not selectors.plans_visible_to(coach).exists()


def test_user_coaches_runner(world, coach, runner, other_runner):
    assert selectors.user_coaches_runner(coach=coach, runner_id=runner.pk)
    assert not selectors.user_coaches_runner(coach=coach, runner_id=other_runner.pk)
    assert set(selectors.coached_runner_ids(coach).values_list("runner_id", flat=True)) == {
        runner.pk
    }


def test_anonymous_coaches_nobody(world, runner):
    anonymous = AnonymousUser()
    assert not selectors.coached_runner_ids(anonymous).exists()
    assert not selectors.user_coaches_runner(coach=anonymous, runner_id=runner.pk)


def test_the_compiled_coached_runner_lookup_answers_as_the_queryset(
    runner, other_runner, coach, other_coach, django_assert_num_queries
):
    # runs_visible_to reads the coached runners through SQL compiled once from
    # coached_runner_ids; it must name the same runners, for coaches and non-coaches alike.
    PlanFactory(runner=runner, coach=coach)
    PlanFactory(runner=runner, coach=coach)  # a second plan: the runner counts once
    PlanFactory(runner=other_runner, coach=coach)
    PlanFactory(runner=other_runner, coach=other_coach)
    for user in (coach, other_coach, runner):
        expected = set(selectors.coached_runner_ids(user).values_list("runner_id", flat=True))
        with django_assert_num_queries(1):
            assert set(selectors._runner_ids_coached_by(user.pk)) == expected
    assert set(selectors._runner_ids_coached_by(coach.pk)) == {runner.pk, other_runner.pk}
    assert selectors._runner_ids_coached_by(runner.pk) == []
