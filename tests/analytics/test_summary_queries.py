"""The summary's faster queries (docs/PERFORMANCE.md) answer exactly what the slower ones did:
totals added exactly from weekly and daily partial sums, and the personal-best candidates
picked on both backends."""

from __future__ import annotations

import math
from datetime import UTC, date, datetime, timedelta

import pytest

from analytics import selectors
from tests.factories import RunFactory
from training.models import Run

pytestmark = pytest.mark.django_db


def test_totals_are_the_exact_sum_of_runs_in_different_weeks(runner):
    # 1000.1 + 1000.2 + 1000.3 is 3000.6000000000004 or 3000.6 depending on the order of the
    # additions; the totals are added with fsum from per-week sums, so always the latter.
    today = date(2025, 3, 12)
    for weeks_ago, distance_m in enumerate([1000.1, 1000.2, 1000.3]):
        started = datetime.combine(today - timedelta(weeks=weeks_ago), datetime.min.time(), UTC)
        RunFactory(runner=runner, started_at=started, distance_m=distance_m, duration_s=300)
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=today)
    assert summary.totals.distance_m == math.fsum([1000.1, 1000.2, 1000.3]) == 3000.6
    assert summary.totals.runs == 3
    assert summary.totals.duration_s == 900
    assert [w.runs for w in summary.weekly[-3:]] == [1, 1, 1]


def test_period_totals_and_weekly_series_come_from_the_same_scan(runner):
    # Runs in the week after ``date_to`` count in the weekly series (which runs to the end of
    # this week) but not in the period's totals.
    today = date(2025, 3, 12)  # a Wednesday
    for day, distance_m in [(date(2025, 3, 3), 5000.0), (date(2025, 3, 11), 7000.0)]:
        RunFactory(
            runner=runner,
            started_at=datetime.combine(day, datetime.min.time(), UTC),
            distance_m=distance_m,
            duration_s=1800,
        )
    summary = selectors.runner_summary(
        runner=runner, date_from=date(2025, 3, 1), date_to=date(2025, 3, 9), today=today
    )
    assert summary.totals.runs == 1
    assert summary.totals.distance_m == 5000.0
    assert summary.period.date_from == date(2025, 3, 1)
    # The series ends with the week of date_to (from 2025-03-03), which holds the first run only.
    assert summary.weekly[-1].week_start == date(2025, 3, 3)
    assert summary.weekly[-1].distance_m == 5000.0
    # Both runs are in this ISO week or the last: a streak of 2.
    assert summary.streak_weeks == 2


def test_empty_history_has_zero_totals_and_no_first_day(runner):
    summary = selectors.runner_summary(
        runner=runner, date_from=None, date_to=None, today=date(2025, 3, 12)
    )
    assert summary.totals.runs == 0
    assert summary.totals.distance_m == 0.0
    assert summary.totals.avg_pace_s_per_km is None
    assert summary.period.date_from is None
    assert summary.longest_run is None and summary.fastest_run is None


def test_fastest_run_orders_by_the_database_pace_expression(runner):
    today = date(2025, 3, 12)
    noon = datetime(2025, 3, 10, 12, tzinfo=UTC)
    RunFactory(runner=runner, started_at=noon, distance_m=10_000, duration_s=3_000)  # 300 s/km
    quick = RunFactory(
        runner=runner, started_at=noon - timedelta(days=1), distance_m=5_000, duration_s=1_400
    )  # 280 s/km
    # Pace in the database equals pace in Python (integer seconds over float metres).
    paces = dict(Run.objects.annotate(p=selectors.pace_s_per_m()).values_list("id", "p"))
    assert paces[quick.pk] == pytest.approx(1_400 / 5_000)
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=today)
    assert summary.fastest_run is not None and summary.fastest_run.id == quick.pk
    assert summary.longest_run is not None and summary.longest_run.distance_m == 10_000


def test_a_period_of_short_runs_has_a_longest_run_and_no_fastest(runner):
    # The fastest run must be at least FASTEST_RUN_MIN_DISTANCE_M long; the longest need not.
    today = date(2025, 3, 12)
    noon = datetime(2025, 3, 10, 12, tzinfo=UTC)
    short = selectors.FASTEST_RUN_MIN_DISTANCE_M / 2
    RunFactory(runner=runner, started_at=noon, distance_m=short, duration_s=100)
    longer = RunFactory(
        runner=runner, started_at=noon - timedelta(hours=2), distance_m=short + 1, duration_s=200
    )
    summary = selectors.runner_summary(runner=runner, date_from=None, date_to=None, today=today)
    assert summary.longest_run is not None and summary.longest_run.id == longer.pk
    assert summary.fastest_run is None


def test_longest_and_fastest_come_from_their_own_period(runner):
    # A period that leaves out the longest and the fastest run of all finds those of its own.
    today = date(2025, 3, 12)
    noon = datetime(2025, 3, 10, 12, tzinfo=UTC)
    RunFactory(runner=runner, started_at=noon, distance_m=20_000, duration_s=5_000)
    RunFactory(
        runner=runner, started_at=noon - timedelta(days=1), distance_m=5_000, duration_s=1_000
    )
    inside_long = RunFactory(
        runner=runner, started_at=noon - timedelta(days=8), distance_m=12_000, duration_s=4_000
    )
    inside_fast = RunFactory(
        runner=runner, started_at=noon - timedelta(days=9), distance_m=6_000, duration_s=1_500
    )
    summary = selectors.runner_summary(
        runner=runner, date_from=date(2025, 2, 1), date_to=date(2025, 3, 5), today=today
    )
    assert summary.longest_run is not None and summary.longest_run.id == inside_long.pk
    assert summary.fastest_run is not None and summary.fastest_run.id == inside_fast.pk
    assert summary.longest_run.pace_s_per_km == pytest.approx(4_000 / 12)


def test_the_best_efforts_statement_is_short_enough_for_psycopg_to_keep_its_conversion():
    # psycopg keeps the conversion of a statement's named parameters (%(name)s to $n) only for
    # statements of at most 4,096 characters (psycopg/_queries.py); the indented text was
    # longer and was converted again on every summary (docs/PERFORMANCE.md, section 38).
    assert len(selectors._best_efforts_sql()) <= 4_096
