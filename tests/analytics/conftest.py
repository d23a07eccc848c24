"""Fixed data sets for the analytics endpoints, with every expected value worked out by hand in
the tests that use them. "Today" is pinned to Wednesday 12 March 2025 in the runner's zone."""

from __future__ import annotations

from datetime import date

import pytest

from tests.analytics.helpers import TODAY, at
from tests.factories import PlanFactory, RunFactory, WorkoutFactory
from training.models import Workout


@pytest.fixture
def fixed_today(monkeypatch):
    """Pin the runner's "today" for the selectors and the views alike."""
    monkeypatch.setattr("analytics.selectors.local_today", lambda tz: TODAY)
    return TODAY


@pytest.fixture
def summary_runs(runner, other_runner):
    """Runner A's runs (ids by name) and one of runner B's that must never show up.

    R2 starts at 03:30 UTC on Monday 10 March but in New York, where it is still Sunday 9 March
    at 23:30 (EDT, UTC-4): it belongs to the week of 3 March, not this week.
    """
    runs = {
        "R1": RunFactory(
            runner=runner,
            started_at=at(2025, 3, 11),
            distance_m=10_000,
            duration_s=3_000,
            elevation_gain_m=50,
            perceived_effort=5,
        ),
        "R2": RunFactory(
            runner=runner,
            started_at=at(2025, 3, 10, 3, 30),
            timezone="America/New_York",
            distance_m=5_000,
            duration_s=1_450,
            elevation_gain_m=20,
        ),
        "R3": RunFactory(
            runner=runner, started_at=at(2025, 3, 3), distance_m=8_000, duration_s=2_640
        ),
        "R4": RunFactory(
            runner=runner, started_at=at(2025, 2, 20), distance_m=12_000, duration_s=3_960
        ),
        "R6": RunFactory(
            runner=runner, started_at=at(2024, 6, 1), distance_m=6_000, duration_s=1_800
        ),
    }
    RunFactory(runner=other_runner, started_at=at(2025, 3, 11), distance_m=20_000, duration_s=4_000)
    return runs


@pytest.fixture
def plan_data(runner, coach):
    """A three-week plan (Mon 3 March - Wed 19 March 2025) coached by ``coach``.

    Non-rest workouts and their linked runs (ratio = actual / planned):
      W1 03-03  8000 m, ran 6400  -> 0.8    green (edge)
      W2 03-04  8000 m, ran 9600  -> 1.2    green (edge)
      W3 03-05  rest (5000 m planned, ignored)
      W4 03-06  8000 m, ran 4000  -> 0.5    yellow (edge)
      W5 03-07  8000 m, ran 12000 -> 1.5    yellow (edge)
      W6 03-08 10000 m, ran 12010 -> 1.201  yellow (just past 1.2)
      W7 03-09  3600 s only, ran 1000 s -> 0.2778 red (by duration); its run starts 02:00 UTC
                on 03-10 in New York, i.e. Sunday 03-09 22:00 local, so it is in week 1
      W8 03-10  8000 m, no run -> missed
      W9 03-11  5000 m, no run -> missed
      W10 03-12 5000 m, no run -> upcoming (today is not yet missed)
      W11 03-14 6000 m, no run -> upcoming
      W13 03-16 rest -> ignored
      W12 03-18 16000 m, no run -> upcoming
    plus an unlinked plan run of 3000 m on 03-12 and an off-plan run that must not count.
    """
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2025, 3, 3), end_date=date(2025, 3, 19)
    )

    def workout(day: int, distance_m=None, duration_s=None, kind=Workout.WorkoutType.EASY):
        return WorkoutFactory(
            plan=plan,
            scheduled_date=date(2025, 3, day),
            workout_type=kind,
            planned_distance_m=distance_m,
            planned_duration_s=duration_s,
        )

    w = {
        "W1": workout(3, 8_000),
        "W2": workout(4, 8_000, kind=Workout.WorkoutType.TEMPO),
        "W3": workout(5, 5_000, kind=Workout.WorkoutType.REST),
        "W4": workout(6, 8_000, kind=Workout.WorkoutType.SPEED),
        "W5": workout(7, 8_000, kind=Workout.WorkoutType.LONG),
        "W6": workout(8, 10_000),
        "W7": workout(9, None, 3_600),
        "W8": workout(10, 8_000),
        "W9": workout(11, 5_000),
        "W10": workout(12, 5_000),
        "W11": workout(14, 6_000),
        "W13": workout(16, None, kind=Workout.WorkoutType.REST),
        "W12": workout(18, 16_000, kind=Workout.WorkoutType.LONG),
    }

    def linked(name: str, started_at, distance_m, duration_s, tz="UTC"):
        return RunFactory(
            runner=runner,
            plan=plan,
            workout=w[name],
            started_at=started_at,
            timezone=tz,
            distance_m=distance_m,
            duration_s=duration_s,
        )

    runs = [
        linked("W1", at(2025, 3, 3), 6_400, 1_920),
        linked("W2", at(2025, 3, 4), 9_600, 2_880),
        linked("W4", at(2025, 3, 6), 4_000, 1_200),
        linked("W5", at(2025, 3, 7), 12_000, 3_900),
        linked("W6", at(2025, 3, 8), 12_010, 3_600),
        linked("W7", at(2025, 3, 10, 2, 0), 3_000, 1_000, tz="America/New_York"),
        RunFactory(
            runner=runner,
            plan=plan,
            started_at=at(2025, 3, 12),
            distance_m=3_000,
            duration_s=900,
            notes="shakeout",
        ),
    ]
    RunFactory(runner=runner, started_at=at(2025, 3, 12, 18), distance_m=7_000, duration_s=2_100)
    return plan, w, runs
