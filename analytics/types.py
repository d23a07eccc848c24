"""The analytics results: frozen dataclasses (and two NamedTuples, see ``PlanWeek``) that the API
serializers and the dashboard read, and the error the plan-week selector raises. Plain Python
(no Django), so the pure rules in ``analytics.science`` and the queries in
``analytics.selectors`` can both build and read them. Units are in the field names (metres,
seconds, seconds per km)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple

from analytics.science import Flag, LoadPoint, TrainingPaces


@dataclass(frozen=True)
class Period:
    date_from: date | None
    date_to: date


@dataclass(frozen=True)
class Totals:
    runs: int
    distance_m: float
    duration_s: int
    elevation_gain_m: float
    avg_pace_s_per_km: float | None


@dataclass(frozen=True)
class RunBrief:
    id: uuid.UUID
    started_at: datetime
    distance_m: float
    duration_s: int
    pace_s_per_km: float | None


@dataclass(frozen=True)
class WeekTotals:
    week_start: date
    distance_m: float
    duration_s: int
    runs: int


@dataclass(frozen=True)
class PersonalBest:
    distance_m: float
    duration_s: float
    run_id: uuid.UUID
    started_at: datetime


@dataclass(frozen=True)
class Prediction:
    distance_m: float
    riegel_s: float
    vdot_s: float


@dataclass(frozen=True)
class TrainingLoad:
    atl: float
    ctl: float
    tsb: float
    acwr: float | None
    series: tuple[LoadPoint, ...]


@dataclass(frozen=True)
class RunnerSummary:
    period: Period
    totals: Totals
    longest_run: RunBrief | None
    fastest_run: RunBrief | None
    weekly: tuple[WeekTotals, ...]
    personal_bests: tuple[PersonalBest, ...]
    vdot: float | None
    predictions: tuple[Prediction, ...]
    training_load: TrainingLoad
    streak_weeks: int
    # Daniels' paces of ``vdot`` (s/km, to 0.1); None without a VDOT.
    training_paces: TrainingPaces | None = None


@dataclass(frozen=True)
class PlannedTotals:
    distance_m: float
    duration_s: int
    workouts: int


@dataclass(frozen=True)
class ActualTotals:
    distance_m: float
    duration_s: int
    runs: int


@dataclass(frozen=True)
class WorkoutCounts:
    completed: int
    missed: int
    upcoming: int


# The plan's weeks and compliance rows are NamedTuples, immutable like the dataclasses around
# them: a plan analytics request builds one per week and per due workout (about 70 for a 16-week
# plan), and a frozen dataclass costs several times a tuple to build (docs/PERFORMANCE.md,
# section 23).
class PlanWeek(NamedTuple):
    week_number: int
    start_date: date
    end_date: date
    planned_distance_m: float
    actual_distance_m: float
    planned_workouts: int
    completed_workouts: int


class WorkoutCompliance(NamedTuple):
    workout_id: uuid.UUID
    scheduled_date: date
    ratio: float | None
    band: str  # green | yellow | red | missed


@dataclass(frozen=True)
class PlanAnalytics:
    plan_id: uuid.UUID
    planned: PlannedTotals
    actual: ActualTotals
    workouts: WorkoutCounts
    adherence_percentage: float
    weeks: tuple[PlanWeek, ...]
    compliance: tuple[WorkoutCompliance, ...]


@dataclass(frozen=True)
class PlanProgress:
    total_workouts: int
    completed_workouts: int
    pending_workouts: int
    total_planned_distance: float
    total_actual_distance: float
    adherence_percentage: float


@dataclass(frozen=True)
class WeekRun:
    id: uuid.UUID
    started_at: datetime
    distance_m: float
    pace_s_per_km: float | None
    notes: str


@dataclass(frozen=True)
class PlanWeekSummary:
    week_number: int
    start_date: date
    end_date: date
    planned_distance: float
    total_distance: float
    planned_runs: int
    completed_runs: int
    runs: tuple[WeekRun, ...]


@dataclass(frozen=True)
class SquadWorkout:
    """One workout of an athlete's week on the squad page, coloured as on the plan page
    (``band``: green, yellow, red, missed, upcoming)."""

    id: uuid.UUID
    scheduled_date: date
    name: str
    workout_type: str
    band: str


@dataclass(frozen=True)
class SquadRow:
    """One coached athlete on the squad page. "This week" is the ISO week of ``today``, the
    athlete's local day; planned figures count the coach's plans' non-rest workouts, done
    figures every run of the athlete that week."""

    runner_id: int
    username: str
    full_name: str
    units: str
    today: date
    week_start: date
    planned_distance_m: float
    done_distance_m: float
    planned_sessions: int
    done_sessions: int
    workouts: tuple[SquadWorkout, ...]
    last_run: RunBrief | None
    last_run_day: date | None
    ctl: float
    atl: float
    tsb: float
    next_race_date: date | None
    next_race_name: str
    plan_id: uuid.UUID | None
    plan_name: str
    plan_end: date | None
    flags: tuple[Flag, ...]


class WeekOutOfRange(ValueError):
    """``week_number`` is not a week of the plan."""

    def __init__(self, week_count: int) -> None:
        super().__init__(f"Week number must be between 1 and {week_count} for this plan.")
        self.week_count = week_count
