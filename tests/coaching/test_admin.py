"""The coach's admin workspace: scoping, foreign-key choices, the copy action, inline validation
and a changelist whose query count does not grow with the number of plans."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from analytics.selectors import plan_analytics
from coaching.admin import PlanAdmin
from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training.models import Deletion, Plan, Run, RunnerProfile

pytestmark = pytest.mark.django_db

CHANGELIST = reverse("admin:training_plan_changelist")
ADD = reverse("admin:training_plan_add")


WORKOUT_ADD = reverse("admin:training_workout_add")


def workout_form_data(plan: Plan, **fields: str) -> dict:
    """POST data for the workout form (human units), every typed field blank unless given."""
    return {
        "plan": str(plan.pk),
        "planned_distance_m": "",
        "planned_duration_s": "",
        "target_pace_min_s_per_km": "",
        "target_pace_max_s_per_km": "",
        "steps": "",
        "notes": "",
        **fields,
    }


def change_url(plan: Plan) -> str:
    return reverse("admin:training_plan_change", args=[plan.pk])


@pytest.fixture
def coach_admin(client, coach):
    client.force_login(coach)
    return client


@pytest.fixture
def own_plan(coach, runner):
    return PlanFactory(name="Coached by A", runner=runner, coach=coach)


@pytest.fixture
def foreign_plan(other_coach, other_runner):
    return PlanFactory(name="Coached by B", runner=other_runner, coach=other_coach)


def plan_form_data(plan_fields: dict, workouts: list[dict], initial: int = 0) -> dict:
    """POST data for the plan change form with its workout inline formset."""
    data = {
        "status": "active",
        "goal": "",
        "description": "",
        **plan_fields,
        "workouts-TOTAL_FORMS": str(len(workouts)),
        "workouts-INITIAL_FORMS": str(initial),
        "workouts-MIN_NUM_FORMS": "0",
        "workouts-MAX_NUM_FORMS": "1000",
    }
    for index, workout in enumerate(workouts):
        for key, value in workout.items():
            data[f"workouts-{index}-{key}"] = value
    return data


# --- scoping ----------------------------------------------------------------------------------


def test_coach_sees_only_the_plans_they_coach(coach_admin, own_plan, foreign_plan):
    response = coach_admin.get(CHANGELIST)
    assert response.status_code == 200
    names = [plan.name for plan in response.context["cl"].result_list]
    assert names == ["Coached by A"]


def test_superuser_sees_every_plan(client, superuser, own_plan, foreign_plan):
    client.force_login(superuser)
    response = client.get(CHANGELIST)
    assert {plan.name for plan in response.context["cl"].result_list} == {
        "Coached by A",
        "Coached by B",
    }


def test_coach_cannot_open_another_coachs_plan(coach_admin, foreign_plan):
    assert coach_admin.get(change_url(foreign_plan)).status_code == 404
    delete_url = reverse("admin:training_plan_delete", args=[foreign_plan.pk])
    assert coach_admin.get(delete_url).status_code == 404
    assert coach_admin.post(delete_url, {"post": "yes"}).status_code == 404
    history_url = reverse("admin:training_plan_history", args=[foreign_plan.pk])
    assert coach_admin.get(history_url).status_code == 404
    assert Plan.objects.filter(pk=foreign_plan.pk).exists()


def test_coach_cannot_change_another_coachs_plan_by_posting(coach_admin, foreign_plan, runner):
    data = plan_form_data(
        {
            "name": "Hijacked",
            "runner": foreign_plan.runner_id,
            "coach": foreign_plan.coach_id,
            "start_date": foreign_plan.start_date.isoformat(),
            "end_date": foreign_plan.end_date.isoformat(),
        },
        [],
    )
    assert coach_admin.post(change_url(foreign_plan), data).status_code == 404
    foreign_plan.refresh_from_db()
    assert foreign_plan.name == "Coached by B"


def test_coach_opens_own_plan_with_workouts_inline_in_date_order(coach_admin, own_plan):
    start = own_plan.start_date
    WorkoutFactory(plan=own_plan, name="Late long run", scheduled_date=start + timedelta(days=6))
    WorkoutFactory(plan=own_plan, name="Early easy run", scheduled_date=start)
    response = coach_admin.get(change_url(own_plan))
    assert response.status_code == 200
    body = response.content.decode()
    assert body.index("Early easy run") < body.index("Late long run")


def test_coach_sees_only_their_plans_workouts(coach_admin, own_plan, foreign_plan):
    mine = WorkoutFactory(plan=own_plan, name="Mine")
    theirs = WorkoutFactory(plan=foreign_plan, name="Theirs")
    response = coach_admin.get(reverse("admin:training_workout_changelist"))
    assert [w.name for w in response.context["cl"].result_list] == ["Mine"]
    assert (
        coach_admin.get(reverse("admin:training_workout_change", args=[theirs.pk])).status_code
        == 404
    )
    assert (
        coach_admin.get(reverse("admin:training_workout_change", args=[mine.pk])).status_code == 200
    )


# --- foreign-key choices ----------------------------------------------------------------------


def test_add_form_offers_only_coached_runners_and_the_coach_themself(
    coach_admin, coach, own_plan, foreign_plan, other_coach
):
    stranger = UserFactory(username="stranger")
    response = coach_admin.get(ADD)
    form = response.context["adminform"].form
    assert list(form.fields["runner"].queryset) == [own_plan.runner]
    assert list(form.fields["coach"].queryset) == [coach]
    assert form.fields["coach"].required
    assert str(form.initial["coach"]) == str(coach.pk)
    body = response.content.decode()
    for leaked in (stranger.username, other_coach.username, foreign_plan.runner.username):
        assert f">{leaked}<" not in body


def test_coach_cannot_make_another_coach_the_plans_coach(
    coach_admin, own_plan, other_coach, runner
):
    data = plan_form_data(
        {
            "name": "For someone else",
            "runner": runner.pk,
            "coach": other_coach.pk,
            "start_date": "2026-03-02",
            "end_date": "2026-04-26",
        },
        [],
    )
    response = coach_admin.post(ADD, data)
    assert response.status_code == 200
    assert "coach" in response.context["adminform"].form.errors
    assert not Plan.objects.filter(name="For someone else").exists()


def test_coach_cannot_create_a_plan_for_a_runner_they_do_not_coach(coach_admin, coach, own_plan):
    stranger = UserFactory(username="stranger")
    data = plan_form_data(
        {
            "name": "Unasked",
            "runner": stranger.pk,
            "coach": coach.pk,
            "start_date": "2026-03-02",
            "end_date": "2026-04-26",
        },
        [],
    )
    response = coach_admin.post(ADD, data)
    assert "runner" in response.context["adminform"].form.errors
    assert not Plan.objects.filter(name="Unasked").exists()


def test_coach_adds_a_plan_then_its_workout_on_its_own_form(coach_admin, coach, own_plan, runner):
    data = plan_form_data(
        {
            "name": "  Autumn 10K  ",
            "runner": runner.pk,
            "coach": coach.pk,
            "start_date": "2026-09-07",
            "end_date": "2026-10-04",
        },
        [],
    )
    response = coach_admin.post(ADD, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    plan = Plan.objects.get(name="Autumn 10K")
    assert plan.coach == coach
    assert plan.runner == runner
    response = coach_admin.post(
        WORKOUT_ADD,
        workout_form_data(
            plan,
            scheduled_date="2026-09-08",
            name="Tempo",
            workout_type="tempo",
            planned_distance_m="8 km",
            planned_duration_s="42:00",
            target_pace_min_s_per_km="4:50",
            target_pace_max_s_per_km="5:00",
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == reverse("admin:training_plan_calendar", args=[plan.pk])
    workout = plan.workouts.get()
    assert workout.scheduled_date == date(2026, 9, 8)
    assert (workout.planned_distance_m, workout.planned_duration_s) == (8000.0, 2520)
    assert (workout.target_pace_min_s_per_km, workout.target_pace_max_s_per_km) == (290, 300)


# --- the workout form runs Workout.clean --------------------------------------------------------


@pytest.mark.parametrize(
    ("scheduled", "accepted"),
    [("2026-03-02", True), ("2026-03-29", True), ("2026-03-01", False), ("2026-03-30", False)],
)
def test_workout_date_must_lie_within_the_plan(coach_admin, coach, runner, scheduled, accepted):
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29)
    )
    data = workout_form_data(plan, scheduled_date=scheduled, name="Easy", workout_type="easy")
    response = coach_admin.post(WORKOUT_ADD, data)
    if accepted:
        assert response.status_code == 302
        assert plan.workouts.get().scheduled_date == date.fromisoformat(scheduled)
    else:
        assert response.status_code == 200
        assert "scheduled_date" in response.context["adminform"].form.errors
        assert not plan.workouts.exists()


def test_workout_form_rejects_half_a_pace_range(coach_admin, coach, runner):
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29)
    )
    data = workout_form_data(
        plan,
        scheduled_date="2026-03-03",
        name="Tempo",
        workout_type="tempo",
        target_pace_min_s_per_km="4:50",
    )
    response = coach_admin.post(WORKOUT_ADD, data)
    assert response.status_code == 200
    assert "target_pace_max_s_per_km" in response.context["adminform"].form.errors
    assert not plan.workouts.exists()


def test_add_form_with_invalid_plan_dates_and_a_workout_reports_errors_not_a_crash(
    coach_admin, coach, own_plan, runner
):
    data = plan_form_data(
        {"name": "No dates", "runner": runner.pk, "coach": coach.pk, "start_date": "nope"},
        [{"scheduled_date": "2026-03-03", "name": "Easy", "workout_type": "easy"}],
    )
    response = coach_admin.post(ADD, data)
    assert response.status_code == 200
    assert "start_date" in response.context["adminform"].form.errors


# --- list columns -----------------------------------------------------------------------------


def test_changelist_shows_workout_count_and_adherence_so_far(coach_admin, coach, runner):
    today = timezone.localdate()
    plan = PlanFactory(
        runner=runner,
        coach=coach,
        start_date=today - timedelta(days=10),
        end_date=today + timedelta(days=20),
    )
    due = [
        WorkoutFactory(plan=plan, scheduled_date=today - timedelta(days=days)) for days in (9, 6, 3)
    ]
    WorkoutFactory(plan=plan, scheduled_date=today - timedelta(days=2), workout_type="rest")
    WorkoutFactory(plan=plan, scheduled_date=today + timedelta(days=1))
    done_early = WorkoutFactory(plan=plan, scheduled_date=today + timedelta(days=2))
    # Two of the three due workouts done (one twice), and an upcoming one done early: like the
    # API, a completed workout counts whatever its date, so 3 completed and 1 missed.
    for workout in (due[0], due[1], due[1], done_early):
        RunFactory(runner=runner, plan=plan, workout=workout)
    response = coach_admin.get(CHANGELIST)
    row = response.context["cl"].result_list[0]
    assert row.workouts_total == 6
    assert (row.adherence_completed, row.adherence_missed) == (3, 1)
    assert "75% (3/4)" in response.content.decode()
    assert plan_analytics(plan=plan).adherence_percentage == 75.0


def test_adherence_rounds_to_one_decimal_as_the_api_does(coach_admin, coach, runner):
    today = timezone.localdate()
    plan = PlanFactory(runner=runner, coach=coach, start_date=today - timedelta(days=10))
    for days in (9, 6, 3):
        workout = WorkoutFactory(plan=plan, scheduled_date=today - timedelta(days=days))
        if days != 3:
            RunFactory(runner=runner, plan=plan, workout=workout)
    response = coach_admin.get(CHANGELIST)
    assert "66.7% (2/3)" in response.content.decode()
    assert plan_analytics(plan=plan).adherence_percentage == 66.7


def test_adherence_is_a_dash_before_anything_is_due(coach_admin, coach, runner):
    today = timezone.localdate()
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=today, end_date=today + timedelta(days=7)
    )
    WorkoutFactory(plan=plan, scheduled_date=today)  # due today: not missed yet
    response = coach_admin.get(CHANGELIST)
    changelist = response.context["cl"]
    row = changelist.result_list[0]
    assert (row.adherence_completed, row.adherence_missed) == (0, 0)
    assert changelist.model_admin.adherence_so_far(row) == "—"


@pytest.mark.parametrize(
    ("zone", "moment", "expected"),
    [
        # 20:00 UTC on 11 March is 09:00 on 12 March in Auckland: the workout of the 11th (today
        # in UTC) is already missed on the runner's clock.
        ("Pacific/Auckland", datetime(2025, 3, 11, 20, 0, tzinfo=UTC), (1, 2, 33.3)),
        # 05:00 UTC on 12 March is 22:00 on 11 March in Los Angeles: the workout of the 11th
        # (yesterday in UTC) can still be run today on the runner's clock.
        ("America/Los_Angeles", datetime(2025, 3, 12, 5, 0, tzinfo=UTC), (1, 1, 50.0)),
    ],
)
def test_changelist_and_api_count_adherence_on_the_runners_local_date(
    coach_admin, coach, runner, zone, moment, expected
):
    """One adherence rule (docs/API.md): "due" is before the runner's local today, not the
    server's (UTC) date, in the admin's changelist as in the API."""
    runner.profile.timezone = zone
    runner.profile.save()
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2025, 3, 3), end_date=date(2025, 3, 30)
    )
    done = WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 9))
    RunFactory(runner=runner, plan=plan, workout=done)
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 10))  # missed everywhere
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 11))  # the one the zone decides
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 20))  # upcoming everywhere
    completed, missed, percentage = expected
    with mock.patch("django.utils.timezone.now", return_value=moment):
        response = coach_admin.get(CHANGELIST)
        analytics = coach_admin.get(f"/api/v1/analytics/plan/{plan.pk}").json()
    row = response.context["cl"].result_list[0]
    assert (row.adherence_completed, row.adherence_missed) == (completed, missed)
    assert f"{percentage:g}% ({completed}/{completed + missed})" in response.content.decode()
    assert analytics["workouts"]["missed"] == missed
    assert analytics["adherence_percentage"] == percentage


def test_changelist_sorts_by_adherence_column(coach_admin, coach, runner):
    today = timezone.localdate()
    for due_days in ((1,), (1, 2, 3), ()):
        plan = PlanFactory(runner=runner, coach=coach, start_date=today - timedelta(days=5))
        for days in due_days:
            WorkoutFactory(plan=plan, scheduled_date=today - timedelta(days=days))
    column = PlanAdmin.list_display.index("adherence_so_far") + 1
    response = coach_admin.get(CHANGELIST, {"o": f"-{column}"})
    assert response.status_code == 200
    rows = response.context["cl"].result_list
    assert [r.adherence_completed + r.adherence_missed for r in rows] == [3, 1, 0]


def _make_coached_plans(coach, count: int) -> None:
    today = timezone.localdate()
    zones = ("UTC", "Pacific/Auckland", "America/Los_Angeles", "Asia/Kathmandu")
    for index in range(count):
        runner = UserFactory()
        # Runners in several time zones: each plan's "today" is its runner's local date.
        RunnerProfile.objects.filter(user=runner).update(timezone=zones[index % len(zones)])
        plan = PlanFactory(runner=runner, coach=coach, start_date=today - timedelta(days=7))
        for days in range(3):
            workout = WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days))
            if index % 2:
                RunFactory(runner=runner, plan=plan, workout=workout)


def _changelist_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(CHANGELIST)
    assert response.status_code == 200
    return len(queries)


def test_changelist_query_count_does_not_grow_with_plans(
    coach_admin, coach, django_assert_max_num_queries
):
    _make_coached_plans(coach, 5)
    # 13: one of them lists the runners' time zones, to count adherence on each runner's local
    # date (analytics.selectors.annotate_plan_adherence); it was 12 while "today" was UTC's.
    with django_assert_max_num_queries(13):
        small = _changelist_queries(coach_admin)
    _make_coached_plans(coach, 45)
    with django_assert_max_num_queries(13):
        large = _changelist_queries(coach_admin)
    assert Plan.objects.filter(coach=coach).count() == 50
    assert large == small


# --- copy to another runner -------------------------------------------------------------------


def test_copy_action_shows_a_form_with_only_coached_runners(coach_admin, own_plan, foreign_plan):
    second = UserFactory(username="second_runner")
    PlanFactory(runner=second, coach=own_plan.coach)
    response = coach_admin.post(
        CHANGELIST, {"action": "copy_to_runner", "_selected_action": [own_plan.pk]}
    )
    assert response.status_code == 200
    runners = set(response.context["form"].fields["runner"].queryset)
    assert runners == {own_plan.runner, second}
    assert foreign_plan.runner.username not in response.content.decode()


def test_copy_action_copies_workouts_shifted_to_the_new_start(coach_admin, coach, runner):
    second = UserFactory(username="second_runner")
    PlanFactory(runner=second, coach=coach, name="Existing")
    plan = PlanFactory(
        name="Base block",
        runner=runner,
        coach=coach,
        start_date=date(2026, 3, 2),
        end_date=date(2026, 3, 29),
    )
    WorkoutFactory(plan=plan, name="Easy", scheduled_date=date(2026, 3, 2))
    WorkoutFactory(
        plan=plan,
        name="Tempo",
        workout_type="tempo",
        scheduled_date=date(2026, 3, 5),
        target_pace_min_s_per_km=290,
        target_pace_max_s_per_km=300,
    )
    WorkoutFactory(plan=plan, name="Long", workout_type="long", scheduled_date=date(2026, 3, 29))
    RunFactory(runner=runner, plan=plan)

    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "copy_to_runner",
            "_selected_action": [plan.pk],
            "apply": "Copy plan",
            "runner": second.pk,
            "start_date": "2026-04-06",
        },
    )
    copy = Plan.objects.get(runner=second, name="Base block")
    assert response.status_code == 302
    assert response["Location"] == change_url(copy)
    # 2 March → 6 April is 35 days (29 days left in March + 6), so every date moves by 35 days.
    assert (copy.start_date, copy.end_date) == (date(2026, 4, 6), date(2026, 5, 3))
    assert copy.status == Plan.Status.DRAFT
    assert copy.coach == coach
    assert list(copy.workouts.values_list("name", "scheduled_date")) == [
        ("Easy", date(2026, 4, 6)),
        ("Tempo", date(2026, 4, 9)),
        ("Long", date(2026, 5, 3)),
    ]
    tempo = copy.workouts.get(name="Tempo")
    assert (tempo.target_pace_min_s_per_km, tempo.target_pace_max_s_per_km) == (290, 300)
    assert not Run.objects.filter(plan=copy).exists()
    assert plan.workouts.count() == 3  # the original is untouched


def test_copy_action_refuses_a_runner_the_coach_does_not_coach(coach_admin, own_plan):
    stranger = UserFactory(username="stranger")
    response = coach_admin.post(
        CHANGELIST,
        {
            "action": "copy_to_runner",
            "_selected_action": [own_plan.pk],
            "apply": "Copy plan",
            "runner": stranger.pk,
            "start_date": "2026-04-06",
        },
    )
    assert response.status_code == 200
    assert "runner" in response.context["form"].errors
    assert not Plan.objects.filter(runner=stranger).exists()


def test_copy_action_cannot_copy_another_coachs_plan(coach_admin, own_plan, foreign_plan):
    before = Plan.objects.count()
    coach_admin.post(
        CHANGELIST,
        {
            "action": "copy_to_runner",
            "_selected_action": [foreign_plan.pk],
            "apply": "Copy plan",
            "runner": own_plan.runner_id,
            "start_date": "2026-04-06",
        },
    )
    assert Plan.objects.count() == before


def test_copy_action_needs_exactly_one_plan(coach_admin, coach, own_plan):
    second = PlanFactory(runner=own_plan.runner, coach=coach)
    before = Plan.objects.count()
    response = coach_admin.post(
        CHANGELIST,
        {"action": "copy_to_runner", "_selected_action": [own_plan.pk, second.pk]},
        follow=True,
    )
    assert "Select exactly one plan" in response.content.decode()
    assert Plan.objects.count() == before


# --- runs and profiles ------------------------------------------------------------------------


def test_coach_reads_their_runners_runs_only(coach_admin, own_plan, foreign_plan):
    mine = RunFactory(runner=own_plan.runner, notes="coached runner")
    theirs = RunFactory(runner=foreign_plan.runner, notes="someone else")
    response = coach_admin.get(reverse("admin:training_run_changelist"))
    assert [run.pk for run in response.context["cl"].result_list] == [mine.pk]
    assert (
        coach_admin.get(reverse("admin:training_run_change", args=[theirs.pk])).status_code == 404
    )


def test_coach_can_view_but_not_change_a_coached_runners_run(coach_admin, own_plan):
    run = RunFactory(runner=own_plan.runner, distance_m=10_000, duration_s=3000)
    url = reverse("admin:training_run_change", args=[run.pk])
    response = coach_admin.get(url)
    assert response.status_code == 200
    assert not response.context["has_change_permission"]
    assert coach_admin.post(url, {"distance_m": "1"}).status_code == 403
    run.refresh_from_db()
    assert run.distance_m == 10_000


def test_run_changelist_shows_distance_duration_and_pace(coach_admin, own_plan):
    RunFactory(runner=own_plan.runner, distance_m=10_000, duration_s=3000)
    body = coach_admin.get(reverse("admin:training_run_changelist")).content.decode()
    assert "10.00" in body
    assert "50:00" in body
    assert "5:00\u00a0/km" in body  # 3000 s over 10 km


def test_workout_changelist_shows_the_pace_range_on_one_line(coach_admin, own_plan):
    WorkoutFactory(plan=own_plan, target_pace_min_s_per_km=255, target_pace_max_s_per_km=265)
    body = coach_admin.get(reverse("admin:training_workout_changelist")).content.decode()
    assert "4:15\N{EN DASH}4:25\u00a0/km" in body


def test_coach_sees_only_coached_runners_profiles(coach_admin, own_plan, foreign_plan):
    response = coach_admin.get(reverse("admin:training_runnerprofile_changelist"))
    assert [p.user for p in response.context["cl"].result_list] == [own_plan.runner]
    other = foreign_plan.runner.profile
    url = reverse("admin:training_runnerprofile_change", args=[other.pk])
    assert coach_admin.get(url).status_code == 404


def test_coach_has_no_access_to_user_accounts(coach_admin):
    assert coach_admin.get(reverse("admin:auth_user_changelist")).status_code == 403


def test_superuser_edits_the_runner_profile_inline_on_the_user(client, superuser, runner):
    client.force_login(superuser)
    response = client.get(reverse("admin:auth_user_change", args=[runner.pk]))
    assert response.status_code == 200
    assert "max_hr" in response.content.decode()
    assert "calendar_token" not in response.content.decode()


def test_plain_staff_without_coach_group_has_no_plan_access(client):
    staff = UserFactory(username="helpdesk", is_staff=True)
    client.force_login(staff)
    assert client.get(CHANGELIST).status_code == 403


def test_superuser_adds_a_user_and_gets_exactly_one_profile(client, superuser):
    client.force_login(superuser)
    response = client.post(
        reverse("admin:auth_user_add"),
        {
            "username": "newrunner",
            "password1": "a-long-enough-password-1",
            "password2": "a-long-enough-password-1",
            "usable_password": "true",
        },
    )
    assert response.status_code == 302
    user = get_user_model().objects.get(username="newrunner")
    assert RunnerProfile.objects.filter(user=user).count() == 1


def test_workout_change_page_explains_structured_steps(coach_admin, own_plan):
    workout = WorkoutFactory(plan=own_plan)
    response = coach_admin.get(reverse("admin:training_workout_change", args=[workout.pk]))
    assert "5 x [work 1 km at 4:00; jog 2 min]" in response.content.decode()


def test_workout_admin_rejects_invalid_steps(coach_admin, own_plan):
    workout = WorkoutFactory(plan=own_plan, scheduled_date=own_plan.start_date)
    response = coach_admin.post(
        reverse("admin:training_workout_change", args=[workout.pk]),
        {
            "plan": own_plan.pk,
            "name": "Intervals",
            "workout_type": "speed",
            "scheduled_date": own_plan.start_date.isoformat(),
            "steps": "51 x work 400 m",
            "notes": "",
        },
    )
    assert response.status_code == 200
    assert "steps" in response.context["adminform"].form.errors
    workout.refresh_from_db()
    assert workout.steps == []


def test_workout_add_form_offers_only_the_coachs_plans(coach_admin, own_plan, foreign_plan):
    response = coach_admin.get(reverse("admin:training_workout_add"))
    assert list(response.context["adminform"].form.fields["plan"].queryset) == [own_plan]
    assert "Coached by B" not in response.content.decode()


def test_shortening_a_plan_past_its_existing_workouts_is_refused(coach_admin, coach, runner):
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29)
    )
    workout = WorkoutFactory(plan=plan, name="Long", scheduled_date=date(2026, 3, 29))
    data = plan_form_data(
        {
            "name": plan.name,
            "runner": runner.pk,
            "coach": coach.pk,
            "start_date": "2026-03-02",
            "end_date": "2026-03-22",  # a week shorter: the long run on the 29th falls outside
        },
        [
            {
                "id": workout.pk,
                "plan": plan.pk,
                "scheduled_date": "2026-03-29",
                "name": "Long",
                "workout_type": "easy",
                "planned_distance_m": "8000.0",
                "planned_duration_s": "2880",
            }
        ],
        initial=1,
    )
    response = coach_admin.post(change_url(plan), data)
    assert response.status_code == 200
    # The plan form refuses with the API's rule (services.plan_validate_dates), not only the row.
    assert "outside the new dates" in str(response.context["adminform"].form.errors["end_date"])
    plan.refresh_from_db()
    assert plan.end_date == date(2026, 3, 29)


def test_shrinking_a_plan_from_a_stale_form_cannot_strand_a_workout(coach_admin, coach, runner):
    """The change form was opened before the workout on the 29th was added (say, over the API):
    its inline has no row for it, so only the plan's own check can see that it would be
    stranded."""
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 3, 29)
    )
    WorkoutFactory(plan=plan, name="Long", scheduled_date=date(2026, 3, 29))
    plan_fields = {"name": plan.name, "runner": runner.pk, "coach": coach.pk}
    data = plan_form_data({**plan_fields, "start_date": "2026-03-02", "end_date": "2026-03-22"}, [])

    response = coach_admin.post(change_url(plan), data)

    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["end_date"] == [
        "The plan has a workout on 2026-03-29, outside the new dates; move or delete it first."
    ]
    plan.refresh_from_db()
    assert (plan.start_date, plan.end_date) == (date(2026, 3, 2), date(2026, 3, 29))
    assert plan.workouts.get().scheduled_date == date(2026, 3, 29)


def test_deleting_a_plan_in_the_admin_marks_its_runs_changed_for_sync(coach_admin, own_plan):
    run = RunFactory(runner=own_plan.runner, plan=own_plan)
    before = run.updated_at
    delete_url = reverse("admin:training_plan_delete", args=[own_plan.pk])

    assert coach_admin.post(delete_url, {"post": "yes"}).status_code == 302

    run.refresh_from_db()
    assert run.plan_id is None
    assert run.updated_at > before  # plan_delete's rule: syncing clients fetch the run again
    assert Deletion.objects.filter(object_id=own_plan.pk).exists()


def test_deleting_a_workout_unlinks_its_runs_as_changed(coach_admin, coach, runner):
    plan = PlanFactory(runner=runner, coach=coach)
    workout = WorkoutFactory(plan=plan)
    run = RunFactory(runner=runner, plan=plan, workout=workout)
    before = run.updated_at
    delete_url = reverse("admin:training_workout_delete", args=[workout.pk])

    response = coach_admin.post(delete_url, {"post": "yes"})

    assert response.status_code == 302
    assert not plan.workouts.exists()
    run.refresh_from_db()
    assert (run.workout_id, run.plan_id) == (None, plan.pk)
    assert run.updated_at > before
    assert Deletion.objects.filter(object_id=workout.pk).exists()
