"""analytics.selectors.squad_overview and science.athlete_flags: the coach's squad rows, each
flag's edge, the week seen on the athlete's own clock, and a query count that does not grow with
the squad."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from unittest import mock

import pytest

from analytics import science
from analytics.selectors import squad_overview
from tests.factories import PlanFactory, RunFactory, UserFactory, WorkoutFactory
from training.models import Plan, RunnerProfile, Workout

# A Thursday noon UTC: Monday to Wednesday of this week are past, Friday to Sunday to come.
NOW = datetime(2026, 3, 12, 12, 0, tzinfo=UTC)
TODAY = date(2026, 3, 12)
MONDAY = date(2026, 3, 9)


@pytest.fixture
def frozen():
    with mock.patch("django.utils.timezone.now", return_value=NOW):
        yield


def at(day: date, hour: int = 7) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


# --- the pure flags -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "expected"),
    [
        ({}, ()),
        ({"missed_key_sessions": 1}, ("missed_key_session",)),
        ({"tsb": -30.0}, ()),  # "below -30" is strict
        ({"tsb": -30.1}, ("form_low",)),
        ({"last_run_day": TODAY - timedelta(days=6)}, ()),
        ({"last_run_day": TODAY - timedelta(days=7)}, ("idle",)),
        ({"last_run_day": None}, ("idle",)),
        ({"plan_end": TODAY + timedelta(days=14)}, ("plan_ending",)),
        ({"plan_end": TODAY + timedelta(days=15)}, ()),
        ({"plan_end": TODAY}, ("plan_ending",)),
        ({"plan_end": TODAY - timedelta(days=1)}, ()),  # ended: not "ending"
        (
            {"missed_key_sessions": 2, "tsb": -45.0, "last_run_day": None, "plan_end": TODAY},
            ("missed_key_session", "form_low", "idle", "plan_ending"),
        ),
    ],
)
def test_athlete_flags_edges(kwargs, expected):
    arguments = {
        "missed_key_sessions": 0,
        "tsb": 0.0,
        "last_run_day": TODAY - timedelta(days=1),
        "plan_end": TODAY + timedelta(days=60),
        "today": TODAY,
        **kwargs,
    }
    assert science.athlete_flags(**arguments) == expected


# --- the selector ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_squad_lists_only_the_coachs_runners(frozen, coach, other_coach):
    mine = UserFactory(username="mine")
    theirs = UserFactory(username="theirs")
    PlanFactory(runner=mine, coach=coach, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=8))
    PlanFactory(
        runner=theirs, coach=other_coach, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=8)
    )
    PlanFactory(runner=theirs, coach=None, start_date=MONDAY, end_date=MONDAY + timedelta(weeks=8))
    assert [row.username for row in squad_overview(coach=coach)] == ["mine"]
    assert [row.username for row in squad_overview(coach=other_coach)] == ["theirs"]


@pytest.mark.django_db
def test_squad_row_week_last_run_and_flags(frozen, coach):
    runner = UserFactory(username="ann")
    plan = PlanFactory(
        runner=runner,
        coach=coach,
        start_date=MONDAY - timedelta(weeks=4),
        end_date=TODAY + timedelta(days=10),
    )
    tempo = WorkoutFactory(
        plan=plan,
        name="Tempo",
        workout_type=Workout.WorkoutType.TEMPO,
        scheduled_date=MONDAY + timedelta(days=1),
        planned_distance_m=8000.0,
    )
    easy = WorkoutFactory(plan=plan, name="Easy", scheduled_date=MONDAY, planned_distance_m=10000.0)
    WorkoutFactory(
        plan=plan,
        name="Long",
        workout_type=Workout.WorkoutType.LONG,
        scheduled_date=MONDAY + timedelta(days=6),
        planned_distance_m=20000.0,
    )
    WorkoutFactory(
        plan=plan,
        name="Rest",
        workout_type=Workout.WorkoutType.REST,
        scheduled_date=MONDAY + timedelta(days=4),
        planned_distance_m=None,
    )
    WorkoutFactory(
        plan=plan,
        name="Race",
        workout_type=Workout.WorkoutType.RACE,
        scheduled_date=TODAY + timedelta(days=9),
        planned_distance_m=21097.5,
    )
    # The Monday easy run done at 9 of 10 km (green); a run last week does not count this week.
    RunFactory(
        runner=runner,
        plan=plan,
        workout=easy,
        started_at=at(MONDAY),
        distance_m=9000.0,
        duration_s=2700,
    )
    RunFactory(
        runner=runner, started_at=at(MONDAY - timedelta(days=2)), distance_m=5000.0, duration_s=1500
    )
    [row] = squad_overview(coach=coach)
    assert row.week_start == MONDAY
    assert row.planned_distance_m == 38000.0  # easy + tempo + long; rest and race next week
    assert row.done_distance_m == 9000.0
    assert (row.done_sessions, row.planned_sessions) == (1, 3)
    assert [(w.name, w.band) for w in row.workouts] == [
        ("Easy", "green"),
        ("Tempo", "missed"),
        ("Long", "upcoming"),
    ]
    assert row.last_run_day == MONDAY
    assert row.last_run.distance_m == 9000.0
    assert row.last_run.pace_s_per_km == 300.0  # 2700 s over 9 km
    assert (row.next_race_date, row.next_race_name) == (TODAY + timedelta(days=9), "Race")
    assert row.plan_id == plan.pk and row.plan_end == TODAY + timedelta(days=10)
    assert row.flags == ("missed_key_session", "plan_ending")
    assert tempo.pk in {w.id for w in row.workouts}


@pytest.mark.django_db
def test_squad_form_below_minus_30_after_a_heavy_block(frozen, coach):
    """Ten days of 2-hour runs at effort 9 (1080 load units a day) after nothing: ATL climbs
    far faster than CTL, so form (yesterday's CTL - ATL) falls well below -30."""
    runner = UserFactory(username="heavy")
    PlanFactory(
        runner=runner,
        coach=coach,
        start_date=MONDAY - timedelta(weeks=2),
        end_date=MONDAY + timedelta(weeks=10),
    )
    for offset in range(1, 11):
        RunFactory(
            runner=runner,
            started_at=at(TODAY - timedelta(days=offset)),
            distance_m=20000.0,
            duration_s=7200,
            perceived_effort=9,
        )
    [row] = squad_overview(coach=coach)
    # Reference by the EWMA definition: k = 1 - e^(-1/N), fed 1080 for the ten days before today.
    k_atl, k_ctl = 1 - 2.718281828459045 ** (-1 / 7), 1 - 2.718281828459045 ** (-1 / 42)
    atl = ctl = 0.0
    for _ in range(10):
        atl += k_atl * (1080 - atl)
        ctl += k_ctl * (1080 - ctl)
    assert row.tsb == pytest.approx(round(ctl - atl, 1), abs=0.1)
    assert row.tsb < -30
    assert "form_low" in row.flags


@pytest.mark.django_db
def test_squad_idle_runner_and_runner_without_runs(frozen, coach):
    idle = UserFactory(username="idle")
    never = UserFactory(username="never")
    for runner in (idle, never):
        PlanFactory(
            runner=runner,
            coach=coach,
            start_date=MONDAY - timedelta(weeks=2),
            end_date=MONDAY + timedelta(weeks=10),
        )
    RunFactory(runner=idle, started_at=at(TODAY - timedelta(days=8)))
    rows = {row.username: row for row in squad_overview(coach=coach)}
    assert rows["idle"].flags == ("idle",)
    assert rows["never"].flags == ("idle",)
    assert rows["never"].last_run is None


@pytest.mark.django_db
def test_squad_week_is_the_athletes_local_week(coach):
    """Sunday 23:30 UTC is already Monday in Auckland: that athlete's week has begun."""
    runner = UserFactory(username="kiwi")
    RunnerProfile.objects.filter(user=runner).update(timezone="Pacific/Auckland", units="mi")
    PlanFactory(runner=runner, coach=coach, start_date=date(2026, 3, 1), end_date=date(2026, 5, 1))
    with mock.patch(
        "django.utils.timezone.now", return_value=datetime(2026, 3, 15, 23, 30, tzinfo=UTC)
    ):
        [row] = squad_overview(coach=coach)
    assert row.today == date(2026, 3, 16)
    assert row.week_start == date(2026, 3, 16)
    assert row.units == "mi"


def _squad_of(coach, size: int) -> None:
    for index in range(size):
        runner = UserFactory(username=f"squad{index:03d}")
        plan = PlanFactory(
            runner=runner,
            coach=coach,
            start_date=MONDAY - timedelta(weeks=2),
            end_date=MONDAY + timedelta(weeks=10),
            status=Plan.Status.ACTIVE,
        )
        workout = WorkoutFactory(plan=plan, scheduled_date=MONDAY)
        WorkoutFactory(
            plan=plan,
            scheduled_date=MONDAY + timedelta(days=1),
            workout_type=Workout.WorkoutType.SPEED,
        )
        RunFactory(runner=runner, plan=plan, workout=workout, started_at=at(MONDAY))
        RunFactory(runner=runner, started_at=at(MONDAY - timedelta(days=3)))


@pytest.mark.django_db
@pytest.mark.parametrize("size", [5, 50])
def test_squad_query_count_does_not_grow(frozen, coach, size, django_assert_max_num_queries):
    _squad_of(coach, size)
    with django_assert_max_num_queries(5):
        rows = squad_overview(coach=coach)
    assert len(rows) == size
    assert all(row.flags == ("missed_key_session",) for row in rows)


@pytest.mark.django_db
def test_missed_key_session_looks_back_seven_days_not_to_the_calendar_week(coach):
    """On Monday 16 March, Sunday's skipped long run (yesterday) flags; a tempo skipped on
    Sunday 8 March (eight days back) and a skipped easy run do not."""
    runner = UserFactory(username="monday")
    plan = PlanFactory(
        runner=runner, coach=coach, start_date=date(2026, 3, 2), end_date=date(2026, 5, 31)
    )
    WorkoutFactory(
        plan=plan,
        name="Old tempo",
        workout_type=Workout.WorkoutType.TEMPO,
        scheduled_date=date(2026, 3, 8),
    )
    WorkoutFactory(plan=plan, name="Easy", scheduled_date=date(2026, 3, 14))
    RunFactory(runner=runner, started_at=at(date(2026, 3, 14)))
    with mock.patch("django.utils.timezone.now", return_value=datetime(2026, 3, 16, 9, tzinfo=UTC)):
        assert squad_overview(coach=coach)[0].flags == ()
        WorkoutFactory(
            plan=plan,
            name="Long",
            workout_type=Workout.WorkoutType.LONG,
            scheduled_date=date(2026, 3, 15),
        )
        [row] = squad_overview(coach=coach)
    assert row.flags == ("missed_key_session",)
    assert row.workouts == ()  # the calendar week (from Monday 16) has no workouts yet
