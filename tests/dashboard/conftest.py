"""Fixtures for the dashboard tests: a logged-in Django test client and a plan whose workouts
fall in the current week (Monday to Sunday in the runner's time zone)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.cache import cache

from tests.factories import PlanFactory, WorkoutFactory
from tests.helpers import this_monday
from training.models import Workout


@pytest.fixture(autouse=True)
def _clear_login_limits():
    # The login limiter counts in the cache; each test starts with a fresh budget.
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def week_plan(runner):
    """An active plan for ``runner`` with an easy run on Monday, a rest day on Wednesday and a
    long run on Sunday of the current week."""
    monday = this_monday()
    plan = PlanFactory(
        runner=runner,
        name="Spring half",
        start_date=monday - timedelta(weeks=2),
        end_date=monday + timedelta(weeks=6, days=-1),
    )
    easy = WorkoutFactory(plan=plan, name="Easy 8k", scheduled_date=monday, planned_distance_m=8000)
    rest = WorkoutFactory(
        plan=plan,
        name="Rest day",
        workout_type=Workout.WorkoutType.REST,
        scheduled_date=monday + timedelta(days=2),
        planned_distance_m=None,
        planned_duration_s=None,
    )
    long = WorkoutFactory(
        plan=plan,
        name="Long run",
        workout_type=Workout.WorkoutType.LONG,
        scheduled_date=monday + timedelta(days=6),
        planned_distance_m=18000,
        planned_duration_s=6300,
    )
    return plan, easy, rest, long
