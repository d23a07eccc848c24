"""The squad page (the coach's admin home) and the athlete calendar: what a coach sees, in the
runner's units, sorted on request, never another coach's athletes, at a query count that does
not grow with the squad."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest
from django.urls import reverse

from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training.models import RunnerProfile, Workout

pytestmark = pytest.mark.django_db

NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)  # a Thursday
TODAY = date(2026, 3, 12)
MONDAY = date(2026, 3, 9)
INDEX = reverse("admin:index")


@pytest.fixture
def frozen():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def at(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 7, tzinfo=UTC)


def coached(coach, username: str, **plan_fields):
    runner = UserFactory(username=username)
    fields = {"start_date": MONDAY - timedelta(weeks=2), "end_date": MONDAY + timedelta(weeks=10)}
    plan = PlanFactory(
        runner=runner, coach=coach, name=f"{username}'s plan", **(fields | plan_fields)
    )
    return runner, plan


def test_squad_is_the_admin_home_with_flags_and_units(client, coach, frozen):
    runner, plan = coached(coach, "miles")
    RunnerProfile.objects.filter(user=runner).update(units="mi")
    WorkoutFactory(
        plan=plan,
        name="Intervals",
        workout_type=Workout.WorkoutType.SPEED,
        scheduled_date=MONDAY + timedelta(days=1),
        planned_distance_m=8046.72,
    )
    RunFactory(
        runner=runner,
        started_at=at(TODAY - timedelta(days=1)),
        distance_m=16093.44,
        duration_s=4800,
    )  # 10 mi at 8:00 /mi
    client.force_login(coach)
    response = client.get(INDEX)
    assert response.status_code == 200
    [line] = response.context["squad_lines"]
    assert line.planned == "5.0 mi"
    assert line.last_run == "Wed 11 Mar: 10.0 mi at 8:00 /mi"
    assert [flag.label for flag in line.flags] == ["Missed key session"]
    assert line.calendar_url == reverse("admin:training_plan_calendar", args=[plan.pk])
    html = response.content.decode()
    assert "Missed key session" in html
    assert f'href="{line.calendar_url}"' in html
    assert 'class="squad-chip band-missed"' in html


def test_squad_never_shows_another_coachs_athletes(client, coach, other_coach, frozen):
    coached(coach, "mine")
    coached(other_coach, "theirs")
    client.force_login(coach)
    html = client.get(INDEX).content.decode()
    assert "mine" in html and "theirs" not in html


def test_a_coach_with_no_runners_gets_a_hint(client, coach, frozen):
    client.force_login(coach)
    response = client.get(INDEX)
    assert response.context["squad_lines"] == []
    assert "You coach no runners yet" in response.content.decode()


def test_squad_sorts_by_the_chosen_column_both_ways(client, coach, frozen):
    fit, _ = coached(coach, "bea")
    idle, _ = coached(coach, "al")
    RunFactory(runner=fit, started_at=at(TODAY - timedelta(days=1)))
    RunFactory(runner=idle, started_at=at(TODAY - timedelta(days=9)))
    client.force_login(coach)

    def order(sort: str | None) -> list[str]:
        query = {"sort": sort} if sort else {}
        return [line.row.username for line in client.get(INDEX, query).context["squad_lines"]]

    assert order(None) == ["al", "bea"]  # most flags first: al is idle
    assert order("athlete") == ["al", "bea"]
    assert order("-athlete") == ["bea", "al"]
    assert order("-last_run") == ["bea", "al"]
    assert order("last_run") == ["al", "bea"]
    assert order("nonsense") == order(None)
    headers = client.get(INDEX, {"sort": "athlete"}).context["squad_headers"]
    athlete = next(header for header in headers if header.key == "athlete")
    assert (athlete.href, athlete.sorted) == ("?sort=-athlete", "ascending")


@pytest.mark.parametrize("size", [5, 50])
def test_squad_page_query_count_does_not_grow(
    client, coach, frozen, size, django_assert_max_num_queries
):
    for index in range(size):
        runner, plan = coached(coach, f"r{index:03d}")
        workout = WorkoutFactory(plan=plan, scheduled_date=MONDAY)
        RunFactory(runner=runner, plan=plan, workout=workout, started_at=at(MONDAY))
        RunFactory(runner=runner, started_at=at(MONDAY - timedelta(days=4)))
    client.force_login(coach)
    # Session and user, the squad's five queries, the coach's permissions (two, for Django's
    # app list) and the coach's own profile: ten for any squad size.
    with django_assert_max_num_queries(10):
        response = client.get(INDEX)
    assert len(response.context["squad_lines"]) == size


# --- the athlete calendar -------------------------------------------------------------------


def test_calendar_shows_workouts_runs_bands_and_add_links(client, coach, frozen):
    runner, plan = coached(
        coach, "cal", start_date=MONDAY, end_date=MONDAY + timedelta(weeks=2, days=-1)
    )
    done = WorkoutFactory(
        plan=plan, name="Done easy", scheduled_date=MONDAY, planned_distance_m=10000.0
    )
    WorkoutFactory(
        plan=plan,
        name="Skipped tempo",
        workout_type=Workout.WorkoutType.TEMPO,
        scheduled_date=MONDAY + timedelta(days=1),
    )
    RunFactory(runner=runner, plan=plan, workout=done, started_at=at(MONDAY), distance_m=10000.0)
    client.force_login(coach)
    response = client.get(reverse("admin:training_plan_calendar", args=[plan.pk]))
    assert response.status_code == 200
    assert len(response.context["grid"]) == 2
    html = response.content.decode()
    assert 'data-band="green"' in html and 'data-band="missed"' in html
    assert reverse("admin:training_workout_change", args=[done.pk]) in html
    add = reverse("admin:training_workout_add") + f"?plan={plan.pk}&amp;scheduled_date=2026-03-10"
    assert add in html
    assert "Run: 10.00 km" in html


def test_another_coach_gets_404_for_the_calendar(client, coach, other_coach, frozen):
    _runner, plan = coached(coach, "private")
    client.force_login(other_coach)
    assert client.get(reverse("admin:training_plan_calendar", args=[plan.pk])).status_code == 404


def test_calendar_needs_a_staff_login(client, coach, runner, frozen):
    _runner, plan = coached(coach, "private")
    url = reverse("admin:training_plan_calendar", args=[plan.pk])
    assert client.get(url).status_code == 302  # to the admin login
    client.force_login(runner)
    assert client.get(url).status_code == 302


def test_plan_form_lists_workouts_as_links_not_inline_rows(client, coach, frozen):
    _runner, plan = coached(coach, "listed")
    workouts = [
        WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=d))
        for d in range(20)
    ]
    client.force_login(coach)
    html = client.get(reverse("admin:training_plan_change", args=[plan.pk])).content.decode()
    assert "workouts-TOTAL_FORMS" not in html
    for workout in workouts:
        assert reverse("admin:training_workout_change", args=[workout.pk]) in html
    assert reverse("admin:training_plan_calendar", args=[plan.pk]) in html
