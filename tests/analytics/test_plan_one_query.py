"""Plan progress and plan analytics in one query each (docs/PERFORMANCE.md, section 23) answer
byte for byte what the previous path answered: ``get_object`` on ``plans_visible_to``, then
``plan_analytics`` / ``plan_progress`` and DRF's serializers. That path is rebuilt here as it
was, and both are served the same request for plans with rest days, unlinked runs, runs outside
the plan's dates, missed / upcoming / completed workouts, a runner in another time zone, a
runner without a profile, a coach, a superuser, a stranger and an unknown id. A few numbers are
also worked out by hand, so the comparison cannot pass on two equally wrong answers.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from rest_framework.generics import GenericAPIView
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.test import APIRequestFactory, force_authenticate

from analytics import science, selectors
from analytics.api import views
from analytics.api.serializers import (
    PlanAnalyticsSerializer,
    PlanProgressSerializer,
    plan_analytics_data,
    plan_progress_data,
)
from analytics.types import (
    ActualTotals,
    PlanAnalytics,
    PlannedTotals,
    PlanProgress,
    PlanWeek,
    WorkoutCompliance,
    WorkoutCounts,
)
from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training.models import Plan, RunnerProfile, Workout
from training.selectors import plans_visible_to

pytestmark = pytest.mark.django_db

# 20:00 UTC on Tuesday 11 March 2025: already Wednesday 12 March in Kiritimati (UTC+14).
NOW = datetime(2025, 3, 11, 20, 0, tzinfo=UTC)
START = date(2025, 2, 24)  # a Monday; the plan runs four weeks and two days, to 25 March


def previous_plan_analytics(plan: Plan) -> PlanAnalytics:
    """The analytics as they were computed before (a copy kept as the reference)."""
    state = selectors._plan_state(plan, None)
    today = state.today
    counts = {"completed": 0, "missed": 0, "upcoming": 0}
    compliance: list[WorkoutCompliance] = []
    for w in state.workouts:
        status = science.workout_status(
            completed=w.completed, scheduled_date=w.scheduled_date, today=today
        )
        counts[status] += 1
        if status == "upcoming":
            continue
        ratio = science.compliance_ratio(
            actual_distance_m=w.actual_distance_m,
            planned_distance_m=w.planned_distance_m,
            actual_duration_s=w.actual_duration_s,
            planned_duration_s=w.planned_duration_s,
        )
        band = science.completed_workout_band(ratio) if status == "completed" else "missed"
        compliance.append(WorkoutCompliance(w.id, w.scheduled_date, ratio, band))

    weeks = []
    planned_by_week: dict[int, list[Any]] = defaultdict(list)
    for w in state.workouts:
        planned_by_week[science.plan_week_number(plan.start_date, w.scheduled_date)].append(w)
    actual_by_week: dict[int, float] = defaultdict(float)
    for day, (distance_m, _duration_s, _runs) in state.daily.items():
        if plan.start_date <= day <= plan.end_date:
            actual_by_week[science.plan_week_number(plan.start_date, day)] += distance_m
    for number in range(1, plan.week_count + 1):
        start, end = science.plan_week_bounds(plan.start_date, plan.end_date, number)
        in_week = planned_by_week.get(number, [])
        weeks.append(
            PlanWeek(
                week_number=number,
                start_date=start,
                end_date=end,
                planned_distance_m=float(sum(w.planned_distance_m or 0.0 for w in in_week)),
                actual_distance_m=actual_by_week.get(number, 0.0),
                planned_workouts=len(in_week),
                completed_workouts=sum(1 for w in in_week if w.completed),
            )
        )

    return PlanAnalytics(
        plan_id=plan.pk,
        planned=PlannedTotals(
            distance_m=float(sum(w.planned_distance_m or 0.0 for w in state.workouts)),
            duration_s=int(sum(w.planned_duration_s or 0 for w in state.workouts)),
            workouts=len(state.workouts),
        ),
        actual=ActualTotals(
            distance_m=float(sum(d for d, _, _ in state.daily.values())),
            duration_s=int(sum(s for _, s, _ in state.daily.values())),
            runs=int(sum(n for _, _, n in state.daily.values())),
        ),
        workouts=WorkoutCounts(**counts),
        adherence_percentage=science.adherence_percentage(counts["completed"], counts["missed"]),
        weeks=tuple(weeks),
        compliance=tuple(compliance),
    )


class _PreviousPlanView(GenericAPIView[Plan]):
    lookup_field = "pk"

    def get_queryset(self) -> Any:
        return plans_visible_to(self.request.user).select_related("runner__profile")


class PreviousPlanAnalyticsView(_PreviousPlanView):
    def get(self, request: Request, pk: Any) -> Response:
        analytics = previous_plan_analytics(self.get_object())
        return Response(PlanAnalyticsSerializer(analytics).data)


class PreviousPlanProgressView(_PreviousPlanView):
    def get(self, request: Request, pk: Any) -> Response:
        # Progress was read off the whole analytics, as it was computed before.
        analytics = previous_plan_analytics(self.get_object())
        progress = PlanProgress(
            total_workouts=analytics.planned.workouts,
            completed_workouts=analytics.workouts.completed,
            pending_workouts=analytics.planned.workouts - analytics.workouts.completed,
            total_planned_distance=analytics.planned.distance_m,
            total_actual_distance=analytics.actual.distance_m,
            adherence_percentage=analytics.adherence_percentage,
        )
        return Response(PlanProgressSerializer(progress).data)


ROUTES = {
    "analytics": (views.PlanAnalyticsView, PreviousPlanAnalyticsView),
    "progress": (views.PlanProgressView, PreviousPlanProgressView),
}


# Each route's own path: the new views keep their answers in the cache under it
# (tracker.kept_answers), as a served request would.
PATHS = {"analytics": "/api/v1/analytics/plan/{pk}", "progress": "/api/v1/plans/{pk}/progress"}


def served(view_class: type, user: Any, pk: Any, path: str) -> tuple[int, bytes]:
    request = APIRequestFactory().get(path)
    force_authenticate(request, user=user)
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        response = view_class.as_view()(request, pk=pk)
    response.render()
    return response.status_code, response.content


def both(route: str, user: Any, pk: Any) -> tuple[int, bytes]:
    """The new view's status and body, after checking the previous path gives the same."""
    new_view, previous_view = ROUTES[route]
    path = PATHS[route].format(pk=pk)
    new = served(new_view, user, pk, path)
    assert new == served(previous_view, user, pk, path)
    return new


def at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


@pytest.fixture
def plan(runner, coach) -> Plan:
    """Every kind of workout and run a plan's numbers have to get right."""
    plan = PlanFactory(runner=runner, coach=coach, start_date=START, end_date=date(2025, 3, 25))
    done_long = WorkoutFactory(plan=plan, scheduled_date=START, planned_distance_m=10_000.0)
    done_twice = WorkoutFactory(
        plan=plan, scheduled_date=START + timedelta(days=2), planned_distance_m=3_333.3
    )
    # Duration only, done: the ratio is by time.
    done_by_time = WorkoutFactory(
        plan=plan,
        scheduled_date=START + timedelta(days=7),
        planned_distance_m=None,
        planned_duration_s=1_800,
    )
    # Nothing planned, done: no ratio, green.
    WorkoutFactory(
        plan=plan,
        scheduled_date=START + timedelta(days=8),
        planned_distance_m=None,
        planned_duration_s=None,
    )
    WorkoutFactory(plan=plan, scheduled_date=START + timedelta(days=9))  # missed
    # Rest days never count, even with a run linked.
    rest = WorkoutFactory(
        plan=plan,
        scheduled_date=START + timedelta(days=10),
        workout_type=Workout.WorkoutType.REST,
        planned_distance_m=None,
        planned_duration_s=None,
    )
    # 11 March: upcoming on the runner's clock in UTC, missed in Kiritimati.
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 11), planned_distance_m=6_000.1)
    WorkoutFactory(plan=plan, scheduled_date=date(2025, 3, 24))  # upcoming everywhere
    for workout, distance_m, duration_s, day in (
        (done_long, 11_234.5, 3_400, START),
        (done_twice, 2_000.1, 700, START + timedelta(days=2)),
        (done_twice, 1_500.7, 500, START + timedelta(days=2)),
        (done_by_time, 5_000.0, 2_100, START + timedelta(days=7)),
        (rest, 1_000.0, 400, START + timedelta(days=10)),
    ):
        RunFactory(
            runner=runner,
            plan=plan,
            workout=workout,
            started_at=at(day),
            distance_m=distance_m,
            duration_s=duration_s,
        )
    # Done with no run named by the workout list: the 8 March run is the nothing-planned one's.
    nothing_planned = plan.workouts.get(scheduled_date=START + timedelta(days=8))
    RunFactory(
        runner=runner,
        plan=plan,
        workout=nothing_planned,
        started_at=at(START + timedelta(days=8)),
        distance_m=4_000.0,
        duration_s=1_300,
    )
    # On the plan but linked to no workout, one of them a second run that same day.
    RunFactory(
        runner=runner,
        plan=plan,
        started_at=at(START + timedelta(days=3)),
        distance_m=7_777.7,
        duration_s=2_500,
    )
    RunFactory(
        runner=runner,
        plan=plan,
        started_at=at(START + timedelta(days=8), hour=18),
        distance_m=2_222.2,
        duration_s=800,
    )
    # On the plan but outside its dates: in the actual totals, in no week.
    RunFactory(
        runner=runner,
        plan=plan,
        started_at=at(START - timedelta(days=3)),
        distance_m=9_000.0,
        duration_s=3_000,
    )
    # Not on the plan at all.
    RunFactory(runner=runner, started_at=at(START + timedelta(days=1)), distance_m=5_555.0)
    return plan


@pytest.mark.parametrize("route", ["analytics", "progress"])
def test_the_runner_coach_and_superuser_get_the_previous_bodies(
    route, plan, runner, coach, superuser
):
    for user in (runner, coach, superuser):
        status, _ = both(route, user, plan.pk)
        assert status == 200


def test_worked_out_by_hand_in_utc(plan, runner):
    status, content = both("analytics", runner, plan.pk)
    assert status == 200
    body = json.loads(content)
    assert body["plan_id"] == str(plan.pk)
    # Seven non-rest workouts: 10,000 + 3,333.3 + 8,000 (default) + 6,000.1 + 8,000 planned metres.
    assert body["planned"]["workouts"] == 7
    assert body["planned"]["distance_m"] == pytest.approx(35_333.4)
    # Runs on the plan: six linked (one to the rest day), two unlinked, one outside its dates.
    assert body["actual"]["runs"] == 9
    assert body["workouts"] == {"completed": 4, "missed": 1, "upcoming": 2}
    assert body["adherence_percentage"] == 80.0
    assert [w["week_number"] for w in body["weeks"]] == [1, 2, 3, 4, 5]
    assert body["weeks"][-1] == {
        "week_number": 5,
        "start_date": "2025-03-24",
        "end_date": "2025-03-25",
        "planned_distance_m": 8_000.0,
        "actual_distance_m": 0.0,
        "planned_workouts": 1,
        "completed_workouts": 0,
    }
    # The 9,000 m run three days before the start is in no week.
    assert body["weeks"][0]["actual_distance_m"] == pytest.approx(
        11_234.5 + 2_000.1 + 1_500.7 + 7_777.7
    )
    bands = [(c["scheduled_date"], c["ratio"], c["band"]) for c in body["compliance"]]
    assert bands == [
        ("2025-02-24", round(11_234.5 / 10_000, 4), "green"),
        ("2025-02-26", round(3_500.8 / 3_333.3, 4), "green"),
        ("2025-03-03", round(2_100 / 1_800, 4), "green"),
        ("2025-03-04", None, "green"),
        ("2025-03-05", 0.0, "missed"),
    ]


def test_a_runner_in_another_time_zone_has_their_own_today(plan, runner):
    utc_progress = both("progress", runner, plan.pk)[1]
    RunnerProfile.objects.filter(user=runner).update(timezone="Pacific/Kiritimati")
    status, content = both("analytics", runner, plan.pk)
    assert status == 200
    assert b'"workouts":{"completed":4,"missed":2,"upcoming":1}' in content
    status, kiritimati_progress = both("progress", runner, plan.pk)
    assert kiritimati_progress != utc_progress  # one more workout due: lower adherence
    assert b'"adherence_percentage":66.7' in kiritimati_progress


def test_a_runner_without_a_profile_counts_in_utc(plan, runner):
    RunnerProfile.objects.filter(user=runner).delete()
    status, content = both("analytics", runner, plan.pk)
    assert status == 200
    assert b'"workouts":{"completed":4,"missed":1,"upcoming":2}' in content


@pytest.mark.parametrize("route", ["analytics", "progress"])
def test_an_empty_plan(route, runner):
    plan = PlanFactory(runner=runner, start_date=START, end_date=START)
    status, content = both(route, runner, plan.pk)
    assert status == 200
    if route == "progress":
        assert content == (
            b'{"total_workouts":0,"completed_workouts":0,"pending_workouts":0,'
            b'"total_planned_distance":0.0,"total_actual_distance":0.0,'
            b'"adherence_percentage":0.0}'
        )


@pytest.mark.parametrize("route", ["analytics", "progress"])
def test_strangers_and_unknown_plans_get_the_same_404(route, plan, other_runner, other_coach):
    strangers = ((other_runner, plan.pk), (other_coach, plan.pk), (plan.runner, uuid.uuid4()))
    for user, pk in strangers:
        assert both(route, user, pk) == (
            404,
            b'{"type":"client_error","errors":[{"code":"not_found","detail":"Not found.",'
            b'"attr":null}]}',
        )


def test_lean_bodies_equal_drfs_for_a_plan_with_many_weeks(runner):
    plan = PlanFactory(runner=runner, start_date=START, end_date=START + timedelta(days=111))
    for day in range(0, 112, 3):
        workout = WorkoutFactory(
            plan=plan, scheduled_date=START + timedelta(days=day), planned_distance_m=4_321.9
        )
        if day % 2:
            RunFactory(
                runner=runner,
                plan=plan,
                workout=workout,
                started_at=at(START + timedelta(days=day)),
                distance_m=1_000.0 + day * 37.3,
                duration_s=400 + day,
            )
        # Three unlinked runs on some days: sums whose last bits depend on the order of adding.
        for extra in range(3 if day % 5 == 0 else 0):
            RunFactory(
                runner=runner,
                plan=plan,
                started_at=at(START + timedelta(days=day), hour=10 + extra),
                distance_m=0.1 + extra * 1_234.567 + day * 0.3,
                duration_s=300 + extra,
            )
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        analytics = selectors.plan_analytics(plan=plan)
        progress = selectors.plan_progress(plan=plan)
    assert plan_analytics_data(analytics) == PlanAnalyticsSerializer(analytics).data
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        assert analytics == previous_plan_analytics(plan)
    assert plan_progress_data(progress) == PlanProgressSerializer(progress).data
    for route in ROUTES:
        assert both(route, runner, plan.pk)[0] == 200


def test_one_query_and_no_user_row(plan, coach, django_assert_num_queries):
    # The coach is given as a bare id and flag, what the token cache's lazy user carries without
    # loading its row: anything else read from it would raise here.
    class IdOnly:
        pk = coach.pk
        is_superuser = False

    with django_assert_num_queries(1):
        state = selectors.visible_plan_state(IdOnly(), plan.pk)
    assert state is not None and state.plan_id == plan.pk
    stranger = UserFactory()
    with django_assert_num_queries(1):
        assert selectors.visible_plan_state(stranger, plan.pk) is None
