"""The analytics cost a fixed number of queries, however many runs there are (docs/API.md,
Analytics)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from tests.factories import PlanFactory, UserFactory, WorkoutFactory
from training.models import Run

pytestmark = pytest.mark.django_db

# Summary: the runner's profile facts with the version of their runs (the answer is kept in the
# cache at it: docs/PERFORMANCE.md, section 35), then the runner's weeks (weekly series,
# streak, totals), the days of the load window and of the weeks the period cuts, longest and
# fastest (one statement on PostgreSQL, section 38), best efforts (section 22).
SUMMARY_MAX_QUERIES = 5 if connection.vendor == "postgresql" else 6
# Plan analytics and progress: the plan under its visibility check with the runner's time zone,
# its workouts with their runs' sums and its runs per day, all in one statement
# (docs/PERFORMANCE.md, section 23). On PostgreSQL the version of what that statement reads
# comes first, one small statement (section 35): an unchanged plan is then answered from the
# cache with it alone (tests/analytics/test_kept_plan_answers.py).
PLAN_QUERIES = 2 if connection.vendor == "postgresql" else 1
# The weekly summary still loads the plan with the runner's profile (one join), its workouts with
# their runs' sums and its runs per day, then that week's runs.
PLAN_WEEK_QUERIES = 4


def bulk_runs(runner, count: int, *, plan=None, workouts=()) -> None:
    """``count`` runs, one a day back from today (so every window has data). bulk_create skips
    Run.save, so local_date is set here (UTC runs: the UTC date)."""
    today = timezone.localdate()
    runs = []
    for i in range(count):
        day = today - timedelta(days=i)
        workout = workouts[i % len(workouts)] if workouts else None
        runs.append(
            Run(
                runner=runner,
                plan=plan,
                workout=workout,
                started_at=datetime.combine(day, time(6, 0), tzinfo=UTC),
                timezone="UTC",
                local_date=day,
                distance_m=5_000 + (i % 17) * 500,
                duration_s=1_500 + (i % 13) * 120,
                perceived_effort=(i % 10) + 1 if i % 3 else None,
                avg_heart_rate=140 + i % 20,
            )
        )
    Run.objects.bulk_create(runs, batch_size=500)


def summary_queries(client_for, runs: int) -> int:
    runner = UserFactory(username=f"bulk{runs}")
    runner.profile.max_hr, runner.profile.resting_hr = 190, 50
    runner.profile.save()
    bulk_runs(runner, runs)
    client = client_for(runner)
    with CaptureQueriesContext(connection) as ctx:
        response = client.get("/api/v1/analytics/summary", {"period": "year"})
    assert response.status_code == 200
    assert response.json()["totals"]["runs"] > 0
    return len(ctx.captured_queries)


def plan_queries(client_for, runs: int) -> int:
    runner = UserFactory(username=f"planbulk{runs}")
    today = timezone.localdate()
    plan = PlanFactory(runner=runner, start_date=today - timedelta(days=300), end_date=today)
    workouts = [
        WorkoutFactory(plan=plan, scheduled_date=plan.start_date + timedelta(days=d))
        for d in range(0, 300, 10)
    ]
    bulk_runs(runner, runs, plan=plan, workouts=workouts)
    client = client_for(runner)
    counts = []
    for url in (
        f"/api/v1/analytics/plan/{plan.pk}",
        f"/api/v1/plans/{plan.pk}/progress",
        f"/api/v1/plans/{plan.pk}/weekly-summary?week_number=3",
    ):
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        counts.append(len(ctx.captured_queries))
    return counts


def test_summary_query_count_does_not_grow_with_runs(client_for):
    small = summary_queries(client_for, 10)
    large = summary_queries(client_for, 2_000)
    assert small == large
    # At least the grouped queries themselves ran (a capture that saw nothing would pass above).
    assert large == SUMMARY_MAX_QUERIES


def test_plan_analytics_query_count_does_not_grow_with_runs(client_for):
    small = plan_queries(client_for, 10)
    large = plan_queries(client_for, 2_000)
    assert small == large
    assert large == [PLAN_QUERIES, PLAN_QUERIES, PLAN_WEEK_QUERIES]
